"""Pre-check rules engine: checks a proposal against the admission catalogue and the gate's settings.

Pure Python (no Flask, no SQLAlchemy, nothing from ``gatekeeper.modules`` or ``gatekeeper.core``)::

    from gatekeeper.rules import Context, evaluate, outcome
    findings = evaluate(ctx)            # or evaluate(ctx, index=cached_index_for_the_version)
    verdict = outcome(findings)         # "blocked" | "refer" | "admissible"
"""

from __future__ import annotations

from . import checks  # noqa: F401  (importing registers the rules)
from .context import (
    ActiveAuthorisation,
    Calendar,
    Catalogue,
    Community,
    Context,
    Demands,
    Entry,
    Funding,
    Load,
    Proposal,
    Settings,
)
from .findings import ADMISSIBLE, BLOCK, BLOCKED, INFO, REFER, REFERRED, SEVERITIES, WARN, Finding, outcome
from .matching import CatalogueIndex, build_index, normalise
from .registry import RULES, Rule


def evaluate(ctx: Context, index: CatalogueIndex | None = None) -> list[Finding]:
    """Run every registered rule on ``ctx``; findings in registration order, stable within a rule.

    ``index`` is the prebuilt ``build_index(ctx.catalogue)``, which callers may cache per catalogue
    version id; it is built here when not given.
    """
    if index is None:
        index = build_index(ctx.catalogue)
    elif (
        None not in (index.version_id, ctx.catalogue.version_id)
        and index.version_id != ctx.catalogue.version_id
    ):
        raise ValueError(
            f"index is for catalogue version {index.version_id}, context for {ctx.catalogue.version_id}"
        )
    findings: list[Finding] = []
    for registered in RULES.values():
        findings.extend(registered.check(ctx, index))
    return findings


__all__ = [
    "ADMISSIBLE",
    "BLOCK",
    "BLOCKED",
    "INFO",
    "REFER",
    "REFERRED",
    "RULES",
    "SEVERITIES",
    "WARN",
    "ActiveAuthorisation",
    "Calendar",
    "Catalogue",
    "CatalogueIndex",
    "Community",
    "Context",
    "Demands",
    "Entry",
    "Finding",
    "Funding",
    "Load",
    "Proposal",
    "Rule",
    "Settings",
    "build_index",
    "evaluate",
    "normalise",
    "outcome",
]
