"""Producer names: the explained ``HTX`` follows the language of each page, answer after answer."""

from __future__ import annotations

from flask import g
from flask_babel import force_locale

from shop.catalog.places import producer_name


def test_htx_is_explained_in_the_language_in_force(app):
    answers = []
    with app.test_request_context("/"):
        for lang in ("en", "vi", "en", "vi"):
            g.lang = lang
            with force_locale(lang):
                answers.append(str(producer_name("HTX Xuân Trường")))
    english, vietnamese = answers[0], answers[1]
    assert english == (
        '<span lang="vi"><abbr title="cooperative" lang="en">HTX</abbr> Xuân Trường</span>'
    )
    assert vietnamese == (
        '<span lang="vi"><abbr title="hợp tác xã" lang="vi">HTX</abbr> Xuân Trường</span>'
    )
    assert answers[2:] == [english, vietnamese]


def test_a_name_without_htx_is_only_marked_vietnamese(app):
    with app.test_request_context("/"):
        assert str(producer_name("Công ty <A>")) == '<span lang="vi">Công ty &lt;A&gt;</span>'
