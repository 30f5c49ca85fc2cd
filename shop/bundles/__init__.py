"""Bundles: packages (goods + one experience) and gift sets (goods only), sold at their own
price, bought as their component lines."""

from flask import Blueprint

bp = Blueprint("bundles", __name__)

from shop.bundles import routes  # noqa: E402, F401


@bp.record_once
def _hook_into_catalogue_pages(state) -> None:
    """Gift sets on the home page and above the search results that ask for gifts."""
    from shop.bundles import giftsets
    from shop.catalog.hooks import set_hook

    set_hook(state.app, "search_gift_sets", giftsets.search_gift_sets)
    set_hook(state.app, "home_gift_sets", lambda: giftsets.gift_sets_on_sale()[:4])
    state.app.add_template_global(
        lambda bundle: giftsets.budget_band(bundle.price_vnd), "gift_set_band"
    )
