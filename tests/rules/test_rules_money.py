"""Exact integer money arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from gatekeeper.rules.money import (
    Yearly,
    ceil_fen,
    compare,
    floor_fen,
    is_below,
    minimum_amount_fen,
    validity_days,
    yearly_total_fen,
    yuan,
)


@pytest.mark.parametrize(
    ("basis", "amount", "households", "days", "expected"),
    [
        ("none", 999, [100], 365, Yearly(0)),
        ("per_100_households", 10000, [1000, 500], None, Yearly(15000000, 100)),
        ("per_community", 75000, [1000, 500], None, Yearly(150000)),
        ("lump_sum", 300000, [1], 730, Yearly(300000 * 365, 730)),
        ("lump_sum", 150000, [1], None, Yearly(150000 * 365, 365)),
        ("lump_sum", 150000, [1], 0, Yearly(150000 * 365, 365)),
        ("per_community", 100, [], None, Yearly(0)),
    ],
)
def test_yearly_total_fen(basis, amount, households, days, expected):
    assert yearly_total_fen(basis, amount, households, days) == expected


def test_unknown_basis_is_an_error():
    with pytest.raises(ValueError):
        yearly_total_fen("per_head", 1, [1], None)


def test_compare_by_cross_multiplication():
    assert compare(Yearly(3, 2), Yearly(15, 10)) == 0
    assert is_below(Yearly(1), Yearly(3, 2)) and not is_below(Yearly(2), Yearly(3, 2))
    assert compare(Yearly(10**30 + 1, 10**12), Yearly(10**30, 10**12)) == 1  # no float precision loss


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), 365),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 366),
        (dt.date(2025, 1, 1), dt.date(2025, 1, 1), 1),
        (dt.date(2025, 1, 1), None, 365),
        (None, dt.date(2025, 1, 1), 365),
        (dt.date(2025, 2, 1), dt.date(2025, 1, 1), 365),
    ],
)
def test_validity_days(start, end, days):
    assert validity_days(start, end) == days


def test_rounding_helpers():
    assert (floor_fen(Yearly(3, 2)), ceil_fen(Yearly(3, 2))) == (1, 2)
    assert (floor_fen(Yearly(4, 2)), ceil_fen(Yearly(4, 2))) == (2, 2)


@pytest.mark.parametrize(
    ("basis", "households", "days", "required", "expected"),
    [
        ("per_100_households", [1000, 500], None, Yearly(150000), 10000),
        ("per_community", [1000, 500], None, Yearly(150001), 75001),
        ("lump_sum", [1], 730, Yearly(150000), 300000),
        ("per_community", [], None, Yearly(1), None),
        ("none", [1], None, Yearly(1), None),
    ],
)
def test_minimum_amount_fen(basis, households, days, required, expected):
    least = minimum_amount_fen(basis, households, days, required)
    assert least == expected
    if least is not None:
        assert not is_below(yearly_total_fen(basis, least, households, days), required)
        assert is_below(yearly_total_fen(basis, least - 1, households, days), required)


@pytest.mark.parametrize(
    ("fen", "text"), [(0, "0.00"), (5, "0.05"), (150000, "1500.00"), (-1005, "-10.05"), (-5, "-0.05")]
)
def test_yuan(fen, text):
    assert yuan(fen) == text
