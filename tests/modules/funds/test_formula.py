"""The allocation formula (``funds/formula.py``): property tests over random scopes and validities,
and worked examples of years, bases and rounding.

The exact values the properties compare with are computed here from the documented definitions
(``amount × households / 100 × years`` and so on), not with the formula's own ``exact_parts``.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatekeeper.modules.funds import formula

FAST = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),  # generation speed under load is not what we test
)

FUNDED = ("per_100_households", "per_community", "lump_sum")

households_lists = st.one_of(
    st.lists(st.integers(min_value=0, max_value=50_000), min_size=1, max_size=300),
    # many zeros, and scopes where every community has no household
    st.lists(st.sampled_from([0, 0, 0, 1, 7, 999]), min_size=1, max_size=300),
    st.integers(min_value=1, max_value=300).map(lambda n: [0] * n),
)
amounts = st.one_of(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=1000))
LEAP_DAYS = [dt.date(year, 2, 29) for year in (2024, 2028, 2032, 2096)]
starts = st.one_of(st.dates(dt.date(2020, 1, 1), dt.date(2090, 12, 31)), st.sampled_from(LEAP_DAYS))


@st.composite
def validities(draw) -> tuple[dt.date, dt.date]:
    start = draw(starts)
    days = draw(st.one_of(st.integers(min_value=1, max_value=5 * 366), st.sampled_from([1, 365, 366, 1827])))
    return start, start + dt.timedelta(days=days - 1)


def exact(basis: str, amount: int, households: list[int], start: dt.date, end: dt.date) -> list[Fraction]:
    """The documented exact share of each community, from the definitions."""
    if basis == "none":
        return [Fraction(0)] * len(households)
    if basis == "lump_sum":
        total = sum(households)
        if total == 0:
            return [Fraction(amount, len(households))] * len(households)
        return [Fraction(amount * h, total) for h in households]
    span = formula.years(start, end)
    if basis == "per_community":
        return [amount * span for _h in households]
    return [Fraction(amount * h, 100) * span for h in households]


def half_up(value: Fraction) -> int:
    whole, rest = divmod(value.numerator, value.denominator)
    return whole + (1 if 2 * rest >= value.denominator else 0)


# --- properties -------------------------------------------------------------------------------


@FAST
@given(
    basis=st.sampled_from(formula.BASES), amount=amounts, households=households_lists, validity=validities()
)
def test_parts_add_up_to_the_intended_total_and_stay_within_a_fen(basis, amount, households, validity):
    start, end = validity
    parts = formula.allocate(basis, amount, households, start, end)
    expected = exact(basis, amount, households, start, end)
    assert len(parts) == len(households)
    assert all(isinstance(p, int) for p in parts)
    if basis == "lump_sum":
        assert sum(parts) == amount
    else:
        assert sum(parts) == half_up(sum(expected, Fraction(0)))
    assert sum(parts) == formula.intended_total(basis, amount, households, start, end)
    assert min(parts) >= 0
    assert all(abs(part - value) < 1 for part, value in zip(parts, expected, strict=True))


@FAST
@given(
    basis=st.sampled_from(("per_100_households", "lump_sum")),
    amount=amounts,
    households=households_lists,
    validity=validities(),
)
def test_a_community_without_households_gets_nothing_unless_none_has_any(basis, amount, households, validity):
    parts = formula.allocate(basis, amount, households, *validity)
    if any(households):
        assert all(part == 0 for part, h in zip(parts, households, strict=True) if h == 0)
    elif basis == "lump_sum":  # nobody has a household: the lump sum is split evenly
        assert sum(parts) == amount and max(parts) - min(parts) <= 1
    else:
        assert parts == [0] * len(households)


@FAST
@given(amount=amounts, households=households_lists, validity=validities())
def test_per_community_gives_everyone_the_same_within_a_fen(amount, households, validity):
    parts = formula.allocate("per_community", amount, households, *validity)
    assert max(parts) - min(parts) <= 1


@FAST
@given(amount=amounts, households=households_lists, validity=validities())
def test_basis_none_gives_nothing(amount, households, validity):
    assert formula.allocate("none", amount, households, *validity) == [0] * len(households)


@FAST
@given(
    weights=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=300),
    data=st.data(),
)
def test_spread_adds_up_to_its_amount(weights, data):
    if sum(weights) == 0:
        with pytest.raises(ValueError):
            formula.spread(1, weights)
        assert formula.spread(0, weights) == [0] * len(weights)
        return
    amount = data.draw(st.integers(min_value=0, max_value=sum(weights)))
    shares = formula.spread(amount, weights)
    assert sum(shares) == amount
    assert min(shares) >= 0
    assert all(share == 0 for share, w in zip(shares, weights, strict=True) if w == 0)
    total = sum(weights)
    assert all(abs(share - Fraction(amount * w, total)) < 1 for share, w in zip(shares, weights, strict=True))
    # never more than a weight asks for when the amount does not exceed the weights' total
    assert all(share <= w for share, w in zip(shares, weights, strict=True))


@FAST
@given(start=starts, count=st.integers(min_value=1, max_value=5))
def test_whole_years_from_any_start_are_whole(start, count):
    anniversary = formula._anniversary(start, count)
    assert formula.years(start, anniversary - dt.timedelta(days=1)) == count


@FAST
@given(validity=validities(), more=st.integers(min_value=1, max_value=400))
def test_years_grow_with_the_validity(validity, more):
    start, end = validity
    assert 0 < formula.years(start, end) < formula.years(start, end + dt.timedelta(days=more))
    assert formula.years(start, end) <= Fraction((end - start).days + 1, 365)


# --- worked examples ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (dt.date(2028, 1, 1), dt.date(2028, 12, 31), Fraction(1)),  # 366 days, one year
        (dt.date(2027, 1, 1), dt.date(2027, 6, 30), Fraction(181, 365)),
        (dt.date(2026, 9, 1), dt.date(2027, 8, 31), Fraction(1)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1), Fraction(1, 365)),
        (dt.date(2027, 3, 1), dt.date(2028, 2, 29), Fraction(1)),  # the year ahead holds 29 Feb
        (dt.date(2027, 3, 1), dt.date(2027, 3, 31), Fraction(31, 366)),
        # a 29 February start: its anniversary in other years is 1 March
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28), Fraction(1)),
        (dt.date(2028, 2, 29), dt.date(2028, 3, 31), Fraction(32, 366)),
        (dt.date(2028, 2, 29), dt.date(2032, 2, 28), Fraction(4)),
        (dt.date(2028, 2, 29), dt.date(2030, 3, 31), Fraction(2) + Fraction(31, 365)),
        (dt.date(2026, 1, 1), dt.date(2030, 12, 31), Fraction(5)),
    ],
)
def test_years_worked_examples(start, end, years):
    assert formula.years(start, end) == years


def test_years_refuse_an_inverted_validity():
    with pytest.raises(ValueError):
        formula.years(dt.date(2027, 1, 2), dt.date(2027, 1, 1))


YEAR = (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
HALF = (dt.date(2027, 1, 1), dt.date(2027, 6, 30))


@pytest.mark.parametrize(
    ("basis", "amount", "households", "validity", "parts"),
    [
        # 150 元 per 100 households a year
        ("per_100_households", 15000, [150, 0, 1234], YEAR, [22500, 0, 185100]),
        # half a year (181/365): 15000 × 1234 / 100 × 181/365 = 91789.31...
        ("per_100_households", 15000, [1234], HALF, [91789]),
        # 1 fen per 100 households, 150 households each: 1.5 + 1.5 = 3, the first gets the extra fen
        ("per_100_households", 1, [150, 150], YEAR, [2, 1]),
        # 1.5 rounds half up to 2
        ("per_100_households", 1, [150], YEAR, [2]),
        ("per_community", 100000, [10, 0, 5000], YEAR, [100000, 100000, 100000]),
        # 1000 元 per community for 181/365 of a year: 49589.04... each, the total 148767.12 → 148767
        ("per_community", 100000, [1, 1, 1], HALF, [49589, 49589, 49589]),
        # a lump sum follows the households; the parts add up exactly to the amount
        ("lump_sum", 100, [1, 1, 1], YEAR, [34, 33, 33]),
        ("lump_sum", 1000001, [300, 0, 700], HALF, [300000, 0, 700001]),
        ("lump_sum", 10, [0, 0, 0, 0], YEAR, [3, 3, 2, 2]),
        ("none", 0, [500, 600], YEAR, [0, 0]),
    ],
)
def test_allocation_worked_examples(basis, amount, households, validity, parts):
    assert formula.allocate(basis, amount, households, *validity) == parts


def test_unknown_basis_and_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        formula.allocate("per_person", 100, [1], *YEAR)
    with pytest.raises(ValueError):
        formula.allocate("lump_sum", -1, [1], *YEAR)
    with pytest.raises(ValueError):
        formula.allocate("per_100_households", 100, [1, -2], *YEAR)
