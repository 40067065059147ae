"""The queue's lists are SQL: they must say what the committee's rules say. The chair's "ready to
decide" (the quorum in SQL) agrees with ``tally``, whatever the votes, recusals, deputies and rules;
each tab's count is the number of items it lists."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.committee import operations as committee_ops
from gatekeeper.modules.committee import queue
from gatekeeper.modules.committee.models import Vote, VoteChoice
from gatekeeper.modules.committee.tally import tally
from gatekeeper.modules.jurisdictions.operations import update_gate
from tests import factories
from tests.factories import TODAY, user


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def ready_ids(db, world, rule: str) -> set[int]:
    return set(db.scalars(queue.quorum_reached(world.gate.id, rule)))


@pytest.fixture
def board(db):
    """Requests in review of 区卫健委 (member1 recused) with 0 to 5 votes, a declared conflict, and a vote
    cast (outside the operations) by a deputy of the filing department."""
    titles = [f"协助开展健康教育第{n}期" for n in range(6)]
    reqs = [factories.in_review(title=t) for t in titles]
    voters = ["member2", "member3", "member4", "member5"]
    for n, req in enumerate(reqs[:5]):
        for username in voters[:n]:
            committee_ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user(username))
    committee_ops.cast_vote(reqs[4], VoteChoice.REJECT, "", actor=user("chair"))  # all five have voted
    committee_ops.declare_recusal(reqs[2], "配偶在区卫健委工作", actor=user("member5"))
    tainted = reqs[5]
    for username in ("member2", "member3"):
        committee_ops.cast_vote(tainted, VoteChoice.APPROVE, "", actor=user(username))
    db.add(
        Vote(
            request_id=tainted.id,
            round=tainted.review_round,
            member_id=user("member4").id,
            cast_by_id=user("officer").id,  # of 区卫健委, the filing department: the seat is recused
            choice=VoteChoice.APPROVE,
            comment="",
            cast_at=clock.now(),
        )
    )
    db.commit()
    return reqs


@pytest.mark.parametrize("rule", ["more_than_half", "two_thirds", "all"])
def test_the_quorum_in_sql_agrees_with_the_tally(db, world, board, rule):
    update_gate(world.gate, {"settings": {"quorum": rule}}, actor=world.user("admin"))
    db.commit()
    expected = {req.id for req in board if tally(req).quorum_met}
    assert ready_ids(db, world, rule) == expected
    assert expected, "some request reaches the quorum in every case"
    if rule == "more_than_half":
        assert expected == {board[3].id, board[4].id}  # 3 of 5 and 4 of 5; 2 of 4 is no quorum
        assert tally(board[5]).eligible == 4 and board[5].id not in expected  # 2 of 4 after the taint


def test_an_inactive_member_neither_counts_nor_votes(db, world, board):
    from gatekeeper.modules.accounts.operations import set_active

    set_active(user("member5"), False, actor=world.user("admin"))
    db.commit()
    assert ready_ids(db, world, "more_than_half") == {req.id for req in board if tally(req).quorum_met}


def test_each_tab_counts_what_it_lists(db, page_as, board):
    chair = page_as("chair")
    for tab in ("decide", "awaiting", "voted", "recused"):
        html = chair.text(f"/committee/queue?tab={tab}&per_page=100")
        count = re.search(rf'tab={tab}"[^>]*>[^<]*<span class="tab-count">(\d+)<', html)
        listed = len(set(re.findall(r'href="/requests/(\d+)/(?:vote|decide)"', html)))
        assert count and int(count.group(1)) == listed, tab
    member5 = page_as("member5")
    recused = member5.text("/committee/queue?tab=recused")
    assert "配偶在区卫健委工作" in recused
    awaiting = member5.text("/committee/queue?tab=awaiting")
    assert re.search(r'tab=awaiting"[^>]*>[^<]*<span class="tab-count">4<', awaiting)  # not on #0, #1, #3, #5


def test_the_queues_queries_do_not_grow_with_the_rows(db, page_as, board):
    from tests.support import count_statements

    chair = page_as("chair")
    before = {
        tab: len(count_statements(lambda t=tab: chair.get(f"/committee/queue?tab={t}"))) for tab in queue.TABS
    }
    for n in range(4):
        req = factories.in_review(title=f"协助开展慢性病随访第{n}期")
        for username in ("member2", "member3", "member4"):
            committee_ops.cast_vote(req, VoteChoice.APPROVE, "", actor=user(username))
    db.commit()
    after = {
        tab: len(count_statements(lambda t=tab: chair.get(f"/committee/queue?tab={t}"))) for tab in queue.TABS
    }
    assert after == before
    office = page_as("secretariat")
    inbox = {
        t: len(count_statements(lambda t=t: office.get(f"/committee/inbox?tab={t}"))) for t in ("review",)
    }
    factories.in_review(title="协助开展慢性病随访第9期")
    assert {
        t: len(count_statements(lambda t=t: office.get(f"/committee/inbox?tab={t}"))) for t in ("review",)
    } == inbox
    assert db.scalar(sa.select(sa.func.count(Vote.id))) > 12
