"""The dashboard page: rendered for each reader, refused for others, its charts inline SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from gatekeeper.modules.stats import money


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


def test_the_page_names_the_most_overdue_late_money_and_counts_the_rest(page_as, late_money, monkeypatch):
    monkeypatch.setattr(money, "LATE_NAMED", 2)
    html = page_as("secretariat").text("/stats")
    table = re.search(r"<caption>逾期未拨经费</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert table, "no late money table"
    assert table.group(1).count("<tr>") == 2
    assert late_money[0].community.name in table.group(1)
    assert late_money[2].community.name not in table.group(1)
    assert f"共{len(late_money)}笔逾期经费，列出逾期最久的2笔。" in html
    assert f"另有{len(late_money) - 2}笔逾期经费未在此列出" in html
    assert "export.csv?table=late_money" in html


@pytest.mark.parametrize(("rows", "folded"), [(12, False), (13, True)])
def test_a_long_table_beside_its_chart_is_folded(app, rows, folded):
    from flask import render_template_string

    from gatekeeper.modules.stats.tables import Column, Table

    table = Table("t", "部门", [Column("name", "Name"), Column("n", "N", "int")])
    table.rows = [{"name": f"部门{i}", "n": i} for i in range(rows)]
    source = (
        '{% from "stats/_table.html" import stats_table with context %}'
        "{{ stats_table(table, {}, fold_over=12) }}"
    )
    with app.test_request_context("/stats?lang=en"):
        html = render_template_string(source, table=table)
    assert ('<details class="stats-fold">' in html) is folded
    assert (f"The figures as a table ({rows} rows)" in html) is folded
    assert html.count("<tr>") == rows + 1  # every row is there, folded or not
    assert "Download this table (CSV)" in html
