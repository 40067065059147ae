"""The cleanup check: an existing item read as a proposal and put through the pre-check rules.

An item already hanging in a community is treated as if its department asked today to put it there:
the rules engine's catalogue rules (``NEGATIVE_LIST``, ``OUT_OF_CATALOGUE``) run on a proposal of the
item's kind and title, for its community, against the gate's published catalogue. The other rules
judge how a request is made (funding offered, legal basis cited, demands, timing), which an
inventory row does not say; they are not run.

Verdict: an item with a finding that blocks or refers must be removed (its findings say why); one
that a permitted entry of its kind covers stays, and that entry's code is kept with it.

The engine words its findings for a department filing a request ("link the right entry", "withdraw
the request"); an item found already in a community is told in the words of the cleanup (``worded``),
from the same details: the entry matched, the closest one, the similarity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gatekeeper import rules
from gatekeeper.core import clock
from gatekeeper.modules.catalogue.models import CatalogueVersion
from gatekeeper.modules.inventory.models import CleanupStatus
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction
from gatekeeper.modules.requests.precheck import compiled_catalogue, settings_of
from gatekeeper.rules import context as rc
from gatekeeper.rules.checks._common import KIND_EN, KIND_ZH

#: The rules an existing item is checked with, in the engine's order.
CLEANUP_RULES = ("NEGATIVE_LIST", "OUT_OF_CATALOGUE")
_REMOVING = (rules.BLOCK, rules.REFER)


@dataclass(frozen=True)
class Verdict:
    status: CleanupStatus
    findings: list[dict[str, Any]]
    catalogue_entry: str | None


class Checker:
    """Checks items of one gate against one catalogue version (compiled once)."""

    def __init__(self, gate: Gate, version: CatalogueVersion | None):
        self.catalogue, self.index = compiled_catalogue(version)
        self.settings = settings_of(gate)

    def check(
        self,
        community: Jurisdiction,
        kind: str,
        title: str,
        department_code: str = "",
        since: dt.date | None = None,
    ) -> Verdict:
        """The verdict on one item: keep, or remove with the findings that say why."""
        kind = getattr(kind, "value", kind)
        ctx = rc.Context(
            proposal=rc.Proposal(
                department_code=department_code, kind=kind, title=title, scope_type="communities"
            ),
            catalogue=self.catalogue,
            communities=(
                rc.Community(
                    code=community.code,
                    name=community.name,
                    type=getattr(community.community_type, "value", None) or "urban",
                    households=community.households or 0,
                ),
            ),
            settings=self.settings,
            filing_date=since or clock.today(),
        )
        findings = [f for code in CLEANUP_RULES for f in rules.RULES[code].check(ctx, self.index)]
        matched = self.index.best_permitted(title, kind, float(self.settings.match_threshold))
        removing = any(f.severity in _REMOVING for f in findings)
        return Verdict(
            status=CleanupStatus.REMOVE if removing else CleanupStatus.KEEP,
            findings=[stored(f, *worded(f, kind)) for f in findings],
            catalogue_entry=None if removing or matched is None else matched[0].code,
        )


def worded(finding: rules.Finding, kind: str) -> tuple[str, str]:
    """The finding's message (zh, en) for an item already in a community."""
    details = dict(finding.details)
    if finding.code == "NEGATIVE_LIST" and details.get("matched_code"):
        code, title = details["matched_code"], details.get("matched_title", "")
        similarity_zh = f"（相似度 {details['score']}）" if details.get("score") else ""
        similarity_en = f" (similarity {details['score']})" if details.get("score") else ""
        return (
            f"该事项与负面清单条目 {code}「{title}」相符{similarity_zh}，不应由社区承担，应予清理；"
            "确需办理的，由主管部门通过部门间信息共享、告知承诺等方式自行办理。",
            f"This item matches negative-list entry {code} “{title}”{similarity_en}: communities should not "
            "carry it, and it must be removed; where it is still needed, the department handles it itself "
            "(data sharing between departments, personal commitment).",
        )
    if finding.code == "OUT_OF_CATALOGUE":
        near_zh = near_en = ""
        if details.get("closest_code"):
            code, title, score = (
                details["closest_code"],
                details.get("closest_title", ""),
                details.get("score", ""),
            )
            near_zh = f"（最接近的是 {code}「{title}」，相似度 {score}）"
            near_en = f" (closest: {code} “{title}”, similarity {score})"
        kind_zh, kind_en = KIND_ZH.get(kind, kind), KIND_EN.get(kind, kind)
        return (
            f"本版准入目录中没有涵盖该事项的「{kind_zh}」类准入事项{near_zh}，该事项未经准入，应予清理；"
            "确需保留的，须按准入目录以外事项报党委常委会或政府常务会研究确认。",
            f"No permitted {kind_en} entry of this catalogue version covers this item{near_en}: it was "
            "never admitted and must be removed, unless the Party committee or government executive meeting "
            "confirms it as an item outside the catalogue.",
        )
    return finding.message_zh, finding.message_en


def stored(
    finding: rules.Finding, message_zh: str | None = None, message_en: str | None = None
) -> dict[str, Any]:
    """A finding as an item keeps it: both languages, the citation and the matched entry."""
    message_zh = message_zh or finding.message_zh
    message_en = message_en or finding.message_en
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": message_zh,
        "messages": {"zh": message_zh, "en": message_en},
        "citation": finding.citation,
        "entry_code": finding.entry_code,
        "details": dict(finding.details),
    }


def shown(finding: dict[str, Any], lang: str) -> dict[str, Any]:
    """A kept finding with its message in ``lang`` (``zh`` or anything else for English)."""
    messages = finding.get("messages") or {}
    message = messages.get("zh" if lang.startswith("zh") else "en") or finding.get("message", "")
    return {**finding, "message": message}
