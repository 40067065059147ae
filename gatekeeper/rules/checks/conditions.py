"""Rules about the conditions of a request: a legal basis, and no veto, letters or separate ranking."""

from __future__ import annotations

from ..context import Context
from ..findings import BLOCK, Finding
from ..matching import CatalogueIndex
from ..registry import make_finding, rule
from ..textnorm import is_non_answer
from ._common import KIND_EN, KIND_ZH

#: Kinds that may only enter communities on a legal basis.
BASIS_KINDS = ("sign", "ledger", "mechanism", "appraisal", "certificate")


@rule(
    "NO_LEGAL_BASIS",
    BLOCK,
    "社区工作事项准入制度：无法律法规依据的机构牌子、台账、工作机制、创建评比和证明事项不得进入社区",
)
def no_legal_basis(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block plaques, ledgers, mechanisms, appraisals and certificates without a stated legal basis."""
    proposal = ctx.proposal
    if proposal.kind not in BASIS_KINDS or not is_non_answer(proposal.legal_basis):
        return []
    given = proposal.legal_basis.strip()
    shown_zh = f"（填写内容为“{given}”）" if given else "（未填写）"
    shown_en = f" (given: “{given}”)" if given else " (left blank)"
    return [
        make_finding(
            ctx,
            "NO_LEGAL_BASIS",
            f"「{KIND_ZH[proposal.kind]}」类事项须有法律法规依据，但申请的依据为空或没有实际内容{shown_zh}。"
            "请写明所依据的法律、法规或规章的名称及条款；没有依据的，该事项不得进入社区。",
            f"A {KIND_EN[proposal.kind]} needs a legal basis, but the request states none{shown_en}. "
            "Name the law, regulation or rule and its article; "
            "without one the item may not enter communities.",
            fields=("legal_basis",),
        )
    ]


#: demand field -> (zh, en) wording.
_FORBIDDEN = {
    "veto": ("实行“一票否决”", "a one-vote veto"),
    "responsibility_letter": ("签订责任书", "signing a responsibility letter"),
    "separate_ranking": ("对社区单独考核排名", "a separate ranking of communities"),
}


@rule(
    "NO_VETO_LETTER_RANKING",
    BLOCK,
    "社区工作事项准入制度：不得对社区单独考核排名，不得实行“一票否决”，不得要求社区签订责任书",
)
def no_veto_letter_ranking(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block vetoes, responsibility letters and separate rankings; one finding for all of them."""
    demands = ctx.proposal.demands
    asked = [name for name in _FORBIDDEN if getattr(demands, name)]
    if not asked:
        return []
    asked_zh = "、".join(_FORBIDDEN[name][0] for name in asked)
    asked_en = ", ".join(_FORBIDDEN[name][1] for name in asked)
    return [
        make_finding(
            ctx,
            "NO_VETO_LETTER_RANKING",
            f"申请要求{asked_zh}。社区工作事项不得实行“一票否决”、不得要求社区签订责任书、不得对社区单独考核排名，"
            "请删除上述要求。",
            f"The request demands {asked_en}. Community work items may not carry a one-vote veto, "
            "responsibility letters or a separate ranking of communities; drop these demands.",
            fields=tuple(f"demands.{name}" for name in asked),
        )
    ]
