"""The demo's committee sittings and written votes, its departments' answers and its reports.

- Past requests: when one is accepted, the office puts it on the agenda of the week its members
  vote in — a sitting (主任会议) in even ISO weeks, a written vote (书面表决) until that Sunday in odd
  ones — so every decided request of the demo was taken up somewhere, as a committee would have.
- Requests still in review: the overdue ones go to next week's sitting, those members have begun to
  vote on to a written vote open for a week, the rest wait in the office's "not on an agenda" list.
- A department that resubmits answers the return, from what it changed.
- 滨江社区's head has reported three items pushed in without authorisation.

Everything goes through the operations (``committee.meetings``, ``supervision.operations``), under
the clock of the moment it happens, like the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import User
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.committee import meetings
from gatekeeper.modules.committee.models import Meeting, MeetingKind, Vote
from gatekeeper.modules.requests.models import AdmissionRequest, RequestState

LOCATION = "区民政局三楼第二会议室"
#: Steps after which the votes of a review round are over.
ROUND_ENDS = ("approve", "reject", "send_back", "return", "withdraw")


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class Agendas:
    """The meetings of the demo, one per week in which members vote, made as they are needed."""

    def __init__(self, office: User):
        self.office = office
        self.by_week: dict[tuple[int, int], Meeting] = {}

    def meeting_for(self, req: AdmissionRequest, last_vote: dt.date) -> Meeting:
        year, week, weekday = last_vote.isocalendar()
        found = self.by_week.get((year, week))
        if found is None:
            sunday = last_vote + dt.timedelta(days=7 - weekday)
            if week % 2:
                data = {"kind": MeetingKind.WRITTEN, "title": f"书面表决（截至{_date(sunday)}）"}
                data["on_date"] = sunday
            else:
                friday = sunday - dt.timedelta(days=2)
                data = {"kind": MeetingKind.MEETING, "title": f"主任会议（{_date(friday)}）"}
                data.update(on_date=friday, location=LOCATION)
            found = meetings.create_meeting(req.gate, data, actor=self.office)
            self.by_week[(year, week)] = found
        return found

    def schedule_round(self, req: AdmissionRequest, steps: list[Any], accepted_at: dt.datetime) -> None:
        """Put the round just accepted on the agenda of the week of its last vote (if it has votes)."""
        later = sorted((s for s in steps if s.at > accepted_at), key=lambda s: s.at)
        votes = []
        for step in later:
            if step.action in ROUND_ENDS:
                break
            if step.action == "vote":
                votes.append(step.at)
        if votes:
            meeting = self.meeting_for(req, clock.local_date(max(votes)))
            meetings.schedule(meeting, [req], actor=self.office)


def schedule_open_reviews(office: User) -> str:
    """The requests in review today: overdue ones to next week's sitting, others to a written vote."""
    today = clock.today()
    pending = db.session.scalars(
        sa.select(AdmissionRequest)
        .where(AdmissionRequest.state == RequestState.IN_REVIEW, meetings.not_scheduled())
        .order_by(AdmissionRequest.due_date, AdmissionRequest.id)
    ).all()
    if not pending:
        return "no request in review to schedule"
    overdue = [r for r in pending if r.due_date and r.due_date < today]
    voted = set(
        db.session.scalars(
            sa.select(Vote.request_id).where(
                Vote.request_id.in_([r.id for r in pending]),
                Vote.round == AdmissionRequest.review_round,
                Vote.request_id == AdmissionRequest.id,
            )
        )
    )
    written = [r for r in pending if r not in overdue and r.id in voted]
    waiting = [r for r in pending if r not in overdue and r.id not in voted]
    gate = pending[0].gate
    thursday = today + dt.timedelta(days=(3 - today.weekday()) % 7 or 7)
    sitting = meetings.create_meeting(
        gate,
        {
            "kind": MeetingKind.MEETING,
            "title": f"主任会议（{_date(thursday)}）",
            "on_date": thursday,
            "location": LOCATION,
            "notes": "审议逾期未决事项。",
        },
        actor=office,
    )
    if overdue:
        meetings.schedule(sitting, overdue, actor=office)
    if written:
        deadline = today + dt.timedelta(days=7)
        vote = meetings.create_meeting(
            gate,
            {"kind": MeetingKind.WRITTEN, "title": f"书面表决（截至{_date(deadline)}）", "on_date": deadline},
            actor=office,
        )
        meetings.schedule(vote, written, actor=office)
    return (
        f"{len(overdue)} overdue requests on the agenda of {thursday}, {len(written)} in a written vote, "
        f"{len(waiting)} not scheduled yet"
    )


def answer(fix: dict[str, Any] | None) -> str:
    """What a department answers when it resubmits, from what it changed."""
    changes = []
    if fix and fix.get("catalogue_entry"):
        changes.append(f"已关联准入目录条目 {fix['catalogue_entry']}")
    if fix and fix.get("restart"):
        changes.append("已推迟开始日期，满足提前申报要求")
    if fix and fix.get("funding"):
        changes.append("已补充经费测算并按标准安排经费")
    changes = changes or ["已按退回意见修改申请内容"]
    return "；".join(changes) + "。请予审议。"


#: (days ago, department code or name, kind, title, description)
REPORTS = (
    (
        26,
        "SCJ",
        Kind.SIGN,
        "要求社区悬挂“食品安全快检室”牌子",
        "区市场监督管理局工作人员送来“食品安全快检室”牌子，要求在社区办公用房悬挂，并安排专人值守。"
        "经查询，该事项未取得准入许可。",
    ),
    (
        12,
        "YJJ",
        Kind.LEDGER,
        "要求社区每月填报安全生产隐患排查台账",
        "通过工作群下发《安全生产隐患排查台账》模板，要求社区每月5日前报送纸质台账并加盖公章。",
    ),
    (
        4,
        "江城市文明城市创建指挥部",
        Kind.APPRAISAL,
        "要求社区参加“最美楼道”评比并报送创建材料",
        "要求社区组织“最美楼道”评比，按月报送照片和创建材料，评比结果纳入对社区的考核。",
    ),
)


def load_reports(head: User) -> int:
    """The reports of 滨江社区's head, each filed on its day."""
    from gatekeeper.modules.supervision.operations import file_report

    today = clock.today()
    for days_ago, department, kind, title, description in REPORTS:
        day = today - dt.timedelta(days=days_ago)
        with clock.frozen(dt.datetime.combine(day, dt.time(16, 20), tzinfo=clock.timezone())):
            file_report(
                {
                    "department": department,
                    "kind": kind,
                    "title": title,
                    "occurred_on": day - dt.timedelta(days=1),
                    "description": description,
                },
                actor=head,
            )
    return len(REPORTS)
