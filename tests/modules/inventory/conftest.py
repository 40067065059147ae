"""Fixtures of the inventory tests: the tests' "today"."""

from __future__ import annotations

import pytest

from gatekeeper.core import clock
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield
