"""Factories: request bodies, and requests taken to a state through the real operations."""

from __future__ import annotations

import copy
import datetime as dt

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee.models import DecisionOutcome, RulingOutcome, VoteChoice
from gatekeeper.modules.requests import operations as ops
from gatekeeper.modules.requests.models import AdmissionRequest
from gatekeeper.modules.requests.schemas import RequestInputSchema

#: A Monday with no holiday near it: the tests' "today".
TODAY = dt.date(2026, 6, 1)


def body(**changes) -> dict:
    """A JSON request body that passes the gate: a funded assisting duty of 区卫健委 in the catalogue
    (PD-107), over one street, starting well after the lead time."""
    data = {
        "gate": "LJ",
        "kind": "duty",
        "title": "协助开展传染病防控和健康教育",
        "description": "入户宣传传染病防控知识，协助开展健康教育活动。",
        "legal_basis": "《中华人民共和国传染病防治法》",
        "catalogue_entry": "PD-107",
        "role": "assist",
        "scope": {"type": "streets", "codes": ["LJ01"], "community_type": None},
        "start_date": "2026-09-01",
        "end_date": "2027-08-31",
        "workload_hours": 6,
        "demands": {
            "dedicated_premises": False,
            "premises_area_m2": None,
            "dedicated_staff": False,
            "separate_ranking": False,
            "veto": False,
            "responsibility_letter": False,
            "reports_per_year": 2,
        },
        "funding": {"basis": "per_100_households", "amount_fen": 15000, "source": "区财政专项"},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return copy.deepcopy(data)


#: A request outside the catalogue (refer): a new duty no entry covers, funded.
OUT_OF_CATALOGUE = {
    "title": "协助开展电动自行车入户充电安全排查",
    "catalogue_entry": None,
    "legal_basis": "《中华人民共和国消防法》；《江城市电动自行车管理条例》",
    "funding": {"basis": "per_community", "amount_fen": 120000},
}


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def loaded(data: dict) -> dict:
    with clock.frozen(TODAY):
        return RequestInputSchema().load(data)


def draft(username: str = "officer", **changes) -> AdmissionRequest:
    with clock.frozen(TODAY):
        req = ops.create_request(loaded(body(**changes)), actor=user(username))
        db.session.commit()
        return req


def submitted(**changes) -> AdmissionRequest:
    req = draft(**changes)
    with clock.frozen(TODAY):
        req, run, _ = ops.submit_request(req, actor=req.created_by)
        db.session.commit()
        ops.raise_if_blocked(run)
    return req


def in_review(**changes) -> AdmissionRequest:
    req = submitted(**changes)
    with clock.frozen(TODAY):
        ops.accept_request(req, actor=user("secretariat"))
        db.session.commit()
    return req


def voted(req: AdmissionRequest, choices: dict[str, str] | None = None) -> AdmissionRequest:
    """Votes of the non-recused members (member1 works for the filing department 区卫健委)."""
    choices = choices or {"member2": "approve", "member3": "approve", "member4": "approve"}
    with clock.frozen(TODAY):
        for username, choice in choices.items():
            committee_ops.cast_vote(req, VoteChoice(choice), "", actor=user(username))
        db.session.commit()
    return req


def decided(req: AdmissionRequest, outcome: str = "approve", **kwargs) -> AdmissionRequest:
    with clock.frozen(TODAY):
        committee_ops.decide(req, DecisionOutcome(outcome), actor=user("chair"), **kwargs)
        db.session.commit()
    return req


def approved(**changes) -> AdmissionRequest:
    return decided(voted(in_review(**changes)))


def referred(**changes) -> AdmissionRequest:
    return decided(voted(in_review(**{**OUT_OF_CATALOGUE, **changes})))


def ruled(req: AdmissionRequest, outcome: str = "approve", **kwargs) -> AdmissionRequest:
    kwargs.setdefault("reference", "区政府常务会议纪要〔2026〕12号")
    with clock.frozen(TODAY):
        committee_ops.record_ruling(req, RulingOutcome(outcome), actor=user("secretariat"), **kwargs)
        db.session.commit()
    return req
