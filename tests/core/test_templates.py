"""Every template, read as text: nothing a strict Content-Security-Policy would refuse and nothing
loaded from elsewhere — the browser tests see only the pages they open; this sees them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatekeeper import ROOT

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)
FOREIGN = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""", re.IGNORECASE)


def test_there_are_templates():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_inline_code_and_nothing_from_elsewhere(path: Path):
    text = path.read_text(encoding="utf-8")
    if "pdf/" in str(path):  # documents are rendered by WeasyPrint, not shown by a browser
        pytest.skip("document template")
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
