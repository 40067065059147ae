"""Money is integer fen (分) everywhere inside; this module formats and parses 元 strings."""

from __future__ import annotations

import re

_YUAN = re.compile(r"^\s*(-)?(\d{1,13})(?:\.(\d{1,2}))?\s*$")


def yuan(fen: int) -> str:
    """``1000001`` → ``"10000.01"``; exact, no float."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money must be integer fen")
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def yuan_grouped(fen: int) -> str:
    """``1000001`` → ``"10,000.01"`` for pages and documents."""
    text = yuan(fen)
    sign = "-" if text.startswith("-") else ""
    whole, part = text.lstrip("-").split(".")
    return f"{sign}{int(whole):,}.{part}"


def parse_yuan(text: str) -> int:
    """``"10000.01"`` → ``1000001``; raises ValueError for anything else (no rounding)."""
    match = _YUAN.match(str(text))
    if not match:
        raise ValueError(f"not an amount in yuan: {text!r}")
    sign, whole, part = match.groups()
    fen = int(whole) * 100 + int((part or "0").ljust(2, "0"))
    return -fen if sign else fen
