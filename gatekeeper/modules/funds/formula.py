"""How much money each community gets: the allocation formula, in exact integer fen.

Pure Python (no Flask, no database): it takes the funding terms, the validity and the communities'
household counts, and returns one amount per community.

Years of validity
    ``years(valid_from, valid_to)`` counts whole years from ``valid_from`` (each anniversary reached
    on or before the day after ``valid_to`` is one year), plus the remaining days as a share of the
    year that follows: 1 Jan 2028 – 31 Dec 2028 is exactly 1 year although it has 366 days;
    1 Jan 2027 – 30 Jun 2027 is 181/365 of a year. Kept as an exact fraction.

Bases (``amount`` is the request's ``amount_fen``)
    ``per_100_households``  community *i* gets ``amount × households_i / 100 × years``
    ``per_community``       community *i* gets ``amount × years``
    ``lump_sum``            the ``amount`` is the total, split in proportion to households
                            (evenly when no community has a household)
    ``none``                every community gets 0

Rounding (largest remainder)
    The intended total is the exact sum of the parts rounded half up to a whole fen (for a lump sum:
    the amount itself). Every part is first rounded down; the fen still missing are given, one each,
    to the parts that lost the most in rounding down (ties: the earlier community in the list). So the
    parts always add up to the intended total, none is negative, none is more than one fen away from
    its exact value, and a community with no households gets nothing (its exact part is 0, it loses
    nothing in rounding down, so it is never given a missing fen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

BASES = ("none", "per_100_households", "per_community", "lump_sum")


def _anniversary(start: dt.date, count: int) -> dt.date:
    """``start`` moved ``count`` years on (29 February becomes 1 March in other years)."""
    try:
        return start.replace(year=start.year + count)
    except ValueError:
        return dt.date(start.year + count, 3, 1)


def years(valid_from: dt.date, valid_to: dt.date) -> Fraction:
    """The validity ``valid_from``..``valid_to`` (both included) in years, exactly."""
    if valid_to < valid_from:
        raise ValueError("validity ends before it starts")
    end = valid_to + dt.timedelta(days=1)
    whole = 0
    while _anniversary(valid_from, whole + 1) <= end:
        whole += 1
    last = _anniversary(valid_from, whole)
    rest = (end - last).days
    if rest == 0:
        return Fraction(whole)
    span = (_anniversary(valid_from, whole + 1) - last).days
    return whole + Fraction(rest, span)


def exact_parts(
    basis: str, amount_fen: int, households: Sequence[int], valid_from: dt.date, valid_to: dt.date
) -> list[Fraction]:
    """Each community's exact (unrounded) share, in fen."""
    if basis not in BASES:
        raise ValueError(f"unknown funding basis {basis!r}")
    if amount_fen < 0 or any(h < 0 for h in households):
        raise ValueError("amounts and household counts cannot be negative")
    if basis == "none" or not households:
        return [Fraction(0)] * len(households)
    if basis == "lump_sum":
        total = sum(households)
        if total == 0:
            return [Fraction(amount_fen, len(households))] * len(households)
        return [Fraction(amount_fen * h, total) for h in households]
    span = years(valid_from, valid_to)
    if basis == "per_community":
        return [amount_fen * span] * len(households)
    return [Fraction(amount_fen * h, 100) * span for h in households]


def round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)).__floor__())


def largest_remainder(parts: Sequence[Fraction], total: int) -> list[int]:
    """Whole fen for each part, adding up to ``total`` (see the module docstring)."""
    floors = [int(part.__floor__()) for part in parts]
    missing = total - sum(floors)
    if missing < 0 or missing > len(parts):
        raise ValueError("the total is not the rounded sum of the parts")
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def allocate(
    basis: str, amount_fen: int, households: Sequence[int], valid_from: dt.date, valid_to: dt.date
) -> list[int]:
    """The amount in fen of each community (in the order of ``households``); they sum to the total."""
    parts = exact_parts(basis, amount_fen, households, valid_from, valid_to)
    total = amount_fen if basis == "lump_sum" and households else round_half_up(sum(parts, Fraction(0)))
    return largest_remainder(parts, total)


def intended_total(
    basis: str, amount_fen: int, households: Sequence[int], valid_from: dt.date, valid_to: dt.date
) -> int:
    """What the allocations of a scope add up to."""
    return sum(allocate(basis, amount_fen, households, valid_from, valid_to))


def spread(amount_fen: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount_fen`` in proportion to ``weights`` (e.g. what each allocation still lacks).

    Used by bulk disbursements. Largest remainder again, so the parts add up exactly; a zero weight
    gets nothing. Raises ValueError when every weight is zero and the amount is not.
    """
    total = sum(weights)
    if amount_fen == 0:
        return [0] * len(weights)
    if total <= 0:
        raise ValueError("nothing to spread over")
    return largest_remainder([Fraction(amount_fen * w, total) for w in weights], amount_fen)
