"""Issuing authorisations: the number, the materialised scope, the community loads, verification.

Numbers are ``<prefix>-<year>-<seq>`` per gate and year, taken from a counter row updated under a
row lock, so two approvals at the same moment get two consecutive numbers and never the same one.
The scope is written with one bulk INSERT and the loads with one UPDATE per kind of load, whatever
the number of communities.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from gatekeeper.core import audit, clock
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import (
    Authorisation,
    AuthorisationCommunity,
    AuthorisationStatus,
    CommunityLoad,
    NumberSequence,
    load_deltas,
)
from gatekeeper.modules.notifications import operations as notifications
from gatekeeper.modules.requests import precheck
from gatekeeper.modules.requests.models import AdmissionRequest
from gatekeeper.modules.requests.operations import as_input
from gatekeeper.modules.requests.schemas import RequestInputSchema

VERIFICATION_CODE_LENGTH = 16


def _insert(model):
    """An INSERT that skips rows already there (both databases support ON CONFLICT DO NOTHING)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def next_number(gate, year: int) -> tuple[int, str]:
    """Take the next sequence number of ``gate`` in ``year`` under a row lock."""
    db.session.execute(
        _insert(NumberSequence).values(gate_id=gate.id, year=year, last=0).on_conflict_do_nothing()
    )
    counter = db.session.scalar(
        sa.select(NumberSequence)
        .where(NumberSequence.gate_id == gate.id, NumberSequence.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter.last += 1
    db.session.flush()
    return counter.last, f"{gate.number_prefix}-{year}-{counter.last:04d}"


def verification_code(number: str) -> str:
    """The public verification code of an authorisation: an HMAC of its number with the server key."""
    key = current_app.config["VERIFY_SECRET"].encode("utf-8")
    return hmac.new(key, number.encode("utf-8"), hashlib.sha256).hexdigest()[:VERIFICATION_CODE_LENGTH]


def verification_url(number: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/verify/{quote(number)}?code={verification_code(number)}"


def change_loads(authorisation: Authorisation, sign: int) -> None:
    """Add (``sign=1``) or remove (``-1``) what ``authorisation`` puts on each of its communities."""
    deltas = load_deltas(authorisation.kind, authorisation.reports_per_year)
    if not deltas:
        return
    in_scope = sa.select(AuthorisationCommunity.community_id).where(
        AuthorisationCommunity.authorisation_id == authorisation.id
    )
    if sign > 0:
        db.session.execute(
            _insert(CommunityLoad).from_select(["community_id"], in_scope).on_conflict_do_nothing()
        )
    db.session.execute(
        sa.update(CommunityLoad)
        .where(CommunityLoad.community_id.in_(in_scope))
        .values({getattr(CommunityLoad, k): getattr(CommunityLoad, k) + sign * v for k, v in deltas.items()})
        .execution_options(synchronize_session=False)
    )


def issue_authorisation(req: AdmissionRequest, *, conditions: str = "", actor) -> Authorisation:
    """Turn an approved request into a numbered authorisation over the communities now in scope."""
    today = clock.today()
    valid_from = max(req.start_date, today)
    if req.end_date < valid_from:
        raise ValidationFailed(
            _("The request's validity has already ended; it cannot be authorised."),
            fields={"end_date": [_("already over")]},
        )
    data = RequestInputSchema().load(as_input(req))
    scope = precheck.resolve_scope(req.gate, data["scope"])
    community_ids = list(db.session.scalars(scope.statement))
    if not community_ids:
        raise ValidationFailed(_("The scope reaches no community any more."), fields={"scope": [_("empty")]})
    seq, number = next_number(req.gate, today.year)
    authorisation = Authorisation(
        number=number,
        gate=req.gate,
        year=today.year,
        seq=seq,
        request_id=req.id,
        department=req.department,
        kind=req.kind,
        title=req.title,
        catalogue_entry=req.catalogue_entry,
        status=AuthorisationStatus.ACTIVE,
        valid_from=valid_from,
        valid_to=req.end_date,
        conditions=conditions,
        reports_per_year=req.reports_per_year,
        funding_basis=req.funding_basis,
        funding_amount_fen=req.funding_amount_fen,
        community_count=len(community_ids),
        issued_at=clock.now(),
    )
    db.session.add(authorisation)
    db.session.flush()
    db.session.execute(
        sa.insert(AuthorisationCommunity),
        [{"authorisation_id": authorisation.id, "community_id": cid} for cid in community_ids],
    )
    change_loads(authorisation, +1)
    audit.record(
        "authorisation.issue",
        authorisation,
        actor=actor,
        after={
            "number": number,
            "request": req.id,
            "communities": len(community_ids),
            "valid_from": valid_from,
            "valid_to": req.end_date,
            "conditions": conditions,
        },
    )
    notifications.authorisation_issued(authorisation, actor=actor)
    from gatekeeper.modules.funds.operations import allocate

    allocate(authorisation, actor=actor)  # funds follow duties: one allocation per community
    if req.varies_id is not None:  # a variation: the new authorisation carries on from the old one
        from gatekeeper.modules.authorisations.lifecycle import supersede

        supersede(req.varies, authorisation, actor=actor)
    return authorisation


def get_by_number(number: str) -> Authorisation | None:
    return db.session.scalar(sa.select(Authorisation).where(Authorisation.number == number))


# --- reading, for lists and pages ----------------------------------------------------------------


def live_status_condition(status: AuthorisationStatus, today) -> sa.ColumnElement[bool]:
    """The authorisations whose *live* status (``verification.operations.live_status``) is ``status``,
    as a WHERE clause: one still stored active after its last day already counts as expired."""
    stored = Authorisation.status
    if status == AuthorisationStatus.ACTIVE:
        return sa.and_(stored == AuthorisationStatus.ACTIVE, Authorisation.valid_to >= today)
    if status == AuthorisationStatus.EXPIRED:
        return sa.or_(
            stored == AuthorisationStatus.EXPIRED,
            sa.and_(stored == AuthorisationStatus.ACTIVE, Authorisation.valid_to < today),
        )
    return stored == status


def replaced_number(authorisation: Authorisation) -> str | None:
    """The number of the authorisation this one replaced (it was issued on a variation), if any."""
    old = aliased(Authorisation)
    return db.session.scalar(
        sa.select(old.number)
        .join(AdmissionRequest, AdmissionRequest.varies_id == old.id)
        .where(AdmissionRequest.id == authorisation.request_id)
    )
