"""Documents as PDF. The one module that imports WeasyPrint.

A document is a template under ``templates/pdf/<document>/document.html`` (with its own rules in
``document.css`` beside it, if any; ``templates/pdf/base.css`` is shared) rendered from a schema dump
(plain dicts and lists, never ORM objects) in the document's language. WeasyPrint fetches nothing
but what ``StaticFetcher`` serves under the ``gatekeeper:`` scheme: the app's own static files, the
prepared fonts, and the QR codes it draws itself (``gatekeeper:qr/<text>``). Every other URL
(``file:``, ``http(s):``, ``data:`` …) is refused, so hostile text in a document can neither read
the disk nor reach the network; Jinja escapes all text anyway.

What makes documents fast (``bench/documents.py`` measures it against WeasyPrint out of the box):
the prepared font subsets (``core.fonts``), one ``FontConfiguration`` and parsed stylesheets per
process, reused by every document, and QR codes drawn as 1-bit images rather than SVG paths.
Pango is not thread-safe, so one process renders one document at a time; bulk generation uses one
process per core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import logging
import mimetypes
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import cn2an
import segno
from flask import Flask, Response, current_app, render_template, request
from flask_babel import force_locale
from markupsafe import Markup, escape

from gatekeeper.core import clock, fonts
from gatekeeper.core.errors import GatekeeperError
from gatekeeper.core.i18n import normalise
from gatekeeper.core.money import yuan_grouped

log = logging.getLogger(__name__)

SCHEME = "gatekeeper:"
_STATIC_PREFIX = SCHEME + "static/"
_FONT_PREFIX = SCHEME + "fonts/"
_QR_PREFIX = SCHEME + "qr/"
_lock = threading.Lock()


class FontsMissing(GatekeeperError):
    """No CJK font: the API answers 503 rather than a document of empty boxes."""

    status, code = 503, "fonts_missing"


def _weasyprint():
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    """A document asked for something that is not the app's own static file."""


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise RefusedURL(relative)
    return path


def make_fetcher(static_folder: str, font_folder: str | None, *, seen: list[str] | None = None):
    """A WeasyPrint URL fetcher serving ``gatekeeper:static/…`` and ``gatekeeper:fonts/…`` only.

    ``seen`` (tests) collects every URL asked for, served or refused.
    """
    _, URLFetcher, URLFetcherResponse = _weasyprint()

    class StaticFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False)

        def fetch(self, url, headers=None):
            if seen is not None:
                seen.append(url)
            if url.startswith(_QR_PREFIX):
                return URLFetcherResponse(url, qr_png(unquote(url.removeprefix(_QR_PREFIX))), _PNG)
            if url.startswith(_STATIC_PREFIX):
                path = _inside(Path(static_folder), url.removeprefix(_STATIC_PREFIX))
            elif url.startswith(_FONT_PREFIX) and font_folder:
                path = _inside(Path(font_folder), url.removeprefix(_FONT_PREFIX))
            else:
                log.warning("document asked for a refused URL: %.200s", url)
                raise RefusedURL(f"refused: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticFetcher()


@dataclasses.dataclass
class Renderer:
    """What one process keeps between documents: fonts, their configuration and the stylesheets."""

    font_config: Any
    stylesheets: dict[str, Any]
    fetcher: Any
    families: str
    prepared: bool

    def stylesheet(self, name: str, text: Callable[[], str]):
        sheet = self.stylesheets.get(name)
        if sheet is None:
            weasyprint, _, _ = _weasyprint()
            sheet = self.stylesheets[name] = weasyprint.CSS(
                string=text(), base_url=_STATIC_PREFIX, url_fetcher=self.fetcher, font_config=self.font_config
            )
        return sheet


def font_folder(app: Flask) -> str:
    return app.config.get("FONT_DIR") or str(Path(app.instance_path) / "fonts")


def _font_css(font: fonts.SystemFont, paths: dict[str, Path] | None) -> tuple[str, str]:
    """The @font-face rules of the prepared subsets and the font-family list of documents."""
    families = [f'"{fonts.PREPARED_FAMILY}"'] if paths else []
    families += [f'"{font.family}"', '"Noto Sans CJK SC"', '"WenQuanYi Micro Hei"', "serif"]
    faces = "".join(
        f'@font-face {{ font-family: "{fonts.PREPARED_FAMILY}"; font-weight: {weight}; '
        f'src: url("{_FONT_PREFIX}{path.name}"); }}\n'
        for weight, path in (paths or {}).items()
    )
    return faces, ", ".join(dict.fromkeys(families))


def renderer(app: Flask | None = None) -> Renderer:
    """This process's renderer for ``app`` (made on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("gatekeeper_pdf")
    if found is not None and not found.prepared and fonts.prepared(font_folder(app)):
        found = None  # the fonts were prepared since: use them
    if found is None:
        from weasyprint.text.fonts import FontConfiguration

        font = fonts.system_font()
        if font is None:
            raise FontsMissing(fonts.NoCjkFont.MESSAGE)
        folder = font_folder(app)
        paths = fonts.prepared(folder)
        if paths is None:
            log.warning(
                "Document fonts are not prepared in %s: documents print from the full system font, "
                "which is slower. Run `gatekeeper documents fonts`.",
                folder,
            )
        fetcher = make_fetcher(app.static_folder, folder if paths else None)
        faces, families = _font_css(font, paths)
        found = Renderer(FontConfiguration(), {}, fetcher, families, bool(paths))
        found.stylesheet("fonts", lambda: faces)
        app.extensions["gatekeeper_pdf"] = found
    return found


def reset(app: Flask) -> None:
    """Forget the renderer (after preparing fonts, or in tests)."""
    app.extensions.pop("gatekeeper_pdf", None)


def _pdf_templates() -> Path:
    return Path(current_app.root_path).parent / "templates" / "pdf"


def _css(path: Path, families: str) -> str:
    """A stylesheet of documents; ``var(--families)`` stands for the document fonts."""
    return path.read_text(encoding="utf-8").replace("var(--families)", families)


def _page_css(language: str) -> str:
    """The page footer: 第 X 页 共 Y 页, or Page X of Y."""
    if language == "zh":
        words = '"第 " counter(page) " 页 共 " counter(pages) " 页"'
    else:
        words = '"Page " counter(page) " of " counter(pages)'
    return f"@page {{ @bottom-center {{ content: {words}; }} }}"


def document_language() -> str:
    """Documents are Chinese unless English is asked for (``?lang=en``, or the page language's cookie)."""
    if request:
        chosen = normalise(request.args.get("lang")) or normalise(request.cookies.get("lang"))
        if chosen:
            return chosen
    return "zh"


def local_day(instant: dt.datetime | None) -> str | None:
    """The local date of an instant, ISO-formatted, for a document's dump."""
    return clock.local_date(instant).isoformat() if instant else None


_DIGITS = "〇一二三四五六七八九"


def chinese_date(day: dt.date | str | None) -> str:
    """``2026-11-29`` → ``二〇二六年十一月二十九日``, the date of official documents."""
    if not day:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{cn2an.an2cn(day.month)}月{cn2an.an2cn(day.day)}日"


def document_date(day: dt.date | str | None, language: str) -> str:
    """A date in the body of a document: ``2026年11月29日`` or ``29 November 2026``."""
    if not day:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day.strftime('%B')} {day.year}"


_PNG = {"Content-Type": "image/png"}


@functools.lru_cache(maxsize=4096)
def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG of one pixel per module, quiet zone included.

    Documents scale it up without smoothing (``image-rendering: pixelated``), so it prints as sharp
    as a vector code; WeasyPrint draws an image far faster than it parses an SVG path of every
    module. The mask is fixed: choosing the best of eight is most of the encoding time, and every
    mask reads.
    """
    buffer = io.BytesIO()
    segno.make(text, error="m", mask=0).save(buffer, kind="png", scale=1, border=4)
    return buffer.getvalue()


def qr_code(url: str, *, size_mm: float = 22) -> Markup:
    """An ``<img>`` of the QR code of ``url``, ``size_mm`` wide, served by the document fetcher."""
    src = escape(_QR_PREFIX + quote(url, safe=""))
    return Markup(f'<img class="qr" alt="QR" src="{src}" style="width:{size_mm}mm;height:{size_mm}mm">')


#: Punctuation between a document's words: full-width in Chinese, ASCII with a space in English.
PUNCTUATION = {
    "zh": {"colon": "：", "comma": "，", "stop": "。"},
    "en": {"colon": ": ", "comma": ", ", "stop": "."},
}


def render_html(document: str, data: dict, *, language: str, title: str) -> str:
    with force_locale(language):
        return render_template(
            f"pdf/{document}/document.html",
            doc=data,
            language=language,
            title=title,
            chinese_date=chinese_date,
            document_date=lambda day: document_date(day, language),
            qr_code=qr_code,
            yuan=yuan_grouped,
            **PUNCTUATION[language],
        )


def render_pdf(document: str, data: dict, *, language: str = "zh", title: str = "") -> bytes:
    """The PDF of ``templates/pdf/<document>/document.html`` filled with ``data`` (a schema dump)."""
    weasyprint, _, _ = _weasyprint()
    html = render_html(document, data, language=language, title=title)
    with _lock:
        state = renderer()
        sheets = [
            state.stylesheets["fonts"],
            state.stylesheet("base", lambda: _css(_pdf_templates() / "base.css", state.families)),
            state.stylesheet(f"pages-{language}", lambda: _page_css(language)),
        ]
        own = _pdf_templates() / document / "document.css"
        if own.is_file():  # the document's own rules, parsed once like the base
            sheets.append(state.stylesheet(document, lambda: _css(own, state.families)))
        html_doc = weasyprint.HTML(string=html, base_url=_STATIC_PREFIX, url_fetcher=state.fetcher)
        return html_doc.write_pdf(stylesheets=sheets, font_config=state.font_config)


def dump_and_render(document: str, schema, source, *, title: Callable[[], str], language: str) -> bytes:
    """Dump ``source`` with ``schema`` and render the document, both in ``language``."""
    with force_locale(language):
        data = schema.dump(source)
        shown_title = str(title())
    return render_pdf(document, data, language=language, title=shown_title)


def send_document(document: str, schema, source, *, title: Callable[[], str], filename: str) -> Response:
    """The answer of a document endpoint: the PDF in the asked language (Chinese by default)."""
    body = dump_and_render(document, schema, source, title=title, language=document_language())
    return pdf_response(body, filename)


def pdf_response(body: bytes, filename: str) -> Response:
    """A PDF answer, shown in the browser, saved as ``filename``."""
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quote(text: str) -> str:
    return quote(text, safe="")


def init_documents(app: Flask) -> None:
    """Say clearly at start when no CJK font is installed (documents would otherwise be empty boxes)."""
    if fonts.system_font() is None:
        app.logger.warning(fonts.NoCjkFont.MESSAGE)
