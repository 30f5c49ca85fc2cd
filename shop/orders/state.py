"""The order state machines as data, and the one way to move along them.

Every change is a compare-and-set (``UPDATE … WHERE id = :id AND status = :from``): if another
request or worker moved the order first, the update touches no row and the change is refused,
so two concurrent transitions can never both happen. Each applied change writes an OrderEvent.
"""

from __future__ import annotations

from sqlalchemy import update

from shop.errors import InvalidTransition
from shop.extensions import db
from shop.orders.models import (
    EventKind,
    EventVisibility,
    Order,
    OrderEvent,
    OrderStatus,
    ProducerOrder,
    ProducerOrderStatus,
)

S = OrderStatus
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.EXPIRED, S.PAYMENT_FAILED}),
    S.PLACED: frozenset({S.COMPLETED, S.CANCELLED}),  # cash on delivery
    S.PAID: frozenset({S.COMPLETED, S.CANCELLED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.CANCELLED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.EXPIRED: frozenset(),
    S.PAYMENT_FAILED: frozenset(),
    S.REFUNDED: frozenset(),
}

P = ProducerOrderStatus
PRODUCER_ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PENDING: frozenset({P.NEW, P.CANCELLED}),
    # A part made only of bookings has nothing to ship: it is delivered when its sessions are
    # over (``complete_booking_parts``); goods always ship first (``deliver_producer_order``).
    P.NEW: frozenset({P.CONFIRMED, P.CANCELLED, P.DELIVERED}),
    P.CONFIRMED: frozenset({P.SHIPPED, P.CANCELLED, P.DELIVERED}),
    P.SHIPPED: frozenset({P.DELIVERED}),
    P.DELIVERED: frozenset(),
    P.CANCELLED: frozenset(),
}


def can_transition(table: dict[str, frozenset[str]], current: str, target: str) -> bool:
    return target in table.get(current, frozenset())


def _compare_and_set(
    model, obj, table: dict[str, frozenset[str]], target: str, values: dict
) -> str:
    """Move ``obj`` to ``target`` if the table allows it and nobody moved it first; returns the
    status it came from, or raises ``InvalidTransition``."""
    current = obj.status
    if not can_transition(table, current, target):
        raise InvalidTransition(
            f"{model.__tablename__} {obj.id} cannot go from {current} to {target}",
            current=current,
            target=str(target),
        )
    result = db.session.execute(
        update(model)
        .where(model.id == obj.id, model.status == current)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition(
            f"{model.__tablename__} {obj.id} changed while being updated", current=current
        )
    db.session.refresh(obj)
    return current


def transition_order(
    order: Order,
    target: OrderStatus,
    *,
    actor: str,
    actor_id: int | None = None,
    reason: str | None = None,
    kind: EventKind = EventKind.STATUS_CHANGED,
    visibility: EventVisibility = EventVisibility.CUSTOMER,
    **values: object,
) -> None:
    """Move ``order`` to ``target`` (and set ``values``) and record the event."""
    current = _compare_and_set(Order, order, ORDER_TRANSITIONS, target, values)
    db.session.add(
        OrderEvent(
            order_id=order.id,
            actor=actor,
            actor_id=actor_id,
            from_status=current,
            to_status=target,
            reason=reason,
            kind=kind,
            visibility=visibility,
        )
    )


def transition_producer_order(
    producer_order: ProducerOrder,
    target: ProducerOrderStatus,
    *,
    actor: str,
    actor_id: int | None = None,
    reason: str | None = None,
    kind: EventKind = EventKind.STATUS_CHANGED,
    visibility: EventVisibility = EventVisibility.CUSTOMER,
    **values: object,
) -> None:
    """Move one producer's parcel to ``target`` (and set ``values``) and record the event."""
    current = _compare_and_set(
        ProducerOrder, producer_order, PRODUCER_ORDER_TRANSITIONS, target, values
    )
    db.session.add(
        OrderEvent(
            order_id=producer_order.order_id,
            producer_order_id=producer_order.id,
            actor=actor,
            actor_id=actor_id,
            from_status=current,
            to_status=target,
            reason=reason,
            kind=kind,
            visibility=visibility,
        )
    )
