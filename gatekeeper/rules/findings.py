"""What a rule reports: one immutable ``Finding`` per problem, and the overall outcome of a check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BLOCK = "block"
REFER = "refer"
WARN = "warn"
INFO = "info"
#: All severities, most serious first.
SEVERITIES = (BLOCK, REFER, WARN, INFO)

BLOCKED = "blocked"
REFERRED = "refer"
ADMISSIBLE = "admissible"


@dataclass(frozen=True)
class Finding:
    """One problem found in a proposal, with messages in Chinese and English.

    ``fields`` names the request-body fields concerned (``"title"``, ``"demands.veto"`` ...),
    ``details`` holds small key/value pairs a page may show (matched title, score, counts).
    """

    code: str
    severity: str
    message_zh: str
    message_en: str
    citation: str
    fields: tuple[str, ...] = ()
    entry_code: str | None = None
    details: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` (anything starting with ``zh`` is Chinese, everything else English)."""
        return self.message_zh if lang.lower().startswith("zh") else self.message_en

    def as_dict(self, lang: str = "zh") -> dict:
        """A JSON-ready dict; ``message`` is in ``lang``, ``messages`` carries both languages."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message(lang),
            "citation": self.citation,
            "fields": list(self.fields),
            "messages": {"zh": self.message_zh, "en": self.message_en},
            "entry_code": self.entry_code,
            "details": dict(self.details),
        }


def outcome(findings: Iterable[Finding]) -> str:
    """``"blocked"`` if any finding blocks, else ``"refer"`` if any refers, else ``"admissible"``."""
    severities = {finding.severity for finding in findings}
    if BLOCK in severities:
        return BLOCKED
    if REFER in severities:
        return REFERRED
    return ADMISSIBLE
