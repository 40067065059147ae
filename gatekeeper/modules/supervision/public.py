"""The anti-abuse measures of public filing (no login): a honeypot field, a minimum fill time and a
rate limit per address.

- The form carries a field hidden from people (``website``); a robot that fills it is refused.
- The form carries ``started``: the time it was served, signed with the app's secret; a form posted
  sooner than the setting ``PUBLIC_REPORT_MIN_FILL_SECONDS`` (5) after, or with a token that is not
  ours, or older than ``MAX_FORM_AGE``, is refused. The time is the app's clock, so tests freeze it.
- Each address may file ``PUBLIC_REPORT_RATE_PER_HOUR`` reports an hour (``core.ratelimit``); counted
  and committed before the report is checked, so a refused attempt counts too.

The API applies the honeypot and the rate limit (a client has no form to time).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from gatekeeper.core import clock
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.core.ratelimit import hit

RATE_BUCKET = "public_report"
RATE_WINDOW = dt.timedelta(hours=1)
MAX_FORM_AGE = dt.timedelta(hours=12)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="public-report-form")


def form_token() -> str:
    """The signed time the form is served."""
    return _serializer().dumps(clock.now().timestamp())


def check_fill_time(token: str | None) -> None:
    """422 ``too_fast`` when the form came back too soon, or with a token that is not a valid one."""
    try:
        started = float(_serializer().loads(token or ""))
    except (BadSignature, TypeError, ValueError):
        raise ValidationFailed(
            _("The form has expired; please fill it in again."), code="form_expired"
        ) from None
    elapsed = clock.now().timestamp() - started
    if elapsed > MAX_FORM_AGE.total_seconds() or elapsed < 0:
        raise ValidationFailed(_("The form has expired; please fill it in again."), code="form_expired")
    if elapsed < float(current_app.config["PUBLIC_REPORT_MIN_FILL_SECONDS"]):
        raise ValidationFailed(
            _("The form was sent too quickly. Please check what you typed and send it again."),
            code="too_fast",
        )


def refuse_robots(honeypot: str | None) -> None:
    """422 when the field people never see was filled in."""
    if honeypot:
        raise ValidationFailed(_("The report could not be accepted."), code="refused")


def count_filing(address: str | None) -> None:
    """Count one public filing from ``address``; 429 past the limit an hour."""
    limit = int(current_app.config["PUBLIC_REPORT_RATE_PER_HOUR"])
    hit(RATE_BUCKET, (address or "unknown")[:100], limit=limit, window=RATE_WINDOW)
