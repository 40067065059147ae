"""The single registry of pre-check rules.

A rule is a check function ``(ctx, index) -> list[Finding]`` registered with ``@rule(code, severity,
citation)``. ``RULES`` keeps registration order, which is the order findings are reported in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .context import Context, Settings
from .findings import SEVERITIES, Finding

if TYPE_CHECKING:
    from .matching import CatalogueIndex

Check = Callable[[Context, "CatalogueIndex"], list[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its code, fixed severity, default (Chinese) citation and check function."""

    code: str
    severity: str
    citation_zh: str
    check: Check

    def citation(self, settings: Settings) -> str:
        """The gate's override for this rule from ``settings.citations`` if any, else the default."""
        for code, text in settings.citations:
            if code == self.code and text.strip():
                return text
        return self.citation_zh


#: code -> Rule, in registration order.
RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, citation: str) -> Callable[[Check], Check]:
    """Register the decorated check function under ``code``; codes must be unique."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def register(check: Check) -> Check:
        """Add ``check`` to ``RULES`` and return it unchanged."""
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code=code, severity=severity, citation_zh=citation, check=check)
        return check

    return register


def make_finding(
    ctx: Context,
    code: str,
    message_zh: str,
    message_en: str,
    fields: Iterable[str] = (),
    entry_code: str | None = None,
    details: Iterable[tuple[str, object]] = (),
) -> Finding:
    """A finding of registered rule ``code`` with its severity and the gate's citation filled in."""
    registered = RULES[code]
    return Finding(
        code=code,
        severity=registered.severity,
        message_zh=message_zh,
        message_en=message_en,
        citation=registered.citation(ctx.settings),
        fields=tuple(fields),
        entry_code=entry_code,
        details=tuple((key, str(value)) for key, value in details),
    )
