"""Rules about community workload: caps on plaques, ledgers and reports, and the office-space share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..context import Community, Context
from ..findings import BLOCK, WARN, Finding
from ..matching import CatalogueIndex
from ..registry import make_finding, rule
from ._common import NAMED_LIMIT, shortlist


@dataclass(frozen=True)
class _Cap:
    """One cap that applies to the proposal: what it counts, its limit and how it is worded."""

    cap_type: str
    limit: int
    added: int
    current: Callable[[Community], int]
    unit_zh: str
    noun_zh: str
    noun_en: str
    fields: tuple[str, ...]


_KIND = ("kind", "scope.codes")
_REPORTS = ("demands.reports_per_year", "scope.codes")


def _caps(ctx: Context) -> list[_Cap]:
    """The caps the proposal counts against: plaques or ledgers by kind, reports if it demands any."""
    settings, proposal = ctx.settings, ctx.proposal
    caps = []
    if proposal.kind == "sign":
        caps.append(_Cap("signs", settings.sign_cap, 1, _signs, "块", "机构牌子", "plaques", _KIND))
    if proposal.kind == "ledger":
        caps.append(_Cap("ledgers", settings.ledger_cap, 1, _ledgers, "本", "台账", "ledgers", _KIND))
    reports = proposal.demands.reports_per_year
    if reports > 0:
        caps.append(
            _Cap(
                "reports",
                settings.reports_cap,
                reports,
                _reports,
                "份/年",
                "报表",
                "reports a year",
                _REPORTS,
            )
        )
    return caps


def _signs(community: Community) -> int:
    return community.load.signs


def _ledgers(community: Community) -> int:
    return community.load.ledgers


def _reports(community: Community) -> int:
    return community.load.reports_per_year


def _cap_finding(ctx: Context, cap: _Cap, over: list[Community]) -> Finding:
    """One LOAD_CAP finding naming the first communities over ``cap``."""
    names_zh = [f"{c.name}（现有 {cap.current(c)} {cap.unit_zh}）" for c in over]
    names_en = [f"{c.name} ({cap.current(c)} now)" for c in over]
    return make_finding(
        ctx,
        "LOAD_CAP",
        f"有 {len(over)} 个社区的{cap.noun_zh}将超过上限 {cap.limit} {cap.unit_zh}："
        f"{shortlist(names_zh, '、')}。"
        f"请缩小范围、与现有事项合并，或先撤销不再需要的{cap.noun_zh}。",
        f"{len(over)} communities would exceed the cap of {cap.limit} {cap.noun_en}: "
        f"{shortlist(names_en, ', ')}. Narrow the scope, merge with existing items, or first withdraw "
        f"{cap.noun_en} no longer needed.",
        fields=cap.fields,
        details=(
            ("cap_type", cap.cap_type),
            ("cap", cap.limit),
            ("count", len(over)),
            ("communities", ",".join(c.code for c in over[:NAMED_LIMIT])),
        ),
    )


@rule("LOAD_CAP", WARN, "社区减负：控制社区机构牌子、台账和报表数量")
def load_cap(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Warn, once per cap, when communities would exceed the plaque, ledger or report cap."""
    findings = []
    for cap in _caps(ctx):
        over = [c for c in ctx.communities if cap.current(c) + cap.added > cap.limit]
        if over:
            findings.append(_cap_finding(ctx, cap, over))
    return findings


def _office_over(community: Community, extra_m2: int, percent: int) -> bool:
    """(office + extra) / area > percent / 100, cross-multiplied; False when the area is unknown."""
    if not community.area_m2 or community.area_m2 <= 0:
        return False
    return ((community.office_area_m2 or 0) + extra_m2) * 100 > community.area_m2 * percent


@rule("OFFICE_SHARE", BLOCK, "社区减负：社区办公用房占比不得超过规定比例，服务用房优先保障居民使用")
def office_share(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block dedicated premises that would push communities' office space over the allowed share."""
    demands, percent = ctx.proposal.demands, ctx.settings.office_share_max_percent
    area = demands.premises_area_m2
    if not demands.dedicated_premises or not area or area <= 0:
        return []
    over = [c for c in ctx.communities if _office_over(c, area, percent)]
    if not over:
        return []
    names_zh = [f"{c.name}（办公 {(c.office_area_m2 or 0) + area}/总 {c.area_m2} 平方米）" for c in over]
    names_en = [f"{c.name} (office {(c.office_area_m2 or 0) + area} of {c.area_m2} m²)" for c in over]
    return [
        make_finding(
            ctx,
            "OFFICE_SHARE",
            f"要求的 {area} 平方米专门场所将使 {len(over)} 个社区的办公用房超过总面积的 {percent}%："
            f"{shortlist(names_zh, '、')}。请取消专门场所要求，服务用房应优先保障居民使用。",
            f"The {area} m² of dedicated premises would push office space over {percent}% of the floor area "
            f"in {len(over)} communities: {shortlist(names_en, ', ')}. Drop the premises demand; service "
            "space is for residents first.",
            fields=("demands.dedicated_premises", "demands.premises_area_m2"),
            details=(("count", len(over)), ("communities", ",".join(c.code for c in over[:NAMED_LIMIT]))),
        )
    ]
