"""Helpers shared by the checks: catalogue resolution, labels and short lists for messages."""

from __future__ import annotations

from collections.abc import Sequence

from ..context import Context, Entry
from ..matching import DEFAULT_MIN_SCORE, CatalogueIndex

KIND_ZH = {
    "duty": "职责事项",
    "sign": "机构牌子",
    "ledger": "台账",
    "appraisal": "创建评比",
    "certificate": "证明事项",
    "mechanism": "工作机制",
    "system": "信息系统",
}
KIND_EN = {
    "duty": "duty",
    "sign": "plaque",
    "ledger": "ledger",
    "appraisal": "appraisal",
    "certificate": "certificate",
    "mechanism": "working mechanism",
    "system": "information system",
}
#: How many communities a message names before summarising the rest.
NAMED_LIMIT = 5


def min_score(ctx: Context) -> float:
    """Lowest score worth fetching: the reporting floor, or the gate's threshold if that is lower."""
    return min(DEFAULT_MIN_SCORE, float(ctx.settings.match_threshold))


def linked_entry(ctx: Context, index: CatalogueIndex) -> Entry | None:
    """The entry the proposal links by code, if it exists in this catalogue version."""
    return index.by_code(ctx.proposal.catalogue_entry)


def valid_link(ctx: Context, index: CatalogueIndex) -> Entry | None:
    """The linked entry if it exists, is permitted and is of the proposal's kind."""
    entry = linked_entry(ctx, index)
    if entry is None or entry.standing != "permitted" or entry.kind != ctx.proposal.kind:
        return None
    return entry


def best_permitted(ctx: Context, index: CatalogueIndex) -> tuple[Entry, float] | None:
    """Closest permitted entry of the proposal's kind by title (any score above the floor)."""
    return index.best_permitted(ctx.proposal.title, ctx.proposal.kind, min_score(ctx))


def best_banned(ctx: Context, index: CatalogueIndex) -> tuple[Entry, float] | None:
    """Closest banned entry of any kind by title (any score above the floor)."""
    return index.best_banned(ctx.proposal.title, min_score(ctx))


def matched_permitted(ctx: Context, index: CatalogueIndex) -> Entry | None:
    """The permitted entry the proposal stands on: its valid link, else a title match at the threshold."""
    entry = valid_link(ctx, index)
    if entry is not None:
        return entry
    found = best_permitted(ctx, index)
    if found is not None and found[1] >= ctx.settings.match_threshold:
        return found[0]
    return None


def shortlist(items: Sequence[str], sep: str, limit: int = NAMED_LIMIT) -> str:
    """The first ``limit`` items joined by ``sep``, with an ellipsis when more exist."""
    shown = sep.join(items[:limit])
    return shown + (sep + "…" if len(items) > limit else "")


def score_text(value: float) -> str:
    """A score for messages: ``85.7``, or ``100`` when whole."""
    return str(int(value)) if value == int(value) else f"{value:.1f}"
