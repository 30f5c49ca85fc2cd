"""Read models of organisations for other pages: the invoice data a member may put on an order."""

from __future__ import annotations

from dataclasses import dataclass

from shop.agencies.models import Organisation
from shop.agencies.services import billing_entities, format_address, membership_of
from shop.extensions import db
from shop.invoicing.models import ADDRESS_MAX, BUYER_NAME_MAX
from shop.invoicing.services import InvoiceDataInput

ORGANISATION_KEY = "organisation"


@dataclass(frozen=True)
class BillingChoice:
    """One billing entity a member may choose at checkout; ``data`` is what the order copies."""

    key: str  # "organisation" or "department-<id>"
    label: str
    data: InvoiceDataInput
    default: bool = False


def billing_choices(user_id: int | None) -> list[BillingChoice]:
    """The invoice data of the account's organisation and of each of its departments (a
    department with the organisation's very data is left out); none for a non-member. The
    default department comes first and is the default."""
    membership = membership_of(user_id)
    if membership is None:
        return []
    organisation = db.session.get(Organisation, membership.organisation_id)
    own = InvoiceDataInput(
        legal_name=organisation.legal_name,
        tax_code=organisation.tax_code,
        address=format_address(
            organisation.invoice_province_code,
            organisation.invoice_commune_code,
            organisation.invoice_street,
        )[:ADDRESS_MAX],
        email=organisation.invoice_email,
    )
    choices = [BillingChoice(ORGANISATION_KEY, organisation.legal_name, own)]
    for entity in billing_entities(organisation.id):
        data = InvoiceDataInput(
            legal_name=entity.legal_name,
            tax_code=entity.tax_code or organisation.tax_code,
            address=format_address(entity.province_code, entity.commune_code, entity.street)[
                :ADDRESS_MAX
            ],
            email=entity.invoice_email,
            buyer_name=None if entity.is_default else entity.name[:BUYER_NAME_MAX],
        )
        if data == own:
            choices[0] = BillingChoice(ORGANISATION_KEY, organisation.legal_name, own, True)
            continue
        key = f"department-{entity.id}"
        choices.append(BillingChoice(key, entity.name, data, entity.is_default))
    if not any(choice.default for choice in choices):
        choices[0] = BillingChoice(ORGANISATION_KEY, organisation.legal_name, own, True)
    return choices
