"""What experience cards and pages say, worked out in Python: durations, languages, statuses,
the cut-off and the cancellation rules in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import format_date, gettext, lazy_gettext, lazy_pgettext, ngettext
from markupsafe import Markup

from shop.catalog.places import place_in, producer_name_in
from shop.money import format_vnd
from shop.templating import current_lang, localdate, localized_in, url_builder
from shop.tourism.queries import ExperienceCard
from shop.tourism.rules import AvailabilityStatus, parse_rules

STATUS_LABELS = {
    AvailabilityStatus.AVAILABLE: lazy_gettext("Available"),
    AvailabilityStatus.LIMITED: lazy_gettext("Limited"),
    AvailabilityStatus.SOLD_OUT: lazy_pgettext("session", "Sold out"),
    AvailabilityStatus.CLOSED: lazy_gettext("Closed"),
}
STATUS_SHORT = {
    AvailabilityStatus.AVAILABLE: lazy_pgettext("calendar cell", "Open"),
    AvailabilityStatus.LIMITED: lazy_pgettext("calendar cell", "Few"),
    AvailabilityStatus.SOLD_OUT: lazy_pgettext("calendar cell", "Full"),
    AvailabilityStatus.CLOSED: lazy_pgettext("calendar cell", "Shut"),
}


def status_label(status: AvailabilityStatus | str | None) -> str:
    """A session's or a day's availability in words (the calendar shows them beside colour);
    one translation looked up per call."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else gettext("No sessions")


def status_short(status: AvailabilityStatus | str | None) -> str:
    """The same in a word that fits a phone's calendar cell."""
    label = STATUS_SHORT.get(status)
    return str(label) if label is not None else "–"


LANGUAGE_NAMES = {
    "vi": lazy_gettext("Vietnamese"),
    "en": lazy_gettext("English"),
    "fr": lazy_gettext("French"),
    "zh": lazy_gettext("Chinese"),
    "ko": lazy_gettext("Korean"),
    "ja": lazy_gettext("Japanese"),
}


def language_name(code: str) -> str:
    """A guide language's name in the page's language (one translation looked up)."""
    name = LANGUAGE_NAMES.get(code)
    return str(name) if name is not None else code.upper()


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
        # Cards of one grid repeat the same few languages, durations and dates: each is put in
        # words once per grid.
        self._words: dict[tuple, str] = {}

    def words(self, key: tuple, make) -> str:
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = make()
        return found


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
        duration=context.words(
            ("duration", card.duration_minutes, card.overnight),
            lambda: duration_text(card.duration_minutes, card.overnight),
        ),
        languages=context.words(
            ("languages", card.languages),
            lambda: ", ".join(language_name(code) for code in card.language_codes),
        ),
        next_open=[
            context.words(("day", day), lambda day=day: weekday_date(day)) for day in card.next_open
        ],
    )
