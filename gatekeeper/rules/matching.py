"""Fuzzy title matching against the admission catalogue.

A request title is compared with catalogue titles after ``normalise`` (see ``textnorm``). The score
(0-100) of a query against an entry is the higher of

* ``rapidfuzz.fuzz.ratio`` of the two normalised strings (catches rewordings of similar length), and
* the share of the entry's character bigrams found in the query (catches a short entry inside a long
  request title: 健在证明 in 关于居民出具健在情况证明的通知). Entries of only one or two bigrams are
  discounted (×0.8, ×0.9) because a single shared bigram says little.

Bigrams keep word order local, so two certificates that only share 证明 stay low
(出生证明 vs 死亡证明: ratio 50, containment 33).

``build_index`` precomputes normalised titles, bigram sets and an inverted bigram index once per
catalogue version; lookups use ``rapidfuzz.process.extract`` with a score cut-off and posting lists, so
a 2,000-entry catalogue is searched in well under a millisecond.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .context import Catalogue, Entry
from .textnorm import normalise

__all__ = ["CatalogueIndex", "build_index", "grams", "normalise", "score", "title_similarity"]

#: Scores below this are not reported by ``best_banned`` / ``best_permitted`` unless asked.
DEFAULT_MIN_SCORE = 50.0
#: How many best candidates by each measure are compared in full.
_CANDIDATES = 5
_MEMO_LIMIT = 1024
_MISSING = object()
_BRACKETS = re.compile(r"\([^()]*\)")
_SMALL_ENTRY_FACTOR = {1: 0.8, 2: 0.9}


def grams(text: str) -> frozenset[str]:
    """Character bigrams of a normalised string (the string itself if it is one character long)."""
    if len(text) < 2:
        return frozenset((text,)) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _containment(hits: int, size: int) -> float:
    """0-100: share of an entry's ``size`` bigrams found in the query, small entries discounted."""
    if size == 0:
        return 0.0
    return 100.0 * hits / size * _SMALL_ENTRY_FACTOR.get(size, 1.0)


def _score_normalised(query: str, entry: str) -> float:
    """Score of a normalised query against a normalised entry title."""
    if not query or not entry:
        return 0.0
    entry_grams = grams(entry)
    hits = len(entry_grams & grams(query))
    return round(max(fuzz.ratio(query, entry), _containment(hits, len(entry_grams))), 1)


def score(query_title: str, entry_title: str) -> float:
    """0-100: how well ``query_title`` means ``entry_title`` (directional, see the module docstring)."""
    return _score_normalised(normalise(query_title), normalise(entry_title))


def title_similarity(first: str, second: str) -> float:
    """Symmetric 0-100 similarity of two titles: the better of both directions of ``score``."""
    a, b = normalise(first), normalise(second)
    return max(_score_normalised(a, b), _score_normalised(b, a))


def _variants(title: str) -> tuple[str, ...]:
    """Normalised forms of a catalogue title: in full, and without a bracketed aside if it has one."""
    full = normalise(title)
    short = normalise(_BRACKETS.sub("", unicodedata.normalize("NFKC", title)))
    return (full,) if not short or short == full else (full, short)


@dataclass(frozen=True)
class _Pool:
    """Searchable titles of a group of entries (one row per title variant)."""

    owners: tuple[Entry, ...]
    texts: tuple[str, ...]
    grams: tuple[frozenset[str], ...]
    postings: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> _Pool:
        """Precompute variants, bigram sets and the inverted bigram index."""
        owners, texts, row_grams = [], [], []
        postings: dict[str, list[int]] = {}
        for entry in entries:
            for text in _variants(entry.title):
                for gram in grams(text):
                    postings.setdefault(gram, []).append(len(texts))
                owners.append(entry)
                texts.append(text)
                row_grams.append(grams(text))
        frozen = {gram: tuple(rows) for gram, rows in postings.items()}
        return cls(tuple(owners), tuple(texts), tuple(row_grams), frozen)

    def best(self, query: str, min_score: float) -> tuple[Entry, float] | None:
        """The best-scoring entry for a normalised query, if it scores at least ``min_score``.

        Ties go to the higher plain ratio, then to the earlier entry.
        """
        if not query or not self.texts:
            return None
        query_grams = grams(query)
        rows = set(self._top_by_containment(query_grams, min_score))
        rows.update(
            row
            for _, _, row in process.extract(
                query, self.texts, scorer=fuzz.ratio, score_cutoff=min_score, limit=_CANDIDATES
            )
        )
        ranked = []
        for row in rows:
            ratio = fuzz.ratio(query, self.texts[row])
            contained = _containment(len(self.grams[row] & query_grams), len(self.grams[row]))
            ranked.append((round(max(ratio, contained), 1), ratio, -row))
        if not ranked:
            return None
        best_score, _, row = max(ranked)
        return (self.owners[-row], best_score) if best_score >= min_score else None

    def _top_by_containment(self, query_grams: frozenset[str], min_score: float) -> list[int]:
        """The few rows with the best containment score of at least ``min_score``."""
        counts: Counter[int] = Counter()
        for gram in query_grams:
            counts.update(self.postings.get(gram, ()))
        scored = []
        for row, hits in counts.items():
            value = _containment(hits, len(self.grams[row]))
            if value >= min_score:
                scored.append((value, -row))
        scored.sort(reverse=True)
        return [-row for _, row in scored[:_CANDIDATES]]


class CatalogueIndex:
    """Search structures for one catalogue version; build once (``build_index``) and reuse.

    Immutable apart from a small bounded memo of recent lookups, which only saves time.
    """

    __slots__ = ("_banned", "_by_code", "_memo", "_permitted", "label", "version_id")

    def __init__(self, catalogue: Catalogue) -> None:
        self.version_id = catalogue.version_id
        self.label = catalogue.label
        self._by_code: dict[str, Entry] = {}
        for entry in catalogue.entries:
            self._by_code.setdefault(entry.code, entry)
        self._banned = _Pool.of(e for e in catalogue.entries if e.standing == "banned")
        kinds = sorted({e.kind for e in catalogue.entries if e.standing == "permitted"})
        self._permitted = {
            kind: _Pool.of(e for e in catalogue.entries if e.standing == "permitted" and e.kind == kind)
            for kind in kinds
        }
        self._memo: dict[tuple[str | None, str, float], tuple[Entry, float] | None] = {}

    def by_code(self, code: str | None) -> Entry | None:
        """The entry with this code in this version (None if absent or no code given)."""
        return self._by_code.get(code.strip()) if code else None

    def best_banned(self, title: str, min_score: float = DEFAULT_MIN_SCORE) -> tuple[Entry, float] | None:
        """Closest banned entry of any kind to ``title`` and its score, if at least ``min_score``."""
        return self._lookup(None, title, min_score)

    def best_permitted(
        self, title: str, kind: str, min_score: float = DEFAULT_MIN_SCORE
    ) -> tuple[Entry, float] | None:
        """Closest permitted entry of ``kind`` to ``title`` and its score, if at least ``min_score``."""
        return self._lookup(kind, title, min_score)

    def _lookup(self, kind: str | None, title: str, min_score: float) -> tuple[Entry, float] | None:
        key = (kind, title, min_score)
        cached = self._memo.get(key, _MISSING)  # one read: safe if another thread clears the memo
        if cached is not _MISSING:
            return cached
        pool = self._banned if kind is None else self._permitted.get(kind)
        found = pool.best(normalise(title), min_score) if pool is not None else None
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = found
        return found


def build_index(catalogue: Catalogue) -> CatalogueIndex:
    """Build the search index of a catalogue version (pure; cache it per ``catalogue.version_id``)."""
    return CatalogueIndex(catalogue)
