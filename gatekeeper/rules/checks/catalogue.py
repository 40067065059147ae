"""Rules about the catalogue: the negative list and items outside the admission catalogue."""

from __future__ import annotations

from ..context import Context, Entry
from ..findings import BLOCK, REFER, Finding
from ..matching import CatalogueIndex, score
from ..registry import make_finding, rule
from ._common import KIND_EN, KIND_ZH, best_banned, best_permitted, linked_entry, score_text, valid_link


@rule(
    "NEGATIVE_LIST",
    BLOCK,
    "民政部等六部门《不应由基层群众性自治组织出具证明事项清单（第一批）》（2020）及本关口准入目录负面清单",
)
def negative_list(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Block a proposal that links a banned entry or whose title means one.

    A title match is forgiven only when a permitted entry of the proposal's kind (the linked one, or
    the closest by title) means the title strictly better than the banned one does.
    """
    linked = linked_entry(ctx, index)
    if linked is not None and linked.standing == "banned":
        return [_banned_link(ctx, linked)]
    found = best_banned(ctx, index)
    if found is None or found[1] < ctx.settings.match_threshold:
        return []
    # The closest entry wins. A link counts with the score of the linked entry's own title, so
    # linking some unrelated permitted entry cannot launder a banned title.
    link = valid_link(ctx, index)
    if link is not None and score(ctx.proposal.title, link.title) > found[1]:
        return []
    permitted = best_permitted(ctx, index)
    if permitted is not None and permitted[1] > found[1]:
        return []
    return [_banned_title(ctx, *found)]


def _banned_link(ctx: Context, entry: Entry) -> Finding:
    return make_finding(
        ctx,
        "NEGATIVE_LIST",
        f"所关联的目录条目 {entry.code}「{entry.title}」属于负面清单，不得下派给社区。"
        "请撤回该事项，或由本部门通过部门间信息共享、告知承诺等方式自行办理。",
        f"The linked catalogue entry {entry.code} “{entry.title}” is on the negative list and may not be "
        "pushed to communities. Withdraw the item, or have the department handle it itself "
        "(data sharing between departments, personal commitment).",
        fields=("catalogue_entry",),
        entry_code=entry.code,
        details=(("via", "link"), ("matched_code", entry.code), ("matched_title", entry.title)),
    )


def _banned_title(ctx: Context, entry: Entry, value: float) -> Finding:
    shown = score_text(value)
    return make_finding(
        ctx,
        "NEGATIVE_LIST",
        f"事项名称「{ctx.proposal.title}」与负面清单条目 {entry.code}「{entry.title}」相符"
        f"（相似度 {shown}），"
        "不得下派给社区。如确属准入目录内的其他事项，请关联相应的目录条目；否则请撤回。",
        f"The title “{ctx.proposal.title}” matches negative-list entry {entry.code} “{entry.title}” "
        f"(similarity {shown}); it may not be pushed to communities. If it really is another item of the "
        "admission catalogue, link that entry; otherwise withdraw the request.",
        fields=("title",),
        entry_code=entry.code,
        details=(
            ("via", "title"),
            ("matched_code", entry.code),
            ("matched_title", entry.title),
            ("score", shown),
        ),
    )


@rule(
    "OUT_OF_CATALOGUE",
    REFER,
    "社区工作事项准入制度：准入目录以外的事项，须报党委常委会或政府常务会统一研究、确认下达",
)
def out_of_catalogue(ctx: Context, index: CatalogueIndex) -> list[Finding]:
    """Refer a proposal that no permitted entry of its kind covers, by link or by title."""
    if valid_link(ctx, index) is not None:
        return []
    closest = best_permitted(ctx, index)
    if closest is not None and closest[1] >= ctx.settings.match_threshold:
        return []
    status, reason_zh, reason_en = _link_problem(ctx, index)
    kind_zh = KIND_ZH.get(ctx.proposal.kind, ctx.proposal.kind)
    kind_en = KIND_EN.get(ctx.proposal.kind, ctx.proposal.kind)
    near_zh = near_en = ""
    details: list[tuple[str, object]] = [("link_status", status)]
    if closest is not None:
        entry, value = closest
        near_zh = f"（最接近的是 {entry.code}「{entry.title}」，相似度 {score_text(value)}）"
        near_en = f" (closest: {entry.code} “{entry.title}”, similarity {score_text(value)})"
        details += [
            ("closest_code", entry.code),
            ("closest_title", entry.title),
            ("score", score_text(value)),
        ]
    fields = ("catalogue_entry", "title", "kind") if status == "other_kind" else ("catalogue_entry", "title")
    return [
        make_finding(
            ctx,
            "OUT_OF_CATALOGUE",
            f"{reason_zh}，名称也不符合本版目录中任何「{kind_zh}」类准入事项{near_zh}。"
            "该事项属于准入目录以外的事项，须报党委常委会或政府常务会研究确认后方可下达；"
            "如属目录内事项，请关联正确的目录条目。",
            f"{reason_en}, and the title matches no permitted {kind_en} entry of this catalogue "
            f"version{near_en}. Items outside the admission catalogue must be approved by the Party "
            "committee or government executive meeting first; if the item is in the catalogue, link the "
            "right entry.",
            fields=fields,
            details=details,
        )
    ]


def _link_problem(ctx: Context, index: CatalogueIndex) -> tuple[str, str, str]:
    """(status, zh, en) describing why the proposal's link does not stand."""
    code = (ctx.proposal.catalogue_entry or "").strip()
    if not code:
        return "absent", "申请未关联准入目录条目", "The request links no catalogue entry"
    entry = linked_entry(ctx, index)
    if entry is None:
        label = index.label or str(index.version_id or "")
        return (
            "unknown",
            f"所关联的目录编号 {code} 在本版目录（{label}）中不存在",
            f"The linked code {code} does not exist in this catalogue version ({label})",
        )
    if entry.standing == "banned":
        return (
            "banned",
            f"所关联的目录条目 {code}「{entry.title}」属于负面清单",
            f"The linked entry {code} “{entry.title}” is on the negative list",
        )
    return (
        "other_kind",
        f"所关联的目录条目 {code}「{entry.title}」属于「{KIND_ZH.get(entry.kind, entry.kind)}」类，"
        f"而申请为「{KIND_ZH.get(ctx.proposal.kind, ctx.proposal.kind)}」类",
        f"The linked entry {code} “{entry.title}” is a {KIND_EN.get(entry.kind, entry.kind)} entry, "
        f"but the request is a {KIND_EN.get(ctx.proposal.kind, ctx.proposal.kind)}",
    )
