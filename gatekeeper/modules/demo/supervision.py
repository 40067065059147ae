"""The demo's supervision: the three reports of 滨江社区's head taken through the review, a public
report left overdue, and one published notice.

- the oldest report (市场监管局's plaque) is investigated, upheld, answered by the department with its
  rectification, recorded rectified;
- the second (应急管理局's ledger) is investigated and found unfounded, then closed;
- the newest (a body named by hand) stays received, inside its deadline;
- a public report (no login) about 城管局 in 望江社区, filed three weeks ago, is left received: overdue;
- a notice of the reports upheld in the last forty days is composed and published.

Every step goes through the operations, on its own (frozen) day, as the office would take it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.extensions import db
from gatekeeper.modules.accounts.models import Role, User
from gatekeeper.modules.catalogue.models import Kind
from gatekeeper.modules.jurisdictions.models import Jurisdiction, Level
from gatekeeper.modules.supervision import notices
from gatekeeper.modules.supervision import operations as ops
from gatekeeper.modules.supervision.models import Report


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=clock.timezone())


def _officer_of(report: Report) -> User | None:
    if report.department_id is None:
        return None
    return db.session.scalar(
        sa.select(User)
        .where(User.role == Role.OFFICER, User.department_id == report.department_id)
        .order_by(User.id)
        .limit(1)
    )


def _public_report(today: dt.date) -> Report | None:
    """A report filed through the public page three weeks ago about a community next to the head's."""
    day = today - dt.timedelta(days=21)
    community = db.session.scalar(
        sa.select(Jurisdiction.code)
        .where(Jurisdiction.level == Level.COMMUNITY, Jurisdiction.code.in_(("LJ0102", "LJ0101")))
        .order_by(Jurisdiction.code.desc())
        .limit(1)
    )
    if community is None:
        return None
    with clock.frozen(_at(day, 19)):
        return ops.file_public_report(
            {
                "community": community,
                "department": "CGJ",
                "kind": Kind.DUTY,
                "title": "要求社区每日派人上街巡查占道经营",
                "occurred_on": day - dt.timedelta(days=1),
                "description": "城管部门在居民群里通知社区每天派两名网格员上街巡查占道经营并拍照上报。",
                "contact": "居民王女士",
            }
        )


def load_supervision(office: User) -> str:
    """Take the demo's reports through the review and publish one notice; returns a summary."""
    today = clock.today()
    filed = list(db.session.scalars(sa.select(Report).order_by(Report.created_at, Report.id)))
    if len(filed) < 2:
        return "Demo supervision: no reports to review."
    plaque, ledger = filed[0], filed[1]
    start = plaque.created_at.astimezone(clock.timezone()).date()

    with clock.frozen(_at(start + dt.timedelta(days=1))):
        ops.advance_report(
            plaque, "investigate", "已联系区市场监管局核实，调取社区办公用房照片。", actor=office
        )
    with clock.frozen(_at(start + dt.timedelta(days=5))):
        ops.advance_report(plaque, "uphold", "经核实，该牌子未取得准入许可，举报属实。", actor=office)
    officer = _officer_of(plaque)
    if officer is not None:
        with clock.frozen(_at(today - dt.timedelta(days=3), 15)):
            ops.respond_report(plaque, "已于次日撤除牌子，不再要求社区安排专人值守。", actor=officer)
        with clock.frozen(_at(today - dt.timedelta(days=2))):
            ops.advance_report(plaque, "rectify", "经社区确认，牌子已撤除。", actor=office)

    ledger_day = ledger.created_at.astimezone(clock.timezone()).date()
    with clock.frozen(_at(ledger_day + dt.timedelta(days=1))):
        ops.advance_report(ledger, "investigate", "调取工作群通知记录。", actor=office)
    with clock.frozen(_at(ledger_day + dt.timedelta(days=3))):
        ops.advance_report(
            ledger,
            "dismiss",
            "该台账属已准入的安全生产检查事项，社区无需另报纸质件，举报不成立。",
            actor=office,
        )
        ops.advance_report(ledger, "close", "已向社区说明情况，结案。", actor=office)

    public = _public_report(today)

    period_from = today - dt.timedelta(days=40)
    with clock.frozen(_at(today, 9)):
        notice = notices.create_notice(
            {
                "title": "关于违规向社区摊派工作事项的督查通报",
                "body": "为巩固社区减负成效，委员会办公室对近期收到的举报进行了核查。现将查实的问题通报如下，"
                "请各部门引以为戒，未经准入不得向社区摊派工作事项。",
                "period_from": period_from,
                "period_to": today,
            },
            actor=office,
        )
        published = None
        if notices.reports_of(notice):
            published = notices.publish_notice(notice, actor=office).number
    db.session.flush()
    overdue = f", public report {public.id} overdue" if public else ""
    return (
        f"Demo supervision: reports {plaque.id} rectified, {ledger.id} unfounded and closed{overdue}; "
        f"notice {published or 'left as a draft'}."
    )
