"""What experience cards and pages say, worked out in Python: durations, languages, statuses,
the cut-off and the cancellation rules in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import format_date, gettext, ngettext, pgettext
from markupsafe import Markup

from shop.catalog.places import place_in, producer_name_in
from shop.money import format_vnd
from shop.templating import current_lang, localdate, localized_in, url_builder
from shop.tourism.queries import ExperienceCard
from shop.tourism.rules import AvailabilityStatus, parse_rules


def status_label(status: AvailabilityStatus | str | None) -> str:
    """A session's or a day's availability in words (the calendar shows them beside colour)."""
    return {
        AvailabilityStatus.AVAILABLE: gettext("Available"),
        AvailabilityStatus.LIMITED: gettext("Limited"),
        AvailabilityStatus.SOLD_OUT: pgettext("session", "Sold out"),
        AvailabilityStatus.CLOSED: gettext("Closed"),
    }.get(status, gettext("No sessions"))


def status_short(status: AvailabilityStatus | str | None) -> str:
    """The same in a word that fits a phone's calendar cell."""
    return {
        AvailabilityStatus.AVAILABLE: pgettext("calendar cell", "Open"),
        AvailabilityStatus.LIMITED: pgettext("calendar cell", "Few"),
        AvailabilityStatus.SOLD_OUT: pgettext("calendar cell", "Full"),
        AvailabilityStatus.CLOSED: pgettext("calendar cell", "Shut"),
    }.get(status, "–")


def language_name(code: str) -> str:
    return {
        "vi": gettext("Vietnamese"),
        "en": gettext("English"),
        "fr": gettext("French"),
        "zh": gettext("Chinese"),
        "ko": gettext("Korean"),
        "ja": gettext("Japanese"),
    }.get(code, code.upper())


def duration_text(minutes: int, overnight: bool = False) -> str:
    if overnight:
        nights = max(1, (minutes + 720) // 1440)
        return ngettext("Overnight: %(num)d night", "Overnight: %(num)d nights", nights)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)d min", minutes=rest)
    if not rest:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return gettext("%(hours)d h %(minutes)02d min", hours=hours, minutes=rest)


def cutoff_text(days_before: int, at: time | None) -> str:
    """ "Book by 18:00 the day before" and its kin."""
    if at is None:
        if days_before == 0:
            return gettext("Bookings close when the session starts.")
        return ngettext(
            "Bookings close %(num)d day before the start.",
            "Bookings close %(num)d days before the start.",
            days_before,
        )
    clock = at.strftime("%H:%M")
    if days_before == 0:
        return gettext("Book by %(time)s on the day.", time=clock)
    if days_before == 1:
        return gettext("Book by %(time)s the day before.", time=clock)
    return gettext("Book by %(time)s, %(days)d days before.", time=clock, days=days_before)


def _span(hours: int) -> str:
    if hours % 24 == 0:
        return ngettext("%(num)d day", "%(num)d days", hours // 24)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def cancellation_text(rules: list | None) -> str:
    """ "Full refund until 7 days before; 50 % until 3 days before; nothing after"."""
    tiers = parse_rules(rules)
    if not tiers:
        return gettext("No refund if you cancel.")
    parts = []
    for tier in tiers:
        if tier.percent == 100:
            parts.append(gettext("full refund until %(span)s before", span=_span(tier.hours)))
        elif tier.percent:
            parts.append(
                gettext(
                    "%(percent)d %% until %(span)s before",
                    percent=tier.percent,
                    span=_span(tier.hours),
                )
            )
    parts.append(gettext("nothing after"))
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def local_clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def weekday_name(day: date, width: str = "EEE") -> str:
    """``Sat`` / ``Saturday`` in the page's language (calendar column headers)."""
    return format_date(day, width)


def weekday_date(day: date) -> str:
    """``Sat 5 Dec 2026`` / ``Th 7, 05/12/2026``."""
    return format_date(day, "EEE") + " " + localdate(day)


@dataclass
class ExperienceCardView:
    url: str
    name: str
    name_is_vi: bool
    place: Markup
    producer: Markup
    image_url: str
    stars: int | None
    price: str | None
    duration: str
    languages: str
    next_open: list[str]


class ExperienceCardContext:
    """What every card of one grid shares, looked up once per grid."""

    def __init__(self) -> None:
        from flask_babel import get_locale

        self.lang = current_lang()
        self.locale = str(get_locale())
        self.url_for = url_builder()


def experience_card_view(card: ExperienceCard, context: ExperienceCardContext | None = None):
    context = context or ExperienceCardContext()
    lang = context.lang
    return ExperienceCardView(
        url=context.url_for("tourism.experience_detail", slug=card.slug),
        name=localized_in(card, "name", lang),
        name_is_vi=lang != "vi" and not card.name_en,
        place=place_in(card.commune, lang, context.locale)
        + ", "
        + place_in(card.province, lang, context.locale),
        producer=producer_name_in(card.producer_name, lang, context.locale),
        image_url=context.url_for("static", filename=card.image or "img/placeholder-product.svg"),
        stars=card.stars,
        price=format_vnd(card.from_price_vnd) if card.from_price_vnd else None,
        duration=duration_text(card.duration_minutes, card.overnight),
        languages=", ".join(language_name(code) for code in card.language_codes),
        next_open=[weekday_date(day) for day in card.next_open],
    )
