"""Public verification of an authorisation by its number and verification code (DESIGN §6).

The code is an HMAC of the number (``authorisations.operations.verification_code``). It is checked,
in constant time, before anything is looked up: a wrong code costs the same whether or not the number
exists, and an unknown number and a wrong (or malformed) code raise the very same ``NotFound``, so
nobody learns which numbers exist. Every attempt, found or not, is counted against the address's
rate limit first (:func:`count_attempt`).

The status reported is the live one: an authorisation still stored ``active`` after its last day
(the ``expire`` command has not run yet) is reported ``expired``; one not started yet is ``active``
with ``not_yet_valid``. The answer names no internal id and no user.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from gatekeeper.core import clock
from gatekeeper.core.errors import NotFound
from gatekeeper.core.ratelimit import hit
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.lifecycle import status_label
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
)
from gatekeeper.modules.authorisations.operations import get_by_number, verification_code
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Jurisdiction, Level

RATE_BUCKET = "verify"
RATE_WINDOW = dt.timedelta(minutes=1)


def kind_label(kind: Kind) -> str:
    """The name of a kind of item, as the catalogue's public lists say it."""
    labels = {
        Kind.DUTY: _("Work duty"),
        Kind.SIGN: _("Sign or plaque"),
        Kind.LEDGER: _("Ledger"),
        Kind.APPRAISAL: _("Appraisal or ranking"),
        Kind.CERTIFICATE: _("Certificate or seal"),
        Kind.MECHANISM: _("Body or working mechanism"),
        Kind.SYSTEM: _("Information system, app or report form"),
    }
    return labels[kind]


@dataclass(frozen=True)
class CommunityCheck:
    """The community asked about: its code as given, its name when the code is a known community."""

    code: str
    name: str | None


@dataclass(frozen=True)
class Verification:
    """What the public may know of an authorisation: plain values, no ORM object, no id, no user."""

    number: str
    status: AuthorisationStatus
    not_yet_valid: bool
    department: str
    kind: Kind
    title: str
    valid_from: dt.date
    valid_to: dt.date
    conditions: str
    issued_on: dt.date
    revoked_on: dt.date | None
    revoke_reason: str | None
    superseded_by: str | None
    superseded_by_code: str | None
    checked_at: dt.datetime
    community: CommunityCheck | None = None
    in_scope: bool | None = None

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def not_found() -> NotFound:
    """The one answer to an unknown number, a wrong code and a malformed code alike."""
    return NotFound(_("No authorisation matches this number and verification code; check both."))


def count_attempt(address: str | None) -> None:
    """Count one verification attempt from ``address``; 429 past ``VERIFY_RATE_PER_MINUTE`` a minute.

    Call it before :func:`verify` and commit it on its own: the error handler rolls back, and an
    attempt that ends in a 404 must count like any other.
    """
    limit = current_app.config["VERIFY_RATE_PER_MINUTE"]
    hit(RATE_BUCKET, (address or "unknown")[:100], limit=limit, window=RATE_WINDOW)


def _plausible(value: str, length: int) -> bool:
    """Could ``value`` be stored in a column of ``length``? (NUL and other controls never are; a NUL
    would even make PostgreSQL fail the query.)"""
    return 0 < len(value) <= length and value.isprintable()


def live_status(authorisation: Authorisation, today: dt.date) -> tuple[AuthorisationStatus, bool]:
    """The status as of ``today`` and whether it is not in force yet: ``(status, not_yet_valid)``."""
    if authorisation.status != AuthorisationStatus.ACTIVE:
        return authorisation.status, False
    if authorisation.valid_to < today:
        return AuthorisationStatus.EXPIRED, False
    return AuthorisationStatus.ACTIVE, authorisation.valid_from > today


def check_community(authorisation: Authorisation, code: str) -> tuple[CommunityCheck, bool]:
    """Whether the community ``code`` is in the scope; an unknown code is simply not in it."""
    community = None
    if _plausible(code, Jurisdiction.code.type.length):
        community = db.session.scalar(
            sa.select(Jurisdiction).where(Jurisdiction.code == code, Jurisdiction.level == Level.COMMUNITY)
        )
    if community is None:
        return CommunityCheck(code=code, name=None), False
    in_scope = db.session.scalar(
        sa.select(
            sa.exists().where(
                AuthorisationCommunity.authorisation_id == authorisation.id,
                AuthorisationCommunity.community_id == community.id,
            )
        )
    )
    return CommunityCheck(code=community.code, name=community.name), bool(in_scope)


def verify(number: str, code: str, community_code: str | None = None) -> Verification:
    """The live facts of authorisation ``number`` if ``code`` is its verification code, else 404.

    With ``community_code``, also whether that community is in the scope.
    """
    plausible = _plausible(number, Authorisation.number.type.length)
    # The expected code is computed (and compared) whatever the number, before any query.
    expected = verification_code(number if plausible else "").encode("ascii")
    matches = hmac.compare_digest(expected, code.encode("utf-8", "replace"))
    authorisation = get_by_number(number) if matches and plausible else None
    if authorisation is None:
        raise not_found()

    status, not_yet_valid = live_status(authorisation, clock.today())
    successor = None
    if authorisation.status == AuthorisationStatus.SUPERSEDED:
        successor = db.session.scalar(
            sa.select(Authorisation.number).where(Authorisation.id == authorisation.superseded_by_id)
        )
    revoked = authorisation.status == AuthorisationStatus.REVOKED
    community, in_scope = (None, None)
    if community_code is not None:
        community, in_scope = check_community(authorisation, community_code)
    return Verification(
        number=authorisation.number,
        status=status,
        not_yet_valid=not_yet_valid,
        department=authorisation.department.name,
        kind=authorisation.kind,
        title=authorisation.title,
        valid_from=authorisation.valid_from,
        valid_to=authorisation.valid_to,
        conditions=authorisation.conditions,
        issued_on=clock.local_date(authorisation.issued_at),
        revoked_on=clock.local_date(authorisation.revoked_at) if revoked else None,  # set when revoked
        revoke_reason=authorisation.revoke_reason if revoked else None,
        superseded_by=successor,
        # Whoever holds this notice may check its successor too (the code only prevents guessing).
        superseded_by_code=verification_code(successor) if successor else None,
        checked_at=clock.now(),
        community=community,
        in_scope=in_scope,
    )
