"""The cleanup check: an existing item read as a proposal and put through the pre-check rules.

An item already hanging in a community is treated as if its department asked today to put it there:
the rules engine's catalogue rules (``NEGATIVE_LIST``, ``OUT_OF_CATALOGUE``) run on a proposal of the
item's kind and title, for its community, against the gate's published catalogue. The other rules
judge how a request is made (funding offered, legal basis cited, demands, timing), which an
inventory row does not say; they are not run.

Verdict: an item with a finding that blocks or refers must be removed (its findings say why); one
that a permitted entry of its kind covers stays, and that entry's code is kept with it.
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
            findings=[stored(f) for f in findings],
            catalogue_entry=None if removing or matched is None else matched[0].code,
        )


def stored(finding: rules.Finding) -> dict[str, Any]:
    """A finding as an item keeps it: both languages, the citation and the matched entry."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message_zh,
        "messages": {"zh": finding.message_zh, "en": finding.message_en},
        "citation": finding.citation,
        "entry_code": finding.entry_code,
        "details": dict(finding.details),
    }


def shown(finding: dict[str, Any], lang: str) -> dict[str, Any]:
    """A kept finding with its message in ``lang`` (``zh`` or anything else for English)."""
    messages = finding.get("messages") or {}
    message = messages.get("zh" if lang.startswith("zh") else "en") or finding.get("message", "")
    return {**finding, "message": message}
