"""Rules about time: duplicates of items already in force, and the filing lead time."""

from __future__ import annotations

import datetime as dt

from ..context import ActiveAuthorisation, Calendar, Context
from ..findings import WARN, Finding
from ..matching import CatalogueIndex, title_similarity
from ..registry import make_finding, rule

#: Longest stretch of days without a working day that the lead-time search tolerates.
_SEARCH_SLACK_DAYS = 400


def _overlaps(ctx: Context, active: ActiveAuthorisation) -> bool:
    """Do the validities overlap? Open ends run forever; a missing start is the filing date."""
    start = ctx.proposal.start_date or ctx.filing_date
    end = ctx.proposal.end_date
    if end is not None and active.valid_from > end:
        return False
    return active.valid_to is None or active.valid_to >= start


def _same_item(ctx: Context, active: ActiveAuthorisation) -> bool:
    """Same catalogue entry code, or titles that mean the same."""
    code = (ctx.proposal.catalogue_entry or "").strip()
    if code and code == (active.catalogue_entry or "").strip():
        return True
    return title_similarity(ctx.proposal.title, active.title) >= ctx.settings.match_threshold


@rule("DUPLICATE_ACTIVE", WARN, "社区工作事项准入制度：同一事项不得重复下派")
def duplicate_active(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Warn when an authorisation in force already covers the same item for overlapping dates."""
    same = [active for active in ctx.active if _overlaps(ctx, active) and _same_item(ctx, active)]
    if not same:
        return []
    listed_zh = "、".join(f"{a.number}「{a.title}」（已覆盖其中 {a.overlap} 个社区）" for a in same)
    listed_en = "; ".join(
        f"{a.number} “{a.title}” (already covers {a.overlap} of the communities)" for a in same
    )
    return [
        make_finding(
            ctx,
            "DUPLICATE_ACTIVE",
            f"本部门已有范围和有效期重叠的同一事项在执行：{listed_zh}。同一事项不得重复下派；"
            "如为延续或调整，请在原授权上办理变更，或说明两者的区别。",
            f"The department already has the same item in force for overlapping communities and dates: "
            f"{listed_en}. The same item may not be pushed twice; amend the existing authorisation, or "
            "explain how this request differs.",
            fields=("title", "catalogue_entry", "start_date", "end_date"),
            details=(("numbers", ",".join(a.number for a in same)),),
        )
    ]


def latest_filing_date(calendar: Calendar, start: dt.date, lead_days: int) -> dt.date:
    """The last date a request may be filed and still have ``lead_days`` working days before ``start``."""
    day, counted = start, 0
    limit = start - dt.timedelta(days=lead_days * 7 + _SEARCH_SLACK_DAYS)
    while counted < lead_days and day > limit:
        if calendar.is_working_day(day):
            counted += 1
        day -= dt.timedelta(days=1)
    return day


@rule("LEAD_TIME", WARN, "社区工作事项准入制度：职能部门应在事项开始前按规定工作日提出申请")
def lead_time(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Warn when fewer working days than required separate filing and the start date."""
    start, required = ctx.proposal.start_date, ctx.settings.lead_time_days
    if start is None or required <= 0:
        return []
    left = ctx.calendar.working_days_between(ctx.filing_date, start)
    if left >= required:
        return []
    latest = latest_filing_date(ctx.calendar, start, required)
    earliest = ctx.calendar.add_working_days(ctx.filing_date, required)
    return [
        make_finding(
            ctx,
            "LEAD_TIME",
            f"开始日期 {start.isoformat()} 距申请日 {ctx.filing_date.isoformat()} 只有 {left} 个工作日，"
            f"少于规定的 {required} 个工作日；按此开始日期，最迟应在 {latest.isoformat()} 提出申请。"
            f"请将开始日期推迟到 {earliest.isoformat()} 或以后，或说明紧急理由。",
            f"The start date {start.isoformat()} is only {left} working day(s) after filing on "
            f"{ctx.filing_date.isoformat()}, fewer than the required {required}; for this start date the "
            f"request should have been filed by {latest.isoformat()}. Move the start to "
            f"{earliest.isoformat()} or later, or give the reason for the urgency.",
            fields=("start_date",),
            details=(
                ("working_days", left),
                ("required", required),
                ("latest_filing_date", latest.isoformat()),
                ("earliest_start_date", earliest.isoformat()),
            ),
        )
    ]
