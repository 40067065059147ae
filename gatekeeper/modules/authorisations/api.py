"""JSON API: authorisations in force (list with filters, one by number)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import request
from marshmallow import Schema, fields, validate

from gatekeeper.core.api import PDF_ANSWER, blueprint, list_schema, paginate
from gatekeeper.core.db import refers_to_code
from gatekeeper.core.pdf import send_document
from gatekeeper.core.permissions import permission, user
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations import documents, lifecycle
from gatekeeper.modules.authorisations.community import community_view
from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationCommunity
from gatekeeper.modules.authorisations.operations import get_by_number
from gatekeeper.modules.authorisations.permissions import (
    can_list_authorisations,
    can_revoke,
    can_see_authorisation,
    can_see_community_list,
    visible_authorisations,
)
from gatekeeper.modules.authorisations.schemas import (
    AuthorisationListArgs,
    AuthorisationSchema,
    CommunityViewSchema,
)
from gatekeeper.modules.jurisdictions.models import Department, Gate, Jurisdiction, Level
from gatekeeper.modules.requests.models import AdmissionRequest

blp = blueprint("authorisations", "Authorisations (准入许可) issued on approval")
BLUEPRINTS = [blp]


def attach_community_codes(items: list[Authorisation]) -> None:
    """Give each authorisation its ``community_codes`` and the number it replaces: two queries a page."""
    codes: dict[int, list[str]] = defaultdict(list)
    if items:
        rows = db.session.execute(
            sa.select(AuthorisationCommunity.authorisation_id, Jurisdiction.code)
            .join(Jurisdiction, Jurisdiction.id == AuthorisationCommunity.community_id)
            .where(AuthorisationCommunity.authorisation_id.in_([a.id for a in items]))
            .order_by(Jurisdiction.code)
        )
        for authorisation_id, code in rows:
            codes[authorisation_id].append(code)
    replaced = {}
    if items:
        old = sa.orm.aliased(Authorisation)
        replaced = dict(
            db.session.execute(
                sa.select(Authorisation.id, old.number)
                .join(AdmissionRequest, AdmissionRequest.id == Authorisation.request_id)
                .join(old, old.id == AdmissionRequest.varies_id)
                .where(Authorisation.id.in_([a.id for a in items]))
            ).all()
        )
    for item in items:
        item.community_codes = codes[item.id]
        item.replaces_number = replaced.get(item.id)


@blp.route("/authorisations")
@blp.response(200, list_schema(AuthorisationSchema))
@permission(can_list_authorisations)
@blp.arguments(AuthorisationListArgs, location="query")
def list_authorisations(args):
    stmt = (
        sa.select(Authorisation)
        .where(visible_authorisations(user()))
        .order_by(Authorisation.issued_at.desc(), Authorisation.id.desc())
    )
    if args.get("status"):
        stmt = stmt.where(Authorisation.status == args["status"])
    if args.get("kind"):
        stmt = stmt.where(Authorisation.kind == args["kind"])
    if args.get("department"):
        stmt = stmt.where(refers_to_code(Authorisation.department_id, Department, args["department"]))
    if args.get("gate"):
        stmt = stmt.where(refers_to_code(Authorisation.gate_id, Gate, args["gate"]))
    if args.get("community"):
        stmt = stmt.where(
            sa.exists().where(
                AuthorisationCommunity.authorisation_id == Authorisation.id,
                refers_to_code(AuthorisationCommunity.community_id, Jurisdiction, args["community"]),
            )
        )
    page = paginate(stmt, args)
    attach_community_codes(page["items"])
    return page


@blp.route("/authorisations/<number>")
@blp.response(200, AuthorisationSchema)
@permission(can_see_authorisation, load=get_by_number, can_see=can_see_authorisation)
def get_authorisation(authorisation):
    attach_community_codes([authorisation])
    return authorisation


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


@blp.route("/authorisations/<number>/revoke", methods=["POST"])
@blp.response(200, AuthorisationSchema)
@permission(can_revoke, load=get_by_number, can_see=can_see_authorisation)
@blp.arguments(RevokeSchema)
def revoke(authorisation, data):
    """Revoke an authorisation in force (reason required): it ends for every community at once."""
    authorisation = lifecycle.revoke(authorisation, data["reason"], actor=user())
    db.session.commit()
    attach_community_codes([authorisation])
    return authorisation


@blp.route("/authorisations/<number>/notice.pdf")
@blp.doc(**PDF_ANSWER)
@permission(can_see_authorisation, load=get_by_number, can_see=can_see_authorisation)
def notice_pdf(authorisation):
    """The authorisation notice (准入通知书): A4 PDF, with scope, money and the verification QR code."""
    return send_document(
        "notice",
        documents.NoticePdfSchema(),
        documents.notice_source(authorisation),
        title=documents.notice_title,
        filename=documents.notice_filename(authorisation),
    )


def _community(code: str) -> Jurisdiction | None:
    return db.session.scalar(
        sa.select(Jurisdiction).where(Jurisdiction.code == code, Jurisdiction.level == Level.COMMUNITY)
    )


@blp.route("/communities/<code>/authorised.pdf")
@blp.doc(**PDF_ANSWER)
@permission(can_see_community_list, load=_community)
def community_authorised_pdf(community):
    """The community's list of admitted items (社区工作事项准入清单) for its notice board, with a QR code
    per item (``?codes=list``: one code, for the whole list)."""
    item_codes = request.args.get("codes", "items") != "list"
    return send_document(
        "community_list",
        documents.CommunityListPdfSchema(),
        documents.community_list_source(community, item_codes=item_codes),
        title=documents.community_list_title,
        filename=documents.community_list_filename(community),
    )


@blp.route("/communities/<code>/authorised")
@blp.response(200, CommunityViewSchema)
@permission(can_see_community_list, load=_community)
def community_authorised(community):
    """What is authorised in this community now, with the money of each item (本社区准入事项)."""
    return community_view(community)
