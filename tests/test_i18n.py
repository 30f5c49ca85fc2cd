"""Both translation catalogues are complete, well-formed and cover every string in the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "shop" / "translations"


def load(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def is_translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogue_is_complete_and_placeholders_match(lang):
    catalog = load(lang)
    untranslated = [m.id for m in catalog if m.id and not is_translated(m)]
    assert untranslated == []
    assert [m.id for m in catalog if m.id and m.fuzzy] == []
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert problems == []


def test_vietnamese_is_really_translated():
    catalog = load("vi")
    same = [m.id for m in catalog if isinstance(m.id, str) and m.id == m.string]
    # Only brand-like or symbol strings may read the same in both languages.
    assert len(same) <= 5, same


def test_catalogues_cover_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(  # noqa: S603 - fixed arguments, our own virtualenv's pybabel
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "--ignore-dirs",
            ".* .venv",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for lang in ("vi", "en"):
        have = {m.id for m in load(lang) if m.id}
        missing = wanted - have
        assert not missing, f"{lang}: run `make extract-messages` and translate {missing}"


def test_template_gettext_translates_escapes_values_and_formats_like_jinjas(app):
    from flask import render_template_string

    with app.test_request_context("/?lang=vi"):
        app.preprocess_request()
        html = render_template_string(
            '{{ _("Cart") }}|{{ _("Page %(page)d of %(pages)d", page=2, pages=3) }}|'
            '{{ _("Results for “%(q)s”", q="<b>") }}|'
            '{{ ngettext("%(num)d product", "%(num)d products", 5) }}|{{ _("100%%") }}'
        )
        plain = render_template_string(  # as in the e-mails' text templates
            '{% autoescape false %}{{ _("Results for “%(q)s”", q="<b>") }}{% endautoescape %}'
        )
    cart, page, results, products, percent = html.split("|")
    assert cart == "Giỏ hàng"
    assert page == "Trang 2 / 3"
    assert "&lt;b&gt;" in results
    assert "<b>" not in results
    assert products == "5 sản phẩm"
    assert percent == "100%"
    assert "<b>" in plain  # text templates (e-mails) are not escaped
