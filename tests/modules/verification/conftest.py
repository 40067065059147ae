"""Fixtures of the verification tests: the frozen day and an authorisation."""

from __future__ import annotations

import pytest

from gatekeeper.core import clock
from tests import factories
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def authorisation(db):
    """An assisting duty of 区卫健委 over street LJ01 (14 communities), valid 2026-09-01 to 2027-08-31."""
    return factories.approved().authorisation
