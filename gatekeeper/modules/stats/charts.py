"""Charts drawn on the server as plain SVG: horizontal bars, stacked bars (money) and a line (months).

Each chart is a self-contained ``<svg>`` that reads without script or stylesheet, offline and inside a
PDF: presentation attributes only (no ``style``, no CSS variables), ``font-family="inherit"``, its
numbers written beside the bars, a ``<title>`` on every bar for hover, ``role="img"`` with an
``aria-label``; the page shows the same numbers in a table beside it (the text alternative).
Text widths are estimated (a CJK character one em, others 0.6 em), so labels never overlap the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

FONT = 12
ROW = 22
BAR = 14
GAP = 8
PALETTE = ("#2f6f9f", "#4f9d69", "#c9892b", "#b5504a", "#7a5ea8", "#5b8a8f", "#8a7a5b")
TEXT = "#222222"
MUTED = "#666666"
GRID = "#d0d0d0"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    #: What is written beside the bar and in its tooltip (default: the value).
    shown: str | None = None

    @property
    def text(self) -> str:
        return self.shown if self.shown is not None else f"{self.value:,}"


@dataclass(frozen=True)
class Stack:
    label: str
    parts: tuple[int, ...]
    shown: str


def text_width(text: str, size: int = FONT) -> float:
    """An estimate of the width of ``text`` in pixels at ``size``."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _svg(width: float, height: float, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label={quoteattr(label)} '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-family="inherit" font-size="{FONT}">'
    )
    return Markup("".join([head, f"<title>{escape(label)}</title>", *body, "</svg>"]))


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = TEXT) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(content)}</text>'


def bar_chart(title: str, bars: Sequence[Bar], *, width: int = 560, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per row: the label on the left, the number right of the bar."""
    label_w = max([text_width(b.label) for b in bars] + [40]) + GAP
    number_w = max([text_width(b.text) for b in bars] + [20]) + GAP
    plot = max(width - label_w - number_w, 60)
    top = max((b.value for b in bars), default=0) or 1
    body = []
    for i, bar in enumerate(bars):
        y = i * ROW
        length = plot * bar.value / top
        body.append("<g>")
        body.append(f"<title>{escape(bar.label)}: {escape(bar.text)}</title>")
        body.append(_text(label_w - GAP, y + ROW / 2 + FONT / 3, bar.label, anchor="end"))
        body.append(
            f'<rect x="{label_w:.1f}" y="{y + (ROW - BAR) / 2:.1f}" width="{length:.1f}" '
            f'height="{BAR}" fill="{colour}"/>'
        )
        body.append(_text(label_w + length + 4, y + ROW / 2 + FONT / 3, bar.text))
        body.append("</g>")
    height = max(len(bars), 1) * ROW
    return _svg(width, height, title, body)


def stacked_bar_chart(
    title: str, stacks: Sequence[Stack], legend: Sequence[str], *, width: int = 640
) -> Markup:
    """Horizontal stacked bars (e.g. money confirmed / paid, not confirmed / outstanding), a legend on
    top, the total written right of each bar."""
    label_w = max([text_width(s.label) for s in stacks] + [40]) + GAP
    number_w = max([text_width(s.shown) for s in stacks] + [20]) + GAP
    plot = max(width - label_w - number_w, 60)
    top = max((sum(s.parts) for s in stacks), default=0) or 1
    body = []
    x = 0.0
    for name, colour in zip(legend, PALETTE, strict=False):
        body.append(f'<rect x="{x:.1f}" y="2" width="10" height="10" fill="{colour}"/>')
        body.append(_text(x + 14, 11, name))
        x += 14 + text_width(name) + 16
    legend_h = ROW
    for i, stack in enumerate(stacks):
        y = legend_h + i * ROW
        body.append("<g>")
        body.append(_text(label_w - GAP, y + ROW / 2 + FONT / 3, stack.label, anchor="end"))
        start = label_w
        for part, name, colour in zip(stack.parts, legend, PALETTE, strict=False):
            if part <= 0:
                continue
            length = plot * part / top
            body.append(
                f'<rect x="{start:.1f}" y="{y + (ROW - BAR) / 2:.1f}" width="{length:.1f}" height="{BAR}" '
                f'fill="{colour}"><title>{escape(stack.label)} · {escape(name)}</title></rect>'
            )
            start += length
        body.append(_text(start + 4, y + ROW / 2 + FONT / 3, stack.shown))
        body.append("</g>")
    height = legend_h + max(len(stacks), 1) * ROW
    return _svg(max(width, x), height, title, body)


def line_chart(title: str, points: Sequence[Bar], *, width: int = 640, height: int = 200) -> Markup:
    """A line over labelled points (e.g. months), each point's number written above it."""
    left, right, top_pad, bottom = 8.0, 8.0, FONT + 8.0, FONT + 10.0
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((p.value for p in points), default=0) or 1
    step = plot_w / max(len(points) - 1, 1)
    coords = [(left + i * step, top_pad + plot_h * (1 - p.value / top)) for i, p in enumerate(points)]
    body = [
        f'<line x1="{left:.1f}" y1="{top_pad + plot_h:.1f}" x2="{width - right:.1f}" '
        f'y2="{top_pad + plot_h:.1f}" stroke="{GRID}"/>'
    ]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for (x, y), point in zip(coords, points, strict=True):
        anchor = "start" if x == coords[0][0] and len(coords) > 1 else "middle"
        anchor = "end" if x == coords[-1][0] and len(coords) > 1 else anchor
        body.append("<g>")
        body.append(f"<title>{escape(point.label)}: {escape(point.text)}</title>")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[0]}"/>')
        body.append(_text(x, y - 6, point.text, anchor=anchor))
        body.append(_text(x, height - 4, point.label, anchor=anchor, fill=MUTED))
        body.append("</g>")
    return _svg(width, height, title, body)


def short_months(points: Sequence[Bar]) -> list[Bar]:
    """``2026-03`` → ``03`` when every point is in the same year (the year is in the title)."""
    years = {p.label[:4] for p in points}
    if len(years) != 1:
        return list(points)
    return [Bar(p.label[5:], p.value, p.shown) for p in points]
