"""Compiled translation catalogues: built at install, and production refuses to start without."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.support import Translations

from config import ProductionConfig
from shop import create_app
from shop.catalogues import compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "shop" / "translations"


def copy_po_files(target: Path) -> Path:
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        destination = target / po.relative_to(SOURCE)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(po, destination)
    return target


def test_compiled_catalogues_translate(tmp_path):
    directory = copy_po_files(tmp_path / "translations")
    written = compile_catalogues(directory)
    assert {path.parent.parent.name for path in written} == {"vi", "en"}
    assert Translations.load(str(directory), ["vi"]).gettext("Sold out") == "Hết hàng"
    assert Translations.load(str(directory), ["en"]).gettext("Sold out") == "Sold out"


@pytest.mark.slow
def test_building_the_package_compiles_and_ships_the_catalogues(tmp_path):
    """What ``pip install`` runs (build_py), on a copy of the project's packaging files."""
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copy2(ROOT / "shop" / "catalogues.py", project / "shop" / "catalogues.py")
    (project / "shop" / "__init__.py").write_text("")
    copy_po_files(project / "shop" / "translations")
    subprocess.run(  # noqa: S603 - our own setup.py, no outside input
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "build")],
        cwd=project,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    for lang in ("vi", "en"):
        assert (project / "shop" / "translations" / lang / "LC_MESSAGES" / "messages.mo").exists()
        built = tmp_path / "build" / "shop" / "translations" / lang / "LC_MESSAGES"
        assert (built / "messages.mo").exists()


def production_config(monkeypatch, translations: Path) -> ProductionConfig:
    monkeypatch.setenv("SECRET_KEY", "production-test-key")
    config_class = type(
        "ProductionForTest",
        (ProductionConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
        },
    )
    return config_class()


def test_production_refuses_to_start_without_compiled_catalogues(tmp_path, monkeypatch):
    directory = copy_po_files(tmp_path / "translations")
    with pytest.raises(RuntimeError, match="make translations"):
        create_app(production_config(monkeypatch, directory))
    compile_catalogues(directory)
    app = create_app(production_config(monkeypatch, directory))
    with app.test_request_context("/?lang=vi"):
        from flask_babel import gettext, refresh

        refresh()
        assert gettext("Sold out") == "Hết hàng"


def test_production_refuses_catalogues_older_than_their_sources(tmp_path, monkeypatch):
    directory = copy_po_files(tmp_path / "translations")
    compile_catalogues(directory)
    po = directory / "vi" / "LC_MESSAGES" / "messages.po"
    stamp = po.with_suffix(".mo").stat().st_mtime + 60
    os.utime(po, (stamp, stamp))  # a newer .po, e.g. after a pull without a rebuild
    with pytest.raises(RuntimeError, match="older than"):
        create_app(production_config(monkeypatch, directory))


def test_development_starts_without_compiled_catalogues(tmp_path):
    from config import DevelopmentConfig

    config = type(
        "DevForTest",
        (DevelopmentConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BABEL_TRANSLATION_DIRECTORIES": str(copy_po_files(tmp_path / "translations")),
        },
    )
    assert create_app(config).config["REQUIRE_COMPILED_TRANSLATIONS"] is False
