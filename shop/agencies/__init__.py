"""Organisations (agencies and companies) that order OCOP goods in bulk: their invoice data and
departments, their members (buyer, approver, accountant) invited by e-mail link, and the
spending rule (orders above a threshold need an approver's sign-off).

Members keep their ``customer`` role: the ``organisation_member`` rows are the source of truth
(one organisation per account). Pages live under ``/agency``; the office's under
``/admin/organisations``.
"""

from flask import Blueprint

bp = Blueprint("agencies", __name__)

from shop.agencies import admin_routes, routes  # noqa: E402, F401
from shop.agencies.approvals import subject_labels  # noqa: E402

# ``approval_labels(requests)`` in templates: each request's readable subject and its page.
bp.add_app_template_global(subject_labels, "approval_labels")
