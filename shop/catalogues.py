"""Compiled translation catalogues (.mo): built at install, required in production.

``compile_catalogues`` is what the packaging hook (``setup.py``) and ``make translations`` run;
this module imports nothing but Babel, so ``setup.py`` can load it before Flask is installed.
``unusable_catalogues`` lists the catalogues that are missing or older than their ``.po`` —
production refuses to start with any (``REQUIRE_COMPILED_TRANSLATIONS``), because without them
every visitor would be served English.
"""

from __future__ import annotations

from pathlib import Path

DOMAIN = "messages"


def compile_catalogues(directory: Path) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` under ``directory``; returns the .mo
    files written. Fuzzy entries are left out, as ``pybabel compile`` does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(Path(directory).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def unusable_catalogues(directory: Path, languages: tuple[str, ...] | list[str]) -> list[str]:
    """The languages whose compiled catalogue is missing or older than its .po file."""
    problems = []
    for lang in languages:
        po_path = Path(directory) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{lang}: {mo_path} is missing")
        elif po_path.exists() and mo_path.stat().st_mtime < po_path.stat().st_mtime:
            problems.append(f"{lang}: {mo_path} is older than {po_path.name}")
    return problems


def check_compiled_catalogues(app) -> None:
    """Refuse to start (RuntimeError) when a language's compiled catalogue is unusable."""
    if not app.config.get("REQUIRE_COMPILED_TRANSLATIONS"):
        return
    directories = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")
    problems = []
    for directory in directories:
        path = Path(directory) if Path(directory).is_absolute() else Path(app.root_path) / directory
        problems += unusable_catalogues(path, app.config["LANGUAGES"])
    if problems:
        raise RuntimeError(
            "compiled translation catalogues are missing or stale ("
            + "; ".join(problems)
            + "): run `make translations` or reinstall the project (pip install compiles them)"
        )
