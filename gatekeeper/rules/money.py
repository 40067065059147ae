"""Exact money arithmetic for the funding rule: integer fen and integer fractions, never float.

A yearly amount may be a fraction of a fen (e.g. 1 fen per 100 households for 150 households), so it is
kept as ``Yearly(numerator_fen, denominator)`` and compared by cross-multiplication.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

DAYS_PER_YEAR = 365


class Yearly(NamedTuple):
    """An exact yearly amount: ``numerator_fen / denominator`` fen per year (denominator > 0)."""

    numerator_fen: int
    denominator: int = 1


def validity_days(start: dt.date | None, end: dt.date | None) -> int:
    """Days of validity, both ends included; 365 when a date is missing or the range is inverted."""
    if start is None or end is None or end < start:
        return DAYS_PER_YEAR
    return (end - start).days + 1


def yearly_total_fen(basis: str, amount_fen: int, households_list: Iterable[int], days: int | None) -> Yearly:
    """Money per year for a scope, exactly.

    ``per_100_households``: amount × Σhouseholds / 100; ``per_community``: amount × number of
    communities; ``lump_sum``: a total for the validity, so amount × 365 / days (365 days when ``days``
    is missing or not positive); ``none``: 0.
    """
    households = list(households_list)
    if basis == "none":
        return Yearly(0)
    if basis == "per_100_households":
        return Yearly(amount_fen * sum(households), 100)
    if basis == "per_community":
        return Yearly(amount_fen * len(households))
    if basis == "lump_sum":
        period = days if days and days > 0 else DAYS_PER_YEAR
        return Yearly(amount_fen * DAYS_PER_YEAR, period)
    raise ValueError(f"unknown funding basis {basis!r}")


def compare(first: Yearly, second: Yearly) -> int:
    """-1, 0 or 1 as ``first`` is below, equal to or above ``second`` (cross-multiplied)."""
    left = first.numerator_fen * second.denominator
    right = second.numerator_fen * first.denominator
    return (left > right) - (left < right)


def is_below(first: Yearly, second: Yearly) -> bool:
    """True when ``first`` is strictly less than ``second``."""
    return compare(first, second) < 0


def floor_fen(amount: Yearly) -> int:
    """Whole fen, rounded down."""
    return amount.numerator_fen // amount.denominator


def ceil_fen(amount: Yearly) -> int:
    """Whole fen, rounded up."""
    return -(-amount.numerator_fen // amount.denominator)


def minimum_amount_fen(
    basis: str, households_list: Iterable[int], days: int | None, required: Yearly
) -> int | None:
    """Smallest whole ``amount_fen`` on ``basis`` whose yearly total reaches ``required``.

    None when no amount can (the basis yields nothing for this scope, e.g. no communities).
    """
    per_fen = yearly_total_fen(basis, 1, households_list, days)
    if per_fen.numerator_fen <= 0:
        return None
    # amount × per.num / per.den >= req.num / req.den  <=>  amount >= req.num × per.den / (req.den × per.num)
    numerator = required.numerator_fen * per_fen.denominator
    denominator = required.denominator * per_fen.numerator_fen
    return max(0, -(-numerator // denominator))


def yuan(fen: int) -> str:
    """Integer fen as 元 with two decimals: ``-1005`` → ``"-10.05"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"
