"""Rules about what an item costs communities: funds follow duties, no dedicated premises or staff."""

from __future__ import annotations

from ..context import Context, Entry
from ..findings import BLOCK, Finding
from ..matching import CatalogueIndex
from ..money import (
    Yearly,
    ceil_fen,
    floor_fen,
    is_below,
    minimum_amount_fen,
    validity_days,
    yearly_total_fen,
    yuan,
)
from ..registry import make_finding, rule
from ._common import KIND_EN, KIND_ZH, matched_permitted

#: Kinds that always need funding; a duty needs it when the community only assists.
FUNDED_KINDS = ("sign", "ledger", "system")
BASIS_ZH = {"per_100_households": "每百户每年", "per_community": "每个社区每年", "lump_sum": "有效期内一次性"}
BASIS_EN = {
    "per_100_households": "per 100 households per year",
    "per_community": "per community per year",
    "lump_sum": "lump sum for the validity period",
}


def needs_funding(ctx: Context) -> bool:
    """True for assisted duties and for plaques, ledgers and systems."""
    proposal = ctx.proposal
    return (proposal.kind == "duty" and proposal.role == "assist") or proposal.kind in FUNDED_KINDS


@rule(
    "FUNDS_FOLLOW_DUTIES",
    BLOCK,
    "中共中央办公厅、国务院办公厅《关于加强和改进城市社区居民委员会建设工作的意见》：权随责走、费随事转",
)
def funds_follow_duties(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block unfunded items, and items funded below the catalogue entry's yearly standard."""
    if not needs_funding(ctx):
        return []
    funding = ctx.proposal.funding
    if funding.basis == "none" or funding.amount_fen <= 0:
        return [_unfunded(ctx)]
    entry = matched_permitted(ctx, index)
    if entry is None or entry.funding_basis == "none" or entry.funding_amount_fen <= 0:
        return []
    households = [community.households for community in ctx.communities]
    days = validity_days(ctx.proposal.start_date, ctx.proposal.end_date)
    offered = yearly_total_fen(funding.basis, funding.amount_fen, households, days)
    required = yearly_total_fen(entry.funding_basis, entry.funding_amount_fen, households, None)
    if not is_below(offered, required):
        return []
    return [_below_standard(ctx, entry, offered, required, days)]


def _what(ctx: Context) -> tuple[str, str]:
    kind = ctx.proposal.kind
    if kind == "duty":
        return "需社区协助的职责事项", "a duty the community assists with"
    return f"{KIND_ZH.get(kind, kind)}类事项", f"a {KIND_EN.get(kind, kind)}"


def _unfunded(ctx: Context) -> Finding:
    what_zh, what_en = _what(ctx)
    return make_finding(
        ctx,
        "FUNDS_FOLLOW_DUTIES",
        f"该事项属于{what_zh}，须按“费随事转”同步安排工作经费，"
        "但申请未安排经费（经费方式为“无”或金额不大于 0）。"
        "请填写经费方式和金额。",
        f"This is {what_en}: funds must follow duties, but the request provides no funding (basis “none” or "
        "an amount of zero or less). Enter the funding basis and amount.",
        fields=("funding.basis", "funding.amount_fen"),
    )


def _below_standard(ctx: Context, entry: Entry, offered: Yearly, required: Yearly, days: int) -> Finding:
    funding = ctx.proposal.funding
    households = [community.households for community in ctx.communities]
    count, total = len(households), sum(households)
    need, got = yuan(ceil_fen(required)), yuan(floor_fen(offered))
    standard = yuan(entry.funding_amount_fen)
    hint_zh = hint_en = ""
    least = minimum_amount_fen(funding.basis, households, days, required)
    if least is not None:
        hint_zh = f"按申请的经费方式（{BASIS_ZH[funding.basis]}），金额至少应为 {yuan(least)} 元。"
        hint_en = (
            f" On the request's basis ({BASIS_EN[funding.basis]}) "
            f"the amount must be at least {yuan(least)} yuan."
        )
    return make_finding(
        ctx,
        "FUNDS_FOLLOW_DUTIES",
        f"目录条目 {entry.code}「{entry.title}」的经费标准为{BASIS_ZH[entry.funding_basis]} {standard} 元，"
        f"按本次覆盖的 {count} 个社区（共 {total} 户）计算每年至少 {need} 元，而申请每年仅 {got} 元。"
        f"{hint_zh}请按标准足额安排经费。",
        f"Catalogue entry {entry.code} “{entry.title}” sets a standard of {standard} yuan "
        f"{BASIS_EN[entry.funding_basis]}; for the {count} communities in scope ({total} households) that is "
        f"at least {need} yuan a year, but the request gives only {got} yuan a year.{hint_en} "
        "Fund the item at the standard.",
        fields=("funding.basis", "funding.amount_fen"),
        entry_code=entry.code,
        details=(("required_yearly_yuan", need), ("offered_yearly_yuan", got), ("minimum_amount_fen", least)),
    )


@rule(
    "NO_DEDICATED_PREMISES_STAFF",
    BLOCK,
    "社区工作事项准入制度：准入事项一律不得要求设立专门场所、配备专职人员（法律法规另有规定的除外）",
)
def no_dedicated_premises_staff(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block demands for dedicated premises or staff that the matched entry does not provide for."""
    demands = ctx.proposal.demands
    entry = matched_permitted(ctx, index)
    wanted: list[tuple[str, str, str]] = []
    if demands.dedicated_premises and not (entry and entry.requires_premises):
        wanted.append(("demands.dedicated_premises", "设立专门场所", "dedicated premises"))
    if demands.dedicated_staff and not (entry and entry.requires_staff):
        wanted.append(("demands.dedicated_staff", "配备专职人员", "dedicated staff"))
    if not wanted:
        return []
    asked_zh = "、".join(zh for _, zh, _ in wanted)
    asked_en = " and ".join(en for _, _, en in wanted)
    if entry is None:
        basis_zh, basis_en = "且未匹配到作此规定的准入目录条目", "and no catalogue entry provides for it"
    else:
        basis_zh = f"但目录条目 {entry.code}「{entry.title}」并未规定须{asked_zh}"
        basis_en = f"but catalogue entry {entry.code} “{entry.title}” does not provide for it"
    return [
        make_finding(
            ctx,
            "NO_DEDICATED_PREMISES_STAFF",
            f"申请要求社区{asked_zh}，{basis_zh}。请删除该要求；确有法律法规规定的，请先在目录条目中载明。",
            f"The request demands {asked_en} from communities, {basis_en}. Drop the demand; if a law "
            "requires it, have it recorded in the catalogue entry first.",
            fields=tuple(field for field, _, _ in wanted),
            entry_code=entry.code if entry else None,
        )
    ]
