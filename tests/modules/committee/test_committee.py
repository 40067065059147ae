"""Votes, recusals, quorum and majority from the gate's settings, the chair's decision, deputies."""

from __future__ import annotations

import datetime as dt

import pytest

from gatekeeper.core import clock
from gatekeeper.core.errors import Conflict, NotAllowed, ValidationFailed
from gatekeeper.modules.committee import operations as ops
from gatekeeper.modules.committee import tally
from gatekeeper.modules.committee.models import DecisionOutcome, VoteChoice
from gatekeeper.modules.jurisdictions.operations import update_gate
from tests import factories
from tests.factories import TODAY, user


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


@pytest.mark.parametrize(
    ("rule", "voted", "eligible", "met"),
    [
        ("more_than_half", 3, 5, True),
        ("more_than_half", 2, 4, False),
        ("more_than_half", 3, 4, True),
        ("two_thirds", 4, 6, True),
        ("two_thirds", 3, 5, False),
        ("all", 5, 5, True),
        ("all", 4, 5, False),
        ("more_than_half", 0, 0, False),
    ],
)
def test_quorum_rules(rule, voted, eligible, met):
    assert tally.quorum_met(rule, voted, eligible) is met


@pytest.mark.parametrize(
    ("rule", "approve", "reject", "voted", "eligible", "majority"),
    [
        ("simple", 2, 1, 3, 5, True),
        ("simple", 2, 2, 5, 5, False),  # a tie is no majority
        ("simple", 1, 0, 3, 5, True),  # abstentions do not count against
        ("absolute", 3, 0, 3, 5, True),
        ("absolute", 2, 0, 3, 5, False),
        ("two_thirds", 2, 1, 3, 5, True),
        ("two_thirds", 2, 1, 4, 5, False),  # an abstention counts in the votes cast
    ],
)
def test_majority_rules(rule, approve, reject, voted, eligible, majority):
    assert tally.majority_for_approval(rule, approve, reject, voted, eligible) is majority


def test_tally_recuses_the_filing_departments_member(db):
    req = factories.voted(factories.in_review(), {"member2": "approve", "member3": "reject"})
    counted = tally.tally(req)
    seats = {s.username: s for s in counted.seats}
    assert seats["member1"].recused == "filing_department"
    assert counted.members == 6 and counted.eligible == 5
    assert (counted.voted, counted.approve, counted.reject) == (2, 1, 1)
    assert not counted.quorum_met  # 2 of 5


def test_approval_needs_quorum_and_majority(db):
    req = factories.voted(factories.in_review(), {"member2": "approve", "member3": "approve"})
    with pytest.raises(Conflict) as refused:
        ops.decide(req, DecisionOutcome.APPROVE, actor=user("chair"))
    assert refused.value.code == "not_supported_by_votes"
    db.rollback()
    factories.voted(req, {"member4": "reject"})  # 3 of 5 voted: quorum; 2 to 1: majority
    ops.decide(req, DecisionOutcome.APPROVE, actor=user("chair"))
    assert req.state.value == "approved"


def test_rejection_needs_a_reason_and_no_majority_for_approval(db):
    req = factories.voted(factories.in_review())
    with pytest.raises(ValidationFailed) as no_reason:
        ops.decide(req, DecisionOutcome.REJECT, actor=user("chair"))
    assert "reason" in no_reason.value.fields
    with pytest.raises(Conflict):
        ops.decide(req, DecisionOutcome.REJECT, reason="不符合规定", actor=user("chair"))


def test_return_at_decision_needs_a_reason_and_starts_a_new_round(db):
    from gatekeeper.modules.requests import operations as request_ops

    req = factories.voted(factories.in_review())
    with pytest.raises(ValidationFailed):
        ops.decide(req, DecisionOutcome.RETURN, actor=user("chair"))
    ops.decide(req, DecisionOutcome.RETURN, reason="请明确经费来源", actor=user("chair"))
    db.commit()
    assert req.state.value == "returned" and req.due_date is None
    request_ops.submit_request(req, actor=user("officer"))
    request_ops.accept_request(req, actor=user("secretariat"))
    db.commit()
    assert req.review_round == 2
    assert tally.tally(req).voted == 0  # the earlier round's votes do not count
    ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user("member2"))  # a member votes again


def test_settings_change_the_rules(db, world):
    update_gate(
        world.gate, {"settings": {"quorum": "all", "majority": "two_thirds"}}, actor=world.user("admin")
    )
    req = factories.voted(factories.in_review())  # 3 approvals of 5 eligible
    assert tally.tally(req).quorum_met is False
    with pytest.raises(Conflict):
        ops.decide(req, DecisionOutcome.APPROVE, actor=user("chair"))


def test_a_member_votes_once_and_declared_recusal_comes_before_the_vote(db):
    req = factories.in_review()
    ops.cast_vote(req, VoteChoice.APPROVE, "同意", actor=user("member2"))
    with pytest.raises(Conflict) as twice:
        ops.cast_vote(req, VoteChoice.REJECT, "", actor=user("member2"))
    assert twice.value.code == "already_voted"
    with pytest.raises(Conflict):
        ops.declare_recusal(req, "后来想起有关联", actor=user("member2"))
    ops.declare_recusal(req, "配偶在申请部门工作", actor=user("member3"))
    with pytest.raises(NotAllowed) as recused:
        ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user("member3"))
    assert recused.value.code == "recused"
    counted = tally.tally(req)
    assert {s.username: s.recused for s in counted.seats}["member3"] == "declared"
    assert counted.eligible == 4


def test_deputy_votes_and_decides_acting_for(db, login_as):
    from gatekeeper.modules.accounts.operations import name_deputy

    req = factories.in_review()
    name_deputy(
        user("member4"), user("member5"), TODAY, TODAY + dt.timedelta(days=10), "出差", actor=user("member4")
    )
    name_deputy(
        user("chair"), user("member2"), TODAY, TODAY + dt.timedelta(days=10), "休假", actor=user("chair")
    )
    db.commit()
    member5 = login_as("member5")
    own = member5.post(f"/api/v1/requests/{req.id}/votes", json={"vote": "approve"}).get_json()
    assert own["vote"]["member"] == "member5" and own["vote"]["acting_for"] is None
    deputy = member5.post(f"/api/v1/requests/{req.id}/votes", json={"vote": "approve"}).get_json()
    assert deputy["vote"]["member"] == "member4" and deputy["vote"]["acting_for"] == "member4"
    assert deputy["vote"]["cast_by"] == "member5"
    login_as("member3").post(f"/api/v1/requests/{req.id}/votes", json={"vote": "approve"})

    decided = login_as("member2").post(f"/api/v1/requests/{req.id}/decide", json={"outcome": "approve"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["decision"]["acting_for"] == "chair"
    events = login_as("officer").get(f"/api/v1/requests/{req.id}/events").get_json()["items"]
    assert events[-1]["actor"] == "member2" and events[-1]["acting_for"] == "chair"


def test_deputy_of_the_filing_department_is_recused_too(db):
    from gatekeeper.modules.accounts.operations import name_deputy

    req = factories.in_review()
    name_deputy(user("member4"), user("member1"), TODAY, TODAY, "出差", actor=user("member4"))
    with pytest.raises(NotAllowed) as refused:
        ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user("member1"), acting_for="member4")
    assert refused.value.code == "recused"


def test_deputy_outside_the_dates_cannot_act(db):
    from gatekeeper.modules.accounts.operations import name_deputy

    req = factories.in_review()
    name_deputy(
        user("member4"),
        user("member5"),
        TODAY + dt.timedelta(days=1),
        TODAY + dt.timedelta(days=3),
        "出差",
        actor=user("member4"),
    )
    with pytest.raises(NotAllowed) as refused:
        ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user("member5"), acting_for="member4")
    assert refused.value.code == "not_a_deputy"
