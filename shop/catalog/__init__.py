"""The catalogue: producers, OCOP groups, products and certificates."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from shop.catalog import routes  # noqa: E402, F401


@bp.record_once
def _register_card_helpers(state) -> None:
    from shop.catalog.presenters import CardContext, availability_tag, card_view, extra_tags

    state.app.add_template_global(card_view, "card_view")
    state.app.add_template_global(CardContext, "card_context")
    state.app.add_template_global(availability_tag, "availability_tag")
    state.app.add_template_global(extra_tags, "extra_tags")

    from shop.catalog.places import authority, place, producer_name

    state.app.add_template_filter(place, "place")
    state.app.add_template_filter(authority, "authority")
    state.app.add_template_filter(producer_name, "producer_name")
