"""Read rendered PDFs back as a reader would: text (pdftotext), fonts (pdffonts), page images
(pdftoppm) and the QR codes on them (zxing-cpp). Poppler's tools come from Debian's poppler-utils."""

from __future__ import annotations

import io
import subprocess

import zxingcpp
from PIL import Image


def _run(command: list[str], body: bytes) -> bytes:
    return subprocess.run(command, input=body, capture_output=True, check=True, timeout=120).stdout


def pdf_text(body: bytes, *, layout: bool = False) -> str:
    """The text of every page (``layout`` keeps columns side by side, as in tables)."""
    return _run(["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"], body).decode()


def flat(text: str) -> str:
    """Text without white space, for phrases that a line break may split."""
    return "".join(text.split())


def pdf_pages(body: bytes) -> int:
    info = _run(["pdfinfo", "-"], body).decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_info(body: bytes) -> dict[str, str]:
    info = _run(["pdfinfo", "-enc", "UTF-8", "-"], body).decode()
    return {
        key.strip(): value.strip() for key, _, value in (line.partition(":") for line in info.splitlines())
    }


def pdf_fonts(body: bytes) -> list[dict]:
    """Each font of the PDF: name, type, embedded, subset, has a ToUnicode map."""
    lines = _run(["pdffonts", "-"], body).decode().splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name ... type ... encoding  emb sub uni  object ID
        emb, sub, uni = parts[-5:-2]
        fonts.append(
            {"name": parts[0], "embedded": emb == "yes", "subset": sub == "yes", "unicode": uni == "yes"}
        )
    return fonts


def page_images(body: bytes, *, dpi: int = 150, first: int | None = None, last: int | None = None):
    """The pages as images, one PNG per page read back."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        command = ["pdftoppm", "-png", "-r", str(dpi)]
        if first:
            command += ["-f", str(first)]
        if last:
            command += ["-l", str(last)]
        subprocess.run([*command, "-", f"{folder}/page"], input=body, check=True, timeout=120)
        return [Image.open(io.BytesIO(path.read_bytes())) for path in sorted(Path(folder).glob("page*.png"))]


def qr_codes(body: bytes, *, dpi: int = 150, last: int | None = None) -> list[str]:
    """The text of every QR code a camera would read on the pages, page by page."""
    found = []
    for image in page_images(body, dpi=dpi, last=last):
        found += [
            code.text
            for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode
        ]
    return found


def assert_cjk_fonts_embedded(body: bytes) -> list[dict]:
    """Every font is embedded as a subset with a Unicode map, and a CJK face is among them."""
    fonts = pdf_fonts(body)
    assert fonts, "no font in the PDF"
    for font in fonts:
        assert font["embedded"] and font["subset"] and font["unicode"], font
    assert any("GK-Serif" in f["name"] or "CJK" in f["name"] or "WenQuanYi" in f["name"] for f in fonts), (
        fonts
    )
    return fonts
