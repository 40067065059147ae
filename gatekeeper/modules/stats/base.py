"""What every statistic shares: the resolved filters and the counting helpers (a filtered ``COUNT``,
a percentage in integers). ``queries`` says what each filter means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction


@dataclass(frozen=True)
class Filters:
    """The resolved filters: a gate, a street (with the gates that contain it), a year."""

    gate: Gate | None = None
    street: Jurisdiction | None = None
    street_gate_ids: tuple[int, ...] = ()
    #: The street's communities, read once with the filters: (id, code, community type).
    street_communities: tuple[tuple[int, str, str | None], ...] = ()
    year: int | None = None

    @property
    def community_ids(self) -> list[int]:
        return [community_id for community_id, _code, _type in self.street_communities]

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate.code if self.gate else None,
            "street": self.street.code if self.street else None,
            "year": self.year,
        }


def count_if(condition) -> sa.ColumnElement[int]:
    """``COUNT`` of the rows where ``condition`` holds (a filtered aggregate both databases know)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def percent(numerator: int, denominator: int) -> str | None:
    """``"62.5"``: one decimal, rounded half up, in integers; ``None`` over nothing."""
    if not denominator:
        return None
    tenths = (numerator * 1000 * 2 + denominator) // (2 * denominator)
    return f"{tenths // 10}.{tenths % 10}"


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "percent": percent(numerator, denominator)}


def place_and_year(f: Filters, *, gate_id, community_id, in_year=None) -> list[sa.ColumnElement[bool]]:
    """The gate, street and year filters over rows with a gate, a community and (``in_year``, a
    function of the year) a date."""
    criteria = []
    if f.gate is not None:
        criteria.append(gate_id == f.gate.id)
    if f.street is not None:
        criteria.append(community_id.in_(f.community_ids))
    if f.year and in_year is not None:
        criteria.append(in_year(f.year))
    return criteria
