"""Every transition, allowed and refused: the table itself, and the operations that follow it."""

from __future__ import annotations

import itertools

import pytest

from gatekeeper.core import clock
from gatekeeper.core.errors import InvalidTransition
from gatekeeper.extensions import db as database
from gatekeeper.modules.committee.models import DecisionOutcome, RulingOutcome, VoteChoice
from gatekeeper.modules.requests import workflow
from gatekeeper.modules.requests.models import RequestState as S
from tests import factories
from tests.factories import TODAY

EXPECTED = {
    # action: {state it may start from: state it leads to}
    "submit": {S.DRAFT: S.SUBMITTED, S.RETURNED: S.SUBMITTED},
    "withdraw": {s: S.WITHDRAWN for s in (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.REFERRED)},
    "accept": {S.SUBMITTED: S.IN_REVIEW},
    "return": {S.SUBMITTED: S.RETURNED, S.IN_REVIEW: S.RETURNED},
    "vote": {S.IN_REVIEW: S.IN_REVIEW},
    "recuse": {S.IN_REVIEW: S.IN_REVIEW},
    "edit": {S.DRAFT: S.DRAFT, S.RETURNED: S.RETURNED},
}


@pytest.mark.parametrize(("action", "state"), list(itertools.product(EXPECTED, S)))
def test_single_outcome_transitions(action, state):
    if state in EXPECTED[action]:
        assert workflow.target(action, state) == EXPECTED[action][state]
    else:
        with pytest.raises(InvalidTransition):
            workflow.target(action, state)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize(
    ("action", "outcome", "expected"),
    [
        ("decide", "approve", S.APPROVED),
        ("decide", "refer", S.REFERRED),
        ("decide", "reject", S.REJECTED),
        ("decide", "return", S.RETURNED),
        ("ruling", "approve", S.APPROVED),
        ("ruling", "reject", S.REJECTED),
    ],
)
def test_decisions_and_rulings(action, outcome, expected, state):
    source = S.IN_REVIEW if action == "decide" else S.REFERRED
    if state == source:
        assert workflow.target(action, state, outcome) == expected
    else:
        with pytest.raises(InvalidTransition):
            workflow.target(action, state, outcome)


def test_final_states_allow_nothing():
    for state in workflow.FINAL_STATES:
        assert workflow.allowed_actions(state) == []


# --- the operations follow the table ------------------------------------------------------------


def _at(state: S):
    """A request of the officer's department brought to ``state`` through the operations."""
    makers = {
        S.DRAFT: factories.draft,
        S.SUBMITTED: factories.submitted,
        S.IN_REVIEW: factories.in_review,
        S.RETURNED: lambda: _returned(),
        S.REFERRED: factories.referred,
        S.APPROVED: factories.approved,
        S.REJECTED: lambda: factories.decided(
            factories.voted(
                factories.in_review(), {"member2": "reject", "member3": "reject", "member4": "reject"}
            ),
            "reject",
            reason="无法律依据",
        ),
        S.WITHDRAWN: lambda: _withdrawn(),
    }
    return makers[state]()


def _returned():
    from gatekeeper.modules.requests import operations as ops

    req = factories.submitted()
    with clock.frozen(TODAY):
        ops.return_request(req, "请补充经费来源说明", actor=factories.user("secretariat"))
        database.session.commit()
    return req


def _withdrawn():
    from gatekeeper.modules.requests import operations as ops

    req = factories.draft()
    with clock.frozen(TODAY):
        ops.withdraw_request(req, actor=factories.user("officer"))
        database.session.commit()
    return req


def _attempt(action: str, req):
    from gatekeeper.modules.committee import operations as committee_ops
    from gatekeeper.modules.requests import operations as ops

    u = factories.user
    calls = {
        "submit": lambda: ops.submit_request(req, actor=u("officer")),
        "withdraw": lambda: ops.withdraw_request(req, actor=u("officer")),
        "accept": lambda: ops.accept_request(req, actor=u("secretariat")),
        "return": lambda: ops.return_request(req, "理由", actor=u("secretariat")),
        "edit": lambda: ops.update_request(req, {"description": "修改"}, actor=u("officer")),
        "vote": lambda: committee_ops.cast_vote(req, VoteChoice.ABSTAIN, "", actor=u("member5")),
        "recuse": lambda: committee_ops.declare_recusal(req, "亲属在申请部门", actor=u("member5")),
        "decide": lambda: committee_ops.decide(
            req, DecisionOutcome.RETURN, reason="补充材料", actor=u("chair")
        ),
        "ruling": lambda: committee_ops.record_ruling(
            req, RulingOutcome.REJECT, reference="纪要", reason="不同意", actor=u("secretariat")
        ),
    }
    with clock.frozen(TODAY):
        return calls[action]()


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize(
    "action", ["submit", "withdraw", "accept", "return", "edit", "vote", "recuse", "decide", "ruling"]
)
def test_operation_refused_or_allowed_in_each_state(action, state, db):
    req = _at(state)
    assert req.state == state
    if workflow.allowed(action, state):
        _attempt(action, req)
        db.flush()
    else:
        with pytest.raises(InvalidTransition):
            _attempt(action, req)
        db.rollback()
        db.refresh(req)
        assert req.state == state  # nothing changed


def test_illegal_transition_answers_409_with_the_allowed_actions(login_as, db):
    req = factories.approved()
    with clock.frozen(TODAY):
        answer = login_as("officer").post(f"/api/v1/requests/{req.id}/withdraw", json={})
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_transition" and error["state"] == "approved" and error["allowed"] == []
