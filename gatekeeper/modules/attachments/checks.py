"""What an uploaded file is, decided by its own bytes; and the name it may keep.

The browser's content type and the file's extension are never trusted: a file is accepted only when
its first bytes (and, for the ZIP-based formats, its table of contents) prove it is a PDF, a PNG or
JPEG image, a Word (.docx) or Excel (.xlsx) document, or an OFD document (版式文档, GB/T 33190).
Everything else (web pages, SVG, scripts, executables, plain text, old binary Office files, other
archives, empty files) is refused with a message naming the accepted types.

ZIP files are opened with ``zipfile`` but never extracted: only the table of contents is read, and
one small member (``[Content_Types].xml``), after refusing archives whose declared sizes or entry
count betray a zip bomb.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml
from flask_babel import gettext as _

from gatekeeper.core.errors import ValidationFailed

#: A ZIP whose members declare more than this in total, uncompressed, is refused unread.
ZIP_MAX_TOTAL_BYTES = 200 * 1024 * 1024
#: A ZIP with more members than this is refused unread.
ZIP_MAX_ENTRIES = 10_000
#: ``[Content_Types].xml`` is a few kilobytes; more than this is not an Office document.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
#: Longest file name kept (the column's length).
FILENAME_MAX = 200

_OOXML_CONTENT_TYPES = "[Content_Types].xml"
_OOXML_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@dataclass(frozen=True)
class FileType:
    """An accepted type: the content type the file is served with and its usual extension."""

    content_type: str
    extension: str


PDF = FileType("application/pdf", ".pdf")
PNG = FileType("image/png", ".png")
JPEG = FileType("image/jpeg", ".jpg")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
OFD = FileType("application/ofd", ".ofd")
ACCEPTED = (PDF, PNG, JPEG, DOCX, XLSX, OFD)

#: Extensions that already name a type correctly (``.jpeg`` is a JPEG as much as ``.jpg``).
_EXTENSIONS = {
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg"},
    DOCX: {".docx"},
    XLSX: {".xlsx"},
    OFD: {".ofd"},
}

_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_ZIP_MAGIC = b"PK\x03\x04"


def accepted_types() -> str:
    """The accepted types as users know them, for messages."""
    return _("PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), OFD")


def _refuse(message: str, code: str = "unsupported_type") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"file": [message]})


def detect(data: bytes) -> FileType:
    """The type of ``data`` from its bytes; raises ``ValidationFailed`` (422) for anything else."""
    if not data:
        raise _refuse(
            _("The file is empty. Accepted types: %(types)s.", types=accepted_types()), "empty_file"
        )
    for magic, file_type in _MAGIC:
        if data.startswith(magic):
            return file_type
    if data.startswith(_ZIP_MAGIC):
        found = _zip_type(data)
        if found is not None:
            return found
    raise _refuse(_("This type of file is not accepted. Accepted types: %(types)s.", types=accepted_types()))


def _zip_type(data: bytes) -> FileType | None:
    """DOCX, XLSX or OFD by the archive's table of contents, or ``None`` for any other ZIP."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_ENTRIES or sum(m.file_size for m in members) > ZIP_MAX_TOTAL_BYTES:
                raise _refuse(
                    _("This archive would unpack to too much data; it is not accepted."), "zip_bomb"
                )
            names = {m.filename for m in members}
            if "OFD.xml" in names:  # the OFD entry file sits at the root of the package
                return OFD
            if _OOXML_CONTENT_TYPES not in names:
                return None
            parts = _main_parts(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError, OSError):
        # damaged, encrypted, or compressed with a method zipfile cannot read
        return None
    # OPC part names are case-insensitive; the main part must exist, not just be declared.
    present = {name.lower() for name in names}
    for file_type, main in ((DOCX, _WORD_MAIN), (XLSX, _EXCEL_MAIN)):
        if any(content_type.lower() == main and part.lower() in present for part, content_type in parts):
            return file_type
    return None


def _main_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """The (member name, content type) overrides of ``[Content_Types].xml``, read with a bound."""
    info = archive.getinfo(_OOXML_CONTENT_TYPES)
    if info.file_size > CONTENT_TYPES_MAX_BYTES:
        return []
    with archive.open(info) as member:
        text = member.read(CONTENT_TYPES_MAX_BYTES + 1)
    if len(text) > CONTENT_TYPES_MAX_BYTES:
        return []
    try:
        root = parse_xml(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return []
    return [
        (override.get("PartName", "").lstrip("/"), override.get("ContentType", ""))
        for override in root.iter(f"{_OOXML_NS}Override")
    ]


# --- names ------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\\/]")
#: A suffix that is an extension (letters only), to be replaced rather than kept when it lies.
_EXTENSION_LIKE = re.compile(r"\.[A-Za-z]{1,5}$")


def shown_filename(name: str | None) -> str:
    """A file's name as its uploader gave it, safe to show: the base name without control or format
    characters (a right-to-left override can make ``exe.pdf`` read as ``fdp.exe``), surrogates,
    private use and unassigned code points; Chinese and every other printable character stays."""
    text = unicodedata.normalize("NFC", name or "")
    text = _SEPARATORS.split(text)[-1]
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    return text.strip().strip(".").strip()


def clean_filename(name: str | None, file_type: FileType) -> str:
    """The name a file keeps: its base name without control or format characters, at most
    ``FILENAME_MAX`` characters, ending in an extension of the type its bytes proved.

    Chinese (and every other printable) character stays. A lying extension is replaced
    (``方案.docx`` holding a PDF becomes ``方案.pdf``), a missing one added.
    """
    stem, suffix = _split_extension(shown_filename(name))
    if suffix.lower() not in _EXTENSIONS[file_type]:
        suffix = file_type.extension
    stem = stem or "attachment"
    return stem[: FILENAME_MAX - len(suffix)].rstrip() + suffix


def _split_extension(name: str) -> tuple[str, str]:
    match = _EXTENSION_LIKE.search(name)
    if match is None:
        return name, ""
    return name[: match.start()].rstrip(" ."), match.group()
