"""Load the whole demo: the district (``district.py``) and its requests (``requests.py``)."""

from __future__ import annotations

import datetime as dt
import random

from gatekeeper.core import clock
from gatekeeper.modules.demo.district import load_district
from gatekeeper.modules.demo.payments import load_payments
from gatekeeper.modules.demo.requests import load_requests
from gatekeeper.modules.demo.requests_plan import HISTORY_DAYS

PAYMENTS_SEED = 20261123
#: The district, its users and its catalogue exist this long before the first demo request.
SET_UP_BEFORE_DAYS = 30


def load_demo(password: str) -> str:
    """Load the demo district, its ten months of requests and their money; returns a summary."""
    today = clock.today()
    with clock.frozen(today - dt.timedelta(days=HISTORY_DAYS + SET_UP_BEFORE_DAYS)):
        load_district(password, calendar_years=range(today.year - 1, today.year + 2))
    summary = load_requests()
    return summary + "\n" + load_payments(random.Random(PAYMENTS_SEED))
