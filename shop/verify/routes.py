"""``/verify``: a form for a certificate number; ``/verify/<number>``: what it says today.

Anyone may ask (the number is printed on certificates and packages), so each address is
rate-limited like the traceability page; an unknown number answers 404 with the form again.
The number may hold slashes (a decision's style of numbering), hence the ``path`` converter.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _

from shop.extensions import limiter
from shop.templating import local_today
from shop.verify import bp
from shop.verify.services import NUMBER_MAX, UNKNOWN, normalise_number, verify

VERIFY_LIMITS = "30 per minute;300 per hour"


@bp.after_request
def _not_indexed(response: Response) -> Response:
    # Every number typed would otherwise become a page for search engines.
    if request.endpoint == "verify.certificate":
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in ("vi", "en") else None


@bp.get("/verify")
def form():
    """The form; submitted (``?number=``), it leads to the number's own address."""
    if "number" not in request.args:
        return render_template("verify/verify.html", verdict=None, typed="", error=None)
    typed = request.args.get("number", "")
    number = normalise_number(typed)
    if not number:
        error = (
            _("Enter the number at most %(max)d characters long.", max=NUMBER_MAX)
            if typed.strip()
            else _("Enter the certificate number printed on the certificate or the package.")
        )
        return render_template(
            "verify/verify.html", verdict=None, typed=typed[: NUMBER_MAX * 2], error=error
        ), 400
    return redirect(url_for("verify.certificate", number=number, lang=_lang()), 303)


@bp.get("/verify/<path:number>")
@limiter.limit(VERIFY_LIMITS)
def certificate(number: str):
    verdict = verify(number, local_today())
    if verdict.found and number != verdict.number:  # one address per certificate
        return redirect(url_for("verify.certificate", number=verdict.number, lang=_lang()), 301)
    status = 404 if verdict.state == UNKNOWN else 200
    return render_template(
        "verify/verify.html", verdict=verdict, typed=verdict.number, error=None
    ), status
