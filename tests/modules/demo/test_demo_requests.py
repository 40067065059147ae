"""The demo requests: the whole demo loaded once per backend into a fresh database, then inspected.

Loading takes a few seconds, so the database is built once per module (and backend); every test
only reads it. The load runs at the real current date, like ``gatekeeper demo`` does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.core.audit import verify_chain
from gatekeeper.extensions import db
from gatekeeper.modules.authorisations.models import Authorisation
from gatekeeper.modules.catalogue import operations as catalogue_ops
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.committee.models import Decision, DecisionOutcome, Ruling, RulingOutcome, Vote
from gatekeeper.modules.demo.loader import load_demo
from gatekeeper.modules.jurisdictions.models import Department, Gate
from gatekeeper.modules.requests.models import (
    AdmissionRequest,
    CheckRun,
    FundingBasis,
    Outcome,
    RequestEvent,
    RequestState,
    ScopeType,
)
from gatekeeper.modules.requests.operations import compare_runs, overdue_query
from tests.conftest import BACKENDS, PASSWORD, build_app, make_database, prepare


@dataclass
class Demo:
    app: object
    summary: str
    seconds: float


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request, tmp_path_factory):
    url, drop = make_database(request.param, tmp_path_factory, "demo")
    app = build_app(url)
    prepare(app, district=False)
    with app.app_context():
        started = time.perf_counter()
        summary = load_demo(PASSWORD)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.session.remove()
    yield Demo(app, summary, seconds)
    with app.app_context():
        db.engine.dispose()
    drop()


@pytest.fixture(autouse=True)
def context(demo):
    with demo.app.app_context():
        yield
        db.session.remove()


def requests() -> list[AdmissionRequest]:
    return list(db.session.scalars(sa.select(AdmissionRequest).order_by(AdmissionRequest.id)))


def runs_of(req: AdmissionRequest) -> list[CheckRun]:
    return list(
        db.session.scalars(sa.select(CheckRun).where(CheckRun.request_id == req.id).order_by(CheckRun.id))
    )


def test_about_a_hundred_requests_and_a_summary(demo):
    count = len(requests())
    assert 90 <= count <= 110
    assert f"Demo requests: {count} (" in demo.summary
    assert "authorisations issued (LJ-" in demo.summary
    assert demo.seconds < 120  # about 5 s on SQLite; the brief allows ~30 s for the whole demo


def test_every_state_has_several_requests(demo):
    states = Counter(req.state for req in requests())
    assert {state: states[state] >= 2 for state in RequestState} == dict.fromkeys(RequestState, True)
    assert states[RequestState.APPROVED] == max(states.values())  # most requests are approved


def test_at_least_three_requests_are_overdue(demo):
    overdue = list(db.session.scalars(overdue_query()))
    assert len(overdue) >= 3
    assert all(req.state == RequestState.IN_REVIEW and req.due_date < clock.today() for req in overdue)
    in_time = [r for r in requests() if r.state == RequestState.IN_REVIEW and r not in overdue]
    assert in_time, "some requests in review are not yet due"


def test_in_review_shows_votes_in_progress_and_complete(demo):
    counts = []
    for req in requests():
        if req.state == RequestState.IN_REVIEW:
            votes = db.session.scalar(
                sa.select(sa.func.count(Vote.id)).where(
                    Vote.request_id == req.id, Vote.round == req.review_round
                )
            )
            counts.append(votes)
    assert min(counts) <= 2 and max(counts) >= 4


def test_departments_kinds_scopes_and_funding_vary(demo):
    rows = requests()
    assert len({req.department_id for req in rows}) >= 20
    assert {req.kind for req in rows} == set(Kind)
    assert {req.scope_type for req in rows} == set(ScopeType)
    assert {req.scope_community_type.value for req in rows if req.scope_community_type} == {"urban", "rural"}
    assert {req.funding_basis for req in rows} == set(FundingBasis)
    assert db.session.scalar(sa.select(sa.func.count(Department.id))) >= 20


def test_each_approved_request_has_exactly_one_authorisation(demo):
    gate = db.session.scalar(sa.select(Gate).where(Gate.code == "LJ"))
    issued = Counter(db.session.scalars(sa.select(Authorisation.request_id)))
    approved = {req.id for req in requests() if req.state == RequestState.APPROVED}
    assert set(issued) == approved
    assert set(issued.values()) == {1}
    numbers = list(db.session.scalars(sa.select(Authorisation.number)))
    assert len(numbers) == len(set(numbers))
    assert all(re.fullmatch(rf"{gate.number_prefix}-\d{{4}}-\d{{4}}", n) for n in numbers)
    assert all(a.valid_to > clock.today() for a in db.session.scalars(sa.select(Authorisation)))


def test_the_audit_chain_verifies(demo):
    report = verify_chain(db.session)
    assert report.ok, report


def test_blocked_drafts_have_their_blocked_submission_recorded(demo):
    blocked = {}
    for req in requests():
        runs = [run for run in runs_of(req) if run.trigger == "submit" and run.outcome == Outcome.BLOCKED]
        if req.state == RequestState.DRAFT and runs:
            blocked[req.title] = {finding.code for finding in runs[-1].findings}
    assert len(blocked) >= 4
    assert set().union(*blocked.values()) >= {
        "NEGATIVE_LIST",
        "NO_VETO_LETTER_RANKING",
        "NO_LEGAL_BASIS",
        "FUNDS_FOLLOW_DUTIES",
    }
    assert "NEGATIVE_LIST" in blocked["居民生存情况证明"]


def test_a_returned_and_resubmitted_request_shows_resolved_findings(demo):
    """The comparison a resubmission shows: against the check of the revision submitted before."""
    resolved = {}
    for req in requests():
        submitted = [
            r for r in runs_of(req) if r.trigger in ("submit", "resubmit") and r.outcome != Outcome.BLOCKED
        ]
        for previous, run in itertools.pairwise(submitted):
            if run.trigger == "resubmit":
                resolved[req.id] = (req.state, compare_runs(previous, run)["resolved"])
    assert resolved
    assert all(codes for _state, codes in resolved.values())
    assert RequestState.SUBMITTED in {state for state, _codes in resolved.values()}


def test_referrals_rulings_and_rejections(demo):
    rulings = list(db.session.scalars(sa.select(Ruling)))
    approving = [r for r in rulings if r.outcome == RulingOutcome.APPROVE]
    assert approving and any(r.outcome == RulingOutcome.REJECT for r in rulings)
    precedent = [r for r in approving if r.add_to_catalogue]
    assert len(precedent) == 1
    draft = catalogue_ops.draft_version(db.session.scalar(sa.select(Gate).where(Gate.code == "LJ")))
    assert precedent[0].catalogue_code in {entry.code for entry in draft.entries}
    assert all(
        db.session.get(AdmissionRequest, r.request_id).state == RequestState.APPROVED for r in approving
    )
    rejections = db.session.scalars(
        sa.select(Decision).where(Decision.outcome == DecisionOutcome.REJECT)
    ).all()
    assert rejections and all(d.reason for d in rejections)
    assert sum(req.state == RequestState.REFERRED for req in requests()) >= 2


def test_history_spreads_over_the_last_ten_months_in_order(demo):
    today, now = clock.today(), clock.now()
    rows = requests()
    assert min(req.created_at for req in rows).date() <= today - dt.timedelta(days=250)
    assert all(today - dt.timedelta(days=320) <= clock.local_date(req.created_at) < today for req in rows)
    for req in rows:
        times = list(db.session.scalars(
            sa.select(RequestEvent.at).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
        ))  # fmt: skip
        assert times == sorted(times) and times[-1] < now
    for decision in db.session.scalars(sa.select(Decision)):
        req = db.session.get(AdmissionRequest, decision.request_id)
        if decision.outcome != DecisionOutcome.RETURN:  # a return clears the due date
            assert clock.local_date(decision.at) <= req.due_date


def test_start_dates_keep_the_lead_time_except_a_few(demo):
    late = {
        req.id
        for req in requests()
        for run in runs_of(req)[:1]
        for f in run.findings
        if f.code == "LEAD_TIME"
    }
    assert 1 <= len(late) <= 5


def test_money_was_paid_received_disputed_and_is_owed(demo):
    from gatekeeper.modules.funds.balances import balances
    from gatekeeper.modules.funds.models import Allocation, Disbursement, DisbursementState

    states = dict(
        db.session.execute(sa.select(Disbursement.state, sa.func.count()).group_by(Disbursement.state)).all()
    )
    assert states[DisbursementState.CONFIRMED] >= 10 and states[DisbursementState.DISPUTED] == 1
    assert states[DisbursementState.RECORDED] >= 100  # the other communities have no head in the demo
    totals = balances()
    paid = db.session.scalar(sa.select(sa.func.sum(Disbursement.amount_fen)))
    assert totals["disbursed_fen"] == paid > 0
    assert 0 < totals["outstanding_fen"] < totals["allocated_fen"]
    assert db.session.scalar(sa.select(sa.func.sum(Allocation.amount_fen))) == totals["allocated_fen"]
    assert "Demo money:" in demo.summary


def test_every_round_the_members_voted_on_was_on_an_agenda(demo):
    """Sittings and written votes: each voted round sits on one, and no vote came after a written
    vote's last day."""
    from gatekeeper.modules.committee.models import Meeting, MeetingItem, MeetingKind

    voted = set(db.session.execute(sa.select(Vote.request_id, Vote.round).distinct()).all())
    items = db.session.execute(
        sa.select(MeetingItem.request_id, MeetingItem.round, Meeting.kind, Meeting.on_date).join(Meeting)
    ).all()
    on_agenda = {(request_id, round_) for request_id, round_, _kind, _day in items}
    assert voted <= on_agenda
    kinds = Counter(kind for _r, _n, kind, _d in items)
    assert kinds[MeetingKind.MEETING] >= 10 and kinds[MeetingKind.WRITTEN] >= 10
    closing = {(r, n): day for r, n, kind, day in items if kind == MeetingKind.WRITTEN}
    for vote in db.session.scalars(sa.select(Vote)):
        if (vote.request_id, vote.round) in closing:
            assert clock.local_date(vote.cast_at) <= closing[(vote.request_id, vote.round)]


def test_requests_in_review_wait_at_a_sitting_or_in_a_written_vote(demo):
    """Overdue ones at next week's sitting, those being voted on in an open written vote."""
    from gatekeeper.modules.committee.meetings import schedule_of
    from gatekeeper.modules.committee.models import MeetingKind

    in_review = [r for r in requests() if r.state == RequestState.IN_REVIEW]
    places = Counter(getattr(schedule_of(r), "kind", None) for r in in_review)
    assert places[MeetingKind.MEETING] >= 1 and places[MeetingKind.WRITTEN] >= 1
    for req in in_review:
        meeting = schedule_of(req)
        if meeting is not None and meeting.kind == MeetingKind.WRITTEN:
            assert meeting.on_date >= clock.today(), "members can still vote on what is in review"
        if req.due_date < clock.today():
            assert meeting is not None and meeting.kind == MeetingKind.MEETING


def test_resubmissions_answer_the_return_and_the_head_has_reported(demo):
    from gatekeeper.modules.requests.models import RequestRevision
    from gatekeeper.modules.supervision.models import Report, ReportSource

    answers = db.session.scalars(
        sa.select(RequestRevision.response).where(RequestRevision.response != "")
    ).all()
    assert answers and all(text.endswith("请予审议。") for text in answers)
    filed = db.session.scalars(sa.select(Report)).all()
    reports = [r for r in filed if r.source == ReportSource.COMMUNITY]
    assert len(reports) == 3 and {r.community.code for r in reports} == {"LJ0101"}
    assert any(r.department is None and r.department_name for r in reports)
    public = [r for r in filed if r.source == ReportSource.PUBLIC]  # and one from the public
    assert len(public) == 1 and public[0].reporter_id is None
