"""Notifications that ask for an action are settled when the action is done or no longer possible."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee.models import VoteChoice
from gatekeeper.modules.notifications.models import Notification, NotificationKind
from gatekeeper.modules.requests import operations as request_ops
from tests import factories
from tests.factories import TODAY, user


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def unread(db, username: str, kind: NotificationKind, req) -> int:
    return db.scalar(
        sa.select(sa.func.count()).where(
            Notification.user_id == user(username).id,
            Notification.kind == kind,
            Notification.request_id == req.id,
            Notification.read_at.is_(None),
        )
    )


def test_a_members_vote_settles_their_own_to_vote(db):
    req = factories.in_review()
    assert unread(db, "member2", NotificationKind.TO_VOTE, req) == 1
    committee_ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user("member2"))
    db.commit()
    assert unread(db, "member2", NotificationKind.TO_VOTE, req) == 0
    assert unread(db, "member3", NotificationKind.TO_VOTE, req) == 1


def test_the_decision_settles_every_pending_vote_and_decision(db):
    req = factories.decided(factories.voted(factories.in_review()))
    assert req.state.value == "approved"
    for username in ("member5", "chair"):
        assert unread(db, username, NotificationKind.TO_VOTE, req) == 0
    assert unread(db, "chair", NotificationKind.TO_DECIDE, req) == 0


def test_a_return_before_acceptance_settles_the_office_to_accept(db):
    req = factories.submitted()
    assert unread(db, "secretariat", NotificationKind.TO_ACCEPT, req) == 1
    request_ops.return_request(req, "请补充材料", actor=user("secretariat"))
    db.commit()
    assert unread(db, "secretariat", NotificationKind.TO_ACCEPT, req) == 0


def test_a_ruling_settles_the_to_rule(db):
    req = factories.referred()
    assert unread(db, "secretariat", NotificationKind.TO_RULE, req) == 1
    factories.ruled(req)
    assert unread(db, "secretariat", NotificationKind.TO_RULE, req) == 0
