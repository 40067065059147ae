"""The SVG charts: well-formed XML, accessible, their numbers written, nothing a PDF cannot draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gatekeeper.modules.stats import charts

NS = "{http://www.w3.org/2000/svg}"


def _check(svg: str, numbers: list[str]):
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root.get("font-family") == "inherit"
    texts = [t.text for t in root.iter(f"{NS}text")]
    for number in numbers:
        assert number in texts
    assert root.iter(f"{NS}title")
    assert "style=" not in str(svg) and "var(" not in str(svg) and "<script" not in str(svg)
    return root


def test_bar_chart():
    svg = charts.bar_chart(
        "按状态", [charts.Bar("已批准", 53), charts.Bar("草稿 <x>", 1234), charts.Bar("零", 0)]
    )
    root = _check(svg, ["53", "1,234", "0"])
    assert len(list(root.iter(f"{NS}rect"))) == 3
    assert "草稿 <x>" in [t.text for t in root.iter(f"{NS}text")]


def test_stacked_bar_chart():
    svg = charts.stacked_bar_chart(
        "经费", [charts.Stack("区民政局", (100, 50, 25), "1.75")], ["已确认", "未确认", "尚欠"]
    )
    root = _check(svg, ["1.75", "已确认"])
    assert len([r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]) == 3


def test_line_chart():
    points = [charts.Bar(f"2026-{m:02d}", m * 2) for m in range(1, 13)]
    _check(charts.line_chart("每月", charts.short_months(points)), ["24", "12", "2"])
    _check(charts.line_chart("空", []), [])
