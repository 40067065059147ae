"""Pages of a community and a street: the community head's "our community" (本社区准入事项), one
community's view for those who may see it, looking up a number, the street officer's overview, and
the public's published (公示) lists.

A community's items are filtered, sorted and paged in SQL; their counts by kind, flags and money come
from one GROUP BY (``community.operations``), so the page costs the same few queries however many
items are in force. The street's overview (a street has tens of communities) is sorted and paged in
memory. The public pages use the public layout (no script, no log-in) and speak Chinese
unless ``?lang=en``.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import sqlalchemy as sa
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gatekeeper.core import clock
from gatekeeper.core.db import write_intent
from gatekeeper.core.errors import RateLimited
from gatekeeper.core.labels import options
from gatekeeper.core.permissions import permission, public, user
from gatekeeper.core.ratelimit import hit
from gatekeeper.core.web import (
    PER_PAGE_CHOICES,
    ListPage,
    NavItem,
    list_page,
    page_url,
    public_headers,
    public_language,
)
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role
from gatekeeper.modules.authorisations.community import EXPIRING_DAYS, Item, community_view
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.authorisations.operations import get_by_number, verification_code
from gatekeeper.modules.authorisations.permissions import (
    can_see_authorisation,
    can_see_community_list,
    visible_authorisations,
)
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.community import operations as ops
from gatekeeper.modules.community.permissions import (
    can_look_up_number,
    can_see_own_community,
    can_see_street_overview,
)
from gatekeeper.modules.funds import workflow as funds_workflow
from gatekeeper.modules.funds.balances import overdue_condition
from gatekeeper.modules.funds.models import Allocation
from gatekeeper.modules.jurisdictions.models import Department, Jurisdiction, Level
from gatekeeper.modules.verification import operations as verification

bp = Blueprint("community_pages", __name__)
PAGES = [bp]
NAV = [
    NavItem("community_pages.home", _l("Our community"), roles=(Role.COMMUNITY_HEAD,), order=10),
    NavItem("community_pages.street", _l("Our street"), roles=(Role.STREET_OFFICER,), order=10),
]
HOME = {Role.COMMUNITY_HEAD: "community_pages.home", Role.STREET_OFFICER: "community_pages.street"}

#: Payments to confirm shown at first (the oldest); ``?payments=all`` shows every one.
PAYMENTS_SHOWN = 10
#: Look-ups of numbers a user may make in a minute (each says whether a number exists).
LOOKUPS_PER_MINUTE = 30


# --- the community's items: filtered, sorted and paged in SQL ---------------------------------------


#: Sort keys of a community's items and their columns (the number breaks ties).
ITEM_SORTS: dict[str, tuple] = {
    "end": (Authorisation.valid_to, Authorisation.number),
    "number": (Authorisation.number,),
    "department": (Department.name, Authorisation.number),
    "kind": (Authorisation.kind, Authorisation.number),
    "title": (Authorisation.title, Authorisation.number),
    "allocated": (sa.func.coalesce(Allocation.amount_fen, -1), Authorisation.number),
}
ITEM_FILTERS = ("kind", "department", "flagged")


def _positive(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def chosen_sort(sorts, default_sort: str) -> str:
    """``?sort=`` when it names one of ``sorts`` (``-key`` descending), else ``default_sort``."""
    chosen = request.args.get("sort", default_sort)
    return chosen if chosen.lstrip("-") in sorts else default_sort


def paged(items: list, *, sorts, default_sort: str, keep=(), per_page=25, presorted=False) -> ListPage:
    """``items`` sorted by ``?sort=`` (``sorts`` maps keys to sort-key functions; ``presorted``: the
    query sorted them already), cut to ``?page=`` / ``?per_page=``: the ``ListPage`` the list macros
    expect, for a list already in memory."""
    chosen = chosen_sort(sorts, default_sort)
    ordered = items
    if not presorted:
        ordered = sorted(items, key=sorts[chosen.lstrip("-")], reverse=chosen.startswith("-"))
    size = _positive("per_page", per_page)
    size = size if size in PER_PAGE_CHOICES else per_page
    pages = max(1, math.ceil(len(ordered) / size))
    page = min(_positive("page", 1), pages)
    args = {k: request.args[k] for k in (*keep, "sort", "per_page", "page") if request.args.get(k)}
    return ListPage(
        items=ordered[(page - 1) * size : page * size],
        total=len(ordered),
        page=page,
        per_page=size,
        sort=chosen,
        sorts=tuple(sorts),
        args=args,
    )


def _visible(actor, items: list) -> set[int]:
    """The ids of the listed items whose page ``actor`` may open: one query for the page's rows."""
    ids = [item.authorisation.id for item in items]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Authorisation.id).where(Authorisation.id.in_(ids), visible_authorisations(actor))
        )
    )


def _chosen(departments: list[tuple[str, str]]) -> dict[str, str]:
    """The filters asked for, when they name a kind or a department of the list."""
    kind = request.args.get("kind", "")
    department = request.args.get("department", "")
    return {
        "kind": kind if kind in {k.value for k in Kind} else "",
        "department": department if department in {code for code, _name in departments} else "",
        "flagged": "1" if request.args.get("flagged") == "1" else "",
    }


def _where(chosen: dict[str, str], soon: dt.date) -> list[sa.ColumnElement[bool]]:
    """The filters as WHERE clauses (``flagged``: money overdue or ending within 30 days)."""
    where = []
    if chosen["kind"]:
        where.append(Authorisation.kind == Kind(chosen["kind"]))
    if chosen["department"]:
        where.append(Department.code == chosen["department"])
    if chosen["flagged"]:
        where.append(
            sa.or_(sa.and_(Allocation.id.is_not(None), overdue_condition()), Authorisation.valid_to <= soon)
        )
    return where


def render_view(community: Jurisdiction, *, own: bool):
    """The page of one community's items in force (the head's home when ``own``, with the payments
    to confirm); ``?print=1``: every item on one page, without filters. A constant number of queries:
    the counts, flags and money in one GROUP BY, the page of items, the departments for the filter."""
    today = clock.today()
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    summary = ops.community_summary(community)
    departments = ops.departments_in_force(community, today)
    chosen = _chosen(departments)
    printing = request.args.get("print") == "1"
    stmt = ops.items_in_force(community, today)
    if printing:
        rows = db.session.execute(stmt.order_by(*ITEM_SORTS["end"])).all()
        listing = ListPage(rows, len(rows), 1, max(len(rows), 1), "end", tuple(ITEM_SORTS), {})
    else:
        stmt = stmt.where(*_where(chosen, soon))
        listing = list_page(stmt, sorts=ITEM_SORTS, default_sort="end", keep=ITEM_FILTERS, rows=True)
    listing.items = [Item(authorisation, allocation) for authorisation, allocation in listing.items]
    payments, payments_total = [], 0
    if own:
        shown = None if request.args.get("payments") == "all" else PAYMENTS_SHOWN
        payments, payments_total = ops.payments_to_answer(community, limit=shown)
    for payment in payments:
        payment.actions = funds_workflow.allowed_actions(payment.state)
    return render_template(
        "community/view.html",
        community=community,
        as_of=today,
        own=own,
        listing=listing,
        chosen=chosen,
        soon=soon,
        summary=summary,
        visible=_visible(user(), listing.items),
        payments=payments,
        payments_total=payments_total,
        departments=departments,
        kinds=[(kind.value, kind) for kind in Kind],
        kind_options=options(Kind),
        printing=printing,
        filter_url=lambda **args: url_for(request.endpoint, **(request.view_args or {}), **args),
    )


@bp.route("/community")
@permission(can_see_own_community)
def home():
    """What is authorised in the head's community now (本社区准入事项), with money and flags."""
    return render_view(user().jurisdiction, own=True)


def load_community(code: str) -> Jurisdiction | None:
    """The community with this code (``None`` for anything else: a street, an unknown or unprintable code)."""
    if not code.isprintable():
        return None
    return db.session.scalar(
        sa.select(Jurisdiction).where(Jurisdiction.code == code, Jurisdiction.level == Level.COMMUNITY)
    )


@bp.route("/communities/<code>")
@permission(can_see_community_list, load=load_community)
def community(community_):
    """One community's items in force, read-only, for whoever may see its list."""
    actor = user()
    own = actor.role == Role.COMMUNITY_HEAD and actor.jurisdiction_id == community_.id
    return render_view(community_, own=own)


# --- looking up a number ---------------------------------------------------------------------------


def _lookup_community() -> Jurisdiction | None:
    """The community a look-up asks about: ``?community=`` if the user may see its list, else the
    head's own; ``None`` for others."""
    actor = user()
    code = (request.args.get("community") or "").strip()
    if code and code.isprintable():
        found = load_community(code[:32])
        if found is not None and can_see_community_list(actor, found):
            return found
    if actor.role == Role.COMMUNITY_HEAD:
        return actor.jurisdiction
    return None


@bp.route("/lookup")
@permission(can_look_up_number)
def lookup():
    """A number typed by hand: its page when the user may see it; else whether it is in force and
    whether it covers the community, and nothing more (no department, no title: the public page
    says those only to the holder of the verification code)."""
    actor = user()
    number = normalise_number(request.args.get("number"))
    place = _lookup_community()
    if not number:
        return render_template("community/lookup.html", number="", place=place, answer=None)
    try:
        with write_intent():
            hit("lookup", f"user:{actor.id}", limit=LOOKUPS_PER_MINUTE, window=verification.RATE_WINDOW)
            db.session.commit()
    except RateLimited as exc:
        db.session.rollback()
        page = render_template("community/lookup.html", number=number, place=place, answer=None, limited=exc)
        return page, 429
    authorisation = get_by_number(number) if len(number) <= 40 and number.isprintable() else None
    if authorisation is not None and can_see_authorisation(actor, authorisation):
        detail = page_url("authorisations_pages.detail", number=authorisation.number)
        if detail:
            return redirect(detail, 303)
    answer = lookup_answer(authorisation, place)
    return render_template("community/lookup.html", number=number, place=place, answer=answer)


def normalise_number(text: str | None) -> str:
    """A number as typed from paper: full-width made half-width, spaces dropped, upper case."""
    if not text:
        return ""
    cleaned = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())
    return cleaned.upper()[:60]


def lookup_answer(authorisation: Authorisation | None, place: Jurisdiction | None) -> dict | None:
    """What a look-up may say: the live status, and whether ``place`` is in the scope."""
    if authorisation is None:
        return None
    status, not_yet_valid = verification.live_status(authorisation, clock.today())
    in_scope = None
    if place is not None:
        _checked, in_scope = verification.check_community(authorisation, place.code)
    return {
        "number": authorisation.number,
        "status": status,
        "not_yet_valid": not_yet_valid,
        "in_scope": in_scope,
        "valid_to": authorisation.valid_to,
    }


# --- the street's overview -------------------------------------------------------------------------


@bp.route("/street")
@permission(can_see_street_overview)
def street():
    """The street officer's overview: per community the items in force by kind, money and flags; the
    totals row adds up the whole street, whatever page is shown."""
    sort = chosen_sort(ops.STREET_SORTS, "code")
    overview = ops.street_overview(user().jurisdiction, sort=sort)
    listing = paged(overview.rows, sorts=ops.STREET_SORTS, default_sort="code", per_page=50, presorted=True)
    return render_template("community/street.html", overview=overview, listing=listing, kinds=list(Kind))


# --- public pages: the published lists ---------------------------------------------------------------


def public_page(template: str, status: int = 200, **context):
    """A page in the public layout, in the language asked for (``?lang=``, else Chinese by default)."""
    page = make_response(render_template(template, **public_language(), **context), status)
    return public_headers(page)


PUBLIC_SORTS = {
    "code": Jurisdiction.code,
    "name": (Jurisdiction.name, Jurisdiction.code),
}


@bp.route("/public/communities")
@public
def public_index():
    """Every community under a gate, searchable by name or code: the way to its published list."""
    q = "".join(c for c in (request.args.get("q") or "") if c.isprintable()).strip()[:60]
    street_code = "".join(c for c in (request.args.get("street") or "") if c.isprintable()).strip()[:32]
    listing = list_page(
        ops.public_communities(q, street_code),
        sorts=PUBLIC_SORTS,
        default_sort="code",
        keep=("q", "street", "lang"),
    )
    return public_page(
        "community/public_index.html", listing=listing, q=q, street=street_code, streets=ops.public_streets()
    )


@bp.route("/public/communities/<code>")
@public
def public_list(code: str):
    """The published (公示) list of one community: every authorisation in force there."""
    found = load_community(code[:32])
    if found is None or not db.session.scalar(
        sa.select(sa.literal(True)).where(Jurisdiction.id == found.id, ops.under_a_gate())
    ):
        return public_page("community/public_not_found.html", 404, code=code)
    view = community_view(found)
    codes = {item.authorisation.number: verification_code(item.authorisation.number) for item in view.items}
    groups = [(kind, [i for i in view.items if i.authorisation.kind == kind]) for kind in Kind]
    groups = [(kind, listed) for kind, listed in groups if listed]
    return public_page("community/public_list.html", view=view, codes=codes, groups=groups)
