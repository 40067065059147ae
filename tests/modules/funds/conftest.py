"""Fixtures of the funds tests: the tests' "today" (see ``funds_support`` for the helpers)."""

from __future__ import annotations

import pytest

from gatekeeper.core import clock
from tests.factories import TODAY


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield
