"""Load the whole demo: the district (``district.py``) and its requests (``requests.py``)."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.demo.district import load_district
from gatekeeper.modules.demo.inventory import load_inventory
from gatekeeper.modules.demo.meetings import load_reports, schedule_open_reviews
from gatekeeper.modules.demo.payments import load_payments
from gatekeeper.modules.demo.requests import load_requests
from gatekeeper.modules.demo.requests_plan import HISTORY_DAYS
from gatekeeper.modules.demo.supervision import load_supervision

PAYMENTS_SEED = 20261123
#: The district, its users and its catalogue exist this long before the first demo request.
SET_UP_BEFORE_DAYS = 30


def load_demo(password: str) -> str:
    """Load the demo district, its ten months of requests and their money; returns a summary."""
    today = clock.today()
    with clock.frozen(today - dt.timedelta(days=HISTORY_DAYS + SET_UP_BEFORE_DAYS)):
        load_district(password, calendar_years=range(today.year - 1, today.year + 2))
    summary = load_requests()
    money = load_payments(random.Random(PAYMENTS_SEED))
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    agendas = schedule_open_reviews(users["secretariat"])
    reports = load_reports(users["head"])
    supervision = load_supervision(users["secretariat"])
    inventory = load_inventory()
    db.session.flush()
    return "\n".join(
        (
            summary,
            money,
            f"Demo agendas: {agendas}.",
            f"Demo reports: {reports} from {users['head'].name}.",
            supervision,
            inventory,
        )
    )
