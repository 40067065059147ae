"""Every template, read as text: nothing a strict Content-Security-Policy would refuse and nothing
loaded from elsewhere — the browser tests see only the pages they open; this sees them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatekeeper import ROOT

ALL = sorted((ROOT / "templates").rglob("*.html"))
#: Documents are rendered by WeasyPrint, not shown by a browser: they have a check of their own.
DOCUMENTS = [path for path in ALL if (ROOT / "templates" / "pdf") in path.parents]
TEMPLATES = [path for path in ALL if path not in DOCUMENTS]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)
FOREIGN = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""", re.IGNORECASE)


def test_there_are_templates():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_inline_code_and_nothing_from_elsewhere(path: Path):
    text = path.read_text(encoding="utf-8")
    problems = [
        name
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("inline style", INLINE_STYLE),
            ("inline event handler", HANDLER),
            ("address on another site", FOREIGN),
        )
        if pattern.search(text)
    ]
    assert not problems, f"{path.name}: {problems}"


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT / "templates"))


@pytest.mark.parametrize("path", DOCUMENTS, ids=_name)
def test_documents_run_no_code_fetch_nothing_and_escape_everything(path: Path):
    """A document's rules live in its document.css; it links to nothing (QR codes come from
    ``qr_code``, which only the fetcher of ``core.pdf`` serves) and never turns escaping off."""
    text = path.read_text(encoding="utf-8")
    problems = [
        name
        for name, pattern in (
            ("<script>", re.compile(r"<script\b", re.IGNORECASE)),
            ("<style> or a style attribute", INLINE_STYLE),
            ("a link or source", re.compile(r"""\s(?:src|href)=""", re.IGNORECASE)),
            ("escaping turned off", re.compile(r"\|\s*safe\b|autoescape\s+false", re.IGNORECASE)),
        )
        if pattern.search(text)
    ]
    assert not problems, f"{_name(path)}: {problems}"


def test_there_are_documents():
    assert len(DOCUMENTS) >= 8
