"""Attachments through the API: the types and sizes accepted, the download, the audit, the storage.

Requests are filed by ``officer`` of 区卫健委 (WJW).
"""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
import sqlalchemy as sa
from attachment_support import (
    API,
    CHINESE_NAME,
    KEYS,
    a_file,
    docx_bytes,
    download,
    error_of,
    jpeg_bytes,
    ofd_bytes,
    pdf_bytes,
    png_bytes,
    post_form,
    rows,
    stored_files,
    upload,
    uploaded,
    xlsx_bytes,
    zip_bytes,
    zip_declaring,
)
from werkzeug.test import encode_multipart

from gatekeeper.core.audit import AuditEntry
from gatekeeper.core.errors import ValidationFailed
from gatekeeper.modules.attachments import operations as ops
from gatekeeper.modules.attachments import storage
from gatekeeper.modules.attachments.api import content_disposition
from gatekeeper.modules.attachments.models import Attachment, AttachmentKind
from tests import factories

# --- types and sizes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "filename", "content_type"),
    [
        (pdf_bytes, "法律依据.pdf", "application/pdf"),
        (png_bytes, "现场照片.png", "image/png"),
        (jpeg_bytes, "现场照片.jpg", "image/jpeg"),
        (
            docx_bytes,
            "工作方案.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (xlsx_bytes, "经费测算.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ofd_bytes, "红头文件.ofd", "application/ofd"),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "ofd"],
)
def test_each_accepted_type_is_stored_and_described(login_as, storage_root, make, filename, content_type):
    req = factories.draft()
    data = make()
    response = upload(login_as("officer"), req.id, data, filename, kind="legal_basis")
    assert response.status_code == 201, response.get_json()
    att = response.get_json()
    assert set(att) == KEYS
    assert att["filename"] == filename
    assert att["content_type"] == content_type
    assert att["size"] == len(data)
    assert att["kind"] == "legal_basis"
    assert att["uploaded_by"] == "officer"
    assert att["uploaded_at"].startswith("2026-06-01")
    assert att["download_url"] == f"{API}/attachments/{att['id']}/download"
    assert storage.path_of(att["sha256"]).read_bytes() == data
    assert stored_files(storage_root) == [storage.path_of(att["sha256"])]


def test_the_browser_declared_type_and_the_extension_are_ignored(login_as):
    req = factories.draft()
    body = {"file": a_file(pdf_bytes(), "方案.docx", "application/msword"), "kind": "plan"}
    response = post_form(login_as("officer"), req.id, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == "application/pdf"
    assert response.get_json()["filename"] == "方案.pdf"


REFUSED = {
    "html": (b"<html><script>alert(1)</script></html>", "方案.pdf", "unsupported_type"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "图.svg", "unsupported_type"),
    "exe": (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00", "setup.pdf", "unsupported_type"),
    "text": ("纯文本说明".encode(), "说明.txt", "unsupported_type"),
    "empty": (b"", "空.pdf", "empty_file"),
    "zip_bomb": (zip_declaring(300 * 1024 * 1024), "方案.docx", "zip_bomb"),
    "zip_not_docx": (zip_bytes({"说明.txt": "你好"}), "方案.docx", "unsupported_type"),
}


@pytest.mark.parametrize(("data", "filename", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_other_files_are_refused_and_nothing_is_stored(db, login_as, storage_root, data, filename, code):
    req = factories.draft()
    error = error_of(upload(login_as("officer"), req.id, data, filename), 422, code)
    assert "PDF" in error["message"] or code == "zip_bomb"
    assert "file" in error["fields"]
    assert rows(db) == 0
    assert stored_files(storage_root) == []


def test_refusals_speak_chinese_by_default_and_english_on_request(login_as):
    req = factories.draft()
    officer = login_as("officer")
    chinese = error_of(upload(officer, req.id, b"<html></html>", "a.html"), 422, "unsupported_type")
    types = "PDF、PNG、JPEG 图片、Word 文档（.docx）、Excel 表格（.xlsx）、OFD 版式文档"
    assert chinese["message"] == f"不接受此类文件。可上传的类型：{types}。"
    assert chinese["fields"] == {"file": [chinese["message"]]}
    boundary, data = encode_multipart({"file": a_file(b"", "a.pdf"), "kind": "plan"})
    english = officer.post(
        f"{API}/requests/{req.id}/attachments?lang=en",
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert error_of(english, 422, "empty_file")["message"] == (
        "The file is empty. Accepted types: PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), OFD."
    )


def test_a_file_over_the_limit_is_422_and_nothing_is_stored(db, app, login_as, storage_root, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 2 * 1024 * 1024)
    req = factories.draft()
    officer = login_as("officer")
    data = pdf_bytes() + b"%" + b"x" * (2 * 1024 * 1024)
    error = error_of(upload(officer, req.id, data), 422, "too_large")
    assert "2 MB" in error["message"] and "file" in error["fields"]
    assert rows(db) == 0
    assert stored_files(storage_root) == []
    exactly = data[: 2 * 1024 * 1024]
    assert uploaded(officer, req.id, exactly)["size"] == len(exactly)


def test_a_body_over_the_server_limit_is_413(db, app, login_as, storage_root, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4000)
    req = factories.draft()
    error_of(upload(login_as("officer"), req.id, pdf_bytes() + b"x" * 5000), 413, "too_large")
    assert rows(db) == 0
    assert stored_files(storage_root) == []


def test_with_the_default_limits_a_file_of_21_mb_gets_the_clear_422(db, app, login_as, storage_root):
    """The server's limit (25 MB) is above the attachment limit (20 MB), so it is the latter that
    answers, naming the limit."""
    assert app.config["ATTACHMENT_MAX_BYTES"] == 20 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024
    req = factories.draft()
    data = pdf_bytes() + b"%" + b"x" * (21 * 1024 * 1024)
    error = error_of(upload(login_as("officer"), req.id, data), 422, "too_large")
    assert "20 MB" in error["message"]
    assert rows(db) == 0
    assert stored_files(storage_root) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "plan"}, "file"),
        ({"file": a_file(b"%PDF-1.4", "a.pdf")}, "kind"),
        ({"file": a_file(b"%PDF-1.4", "a.pdf"), "kind": "poem"}, "kind"),
    ],
    ids=["no_file", "no_kind", "unknown_kind"],
)
def test_the_form_is_validated(db, login_as, body, field):
    req = factories.draft()
    response = post_form(login_as("officer"), req.id, body)
    assert field in error_of(response, 422, "validation_error")["fields"]
    assert rows(db) == 0


def test_a_json_body_is_refused(login_as):
    req = factories.draft()
    response = login_as("officer").post(f"{API}/requests/{req.id}/attachments", json={"kind": "plan"})
    assert "file" in error_of(response, 422, "validation_error")["fields"]


def test_a_request_has_a_bounded_number_of_attachments(login_as, monkeypatch):
    monkeypatch.setattr(ops, "MAX_PER_REQUEST", 2)
    req = factories.draft()
    officer = login_as("officer")
    uploaded(officer, req.id, pdf_bytes("a"))
    uploaded(officer, req.id, pdf_bytes("b"))
    error_of(upload(officer, req.id, pdf_bytes("c")), 422, "too_many_attachments")


# --- download -----------------------------------------------------------------------------------


def test_the_download_is_exactly_the_bytes_with_safe_headers(login_as):
    req = factories.draft()
    officer = login_as("officer")
    data = docx_bytes()
    att = uploaded(officer, req.id, data, filename="plan.docx")
    response = download(officer, att["id"])
    assert response.status_code == 200
    assert response.get_data() == data
    assert response.headers["Content-Type"] == att["content_type"]
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"plan.docx\"; filename*=UTF-8''plan.docx"
    )


def test_a_chinese_name_comes_back_in_filename_star(login_as):
    req = factories.draft()
    officer = login_as("officer")
    att = uploaded(officer, req.id, filename=CHINESE_NAME)
    assert att["filename"] == CHINESE_NAME
    disposition = download(officer, att["id"]).headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="attachment-{att["id"]}.pdf"; ')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and " " not in encoded
    assert unquote(encoded) == CHINESE_NAME


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("plan.pdf", "plan.pdf"),
        ('report "final".pdf', "attachment-7.pdf"),
        ("a\\b.pdf", "attachment-7.pdf"),
        ("方案.docx", "attachment-7.docx"),
        ("café.png", "attachment-7.png"),
    ],
)
def test_the_plain_filename_is_always_a_safe_ascii_fallback(name, fallback):
    disposition = content_disposition(Attachment(id=7, filename=name))
    assert disposition == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    assert disposition.isascii()


def test_a_missing_file_is_404_not_500(login_as):
    req = factories.draft()
    officer = login_as("officer")
    att = uploaded(officer, req.id)
    storage.path_of(att["sha256"]).unlink()
    error_of(download(officer, att["id"]), 404, "not_found")


# --- audit and storage --------------------------------------------------------------------------


def test_adding_and_removing_are_audited(db, login_as):
    req = factories.draft()
    officer = login_as("officer")
    data = pdf_bytes()
    att = uploaded(officer, req.id, data, filename=CHINESE_NAME, kind="legal_basis")
    assert officer.delete(f"{API}/attachments/{att['id']}").status_code == 204
    entries = db.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "attachments", AuditEntry.object_id == str(att["id"]))
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor_name) for e in entries] == [
        ("attachment.add", "officer"),
        ("attachment.remove", "officer"),
    ]
    expected = {
        "request": req.id,
        "kind": "legal_basis",
        "filename": CHINESE_NAME,
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": att["sha256"],
    }
    assert entries[0].after == expected
    assert entries[1].before == expected


def test_identical_content_is_stored_once(db, login_as, storage_root):
    officer = login_as("officer")
    one, other = factories.draft(), factories.draft(title="协助开展健康教育")
    data = xlsx_bytes()
    first = uploaded(officer, one.id, data, filename="经费.xlsx", kind="funding")
    second = uploaded(officer, other.id, data, filename="经费测算表.xlsx", kind="funding")
    third = uploaded(officer, one.id, data, filename="副本.xlsx", kind="other")
    assert first["sha256"] == second["sha256"] == third["sha256"]
    assert len({first["id"], second["id"], third["id"]}) == 3
    assert stored_files(storage_root) == [storage.path_of(first["sha256"])]
    assert download(officer, second["id"]).get_data() == data


def test_the_operation_reads_no_more_than_the_limit(db, app, monkeypatch):
    """An upload that claims nothing and streams on is cut one byte past the limit."""
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100)

    class Endless:
        filename = "流.pdf"
        asked: list[int] = []

        def read(self, size=-1):
            self.asked.append(size)
            return b"%PDF-" + b"x" * (size - 5)

    req = factories.draft()
    with pytest.raises(ValidationFailed) as refused:
        ops.add_attachment(req, AttachmentKind.PLAN, Endless(), actor=factories.user("officer"))
    assert refused.value.code == "too_large"
    assert Endless.asked == [101]
    assert rows(db) == 0
