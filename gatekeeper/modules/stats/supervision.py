"""The supervision figures: the reduction per kind against the inventory baseline, and the reports
by department and outcome."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gatekeeper.extensions import db
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.inventory.models import CleanupStatus, InventoryItem
from gatekeeper.modules.jurisdictions.models import Department
from gatekeeper.modules.stats import sqltime
from gatekeeper.modules.stats.base import Filters, count_if, percent, place_and_year
from gatekeeper.modules.supervision.models import Report, ReportState


def reduction(f: Filters) -> dict[str, Any]:
    """Per kind: the inventory baseline, what stays, what must go, what was removed, and the reduction
    rate removed / baseline (= (baseline - remaining) / baseline)."""
    # the inventory is a baseline, not an event: the year does not apply to it
    criteria = place_and_year(f, gate_id=InventoryItem.gate_id, community_id=InventoryItem.community_id)
    status = InventoryItem.status
    stmt = (
        sa.select(
            InventoryItem.kind,
            sa.func.count().label("baseline"),
            count_if(status == CleanupStatus.KEEP).label("keep"),
            count_if(status == CleanupStatus.REMOVE).label("to_remove"),
            count_if(status == CleanupStatus.REMOVED).label("removed"),
        )
        .where(*criteria)
        .group_by(InventoryItem.kind)
    )
    found = {row.kind: row for row in db.session.execute(stmt)}
    items, total = [], {"baseline": 0, "keep": 0, "to_remove": 0, "removed": 0}
    for kind in Kind:
        row = found.get(kind)
        counts = {key: int(getattr(row, key)) if row else 0 for key in total}
        for key in total:
            total[key] += counts[key]
        items.append(_reduced({"kind": kind.value, **counts}))
    return {"by_kind": items, "total": _reduced(total)}


def _reduced(counts: dict) -> dict:
    counts["remaining"] = counts["baseline"] - counts["removed"]
    counts["rate"] = percent(counts["removed"], counts["baseline"])
    return counts


def report_criteria(f: Filters) -> list[sa.ColumnElement[bool]]:
    return place_and_year(
        f,
        gate_id=Report.gate_id,
        community_id=Report.community_id,
        in_year=lambda year: sqltime.in_year(Report.created_at, year),
    )


def reports_by_department(f: Filters) -> list[dict]:
    """Reports per department named (a registered department, or the name the reporter gave) and
    outcome (the report's state)."""
    name = sa.func.coalesce(Department.name, Report.department_name).label("name")
    code = Department.code.label("code")
    stmt = (
        sa.select(
            code,
            name,
            sa.func.count().label("total"),
            *[count_if(Report.state == state).label(state.value) for state in ReportState],
        )
        .select_from(Report)
        .outerjoin(Department, Department.id == Report.department_id)
        .where(*report_criteria(f))
        .group_by(code, name)
        .order_by(sa.func.count().desc(), name)
    )
    return [
        {
            "department": row.code,
            "name": row.name,
            "total": row.total,
            **{state.value: int(getattr(row, state.value)) for state in ReportState},
        }
        for row in db.session.execute(stmt)
    ]


def reports_by_state(rows: list[dict]) -> list[dict]:
    """The outcome totals (the departments' rows added up: a few numbers, not rows of the table)."""
    return [{"state": state.value, "count": sum(row[state.value] for row in rows)} for state in ReportState]


# --- everything ------------------------------------------------------------------------------------
