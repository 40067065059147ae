"""Issue 6's cleanup and statistics in a real browser, through the pages only (DESIGN §7).

The committee office imports an inventory file built here (upload, preview of each row's verdict,
then exactly what was previewed), records the removal of an item the check said must go, and sees the
reduction rate of its kind change on the dashboard (in the table, the chart and the headline). The
dashboard's charts are inline SVG with their numbers written in them, its year and street filters work
through its form (a bad year is told beside the field), its CSV and XLSX exports download; in English
it shows no Chinese but data.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from playwright.sync_api import expect

from gatekeeper.core import clock
from tests.e2e.test_acceptance import CJK_RUN, data_text

#: Three ledgers: one the catalogue permits, two outside it (one in street LJ01, one in LJ02).
KEPT = "最低生活保障对象管理台账"
REMOVED = "创建国家卫生城市迎检台账"
ELSEWHERE = "垃圾分类工作台账"
ROWS = [
    ("LJ0101", "ledger", KEPT, "MZJ", "2019-03-01", ""),
    ("LJ0101", "ledger", REMOVED, "WJW", "2020-05-01", "每年迎检前补填"),
    ("LJ0201", "台账", ELSEWHERE, "CGJ", "2021年6月1日", ""),
]
REDUCTION = "对照存量基数的减幅"
COLUMNS = ("kind", "baseline", "keep", "to_remove", "removed", "remaining", "rate")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inventory_csv() -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("社区", "类别", "名称", "部门", "设立时间", "备注"))
    writer.writerows(ROWS)
    return out.getvalue().encode("utf-8-sig")


def stats_table(page, caption: str) -> dict[str, dict[str, str]]:
    """A dashboard table as the page shows it: its rows by their first cell."""
    table = page.locator("table.stats-table", has=page.locator("caption", has_text=caption))
    cells = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    return {row[0]: dict(zip(COLUMNS, row, strict=False)) for row in cells}


def ledgers(page) -> dict[str, str]:
    return stats_table(page, REDUCTION)["台账"]


def chart_texts(page, label: str) -> list[str]:
    """The numbers and words written in the SVG chart named ``label``."""
    return page.locator(f"svg[role=img][aria-label='{label}'] text").all_text_contents()


def headline(page, label: str) -> str:
    stat = page.locator(".stat", has=page.locator(".stat-label", has_text=re.compile(f"^{label}$")))
    return stat.locator(".stat-number").inner_text().strip()


def import_inventory(office) -> None:
    """Upload, read the preview (nothing written yet), import exactly what was previewed."""
    office.locator(".mainnav").get_by_role("link", name="清理").click()
    office.get_by_role("link", name="导入清理台账文件").first.click()
    office.set_input_files(
        "#f-file", {"name": "滨江存量台账.csv", "mimeType": "text/csv", "buffer": inventory_csv()}
    )
    office.get_by_role("button", name="预览核查结果").click()
    expect(office.locator("#preview-title")).to_be_visible()
    rows = office.locator("section[aria-labelledby=preview-title] table tbody tr")
    expect(rows).to_have_count(len(ROWS))
    expect(rows.filter(has_text=KEPT)).to_contain_text("保留")
    expect(rows.filter(has_text=REMOVED)).to_contain_text("应清理")
    expect(rows.filter(has_text=ELSEWHERE)).to_contain_text("应清理")
    office.get_by_role("button", name="按预览内容导入").click()
    expect(office.locator(".flash--success")).to_contain_text("3")


def record_removal(office) -> None:
    """The office finds the item that must go and records it taken down."""
    office.locator(".mainnav").get_by_role("link", name="清理").click()
    office.locator("a.stat", has_text="应清理").click()
    row = office.locator("main table tbody tr", has_text=REMOVED)
    row.get_by_role("link", name="登记摘除").click()
    expect(office.locator("h1")).to_have_text(REMOVED)
    expect(office.locator("#f-removed-on")).to_have_value(clock.today().isoformat())
    office.fill("#f-note", "迎检台账已停用，原件退回区卫健委。")
    office.get_by_role("button", name="登记摘除").click()
    expect(office.locator(".flash--success")).to_be_visible()
    expect(office.locator(".page-head .badge")).to_have_text("已摘除")


def test_an_inventory_import_and_a_removal_change_the_reduction_rate(browser_page):
    office = browser_page("secretariat")
    office.locator(".mainnav").get_by_role("link", name="统计").click()
    before = ledgers(office)

    import_inventory(office)
    office.goto("/stats")
    imported = ledgers(office)
    assert int(imported["baseline"]) == int(before["baseline"]) + 3
    assert int(imported["to_remove"]) == int(before["to_remove"]) + 2
    assert imported["removed"] == before["removed"]

    record_removal(office)
    office.goto("/stats")
    after = ledgers(office)
    removed, baseline = int(after["removed"]), int(after["baseline"])
    assert removed == int(imported["removed"]) + 1 and baseline == int(imported["baseline"])
    tenths = (removed * 2000 + baseline) // (2 * baseline)  # one decimal, half up, as the app says
    rate = f"{tenths // 10}.{tenths % 10}%"
    assert after["rate"] == rate != imported["rate"]
    assert f"{rate} ({removed}/{baseline})" in chart_texts(office, "各类事项减幅")
    assert headline(office, "减幅") == stats_table(office, REDUCTION)["全部类别"]["rate"]

    # the street filter narrows the reduction to the street's communities
    office.select_option("#filter-street", "LJ02")
    office.get_by_role("button", name="筛选").click()
    office.wait_for_url(re.compile(r"street=LJ02"))
    street = ledgers(office)
    assert int(street["baseline"]) < baseline and street["removed"] == "0"


def test_the_dashboard_charts_filters_and_exports(browser_page, live):
    with live.context():
        from tests import factories

        factories.approved(title="协助开展老年人健康体检宣传")  # submitted and decided in 2026

    office = browser_page("secretariat")
    office.goto("/stats")
    charts = office.locator("figure.chart svg[role=img]")
    expect(charts).to_have_count(7)
    for svg in charts.all():  # each names itself and writes its numbers beside its bars
        assert svg.get_attribute("aria-label") == svg.locator("title").first.text_content() != ""
        assert svg.locator("text").count() >= 1
    by_state = office.locator("svg[role=img][aria-label='各状态申请数']")
    approved = by_state.locator("g > title", has_text=re.compile("^已批准: ")).text_content()
    assert int(approved.rsplit(" ", 1)[1]) >= 1

    # the year through the form: 2026 holds the request, 2001 nothing
    office.fill("#filter-year", "2026")
    office.get_by_role("button", name="筛选").click()
    office.wait_for_url(re.compile(r"year=2026"))
    assert int(headline(office, "准入申请")) >= 1
    expect(office.locator("svg[role=img][aria-label$='2026']")).to_have_count(1)  # by month, of the year
    office.fill("#filter-year", "2001")
    office.get_by_role("button", name="筛选").click()
    office.wait_for_url(re.compile(r"year=2001"))
    assert headline(office, "准入申请") == "0"
    expect(office.locator("#filter-year")).to_have_value("2001")

    # a year out of range is told beside the field
    office.fill("#filter-year", "1999")
    office.get_by_role("button", name="筛选").click()
    expect(office.locator("#filter-year-error")).to_be_visible()
    expect(office.locator("#filter-year")).to_have_attribute("aria-invalid", "true")

    # the exports download, with the filters of the page
    office.goto("/stats?year=2026")
    link = office.locator("figure.chart", has=office.locator("caption", has_text=REDUCTION)).get_by_role(
        "link", name="下载本表（CSV）"
    )
    with office.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "reduction.csv"
    answer = office.request.get(link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "year=2026" in link.get_attribute("href")
    rows = list(csv.reader(io.StringIO(answer.body().decode("utf-8-sig"))))
    assert rows[0][0] == "类别" and rows[-1][0] == "全部类别"

    xlsx = office.get_by_role("link", name="下载全部表格（XLSX）")
    with office.expect_download() as download:
        xlsx.click()
    assert download.value.suggested_filename == "statistics.xlsx"
    answer = office.request.get(xlsx.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(answer.body()), read_only=True)
    assert {"requests_by_state", "reduction", "reports_by_department"} <= set(book.sheetnames)
    book.close()


def test_the_dashboard_in_english_shows_no_chinese_but_data(browser_page, live):
    known = data_text(live)
    office = browser_page("secretariat", locale="en-US")
    office.goto("/lang/en?next=/stats")
    expect(office.locator("h1")).to_have_text("Statistics")
    expect(office.locator("svg[aria-label='Reduction rate by kind']")).to_have_count(1)
    svg_texts = office.locator("svg text, svg title").all_text_contents()  # each on its own
    text = "\n".join([office.locator("body").inner_text(), *svg_texts])
    leaks = sorted({run for run in CJK_RUN.findall(text) if run not in known and run != "中文"})
    assert not leaks, f"Chinese on the English dashboard that is not data: {leaks}"
