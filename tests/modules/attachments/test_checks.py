"""What a file is (by its bytes), the name it keeps, and how its bytes are stored."""

from __future__ import annotations

import hashlib
import os

import pytest
from attachment_support import (
    WORD_MAIN,
    content_types,
    docx_bytes,
    jpeg_bytes,
    ofd_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    xlsx_bytes,
    zip_bytes,
    zip_declaring,
    zip_with_entries,
)

from gatekeeper.core.errors import ValidationFailed
from gatekeeper.modules.attachments import checks, storage

# --- types --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (pdf_bytes, checks.PDF),
        (png_bytes, checks.PNG),
        (jpeg_bytes, checks.JPEG),
        (docx_bytes, checks.DOCX),
        (xlsx_bytes, checks.XLSX),
        (ofd_bytes, checks.OFD),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx", "ofd"],
)
def test_accepted_types_are_found_in_the_bytes(make, expected):
    assert checks.detect(make()) == expected


REFUSED = {
    "html": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00",
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 40,
    "script": b"#!/bin/sh\nrm -rf /\n",
    "text": "这是一段纯文本，不是文件。".encode(),
    "old_word": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "plain_zip": zip_bytes({"readme.txt": "hello"}),
    "pptx": zip_bytes(
        {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.presentationml.presentation.main+xml"/></Types>'
            ),
            "ppt/presentation.xml": "<p/>",
        }
    ),
    "docm": docx_bytes("application/vnd.ms-word.document.macroEnabled.main+xml"),
    "docx_without_its_main_part": zip_bytes(
        {"[Content_Types].xml": content_types("/word/document.xml", WORD_MAIN)}
    ),
    "content_types_not_xml": zip_bytes({"[Content_Types].xml": "<<<", "word/document.xml": "x"}),
    "content_types_with_entities": zip_bytes(
        {
            "[Content_Types].xml": '<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">]><Types>&a;</Types>',
            "word/document.xml": "x",
        }
    ),
    "damaged_zip": b"PK\x03\x04" + b"\x00" * 100,
    "ofd_not_at_the_root": zip_bytes({"Doc/OFD.xml": "<OFD/>"}),
}


@pytest.mark.parametrize("data", REFUSED.values(), ids=REFUSED.keys())
def test_other_types_are_refused_naming_the_accepted_ones(data):
    with pytest.raises(ValidationFailed) as refused:
        checks.detect(data)
    assert refused.value.code == "unsupported_type"
    assert refused.value.status == 422
    assert "PDF" in refused.value.message and "OFD" in refused.value.message
    assert refused.value.fields == {"file": [refused.value.message]}


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        checks.detect(b"")
    assert refused.value.code == "empty_file"
    assert "PDF" in refused.value.message


@pytest.mark.parametrize(
    "data",
    [zip_declaring(checks.ZIP_MAX_TOTAL_BYTES + 1), zip_with_entries(checks.ZIP_MAX_ENTRIES + 1)],
    ids=["huge_declared_size", "too_many_entries"],
)
def test_zip_bombs_are_refused_without_being_unpacked(data):
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(ValidationFailed) as refused:
        checks.detect(data)
    assert refused.value.code == "zip_bomb"


def test_a_zip_at_the_limits_is_read():
    assert checks.detect(zip_with_entries(checks.ZIP_MAX_ENTRIES)) == checks.OFD


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "file_type", "kept"),
    [
        ("临江区卫健委工作方案（2026年）.pdf", checks.PDF, "临江区卫健委工作方案（2026年）.pdf"),
        ("../../etc/passwd", checks.PDF, "passwd.pdf"),
        ("C:\\Users\\张卫\\Desktop\\法律依据.PDF", checks.PDF, "法律依据.PDF"),
        ("方\x00案\r\n.pdf", checks.PDF, "方案.pdf"),
        ("invoice\u202efdp.exe", checks.PDF, "invoicefdp.pdf"),  # no right-to-left override
        ("方案.docx", checks.PDF, "方案.pdf"),  # the bytes decide; the extension follows them
        ("照片.jpeg", checks.JPEG, "照片.jpeg"),
        ("照片.png", checks.JPEG, "照片.jpg"),
        ("report.v2", checks.DOCX, "report.v2.docx"),
        ("..", checks.XLSX, "attachment.xlsx"),
        ("", checks.OFD, "attachment.ofd"),
        (None, checks.PNG, "attachment.png"),
        ("  .hidden.pdf  ", checks.PDF, "hidden.pdf"),
    ],
)
def test_file_names_keep_their_base_name_and_chinese(given, file_type, kept):
    assert checks.clean_filename(given, file_type) == kept


def test_long_names_are_cut_keeping_the_extension():
    name = checks.clean_filename("社" * 300 + ".xlsx", checks.XLSX)
    assert len(name) == checks.FILENAME_MAX
    assert name == "社" * (checks.FILENAME_MAX - 5) + ".xlsx"


# --- storage ------------------------------------------------------------------------------------


def test_bytes_are_stored_by_content_outside_the_web_root(app, storage_root):
    data = pdf_bytes()
    sha256 = storage.store(data)
    assert sha256 == hashlib.sha256(data).hexdigest()
    path = storage.path_of(sha256)
    assert path == storage_root.resolve() / sha256[:2] / sha256[2:4] / sha256
    assert path.read_bytes() == data
    assert not path.is_relative_to(app.static_folder)
    assert stored_files(storage_root) == [path]  # no temporary file left


def test_storing_the_same_bytes_again_writes_nothing(storage_root):
    data = pdf_bytes()
    path = storage.path_of(storage.store(data))
    os.utime(path, (1, 1))
    assert storage.path_of(storage.store(data)) == path
    assert path.stat().st_mtime == 1
    assert stored_files(storage_root) == [path]


def test_a_damaged_copy_is_replaced(storage_root):
    data = pdf_bytes()
    path = storage.path_of(storage.store(data))
    path.write_bytes(data[:10])
    storage.store(data)
    assert path.read_bytes() == data


@pytest.mark.parametrize("digest", ["../../secret_key", "ABC", "0" * 63, ("a" * 64) + "/x"])
def test_paths_are_only_made_from_digests(digest):
    with pytest.raises(ValueError):
        storage.path_of(digest)
