"""The document machinery: what WeasyPrint may fetch, hostile text, fonts, dates, and a machine with
no CJK font."""

from __future__ import annotations

import datetime as dt
import http.server
import logging
import subprocess
import threading
from pathlib import Path

import pytest

from gatekeeper.core import clock, fonts, pdf
from tests import factories
from tests.factories import TODAY
from tests.pdf_tools import assert_cjk_fonts_embedded, flat, pdf_fonts, pdf_pages, pdf_text


@pytest.fixture(autouse=True)
def today(document_fonts):
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def fetcher(app, document_fonts):
    with app.app_context():
        return pdf.make_fetcher(app.static_folder, str(document_fonts["normal"].parent))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/x.css",
        "https://example.com/font.woff",
        "data:text/css,body{color:red}",
        "ftp://example.com/x",
        "gatekeeper:static/../../../etc/passwd",
        "gatekeeper:static/%2e%2e/%2e%2e/pyproject.toml",
        "gatekeeper:fonts/../secret_key",
        "gatekeeper:other/x",
        "//example.com/x.png",
    ],
)
def test_the_fetcher_refuses_everything_but_the_apps_own_files(fetcher, url):
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)


def test_the_fetcher_serves_static_files_fonts_and_qr_codes(fetcher, app):
    icon = fetcher.fetch("gatekeeper:static/favicon.svg")
    assert icon.read() == (Path(app.static_folder) / "favicon.svg").read_bytes()
    assert icon.content_type == "image/svg+xml"
    font = fetcher.fetch(f"gatekeeper:fonts/{fonts.PREPARED_FILES['normal']}")
    assert font.read(4) == b"OTTO"
    code = fetcher.fetch("gatekeeper:qr/https%3A%2F%2Fexample.org%2Fverify")
    assert code.content_type == "image/png" and code.read(8) == b"\x89PNG\r\n\x1a\n"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """An HTTP server on this machine that records every request it gets."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_hostile_text_prints_as_text_and_fetches_nothing(login_as, db, listener, caplog, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    long_word = "准" * 40 + "A" * 300
    hostile = (
        f'<img src="{listener}/img.png"><link rel="stylesheet" href="{listener}/x.css">'
        f"<style>@import url({listener}/i.css); body {{ background: url(file://{secret}) }}</style>"
        f'<iframe src="file://{secret}"></iframe>'
    )
    req = factories.approved(
        title="<b>加粗</b>{{ 7*7 }}",
        description=hostile,
        legal_basis=f'url("{listener}/basis.png") </td></tr></table><h1>伪造</h1>',
    )
    authorisation = req.authorisation
    authorisation.conditions = f"{hostile} {long_word}"
    db.commit()
    caplog.set_level(logging.WARNING)
    client = login_as("officer")
    answer = client.get(f"/api/v1/authorisations/{authorisation.number}/notice.pdf")
    assert answer.status_code == 200
    body = answer.data
    text = flat(pdf_text(body))
    assert "<b>加粗</b>{{7*7}}" in text  # markup and template syntax print as typed
    assert flat(f'url("{listener}/basis.png") </td></tr></table><h1>伪造</h1>') in text
    assert flat(f'<img src="{listener}/img.png">') in text
    assert long_word in text, text[text.find("附加条件") :][:1500]
    assert "TOP-SECRET" not in text
    assert _Recorder.hits == []
    assert "refused URL" not in caplog.text  # nothing even asked: the text never became markup
    # The very long word is broken to fit: no text runs past the right edge of the A4 page.
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=body, capture_output=True, check=True)
    right_edges = [float(part.split('"')[1]) for part in boxes.stdout.decode().split("xMax=")[1:]]
    assert right_edges and max(right_edges) <= 595.3


def test_a_character_outside_the_prepared_subset_still_prints(login_as, db):
    rare = "䶮堃𠀀"  # CJK extension A, a name character outside GB 2312, extension B
    assert not set(map(ord, rare)) & set(fonts.subset_characters())
    req = factories.approved(title=f"协助开展{rare}专项调查")
    body = login_as("officer").get(f"/api/v1/authorisations/{req.authorisation.number}/notice.pdf").data
    assert f"协助开展{rare}专项调查" in flat(pdf_text(body))
    names = [font["name"] for font in assert_cjk_fonts_embedded(body)]
    assert any("GK-Serif" in name for name in names)
    assert any("Noto" in name for name in names), names  # the full system face, for those characters


def test_the_prepared_subset_holds_what_documents_print():
    points = set(fonts.subset_characters())
    for text in (
        "临江区社区建设与管理指导委员会办公室",
        "第页共",
        "二〇二六年十一月",
        "（）：；、。“”《》",
        "ABC-123 ①№",
    ):
        assert set(map(ord, text)) <= points, text
    assert len(points) > 6763


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 29), "二〇二六年十一月二十九日"),
        (dt.date(2030, 10, 10), "二〇三〇年十月十日"),
        (dt.date(2026, 1, 1), "二〇二六年一月一日"),
        ("2027-02-20", "二〇二七年二月二十日"),
        (None, ""),
    ],
)
def test_official_dates(day, expected):
    assert pdf.chinese_date(day) == expected


def test_a_machine_without_a_cjk_font_is_told_so(app, login_as, monkeypatch, caplog, db):
    number = factories.approved().authorisation.number
    monkeypatch.setattr(fonts, "system_font", lambda: None)
    pdf.reset(app)
    try:
        answer = login_as("officer").get(f"/api/v1/authorisations/{number}/notice.pdf")
        assert answer.status_code == 503
        error = answer.get_json()["error"]
        assert error["code"] == "fonts_missing" and "fonts-noto-cjk" in error["message"]
        with caplog.at_level(logging.WARNING):
            pdf.init_documents(app)
        assert "fonts-noto-cjk" in caplog.text
        result = app.test_cli_runner().invoke(args=["documents", "fonts"])
        assert result.exit_code == 1 and "fonts-noto-cjk" in result.output
    finally:
        pdf.reset(app)


def test_documents_print_without_prepared_fonts_from_the_full_face(app, login_as, db, tmp_path):
    number = factories.approved().authorisation.number
    app.config["FONT_DIR"] = str(tmp_path / "none")
    pdf.reset(app)
    try:
        body = login_as("officer").get(f"/api/v1/authorisations/{number}/notice.pdf").data
        names = [font["name"] for font in pdf_fonts(body)]
        assert names and not any("GK-Serif" in name for name in names)
        assert "社区工作事项准入通知书" in flat(pdf_text(body)) and pdf_pages(body) >= 1
    finally:
        app.config["FONT_DIR"] = str(document_fonts_folder())
        pdf.reset(app)


def document_fonts_folder():
    from tests.conftest import FONT_DIR

    return FONT_DIR
