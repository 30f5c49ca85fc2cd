"""Words for a batch's statuses and for why a recipient's order was not created."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.batches.models import BatchStatus
from shop.batches.services import DELIVERED, FAILED, PENDING, SHIPPED

BATCH_STATUS = {
    BatchStatus.DRAFT: _l("Draft"),
    BatchStatus.CREATING: _l("Creating orders"),
    BatchStatus.CLAIMING: _l("Waiting for recipients' addresses"),
    BatchStatus.CREATED: _l("Orders created"),
    BatchStatus.PARTLY_CREATED: _l("Partly created"),
    BatchStatus.CANCELLED: _l("Cancelled"),
}
TRACKING = {
    PENDING: _l("Pending"),
    SHIPPED: _l("Shipped"),
    DELIVERED: _l("Delivered"),
    FAILED: _l("Failed"),
}
REASONS = {
    "out_of_stock": _l("Out of stock: %(detail)s"),
    "bundle_unavailable": _l("The gift set is not on sale any more."),
    "product_unavailable": _l("A product of the gift set is not on sale today."),
    "delivery_not_possible": _l("A producer cannot deliver fresh goods to this province."),
    "invalid_address": _l("The address is not on the 2025 list."),
    "age_confirmation_required": _l("Confirm that the recipients are 18 or over."),
    "invalid_quantity": _l("The quantity is not allowed."),
    "order_expired": _l("The order expired unpaid."),
    "order_cancelled": _l("The order was cancelled."),
    "order_payment_failed": _l("The payment failed."),
    "not_claimed": _l("Not claimed: the recipient did not give an address in time."),
}
# A recipient link, as the batch page shows it (``shop.batches.claims.link_state``).
LINK_STATES = {
    "not_started": _l("Link sent when the batch starts"),
    "open": _l("Waiting for address"),
    "claimed": _l("Claimed"),
    "expired": _l("Expired"),
    "closed": _l("Closed"),
    "failed": _l("Claimed, but the order failed"),
}


def batch_status_label(status: str) -> str:
    return str(BATCH_STATUS.get(status, status))


def reason_label(reason: str | None) -> str:
    """A recipient's failure (``code`` or ``code:detail``) in the reader's language."""
    if not reason:
        return ""
    code, _sep, detail = reason.partition(":")
    label = REASONS.get(code)
    if label is None:
        return str(_l("Could not be created (%(code)s).", code=code))
    return str(label) % {"detail": detail} if "%(detail)s" in str(label) else str(label)
