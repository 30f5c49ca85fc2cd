"""The catalogue: producers, OCOP groups, products and certificates."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from shop.catalog import routes  # noqa: E402, F401


@bp.record_once
def _register_card_helpers(state) -> None:
    from shop.catalog.presenters import availability_tags, card_view

    state.app.add_template_global(card_view, "card_view")
    state.app.add_template_global(availability_tags, "availability_tags")
