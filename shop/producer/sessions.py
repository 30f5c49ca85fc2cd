"""The producer portal's experience side: the sessions calendar, creating sessions (one, or a
weekly rule), capacity, closing and cancelling, participant lists (HTML, PDF, CSV) and check-in
at the gate.

An operator sees only its own experiences and sessions: any other id is a 404, the same answer
as an id that does not exist. Passport data (overnight stays) is shown on the participant list
only, never logged.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.errors import BookingNotAllowed, CheckInRefused, InvalidTransition
from shop.extensions import db
from shop.orders.emails import queue_send_home_email
from shop.payments.bookings import cancel_booking
from shop.payments.models import Refund
from shop.payments.services import send_refund
from shop.producer import bp
from shop.producer.session_forms import (
    CancelSessionForm,
    CapacityForm,
    CheckInForm,
    RuleForm,
    SessionForm,
)
from shop.templating import current_lang, local_today, localized
from shop.tourism import operator
from shop.tourism.errors import CapacityBelowTaken, SessionRefused, SessionStateRefused
from shop.tourism.models import (
    AvailabilityKind,
    Booking,
    BookingStatus,
    ExperienceSession,
    SessionStatus,
)
from shop.tourism.queries import (
    ATTENDING,
    booked_units,
    operator_experience,
    operator_experiences,
    operator_session,
    operator_sessions_between,
    participant_list,
    upcoming_sessions,
)
from shop.tourism.rules import aware, local, utc_from_local
from shop.tourism.services import check_in, find_ticket
from shop.tourism.ticket_text import clock, session_day, short_day, time_range, units_summary

log = logging.getLogger(__name__)

SESSION_STATUS_LABELS = {
    SessionStatus.OPEN: _l("Open for booking"),
    SessionStatus.CLOSED: _l("Sales closed"),
    SessionStatus.CANCELLED: _l("Cancelled"),
}
BOOKING_STATUS_LABELS = {
    BookingStatus.HELD: _l("Awaiting payment"),
    BookingStatus.CONFIRMED: _l("Confirmed"),
    BookingStatus.CHECKED_IN: _l("Checked in"),
    BookingStatus.COMPLETED: _l("Completed"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.EXPIRED: _l("Expired"),
}
SESSION_REFUSALS = {
    "exists": _l("A session of this experience already starts at that time."),
    "bad_times": _l("The closing time must be after the opening time."),
    "past": _l("That time has already passed."),
    "too_many": _l("That is too many sessions at once: choose a shorter period."),
    "too_long": _l("Sessions can be planned at most a year at a time."),
    "bad_dates": _l("The last date must be on or after the first."),
    "no_days": _l("Choose at least one day of the week."),
    "capacity": _l("Enter a capacity of at least 1 seat."),
}


def session_status_label(status: str) -> str:
    return str(SESSION_STATUS_LABELS.get(status, status))


def booking_status_label(status: str) -> str:
    return str(BOOKING_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def session_when(session: ExperienceSession) -> str:
    """``Sat 5 Dec · 06:00–14:00``, in local time."""
    return f"{short_day(session.starts_at)} · {time_range(session.starts_at, session.ends_at)}"


@bp.app_template_global()
def unit_totals_summary(listing) -> str:
    """``12 adults + 4 children``: every booking's unit types added up."""
    return units_summary([replace(unit, quantity=total) for unit, total in listing.unit_totals()])


def _producer_id() -> int:
    return current_user.producer_id


def _own_experience(experience_id: int):
    experience = operator_experience(_producer_id(), experience_id)
    if experience is None:
        abort(404)
    return experience


def _own_session(session_id: int) -> ExperienceSession:
    session = operator_session(_producer_id(), session_id)
    if session is None:
        abort(404)
    return session


def _today_start_utc() -> datetime:
    return utc_from_local(local_today(), datetime.min.time())


# --- the calendar ----------------------------------------------------------------------------


@bp.get("/sessions")
@role_required(Role.PRODUCER_STAFF)
def sessions():
    experiences = operator_experiences(_producer_id())
    since = utcnow()
    grouped = upcoming_sessions([e.id for e in experiences], since)
    return render_template(
        "producer/sessions.html",
        producer=db.session.get(Producer, _producer_id()),
        experiences=experiences,
        grouped=grouped,
        status_label=session_status_label,
    )


def _render_new(experience, one=None, rule=None, status=200, error=None, rule_error=None):
    return render_template(
        "producer/session_new.html",
        experience=experience,
        one=one or SessionForm(prefix="one"),
        rule=rule or RuleForm(prefix="rule"),
        opening_hours=experience.availability_kind == AvailabilityKind.OPENING_HOURS,
        error=error,
        rule_error=rule_error,
        today=local_today(),
    ), status


@bp.route("/experiences/<int:experience_id>/sessions/new", methods=["GET", "POST"])
@role_required(Role.PRODUCER_STAFF)
def new_session(experience_id: int):
    experience = _own_experience(experience_id)
    if request.method == "GET":
        return _render_new(experience)
    kind = request.form.get("kind")
    if kind == "rule":
        return _create_rule(experience)
    return _create_one(experience)


def _needs_closing_time(experience, form) -> bool:
    if experience.availability_kind == AvailabilityKind.OPENING_HOURS and not form.end.data:
        form.end.errors = [*form.end.errors, _("Enter the closing time.")]
        return True
    return False


def _create_one(experience):
    form = SessionForm(prefix="one")
    if not form.validate_on_submit() or _needs_closing_time(experience, form):
        return _render_new(experience, one=form, status=400)
    begin_write_transaction(db.session)
    experience = _own_experience(experience.id)
    try:
        created = operator.create_session(
            experience,
            day=form.day.data,
            start=form.start.data,
            end=form.end.data,
            capacity=form.capacity.data,
            now=utcnow(),
        )
    except SessionRefused as error:
        db.session.rollback()
        message = str(SESSION_REFUSALS.get(error.details.get("reason"), error.message))
        return _render_new(_own_experience(experience.id), one=form, status=409, error=message)
    db.session.commit()
    flash(_("Session added: %(when)s.", when=session_when(created)), "success")
    return redirect(url_for("producer.sessions", _anchor=f"experience-{experience.id}"))


def _create_rule(experience):
    form = RuleForm(prefix="rule")
    if not form.validate_on_submit() or _needs_closing_time(experience, form):
        return _render_new(experience, rule=form, status=400)
    begin_write_transaction(db.session)
    experience = _own_experience(experience.id)
    try:
        result = operator.create_recurring_sessions(
            experience,
            weekdays=[int(day) for day in form.weekdays.data],
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            start=form.start.data,
            end=form.end.data,
            capacity=form.capacity.data,
            now=utcnow(),
        )
    except SessionRefused as error:
        db.session.rollback()
        message = str(SESSION_REFUSALS.get(error.details.get("reason"), error.message))
        return _render_new(
            _own_experience(experience.id), rule=form, status=409, rule_error=message
        )
    db.session.commit()
    message = ngettext("%(num)d session added.", "%(num)d sessions added.", result.created)
    if result.skipped:
        message += " " + ngettext(
            "%(num)d skipped: it already existed or had passed.",
            "%(num)d skipped: they already existed or had passed.",
            result.skipped,
        )
    flash(message, "success")
    return redirect(url_for("producer.sessions", _anchor=f"experience-{experience.id}"))


# --- one session -----------------------------------------------------------------------------


def _render_session(
    session: ExperienceSession,
    capacity_form: CapacityForm | None = None,
    cancel_form: CancelSessionForm | None = None,
    status: int = 200,
):
    listing = participant_list(session)
    if capacity_form is None:
        capacity_form = CapacityForm(prefix="cap")
        capacity_form.capacity.data = session.capacity
    return render_template(
        "producer/session_detail.html",
        session=session,
        experience=session.experience,
        listing=listing,
        capacity_form=capacity_form,
        cancel_form=cancel_form or CancelSessionForm(prefix="cancel"),
        action_form=EmptyForm(),
        status_label=session_status_label,
        started=aware(session.starts_at) <= utcnow(),
        to_refund=len(operator.bookings_to_refund(session.id))
        if session.status == SessionStatus.CANCELLED
        else 0,
    ), status


@bp.get("/sessions/<int:session_id>")
@role_required(Role.PRODUCER_STAFF)
def session_detail(session_id: int):
    return _render_session(_own_session(session_id))


@bp.post("/sessions/<int:session_id>/capacity")
@role_required(Role.PRODUCER_STAFF)
def session_capacity(session_id: int):
    session = _own_session(session_id)
    form = CapacityForm(prefix="cap")
    if not form.validate_on_submit():
        return _render_session(session, capacity_form=form, status=400)
    begin_write_transaction(db.session)
    session = _own_session(session_id)
    try:
        operator.change_capacity(session, form.capacity.data)
    except CapacityBelowTaken as error:
        db.session.rollback()
        form.capacity.errors = [
            _(
                "%(taken)d seats are already taken: the capacity cannot be lower.",
                taken=error.details["seats_taken"],
            )
        ]
        return _render_session(_own_session(session_id), capacity_form=form, status=409)
    except SessionStateRefused:
        db.session.rollback()
        flash(_("A cancelled session cannot be changed."), "error")
        return redirect(url_for("producer.session_detail", session_id=session_id))
    db.session.commit()
    flash(_("Capacity changed to %(n)d seats.", n=form.capacity.data), "success")
    return redirect(url_for("producer.session_detail", session_id=session_id))


def _change_status(session_id: int, change, done: str, refused: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    begin_write_transaction(db.session)
    session = _own_session(session_id)
    try:
        change(session)
    except SessionStateRefused:
        db.session.rollback()
        session = _own_session(session_id)
        flash(refused % {"status": session_status_label(session.status)}, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("producer.session_detail", session_id=session_id))


@bp.post("/sessions/<int:session_id>/close")
@role_required(Role.PRODUCER_STAFF)
def session_close(session_id: int):
    return _change_status(
        session_id,
        operator.close_sales,
        _("Sales closed: the bookings already made stand."),
        _("Sales cannot be closed now: the session is “%(status)s”."),
    )


@bp.post("/sessions/<int:session_id>/reopen")
@role_required(Role.PRODUCER_STAFF)
def session_reopen(session_id: int):
    now = utcnow()
    return _change_status(
        session_id,
        lambda session: operator.reopen_sales(session, now),
        _("Sales reopened."),
        _("Sales cannot be reopened: the session is “%(status)s” or has started."),
    )


@bp.post("/sessions/<int:session_id>/cancel")
@role_required(Role.PRODUCER_STAFF)
def session_cancel(session_id: int):
    session = _own_session(session_id)
    form = CancelSessionForm(prefix="cancel")
    if session.status != SessionStatus.CANCELLED and not form.validate_on_submit():
        return _render_session(session, cancel_form=form, status=400)
    if session.status == SessionStatus.CANCELLED:
        # A repeated submit: the session is already off; refund what is left, once each.
        if not EmptyForm().validate_on_submit():
            abort(400)
        return _refund_and_report(session_id, session.cancel_reason or "")
    reason = form.reason.data
    begin_write_transaction(db.session)
    session = _own_session(session_id)
    try:
        operator.cancel_session(session, reason=reason, now=utcnow())
    except SessionStateRefused as error:
        db.session.rollback()
        session = _own_session(session_id)
        if session.status != SessionStatus.CANCELLED:
            if error.details.get("reason") == "started":
                message = _("A session that has started cannot be cancelled.")
            else:
                message = _("This session cannot be cancelled now.")
            flash(message, "error")
            return redirect(url_for("producer.session_detail", session_id=session_id))
        reason = session.cancel_reason or reason
    else:
        db.session.commit()
        log.info("session %s cancelled by user %s", session_id, current_user.id)
    return _refund_and_report(session_id, reason)


@bp.post("/sessions/<int:session_id>/refund-remaining")
@role_required(Role.PRODUCER_STAFF)
def session_refund_remaining(session_id: int):
    session = _own_session(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if session.status != SessionStatus.CANCELLED:
        abort(409)
    return _refund_and_report(session_id, session.cancel_reason or "")


def _refund_and_report(session_id: int, reason: str):
    refunded, amount, failed = refund_cancelled_session(
        session_id, reason=reason, actor_id=current_user.id
    )
    if refunded:
        flash(
            ngettext(
                "Session cancelled. %(num)d booking cancelled and %(amount)s refunded; "
                "the guest has been e-mailed.",
                "Session cancelled. %(num)d bookings cancelled and %(amount)s refunded; "
                "every guest has been e-mailed.",
                refunded,
                amount=_vnd(amount),
            ),
            "success",
        )
    else:
        flash(_("Session cancelled. It had no bookings to refund."), "success")
    if failed:
        flash(
            ngettext(
                "%(num)d booking could not be refunded yet. Try again with “Refund the "
                "remaining bookings” in a few minutes.",
                "%(num)d bookings could not be refunded yet. Try again with “Refund the "
                "remaining bookings” in a few minutes.",
                failed,
            ),
            "error",
        )
    return redirect(url_for("producer.session_detail", session_id=session_id))


def _vnd(amount: int) -> str:
    from shop.money import format_vnd

    return format_vnd(amount)


def refund_cancelled_session(
    session_id: int, *, reason: str, actor_id: int | None
) -> tuple[int, int, int]:
    """Cancel and refund in full each booking the cancelled session still has: one
    transaction per booking (a failure leaves the others done and itself to retry), then its
    refund is sent to the payment provider after the commit. A refund the provider does not
    take stays recorded as pending for the office. Returns (bookings cancelled, đồng refunded,
    bookings that failed)."""
    cancelled = amount = failed = 0
    for booking_id in operator.bookings_to_refund(session_id):
        begin_write_transaction(db.session)
        try:
            result = cancel_booking(
                booking_id,
                percent=100,
                actor="producer",
                actor_id=actor_id,
                reason=reason,
                now=utcnow(),
            )
        except (BookingNotAllowed, InvalidTransition):  # ended meanwhile (expired, cancelled)
            db.session.rollback()
            continue
        except Exception:  # one booking's failure must not stop the others
            db.session.rollback()
            failed += 1
            log.exception("session %s: booking %s not cancelled yet", session_id, booking_id)
            continue
        db.session.commit()
        cancelled += 1
        amount += result.amount_vnd
        if result.refund_id is not None:
            _send_refund(result.refund_id)
    return cancelled, amount, failed


def _send_refund(refund_id: int) -> None:
    begin_write_transaction(db.session)
    try:
        send_refund(db.session.get(Refund, refund_id), actor="producer")
    except Exception:  # the provider's errors must not lose the recorded refund
        db.session.rollback()
        log.exception("refund %s could not be sent", refund_id)
        return
    db.session.commit()


# --- participant lists -----------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/participants")
@role_required(Role.PRODUCER_STAFF)
def participants(session_id: int):
    session = _own_session(session_id)
    return render_template(
        "producer/participants.html",
        session=session,
        experience=session.experience,
        listing=participant_list(session),
        status_label=session_status_label,
        booking_status_label=booking_status_label,
    )


def _filename(session: ExperienceSession, extension: str) -> str:
    start = local(session.starts_at)
    return f"participants-{session.experience.slug}-{start:%Y-%m-%d-%H%M}.{extension}"


def _cell(value: object) -> str:
    """A CSV cell Excel will not run as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/sessions/<int:session_id>/participants.csv")
@role_required(Role.PRODUCER_STAFF)
def participants_csv(session_id: int):
    session = _own_session(session_id)
    listing = participant_list(session)
    units = [unit for unit, _total in listing.unit_totals()]
    lang = current_lang()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Ticket"),
            _("Lead guest"),
            _("Phone"),
            *[unit.name(lang) for unit in units],
            _("Seats"),
            _("Status"),
            _("Checked in"),
        ]
    )
    for participant in listing.participants:
        quantities = {unit.unit_type_id: unit.quantity for unit in participant.units}
        writer.writerow(
            [
                _cell(participant.ticket_code or ""),
                _cell(participant.booking.lead_name),
                _cell(participant.booking.lead_phone),
                *[quantities.get(unit.unit_type_id, 0) for unit in units],
                participant.booking.seats,
                booking_status_label(participant.booking.status),
                clock(participant.checked_in_at) if participant.checked_in_at else "",
            ]
        )
    if listing.shows_guests:
        writer.writerow([])
        writer.writerow([_("Foreign guests (police residence declaration)")])
        writer.writerow(
            [
                _("Ticket"),
                _("Full name"),
                _("Nationality"),
                _("Date of birth"),
                _("Passport number"),
            ]
        )
        for participant in listing.participants:
            for guest in participant.guests:
                writer.writerow(
                    [
                        _cell(participant.ticket_code or ""),
                        _cell(guest.full_name),
                        _cell(guest.nationality),
                        guest.date_of_birth.isoformat(),
                        _cell(guest.passport_number),
                    ]
                )
    body = "\ufeff" + out.getvalue()  # the BOM tells Excel the file is UTF-8
    response = Response(body, mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(session, "csv")}"'
    return response


@bp.get("/sessions/<int:session_id>/participants.pdf")
@role_required(Role.PRODUCER_STAFF)
def participants_pdf(session_id: int):
    from shop.tourism.pdf import participants_pdf as render_pdf

    session = _own_session(session_id)
    listing = participant_list(session)
    summary = ngettext(
        "%(num)d booking · %(seats)d of %(capacity)d seats · %(checked)d checked in",
        "%(num)d bookings · %(seats)d of %(capacity)d seats · %(checked)d checked in",
        len(listing.participants),
        seats=listing.seats,
        capacity=session.capacity,
        checked=listing.checked_in,
    )
    body = render_pdf(listing, {"status": session_status_label(session.status), "summary": summary})
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{_filename(session, "pdf")}"'
    return response


# --- check-in --------------------------------------------------------------------------------


def _attempt_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="producer-check-in")


def _new_attempt() -> str:
    return _attempt_signer().dumps({"u": current_user.id, "at": utcnow().timestamp()})


def _attempt_shown_at(token: str | None) -> datetime | None:
    """When the submitted form was shown to this user, if its token is genuine."""
    if not token:
        return None
    try:
        data = _attempt_signer().loads(token)
    except BadSignature:
        return None
    if data.get("u") != current_user.id:
        return None
    return datetime.fromtimestamp(float(data["at"]), tz=utcnow().tzinfo)


def _check_in_sessions() -> tuple[list[ExperienceSession], int | None]:
    """The sessions to choose from (yesterday to a week ahead) and the default: today's
    session that has not ended yet, else today's last, else the next one."""
    start = _today_start_utc()
    choices = operator_sessions_between(
        _producer_id(), start - timedelta(days=1), start + timedelta(days=8)
    )
    now = utcnow()
    today = [s for s in choices if local(s.starts_at).date() == local_today()]
    running = [s for s in today if aware(s.ends_at) > now]
    default = running or today[-1:] or [s for s in choices if aware(s.starts_at) > now]
    return choices, (default[0].id if default else None)


def _gate_counts(session_id: int | None) -> tuple[int, int]:
    if session_id is None:
        return 0, 0
    rows = dict(
        db.session.execute(
            select(Booking.status, func.count(Booking.id))
            .where(Booking.session_id == session_id, Booking.status.in_(ATTENDING))
            .group_by(Booking.status)
        ).all()
    )
    return rows.get(BookingStatus.CHECKED_IN, 0), sum(rows.values())


def _refusal_text(error: CheckInRefused) -> tuple[str, str | None]:
    reason = error.details.get("reason")
    if reason == "already":
        moment = error.details["checked_in_at"]
        when = clock(moment)
        if local(moment).date() != local(utcnow()).date():
            when = f"{short_day(moment)} {when}"
        return _("Already checked in at %(time)s", time=when), None
    if reason == "wrong_session":
        starts_at = error.details["starts_at"]
        return _("Wrong session"), _(
            "This ticket is for the session of %(day)s at %(time)s.",
            day=session_day(starts_at),
            time=clock(starts_at),
        )
    if reason == "cancelled":
        return _("Cancelled ticket"), _("This booking was cancelled.")
    if reason == "replaced":
        return _("Replaced ticket"), _(
            "This code was replaced by a newer ticket: ask the guest for the newest one."
        )
    if reason == "other_operator":
        return _("Not your ticket"), _("This ticket is for another operator's experience.")
    if reason == "unknown":
        return _("Unknown code"), _("No ticket has this code. Check the letters and try again.")
    return _("Cannot be checked in"), _("This booking cannot be checked in now.")


def _render_check_in(form: CheckInForm, choices, outcome=None, status: int = 200):
    form.session_id.choices = [
        SelectChoice(s.id, f"{session_when(s)} — {localized(s.experience, 'name')}")
        for s in choices
    ]
    form.attempt.data = _new_attempt()
    form.code.data = ""
    checked, total = _gate_counts(form.session_id.data)
    return render_template(
        "producer/check_in.html",
        form=form,
        has_sessions=bool(choices),
        outcome=outcome,
        checked=checked,
        total=total,
    ), status


@bp.route("/check-in", methods=["GET", "POST"])
@role_required(Role.PRODUCER_STAFF)
def gate():
    choices, default = _check_in_sessions()
    form = CheckInForm()
    if request.method == "GET":
        wanted = request.args.get("session", type=int)
        form.session_id.data = wanted if any(s.id == wanted for s in choices) else default
        return _render_check_in(form, choices)
    if not form.validate_on_submit():
        return _render_check_in(form, choices, status=400)
    session_id = form.session_id.data
    if not any(s.id == session_id for s in choices):
        own = operator_session(_producer_id(), session_id) if session_id else None
        if own is None:
            abort(404)
        choices = [*choices, own]
    code = operator.ticket_code_from(form.code.data)
    shown_at = _attempt_shown_at(form.attempt.data)
    begin_write_transaction(db.session)
    try:
        admitted = check_in(
            code,
            producer_id=_producer_id(),
            session_id=session_id,
            user_id=current_user.id,
            now=utcnow(),
        )
    except CheckInRefused as error:
        db.session.rollback()
        ticket = find_ticket(code) if error.details.get("reason") == "already" else None
        if (
            ticket is not None
            and shown_at is not None
            and ticket.checked_in_by == current_user.id
            and aware(ticket.checked_in_at) >= shown_at
        ):
            # The same form sent twice (a double tap, a reload): the same check-in, again.
            outcome = _admitted(ticket.booking, ticket.code)
        else:
            title, detail = _refusal_text(error)
            outcome = {"ok": False, "title": title, "detail": detail, "code": code}
        return _render_check_in(form, choices, outcome, status=200 if outcome["ok"] else 409)
    queue_send_home_email(admitted.booking, today=local_today())  # with the check-in, once
    db.session.commit()
    return _render_check_in(form, choices, _admitted(admitted.booking, admitted.ticket.code))


def _admitted(booking: Booking, code: str) -> dict:
    units = booked_units([booking.id]).get(booking.id, [])
    return {
        "ok": True,
        "title": _(
            "Checked in: %(name)s, %(guests)s", name=booking.lead_name, guests=units_summary(units)
        ),
        "detail": None,
        "code": code,
    }
