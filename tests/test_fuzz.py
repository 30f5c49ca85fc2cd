"""Random paths, query strings and forms on every route of the URL map never answer 5xx.

Hypothesis draws a route and a method (GET or POST), a visitor (anonymous or a signed-in
admin), values for the path's variables (real ids and slugs, Unicode digits, NUL, numbers
beyond 64 bits, long strings), query parameters and form fields. Forms
carry a valid CSRF token (mostly), so they reach their validation. Deterministic
(``derandomize``) and bounded.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from shop.extensions import limiter
from tests.conftest import csrf_token
from tests.payments.stripe_fakes import WEBHOOK_SECRET
from tests.routes import make_world, rules, sample_values

pytestmark = pytest.mark.slow

EXAMPLES = 250

ODD_VALUES = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "²",
    "٣",
    "１２",
    "1e3",
    "1.5",
    "NaN",
    "99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "9" * 5000,
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "line\nbreak",
    "\t",
    "x" * 3000,
    "Vải thiều Lục Ngạn",
    "vi",
    "en",
    "on",
    "true",
    "//evil.example",
    "/\\evil.example",
    "<script>",
    "' OR 1=1 --",
    "%00",
    "../..",
]

KNOWN_KEYS = [
    "page", "q", "sort", "min_price", "max_price", "stars", "commune", "group", "certified",
    "in_season", "exclude_adult", "lang", "token", "next", "status", "review", "_external",
    "_scheme", "_anchor", "_method", "slug", "reference", "endpoint", "email", "password",
    "password_confirm", "new_password", "name", "phone", "quantity", "product_id", "note",
    "reason", "everything", "adult_confirmed", "province", "street", "payment_method",
    "terms", "pay", "decline", "carrier", "tracking_number", "remember", "line_1", "line_2",
    "from", "to", "month",
]  # fmt: skip

# Query keys that url_for reads as its own options or as the route's values.
TRAP_KEYS = ["_external", "_scheme", "_anchor", "_method", "slug", "reference", "page"]

# Printable text mostly (control characters come from ODD_VALUES), so most requests get past
# the edge check and reach the views.
printable = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=30)
values = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    printable,
)
keys = st.one_of(
    st.sampled_from(TRAP_KEYS), st.sampled_from(KNOWN_KEYS), st.text(min_size=1, max_size=12)
)
pairs = st.lists(st.tuples(keys, values), max_size=6)

_VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def _path(rule, real: dict[str, object], drawn: dict[str, str | None]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        raw = drawn.get(name)
        text = str(real[name]) if raw is None else raw
        return quote(text, safe="/" if name == "filename" else "")

    return _VARIABLE.sub(value, rule.rule)


@pytest.fixture
def no_rate_limits():
    limiter.enabled = False
    yield
    limiter.enabled = True


def test_no_route_answers_5xx(app, client, login_as, no_rate_limits):
    world = make_world()
    anonymous = app.test_client()
    login_as("admin")
    admin = client
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    # CSRF stays on (turning it off drops the token field the templates render): forms carry
    # the visitor's valid token unless the draw leaves it out, so they reach their validation.
    tokens = {True: csrf_token(admin, "/account"), False: csrf_token(anonymous, "/account/login")}
    targets = [
        (rule, method)
        for method in ("GET", "POST")
        for rule in rules(app, method, pages_only=False)
    ]
    real = {rule.rule: sample_values(rule, world) for rule, _method in targets}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def request_anything(data):
        rule, method = data.draw(st.sampled_from(targets), label="route")
        as_admin = data.draw(st.booleans(), label="admin")
        if as_admin and rule.endpoint == "accounts.logout":
            as_admin = False  # signing the admin out would leave the rest of the run anonymous
        drawn = {name: data.draw(st.none() | values, label=f"<{name}>") for name in rule.arguments}
        path = _path(rule, real[rule.rule], drawn)
        query = data.draw(pairs, label="query")
        form = data.draw(pairs, label="form") if method == "POST" else []
        if method == "POST" and data.draw(st.integers(0, 9), label="token") > 0:
            form.append(("csrf_token", tokens[as_admin]))
        note(f"{method} {path} query={query!r} form={form!r} admin={as_admin}")
        visitor = admin if as_admin else anonymous
        response = visitor.open(
            path, method=method, query_string=MultiDict(query), data=MultiDict(form)
        )
        assert response.status_code < 500, (method, path, response.status_code)
        response.close()

    request_anything()
