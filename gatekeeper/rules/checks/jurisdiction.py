"""Rules about the scope: only communities inside the gate's jurisdiction, and at least one."""

from __future__ import annotations

from ..context import Context
from ..findings import BLOCK, Finding
from ..matching import CatalogueIndex
from ..registry import make_finding, rule

SCOPE_CITATION = "社区工作事项准入制度：准入申请只能指向本关口辖区内的社区"


@rule("SCOPE_OUTSIDE_GATE", BLOCK, SCOPE_CITATION)
def scope_outside_gate(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block a scope naming codes that are unknown or outside the gate's jurisdiction."""
    codes = ctx.proposal.outside_codes
    if not codes:
        return []
    listed_zh, listed_en = "、".join(codes), ", ".join(codes)
    return [
        make_finding(
            ctx,
            "SCOPE_OUTSIDE_GATE",
            f"申请范围中有 {len(codes)} 个代码不存在或不在本关口辖区内：{listed_zh}。"
            "请只选择本辖区内的社区；其他地区请向其所属关口另行申请。",
            f"The scope names {len(codes)} code(s) that are unknown or outside this gate's jurisdiction: "
            f"{listed_en}. Choose only communities of this jurisdiction; "
            "apply to the other gates separately.",
            fields=("scope.codes",),
            details=(("codes", ",".join(codes)),),
        )
    ]


@rule("EMPTY_SCOPE", BLOCK, SCOPE_CITATION)
def empty_scope(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block a scope that reaches no community at all."""
    if ctx.communities or ctx.proposal.outside_codes:
        return []
    return [
        make_finding(
            ctx,
            "EMPTY_SCOPE",
            "申请范围没有覆盖任何社区。请至少选择一个本辖区内的社区，或选择全部社区。",
            "The scope reaches no community. "
            "Choose at least one community of this jurisdiction, or all of them.",
            fields=("scope.type", "scope.codes"),
        )
    ]
