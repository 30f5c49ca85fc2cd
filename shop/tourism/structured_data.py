"""schema.org JSON-LD for experience pages: a ``TouristTrip`` with an ``Offer`` per unit type
(prices in VND) and an ``Event`` for each of the next open sessions."""

from __future__ import annotations

from shop.templating import localized
from shop.tourism.queries import ExperiencePage
from shop.urls import absolute_url

_AVAILABILITY = {
    "AVAILABLE": "https://schema.org/InStock",
    "LIMITED": "https://schema.org/LimitedAvailability",
    "SOLD_OUT": "https://schema.org/SoldOut",
    "CLOSED": "https://schema.org/SoldOut",
}


def experience_jsonld(page: ExperiencePage) -> dict:
    experience = page.experience
    url = absolute_url("tourism.experience_detail", slug=experience.slug)
    organizer = {"@type": "Organization", "name": experience.producer.name}
    place = {
        "@type": "Place",
        "name": localized(experience, "meeting_point"),
        "address": {
            "@type": "PostalAddress",
            "addressLocality": experience.commune,
            "addressRegion": experience.province,
            "addressCountry": "VN",
        },
    }
    if experience.meeting_lat is not None and experience.meeting_lng is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": experience.meeting_lat,
            "longitude": experience.meeting_lng,
        }
    offers = [
        {
            "@type": "Offer",
            "name": localized(unit, "name"),
            "price": str(unit.price_vnd),
            "priceCurrency": "VND",
            "url": url,
            "availability": "https://schema.org/InStock"
            if page.upcoming
            else "https://schema.org/SoldOut",
        }
        for unit in experience.unit_types
    ]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "TouristTrip",
        "name": localized(experience, "name"),
        "description": localized(experience, "summary"),
        "url": url,
        "image": [absolute_url("static", filename=experience.image)] if experience.image else [],
        "provider": organizer,
        "touristType": "Community & eco-tourism",
        "itinerary": {
            "@type": "ItemList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": f"{step.get('time', '')} {localized_step(step)}".strip(),
                }
                for position, step in enumerate(experience.itinerary or [], start=1)
            ],
        },
        "offers": offers,
    }
    adult = next((unit for unit in experience.unit_types if unit.code == "adult"), None)
    events = []
    for session in page.upcoming:
        event = {
            "@type": "Event",
            "name": localized(experience, "name"),
            "startDate": session.local_start.isoformat(),
            "endDate": session.local_end.isoformat(),
            "eventStatus": "https://schema.org/EventScheduled",
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": place,
            "organizer": organizer,
            "url": url,
            "remainingAttendeeCapacity": session.seats_left,
        }
        if adult is not None:
            event["offers"] = {
                "@type": "Offer",
                "price": str(adult.price_vnd),
                "priceCurrency": "VND",
                "availability": _AVAILABILITY[session.availability],
                "validThrough": session.cutoff.isoformat(),
                "url": url,
            }
        events.append(event)
    if events:
        data["subEvent"] = events
    if page.certificate:
        certificate = page.certificate
        data["award"] = f"OCOP {certificate.stars}★ ({certificate.certificate_number})"
    return data


def localized_step(step: dict) -> str:
    from shop.templating import current_lang

    if current_lang() == "en" and step.get("en"):
        return step["en"]
    return step.get("vi", "")
