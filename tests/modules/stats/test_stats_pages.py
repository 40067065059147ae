"""The dashboard page: rendered for each reader, refused for others, its charts inline SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest


@pytest.mark.parametrize("username", ["secretariat", "member2", "chair", "admin", "street"])
def test_the_dashboard_renders_for_its_readers(page_as, username):
    html = page_as(username).text("/stats?year=2026")
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 6
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and root.get("aria-label")
    assert "export.xlsx" in html and "export.csv?table=requests_by_state" in html


@pytest.mark.parametrize("username", ["officer", "head"])
def test_the_dashboard_is_refused_to_others(page_as, username):
    assert page_as(username).get("/stats").status_code == 403


def test_a_bad_filter_is_shown_beside_the_field(page_as):
    html = page_as("admin").text("/stats?street=NOPE", status=422)
    assert 'id="filter-street-error"' in html


def test_the_menu_offers_the_dashboard(page_as):
    assert 'href="/stats"' in page_as("chair").text("/notifications")
    assert 'href="/stats"' not in page_as("officer").text("/notifications")
