"""What a certificate number says today: valid (its product or experience, producer, stars and
last valid day), expired (since when), revoked, superseded by a later decision, or unknown.

A number is read as typed on a package: surrounding spaces and repeated inner spaces dropped,
Unicode normalised (NFC) and compared in capitals, so ``demo-5s-2024-001`` finds
``DEMO-5S-2024-001``. Nothing personal is shown: the certificate is a public decision."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.catalog.models import CertificateStatus, OcopCertificate, Product
from shop.extensions import db
from shop.tourism.models import Experience

NUMBER_MAX = 60  # ocop_certificate.certificate_number

VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"
SUPERSEDED = "superseded"  # replaced by the decision of a later evaluation
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verdict:
    state: str
    number: str  # as normalised; the certificate's own spelling when found
    certificate: OcopCertificate | None = None
    subject: Product | Experience | None = None  # what it rates
    expired_since: date | None = None  # the first day it no longer counted

    @property
    def found(self) -> bool:
        return self.certificate is not None


def normalise_number(typed: str | None) -> str:
    """The number as stored: NFC, single spaces, capitals; '' when it cannot be one (empty,
    too long, or with control characters)."""
    text = unicodedata.normalize("NFC", typed or "")
    text = " ".join(text.split()).upper()
    if not text or len(text) > NUMBER_MAX or any(unicodedata.category(c)[0] == "C" for c in text):
        return ""
    return text


def verify(typed: str | None, today: date) -> Verdict:
    number = normalise_number(typed)
    if not number:
        return Verdict(UNKNOWN, (typed or "")[:NUMBER_MAX])
    certificate = db.session.scalar(
        select(OcopCertificate)
        .where(func.upper(OcopCertificate.certificate_number) == number)
        .options(selectinload(OcopCertificate.product).selectinload(Product.producer))
    )
    if certificate is None:
        return Verdict(UNKNOWN, number)
    subject = certificate.product or (
        db.session.get(Experience, certificate.experience_id) if certificate.experience_id else None
    )
    found = {"number": certificate.certificate_number, "certificate": certificate,
             "subject": subject}  # fmt: skip
    if certificate.status == CertificateStatus.REVOKED:
        return Verdict(REVOKED, **found)
    if certificate.status == CertificateStatus.SUPERSEDED:
        return Verdict(SUPERSEDED, **found)
    if certificate.valid_until < today:
        return Verdict(EXPIRED, expired_since=certificate.valid_until + timedelta(days=1), **found)
    return Verdict(VALID, **found)
