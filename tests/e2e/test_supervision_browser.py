"""Issue 6's supervision acceptance in a real browser, through the pages only (DESIGN §7).

The head of 滨江社区 reports a ledger pushed in by 区卫健委, with a photo as evidence; the committee
office investigates and upholds it; the department reads the report about itself without learning who
filed it, and answers with its rectification; the office records it rectified and closes it (a stale
page's step is then refused and said, and the closed report offers no step); the office composes the
period's notice from the upheld reports and publishes it; anyone reads it, and its PDF, without
logging in. Then: a bad input on the head's form is told beside its field, and a report filed by a
resident on the public page (too fast first: the anti-abuse minimum fill time) reaches the office
with the resident's contact and the department without it.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import time
import zlib

import pytest
from playwright.sync_api import expect

from gatekeeper.core import clock
from tests.e2e.conftest import PHONE
from tests.pdf_tools import flat, pdf_text

TITLE = "要求社区每月报送创卫迎检台账"
RESPONSE = "已撤回台账要求，迎检资料改由区卫健委自行整理，并向滨江社区致歉。"
#: The head of 滨江社区 (demo user ``head``): what must never reach the department's pages.
HEAD_NAME = "郑秀英"
HEAD_USERNAME = re.compile(r"\bhead\b")
#: A resident's contact on the public form: the office's to read, never the department's.
CONTACT = "李先生 13912345678"


def png() -> bytes:
    """A real one-pixel PNG, the photo taken as evidence."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xc0\x30\x30")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def evidence(name: str, body: bytes, mime: str = "image/png") -> dict:
    return {"name": name, "mimeType": mime, "buffer": body}


def today() -> str:
    return clock.today().isoformat()  # the installation's day (Asia/Shanghai), as the date field's max


def fill_report(page, *, title: str = TITLE, occurred_on: str | None = None) -> None:
    page.select_option("#f-department", "WJW")
    page.select_option("#f-kind", "ledger")
    page.fill("#f-title", title)
    page.fill("#f-occurred-on", occurred_on or today())
    page.fill("#f-description", "区卫健委电话通知社区每月报送创卫迎检台账，未出示准入编号。")


def fill_public_report(page, title: str) -> None:
    page.select_option("#f-community", "LJ0101")
    fill_report(page, title=title)
    page.fill("#f-contact", CONTACT)


def send(page) -> None:
    page.locator("main form button[type=submit]", has_text="提交举报").click()


def offered_steps(page) -> list[str]:
    """The office's steps the report page offers, by the action each form posts to."""
    actions = page.locator("main form[action*='/step/']").evaluate_all(
        "forms => forms.map(f => f.getAttribute('action'))"
    )
    return [action.rsplit("/", 1)[1] for action in actions]


def take_step(page, action: str, note: str, state: str) -> None:
    form = page.locator(f"main form[action$='/step/{action}']")
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash--success")).to_have_text("办理环节已记录。")
    expect(page.locator("aside .badge").first).to_have_text(state)


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def assert_anonymous(page) -> None:
    """Nothing on the page (text or markup) names the head who filed the report."""
    assert HEAD_NAME not in page.content()
    text = page.locator("body").inner_text()
    assert not HEAD_USERNAME.search(text) and "举报人" not in text  # nor a "filed by" line


def test_a_report_from_filing_to_the_published_notice(browser_page):
    # the head files the report from their list, with a photo
    head = browser_page("head")
    head.locator(".mainnav").get_by_role("link", name="举报与反馈").click()
    head.get_by_role("link", name="举报未经准入事项").first.click()
    head.wait_for_url("**/reports/new")
    fill_report(head)
    head.set_input_files("#f-files", [evidence("现场照片.png", png())])
    send(head)
    head.wait_for_url(re.compile(r"/reports/\d+$"))
    report_url = urlpath(head.url)
    expect(head.locator(".flash--success")).to_contain_text("举报已收到")
    expect(head.locator("h1")).to_have_text(TITLE)
    expect(head.locator("aside")).to_contain_text(HEAD_NAME)  # the head sees their own name
    assert offered_steps(head) == []  # the steps are the office's

    # the office finds it in its queue, opens the evidence, investigates and upholds it
    office = browser_page("secretariat")
    office.locator(".mainnav").get_by_role("link", name="举报与反馈").click()
    office.locator("main table").get_by_role("link", name=TITLE).click()
    office.wait_for_url(f"**{report_url}")
    expect(office.locator("aside")).to_contain_text(HEAD_NAME)
    photo = office.locator("main section", has_text="证据材料").get_by_role("link", name="现场照片.png")
    file_url = photo.get_attribute("href")
    answer = office.request.get(file_url)
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    assert answer.body() == png()
    assert offered_steps(office) == ["investigate"]
    take_step(office, "investigate", "已电话联系区卫健委核实。", "核查中")
    assert offered_steps(office) == ["uphold", "dismiss"]
    take_step(office, "uphold", "区卫健委未经准入要求社区报送台账，情况属实。", "属实")
    assert offered_steps(office) == ["rectify"]

    # the department reads the report about itself, without who filed it nor the evidence
    department = browser_page("officer")
    department.locator(".mainnav").get_by_role("link", name="举报与反馈").click()
    expect(department.locator("h1")).to_have_text(re.compile("本部门"))
    assert_anonymous(department)
    department.locator("main table").get_by_role("link", name=TITLE).click()
    department.wait_for_url(f"**{report_url}")
    expect(department.locator("h1")).to_have_text(TITLE)
    assert_anonymous(department)
    expect(department.locator("main")).not_to_contain_text("证据材料")
    expect(department.locator("main")).not_to_contain_text("现场照片")
    assert department.request.get(file_url).status == 403
    assert offered_steps(department) == []
    department.fill("#f-response", RESPONSE)
    department.get_by_role("button", name="报送整改情况").click()
    expect(department.locator(".flash--success")).to_have_text("整改情况已报送委员会办公室。")
    expect(department.locator("main")).to_contain_text(RESPONSE)
    assert_anonymous(department)

    # the office records the rectification and closes the report; a stale page's step is refused
    office.reload()
    expect(office.locator("main")).to_contain_text(RESPONSE)
    take_step(office, "rectify", "经回访社区，台账要求已撤回。", "已整改")
    assert offered_steps(office) == ["close"]
    stale = browser_page("secretariat")
    stale.goto(report_url)
    take_step(office, "close", "整改到位，予以办结。", "已办结")
    assert offered_steps(office) == []
    stale.locator("main form[action$='/step/close'] textarea").fill("重复办结")
    stale.locator("main form[action$='/step/close'] button").click()
    expect(stale.locator(".flash--error")).to_have_text("举报当前为“已办结”状态，不能进行这一环节。")
    assert offered_steps(stale) == []
    department.reload()
    expect(department.locator("aside .badge").first).to_have_text("已办结")
    expect(department.locator("#f-response")).to_have_count(0)  # nothing to answer once closed

    # the office composes the period's notice from the upheld reports, and publishes it
    office.locator(".mainnav").get_by_role("link", name="督查通报").click()
    office.get_by_role("link", name="编制通报").first.click()
    office.fill("#f-title", "关于社区工作事项准入违规问题的督查通报")
    office.fill("#f-period-from", clock.today().replace(day=1).isoformat())
    office.fill("#f-period-to", today())
    office.fill("#f-body", "现将本期查实的违规要求通报如下。")
    office.get_by_role("button", name="生成草稿").click()
    office.wait_for_url(re.compile(r"/notices/\d+$"))
    named = office.locator("main table tbody tr", has_text=TITLE)
    expect(named).to_contain_text("区卫健委")
    expect(named).to_contain_text(RESPONSE)
    office.get_by_role("button", name="发布通报").click()
    expect(office.locator(".flash--success")).to_have_text("通报已发布。")
    number = office.locator(".eyebrow").inner_text().strip()
    assert re.fullmatch(r"LJ督〔\d{4}〕\d+号", number), number

    # anyone, on a phone and without logging in, reads the notice and its PDF
    public = browser_page(viewport=PHONE)
    public.goto("/public/notices")
    public.get_by_role("link", name="关于社区工作事项准入违规问题的督查通报").first.click()
    expect(public.locator(".pub-head")).to_contain_text(number)
    row = public.locator("main table tbody tr", has_text=TITLE)
    for text in ("区卫健委", "滨江社区", "属实，已整改", RESPONSE):  # upheld and rectified
        expect(row).to_contain_text(text)
    expect(public.locator("main")).not_to_contain_text(HEAD_NAME)
    pdf = public.request.get(public.get_by_role("link", name="通报 PDF 版").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    text = flat(pdf_text(pdf.body()))
    assert number in text and TITLE in text


def test_a_bad_input_on_the_report_form_is_told_beside_its_field(browser_page):
    head = browser_page("head")
    head.goto("/reports/new")
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    fill_report(head, title="要求社区悬挂创卫工作站牌子", occurred_on=tomorrow)
    send(head)
    expect(head.locator(".error-summary")).to_be_visible()
    expect(head.locator("#f-occurred-on-error")).to_have_text("日期不能晚于今天。")
    expect(head.locator("#f-occurred-on")).to_have_attribute("aria-invalid", "true")
    expect(head.locator("#f-title")).to_have_value("要求社区悬挂创卫工作站牌子")  # the input is kept

    # a text file dressed up as a photo: refused beside the file field, nothing filed
    head.fill("#f-occurred-on", today())
    head.set_input_files("#f-files", [evidence("照片.png", "不是图片".encode())])
    send(head)
    files = head.locator(".field--error", has=head.locator("#f-files"))
    expect(files.locator(".field-error")).to_have_text(re.compile(r"^照片\.png: .+"))
    assert head.url.endswith("/reports/new")
    head.goto("/reports")
    expect(head.locator("main")).not_to_contain_text("要求社区悬挂创卫工作站牌子")


#: The minimum fill time of the public form in these tests (the setting; 5 s by default).
MIN_FILL_SECONDS = 2


@pytest.fixture
def quick_form(live):
    before = live.app.config["PUBLIC_REPORT_MIN_FILL_SECONDS"]
    live.app.config["PUBLIC_REPORT_MIN_FILL_SECONDS"] = MIN_FILL_SECONDS
    yield
    live.app.config["PUBLIC_REPORT_MIN_FILL_SECONDS"] = before


def test_a_public_report_reaches_the_department_without_its_contact(browser_page, quick_form):
    title = "要求社区组织居民填写健康问卷"
    resident = browser_page(viewport=PHONE)
    resident.goto("/public/report")
    served = time.monotonic()
    fill_public_report(resident, title)

    # a robot sends the form at once: refused and told so, the input kept; the honeypot is hidden
    robot = browser_page(viewport=PHONE)
    robot.goto("/public/report")
    expect(robot.locator("#f-website")).to_be_hidden()
    fill_public_report(robot, title)
    send(robot)
    expect(robot.locator(".error-summary")).to_contain_text("表单提交过快")
    expect(robot.locator("#f-title")).to_have_value(title)

    office = browser_page("secretariat")
    department = browser_page("officer")
    # the resident took their time (the minimum fill time of the form)
    resident.wait_for_timeout(max(0.0, MIN_FILL_SECONDS + 0.5 - (time.monotonic() - served)) * 1000)
    send(resident)
    resident.wait_for_url("**/public/report/sent")
    expect(resident.locator("h1")).to_have_text("举报已收到")

    office.goto("/reports")
    office.locator("main table").get_by_role("link", name=title).click()
    expect(office.locator("aside")).to_contain_text(CONTACT)
    expect(office.locator("aside")).to_contain_text("公众")

    department.goto("/reports")
    department.locator("main table").get_by_role("link", name=title).click()
    expect(department.locator("h1")).to_have_text(title)
    assert "13912345678" not in department.content() and "李先生" not in department.content()
    assert_anonymous(department)
    expect(department.locator("aside")).not_to_contain_text("举报人")
    expect(department.locator("aside")).not_to_contain_text("公众")
