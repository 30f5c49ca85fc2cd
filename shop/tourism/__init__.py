"""Rural-tourism experiences: their unit types and prices, dated sessions with one seat pool,
bookings, tickets and check-in."""

from flask import Blueprint

bp = Blueprint("tourism", __name__)

from shop.tourism import routes  # noqa: E402, F401


@bp.record_once
def _hook_into_catalogue_pages(state) -> None:
    """The experience parts of the home page, search, product pages and the sitemap."""
    from shop.catalog.hooks import set_hook
    from shop.tourism import queries

    set_hook(state.app, "home_experiences", queries.home_experiences)
    set_hook(state.app, "search_experiences", queries.search_experiences)
    set_hook(state.app, "experiences_near", queries.experiences_near)
    set_hook(
        state.app,
        "sitemap_entries",
        lambda: [
            ("tourism.experience_detail", slug, updated)
            for slug, updated in queries.sitemap_experiences()
        ],
    )

    from shop.tourism import presenters

    for name in (
        "experience_card_view",
        "status_label",
        "status_short",
        "cutoff_text",
        "cancellation_text",
        "duration_text",
        "language_name",
        "weekday_date",
        "weekday_name",
        "local_clock",
    ):
        state.app.add_template_global(getattr(presenters, name), name)
    state.app.add_template_global(presenters.ExperienceCardContext, "experience_card_context")
