"""The CJK fonts of documents: finding the system's, and preparing subsets that make PDFs fast.

Documents are set in a serif CJK face (Noto Serif CJK SC from Debian's ``fonts-noto-cjk``; WenQuanYi
Micro Hei from ``fonts-wqy-microhei`` when that is all there is). A full CJK font holds some 65,000
glyphs, and cutting out the few a document uses is most of the time WeasyPrint spends on a short
page. ``prepare()`` cuts, once at set-up, a subset of the characters a document can be expected to
hold (GB 2312's 6,763 hanzi, ASCII, Latin-1, CJK and full-width punctuation, common symbols) into the
instance folder. Documents name the prepared face first and the system's full face after it, so a
character outside the subset (a rare name, say) is still printed, from the full font.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

#: Families tried in this order: the first one installed is the document face.
SYSTEM_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
#: The prepared faces' family name in documents' CSS.
PREPARED_FAMILY = "GK Serif"
#: File names of the prepared subsets, by weight.
PREPARED_FILES = {"normal": "gk-serif-regular.otf", "bold": "gk-serif-bold.otf"}
#: Bumped when the character set or the cutting changes, so old subsets are prepared again.
SUBSET_VERSION = "1"
_SEARCH_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FILE_NAMES = {
    "Noto Serif CJK SC": ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc"),
    "Noto Sans CJK SC": ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"),
    "WenQuanYi Micro Hei": ("wqy-microhei.ttc", None),
    "WenQuanYi Zen Hei": ("wqy-zenhei.ttc", None),
}


class NoCjkFont(RuntimeError):
    """No CJK font is installed: Chinese would print as empty boxes."""

    MESSAGE = (
        "No CJK font is installed, so documents cannot print Chinese. Install Debian's fonts-noto-cjk "
        "(or fonts-wqy-microhei): `sudo apt-get install fonts-noto-cjk`, or run `.ci/bootstrap demo`."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


@dataclasses.dataclass(frozen=True)
class FontFile:
    """One face of a font file (a ``.ttc`` collection holds several)."""

    path: str
    index: int


@dataclasses.dataclass(frozen=True)
class SystemFont:
    family: str
    regular: FontFile
    bold: FontFile | None


def _fc_list(family: str) -> list[tuple[str, int, str]]:
    """``(file, index, style)`` of each face fontconfig knows for ``family``; [] without fc-list."""
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", f"{family}", "file", "index", "style"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in out.splitlines():
        # /usr/share/fonts/…/NotoSerifCJK-Bold.ttc: :index=2:style=Bold
        path, _, rest = line.partition(": ")
        fields = dict(part.split("=", 1) for part in rest.strip(":").split(":") if "=" in part)
        faces.append((path, int(fields.get("index", 0)), fields.get("style", "")))
    return faces


def _collection_index(path: str, family: str) -> int | None:
    """The index of ``family`` inside a font file, read from its name tables."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.lower().endswith((".ttc", ".otc")):
        fonts = TTCollection(path, lazy=True).fonts
    else:
        fonts = [TTFont(path, lazy=True)]
    for index, font in enumerate(fonts):
        names = {font["name"].getDebugName(1), font["name"].getDebugName(16)}
        if family in names:
            return index
    return None


def _find_file(name: str) -> str | None:
    for folder in _SEARCH_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for found in root.rglob(name):
                return str(found)
    return None


def _by_files(family: str) -> SystemFont | None:
    regular_name, bold_name = _FILE_NAMES[family]
    regular = _find_file(regular_name)
    if not regular:
        return None
    index = _collection_index(regular, family)
    if index is None:
        return None
    bold = _find_file(bold_name) if bold_name else None
    bold_index = _collection_index(bold, family) if bold else None
    return SystemFont(
        family,
        FontFile(regular, index),
        FontFile(bold, bold_index) if bold and bold_index is not None else None,
    )


def _by_fontconfig(family: str) -> SystemFont | None:
    faces = _fc_list(family)
    regular = next((FontFile(p, i) for p, i, s in faces if "Regular" in s.split(",")), None)
    bold = next((FontFile(p, i) for p, i, s in faces if "Bold" in s.split(",")), None)
    return SystemFont(family, regular, bold) if regular else None


_found: dict[str, SystemFont | None] = {}


def system_font() -> SystemFont | None:
    """The installed CJK face documents are set in, or ``None`` when there is none."""
    if "font" not in _found:
        _found["font"] = next(
            (font for family in SYSTEM_FAMILIES if (font := _by_fontconfig(family) or _by_files(family))),
            None,
        )
    return _found["font"]


def require_system_font() -> SystemFont:
    font = system_font()
    if font is None:
        raise NoCjkFont()
    return font


def subset_characters() -> list[int]:
    """Code points of the prepared subset: GB 2312 and the Latin and punctuation documents use."""
    points: set[int] = set()
    for first, last in (
        (0x20, 0x7E),  # ASCII
        (0xA0, 0x17F),  # Latin-1 and Latin Extended-A (names in English documents)
        (0x2000, 0x206F),  # general punctuation
        (0x2100, 0x218F),  # letter-like symbols, number forms (№, Ⅻ)
        (0x2190, 0x21FF),  # arrows
        (0x2460, 0x24FF),  # enclosed numbers ①
        (0x2500, 0x25FF),  # box drawing, shapes (□ ■ ○ ●)
        (0x3000, 0x303F),  # CJK punctuation
        (0xFF00, 0xFFEF),  # full-width forms
    ):
        points.update(range(first, last + 1))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return sorted(points)


def prepared_paths(folder: str | os.PathLike) -> dict[str, Path]:
    """The prepared subset files by weight, as they are named in ``folder``."""
    return {weight: Path(folder) / name for weight, name in PREPARED_FILES.items()}


def _stamp(folder: Path, font: SystemFont) -> Path:
    return folder / f"prepared-{SUBSET_VERSION}.txt"


def _stamp_text(font: SystemFont) -> str:
    return f"{font.family}\n{font.regular}\n{font.bold}\n"


def prepared(folder: str | os.PathLike) -> dict[str, Path] | None:
    """The prepared subsets if they are there and were cut from the installed font, else ``None``."""
    font = system_font()
    folder = Path(folder)
    if font is None:
        return None
    stamp = _stamp(folder, font)
    paths = prepared_paths(folder)
    if not stamp.is_file() or stamp.read_text() != _stamp_text(font):
        return None
    if not all(path.is_file() for path in paths.values()):
        return None
    return paths


def _cut(source: FontFile, target: str, characters: Iterable[int]) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source.path, fontNumber=source.index, lazy=False)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True  # WeasyPrint's per-document subsetting is faster on plain outlines
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=list(characters))
    subsetter.subset(font)
    # The prepared face gets its own family name, so CSS can put it before the full system face.
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = PREPARED_FAMILY
    partial = f"{target}.part"
    font.save(partial)
    os.replace(partial, target)


def prepare(folder: str | os.PathLike, *, force: bool = False) -> dict[str, Path]:
    """Cut the subsets into ``folder`` (about half a minute, both weights at once); idempotent."""
    font = require_system_font()
    folder = Path(folder)
    if not force and (ready := prepared(folder)):
        return ready
    folder.mkdir(parents=True, exist_ok=True)
    paths = prepared_paths(folder)
    characters = subset_characters()
    # A font without a bold face: the prepared bold is the regular one, and Pango makes it bold.
    sources = {"normal": font.regular, "bold": font.bold or font.regular}
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_cut, sources[w], str(paths[w]), characters) for w in PREPARED_FILES]
        for future in futures:
            future.result()
    _stamp(folder, font).write_text(_stamp_text(font))
    return paths
