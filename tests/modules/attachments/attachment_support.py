"""Small real files of every accepted type (and some that are not), built in memory; API helpers."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from gatekeeper.modules.attachments.models import Attachment


def stored_files(root: Path) -> list[Path]:
    """Every file under the storage folder (temporary files included)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- small real files -------------------------------------------------------------------------------


def pdf_bytes(text: str = "legal basis") -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
        + f"4 0 obj << /Length {len(body)} >> stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """The start (SOI, JFIF APP0) and end of a JPEG: what the type is read from."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    """A ZIP of ``members``, the same bytes every time (entries carry a fixed time, not the clock's)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 6, 1, 10, 0, 0)), content)
    return buffer.getvalue()


def content_types(main_part: str, main_type: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    )


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx_bytes(main_type: str = WORD_MAIN) -> bytes:
    """A minimal Word document (one paragraph), as Word writes its parts."""
    return zip_bytes(
        {
            "[Content_Types].xml": content_types("/word/document.xml", main_type),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/officeDocument"/></Relationships>'
            ),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body><w:p><w:r><w:t>工作方案</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["社区", "户数"])
    workbook.active.append(["滨江社区", 1200])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ofd_bytes() -> bytes:
    """A minimal OFD package: ``OFD.xml`` at the root naming one document."""
    return zip_bytes(
        {
            "OFD.xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
                "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
            ),
            "Doc_0/Document.xml": '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>',
        }
    )


def zip_declaring(size: int) -> bytes:
    """A small ZIP whose one member claims ``size`` bytes uncompressed (in its central directory)."""
    data = bytearray(zip_bytes({"word/document.xml": "x"}))
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(data)


def zip_with_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("OFD.xml", "<OFD/>")
        for number in range(count - 1):
            archive.writestr(f"e/{number}", b"")
    return buffer.getvalue()


# --- the API ---------------------------------------------------------------------------------------

API = "/api/v1"
KEYS = {
    "id",
    "kind",
    "filename",
    "content_type",
    "size",
    "sha256",
    "uploaded_by",
    "uploaded_at",
    "download_url",
}
CHINESE_NAME = "临江区卫健委关于协助开展传染病防控的工作方案（2026年）.pdf"


def post_form(api, request_id: int, fields: dict):
    """POST a multipart form, encoded in memory (the test client would spool a large one to an
    unclosed temporary file)."""
    boundary, data = encode_multipart(fields)
    return api.post(
        f"{API}/requests/{request_id}/attachments",
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def a_file(data: bytes, filename: str, content_type: str = "application/octet-stream") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


def upload(api, request_id: int, data: bytes, filename: str = "方案.pdf", kind: str = "plan"):
    return post_form(api, request_id, {"file": a_file(data, filename), "kind": kind})


def uploaded(api, request_id: int, data: bytes | None = None, **kwargs) -> dict:
    response = upload(api, request_id, pdf_bytes() if data is None else data, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def download(api, attachment_id: int):
    response = api.get(f"{API}/attachments/{attachment_id}/download")
    response.get_data()
    response.close()  # a file response holds the open file
    return response


def listed(api, request_id: int) -> list[int]:
    response = api.get(f"{API}/requests/{request_id}/attachments")
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error


def rows(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Attachment))
