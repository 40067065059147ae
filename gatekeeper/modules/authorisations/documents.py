"""Documents of authorisations: the authorisation notice (准入通知书) and a community's list of what is
authorised there (社区工作事项准入清单).

Each document is a schema dump of a plain source object gathered here, rendered by ``core.pdf``.
Labels are dumped in the document's language (the dump runs inside its locale).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, fields

from gatekeeper.core import clock
from gatekeeper.core.labels import label
from gatekeeper.core.pdf import local_day
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.community import CommunityView, community_view
from gatekeeper.modules.authorisations.models import Authorisation, AuthorisationCommunity
from gatekeeper.modules.authorisations.operations import verification_code, verification_url
from gatekeeper.modules.catalogue.models import CatalogueEntry, Kind
from gatekeeper.modules.catalogue.schemas import CatalogueEntryPdfSchema
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction
from gatekeeper.modules.jurisdictions.operations import gate_over
from gatekeeper.modules.jurisdictions.schemas import LetterheadPdfSchema
from gatekeeper.modules.requests.page_data import catalogue_entry
from gatekeeper.modules.verification.operations import live_status

#: A notice lists the money of each community in its body up to this many communities; beyond, the
#: body gives the sum per street and an annex lists every community.
BODY_LINES = 20


@dataclasses.dataclass
class ScopeLine:
    community_code: str
    community_name: str
    street_name: str
    households: int
    amount_fen: int | None


@dataclasses.dataclass
class NoticeSource:
    authorisation: Authorisation
    lines: list[ScopeLine]
    entry: CatalogueEntry | None
    printed_on: dt.date


class ScopeLineSchema(Schema):
    community_code = fields.String()
    community_name = fields.String()
    street_name = fields.String()
    households = fields.Integer()
    amount_fen = fields.Integer(allow_none=True)


def _streets(lines: list[ScopeLine]) -> list[dict]:
    """Communities, households and money of the scope per street, in the order they first occur."""
    streets: dict[str, dict] = {}
    for line in lines:
        street = streets.setdefault(
            line.street_name,
            {"street_name": line.street_name, "communities": 0, "households": 0, "amount_fen": 0},
        )
        street["communities"] += 1
        street["households"] += line.households
        street["amount_fen"] += line.amount_fen or 0
    return list(streets.values())


def _status(source: NoticeSource):
    """The live status on the day of printing (an active one past its last day is expired)."""
    return live_status(source.authorisation, source.printed_on)[0]


def _entry(source: NoticeSource) -> dict | None:
    return CatalogueEntryPdfSchema().dump(source.entry) if source.entry is not None else None


class NoticePdfSchema(Schema):
    """The authorisation notice (准入通知书)."""

    letterhead = fields.Function(lambda s: LetterheadPdfSchema().dump(s.authorisation.gate))
    reference = fields.Function(lambda s: s.authorisation.number)
    number = fields.Function(lambda s: s.authorisation.number)
    status = fields.Function(lambda s: _status(s).value)
    status_label = fields.Function(lambda s: label(_status(s)))
    department_name = fields.Function(lambda s: s.authorisation.department.name)
    kind_label = fields.Function(lambda s: label(s.authorisation.kind))
    title = fields.Function(lambda s: s.authorisation.title)
    legal_basis = fields.Function(lambda s: s.authorisation.request.legal_basis)
    catalogue_entry = fields.Function(_entry)
    valid_from = fields.Function(lambda s: s.authorisation.valid_from.isoformat())
    valid_to = fields.Function(lambda s: s.authorisation.valid_to.isoformat())
    conditions = fields.Function(lambda s: s.authorisation.conditions)
    reports_per_year = fields.Function(lambda s: s.authorisation.reports_per_year)
    funding_basis = fields.Function(lambda s: s.authorisation.funding_basis.value)
    funding_basis_label = fields.Function(lambda s: label(s.authorisation.funding_basis))
    funding_amount_fen = fields.Function(lambda s: s.authorisation.funding_amount_fen)
    funding_source = fields.Function(lambda s: s.authorisation.request.funding_source)
    total_fen = fields.Function(lambda s: sum(line.amount_fen or 0 for line in s.lines))
    community_count = fields.Function(lambda s: len(s.lines))
    households = fields.Function(lambda s: sum(line.households for line in s.lines))
    lines = fields.Function(lambda s: ScopeLineSchema(many=True).dump(s.lines))
    streets = fields.Function(lambda s: _streets(s.lines))
    lines_in_body = fields.Function(lambda s: len(s.lines) <= BODY_LINES)
    submitted_on = fields.Function(lambda s: local_day(s.authorisation.request.submitted_at))
    decided_on = fields.Function(lambda s: local_day(s.authorisation.request.decided_at))
    issued_on = fields.Function(lambda s: local_day(s.authorisation.issued_at))
    printed_on = fields.Function(lambda s: s.printed_on.isoformat())
    revoked_on = fields.Function(lambda s: local_day(s.authorisation.revoked_at))
    revoke_reason = fields.Function(lambda s: s.authorisation.revoke_reason)
    superseded_by = fields.Function(
        lambda s: s.authorisation.superseded_by.number if s.authorisation.superseded_by else None
    )
    verification_url = fields.Function(lambda s: verification_url(s.authorisation.number))
    verification_code = fields.Function(lambda s: verification_code(s.authorisation.number))


def scope_lines(authorisation: Authorisation) -> list[ScopeLine]:
    """The communities of the scope with their street, households and money, by street and code."""
    street = sa.orm.aliased(Jurisdiction)
    rows = db.session.execute(
        sa.select(
            Jurisdiction.code, Jurisdiction.name, street.name, Jurisdiction.households, Allocation.amount_fen
        )
        .join(AuthorisationCommunity, AuthorisationCommunity.community_id == Jurisdiction.id)
        .join(street, street.id == Jurisdiction.parent_id)
        .outerjoin(
            Allocation,
            sa.and_(
                Allocation.authorisation_id == authorisation.id, Allocation.community_id == Jurisdiction.id
            ),
        )
        .where(AuthorisationCommunity.authorisation_id == authorisation.id)
        .order_by(street.code, Jurisdiction.code)
    ).all()
    return [
        ScopeLine(code, name, street_name, households or 0, amount)
        for code, name, street_name, households, amount in rows
    ]


def notice_source(authorisation: Authorisation) -> NoticeSource:
    """What the notice shows; its catalogue entry as in the version the request was checked against."""
    check = authorisation.request.latest_check
    entry = catalogue_entry(
        authorisation.gate, authorisation.catalogue_entry, check.catalogue_version_id if check else None
    )
    return NoticeSource(authorisation, scope_lines(authorisation), entry, clock.today())


def notice_title() -> str:
    return _("Notice of admission of a community work item")


def notice_filename(authorisation: Authorisation) -> str:
    return f"{authorisation.number}-notice.pdf"


# --- a community's list (社区工作事项准入清单) ----------------------------------------------------


@dataclasses.dataclass
class CommunityListSource:
    view: CommunityView
    gate: Gate
    item_codes: bool = True  # a QR code per item; else one code for the whole list


def public_list_url(code: str) -> str:
    """The community's public (公示) list, which the list's QR code opens."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/public/communities/{quote(code)}"


def _list_item(item, community: str) -> dict:
    authorisation, allocation = item.authorisation, item.allocation
    return {
        "number": authorisation.number,
        "department_name": authorisation.department.name,
        "kind": authorisation.kind.value,
        "kind_label": label(authorisation.kind),
        "title": authorisation.title,
        "valid_from": authorisation.valid_from.isoformat(),
        "valid_to": authorisation.valid_to.isoformat(),
        "conditions": authorisation.conditions,
        "reports_per_year": authorisation.reports_per_year,
        "amount_fen": allocation.amount_fen if allocation else None,
        "received_fen": allocation.confirmed_fen if allocation else None,
        "funds_overdue": item.funds_overdue,
        "verification_url": f"{verification_url(authorisation.number)}&community={quote(community)}",
    }


def _kind_counts(view: CommunityView) -> list[dict]:
    return [{"kind": kind, "label": label(Kind(kind)), "count": n} for kind, n in view.counts.items() if n]


class CommunityListPdfSchema(Schema):
    """One community's authorised list, for its notice board."""

    letterhead = fields.Function(lambda s: LetterheadPdfSchema().dump(s.gate))
    reference = fields.Function(lambda s: s.view.community.code)
    community_code = fields.Function(lambda s: s.view.community.code)
    community_name = fields.Function(lambda s: s.view.community.name)
    street_name = fields.Function(lambda s: s.view.community.parent.name if s.view.community.parent else "")
    households = fields.Function(lambda s: s.view.community.households or 0)
    as_of = fields.Function(lambda s: s.view.as_of.isoformat())
    items = fields.Function(lambda s: [_list_item(item, s.view.community.code) for item in s.view.items])
    counts = fields.Function(lambda s: _kind_counts(s.view))
    total_fen = fields.Function(lambda s: sum(i.allocation.amount_fen for i in s.view.items if i.allocation))
    received_fen = fields.Function(
        lambda s: sum(i.allocation.confirmed_fen for i in s.view.items if i.allocation)
    )
    overdue = fields.Function(lambda s: sum(1 for i in s.view.items if i.funds_overdue))
    item_codes = fields.Boolean()
    list_url = fields.Function(lambda s: public_list_url(s.view.community.code))


def community_list_source(
    community: Jurisdiction, *, gate: Gate | None = None, item_codes: bool = True
) -> CommunityListSource:
    """What the community's list shows (the gate that issues it: the nearest above, unless given)."""
    return CommunityListSource(community_view(community), gate or gate_over(community), item_codes)


def community_list_title() -> str:
    return _("List of the work items admitted into the community")


def community_list_filename(community: Jurisdiction) -> str:
    return f"{community.code}-authorised.pdf"
