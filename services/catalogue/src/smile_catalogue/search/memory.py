"""An in-memory search index of one university's public catalogue, answering exactly as the SQL search.

Built from the database (published courses open to exchange students, their search words, facet rows and
the reference data), all read in one snapshot together with the catalogue revision, and valid for that
revision only (:mod:`smile_catalogue.search.indexes` keeps and rebuilds it).

Courses are numbered by their code (rank ``i`` = the ``i``-th code in byte order, the order every search
ends with), and a set of courses is a Python ``int`` used as a bitset (bit ``i`` = course ``i``):

* a filter is the ``|`` of the bitsets of its values (read from the facet rows), filters are ``&``-ed;
* a facet count is ``(matches & bitset).bit_count()``;
* full text: the folded words of the course (the same words PostgreSQL's ``tsvector`` and SQLite's FTS5
  index hold) in one sorted list; a query word matches the words it is a prefix of, a contiguous range
  of that list found with ``bisect``. Frequent words keep a bitset, rare ones a sorted list of course
  numbers (4 bytes each), so memory stays within about 4 bytes per (word, course) pair;
* a page is the first set bits after the cursor's position, by segments of the sort (relevance tier,
  credits), or a walk over the title order for ``sort=title``.

Items are kept as the JSON the SQL search writes for them, so answers are byte-identical.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import sys
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from smile_catalogue.courses.index import levels_up_to
from smile_catalogue.http_cache import json_bytes
from smile_catalogue.refs import Refs
from smile_catalogue.search.labels import FacetLabels
from smile_catalogue.search.query import SearchQuery
from smile_catalogue.search.service import FACETS, item_of

__all__ = ["CourseRow", "IndexBuilder", "MemoryIndex", "answer", "build_index"]

#: PostgreSQL does not index words longer than this (in bytes): neither does the index on PostgreSQL
_PG_MAX_WORD_BYTES = 2047
_MASK64 = (1 << 64) - 1
_PREFIX_CACHE = 256


@dataclass(frozen=True)
class CourseRow:
    """What the index needs of one course: its item columns, sort keys, words and facet rows."""

    columns: Mapping[str, Any]
    title_sort_en: str
    title_sort_fr: str
    head: str
    body: str
    facets: Sequence[tuple[str, str]]


class _Postings:
    """Folded words -> the courses holding them (bitsets for frequent words, course numbers for the rest)."""

    def __init__(self, words: Mapping[str, Sequence[int]], size: int, dense_from: int) -> None:
        self.size = size
        self.words: list[str] = sorted(words)
        self.offsets = array("I", [0])
        self.numbers = array("I")
        self.dense_at: list[int] = []  # indexes (in self.words) of the words kept as bitsets
        self.dense: list[int] = []
        for i, word in enumerate(self.words):
            numbers = words[word]
            if len(numbers) >= dense_from:
                self.dense_at.append(i)
                self.dense.append(_bitset(numbers, size))
            else:
                self.numbers.extend(numbers)
            self.offsets.append(len(self.numbers))

    def prefixed(self, prefix: str) -> int:
        """The courses holding a word that starts with ``prefix``."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, _successor(prefix), lo)
        if lo == hi:
            return 0
        found = 0
        for k in range(bisect.bisect_left(self.dense_at, lo), bisect.bisect_left(self.dense_at, hi)):
            found |= self.dense[k]
        start, end = self.offsets[lo], self.offsets[hi]
        if end > start:
            found |= _bitset(self.numbers[start:end], self.size)
        return found

    def nbytes(self) -> int:
        strings = sum(sys.getsizeof(w) for w in self.words) + sys.getsizeof(self.words)
        arrays = self.offsets.itemsize * len(self.offsets) + self.numbers.itemsize * len(self.numbers)
        return strings + arrays + sum(sys.getsizeof(b) for b in self.dense)


def _successor(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix``."""
    last = ord(prefix[-1])
    return prefix[:-1] + chr(last + 1) if last < sys.maxunicode else prefix + "\U0010ffff"


def _bitset(numbers: Iterable[int], size: int) -> int:
    buffer = bytearray((size + 7) // 8)
    for n in numbers:
        buffer[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buffer, "little")


def _words64(bits: int, nwords: int) -> array[int]:
    words = array("Q", bits.to_bytes(nwords * 8, "little"))
    if sys.byteorder == "big":
        words.byteswap()
    return words


@dataclass
class MemoryIndex:
    tenant: str
    revision: int
    stamp: int
    refs: Refs
    postgres: bool
    codes: list[str]
    items: list[bytes]
    ects: list[Decimal]
    text: _Postings
    head: _Postings
    facets: dict[str, dict[str, int]]
    ects_values: list[tuple[Decimal, int]]
    exact: dict[str, list[int]]
    title_keys: dict[str, list[str]]
    title_order: dict[str, array[int]]
    title_position: dict[str, array[int]]
    _prefixes: OrderedDict[tuple[str, bool], int] = field(default_factory=OrderedDict)
    #: :meth:`nbytes` when it was built
    built_bytes: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return (self.revision, self.stamp)

    @property
    def size(self) -> int:
        return len(self.codes)

    @functools.cached_property
    def everything(self) -> int:
        return (1 << self.size) - 1

    # --- matching ------------------------------------------------------------------------------
    def _words(self, words: Sequence[str], *, head: bool) -> int:
        postings = self.head if head else self.text
        found = self.everything
        for word in words:
            cached = self._prefixes.get((word, head))
            if cached is None:
                cached = postings.prefixed(word)
                self._prefixes[(word, head)] = cached
                if len(self._prefixes) > _PREFIX_CACHE:
                    self._prefixes.popitem(last=False)
            else:
                self._prefixes.move_to_end((word, head))
            found &= cached
            if not found:
                break
        return found

    def _any(self, dim: str, values: Iterable[str]) -> int:
        bitsets = self.facets.get(dim, {})
        found = 0
        for value in values:
            found |= bitsets.get(value, 0)
        return found

    def matching(self, query: SearchQuery, *, without: str | None = None) -> int:
        """The courses matching every condition of the search (``without``: leaving one facet's filter out),
        as :meth:`SearchQuery.conditions` says on SQL."""
        f = query.filters
        found = self.everything
        words = query.words
        if words:
            found &= self._words(words, head=False)
        for dim, values in query.facet_filters(without=without):
            found &= self._any(dim, values)
        languages = () if without == "language" else f.languages
        if f.cefr and without != "cefr":
            levels = levels_up_to(f.cefr)
            if languages:
                found &= self._any("level", [f"{lang}:{lvl}" for lang in languages for lvl in levels])
            else:
                found &= self._any("cefr", levels)
        elif languages:
            found &= self._any("lang", languages)
        if without != "ects" and (f.ects_min is not None or f.ects_max is not None):
            in_range = 0
            for value, bits in self.ects_values:
                if (f.ects_min is None or value >= f.ects_min) and (f.ects_max is None or value <= f.ects_max):
                    in_range |= bits
            found &= in_range
        return found

    # --- pages ---------------------------------------------------------------------------------
    def page(self, query: SearchQuery, found: int, after: list[Any] | None, count: int) -> list[tuple[int, list[Any]]]:
        """Up to ``count`` courses of ``found`` after the cursor's values, in the search's order, each with
        its sort values (what a cursor holds)."""
        sort = query.effective_sort
        keys = 1 if sort == "code" else 2
        if sort == "title":
            return self._title_page(query.lang, found, after, count)
        segments: list[tuple[Any, int]]
        descending = False
        if sort == "relevance":
            exact = 0
            for n in self.exact.get((query.q or "").strip().lower(), ()):
                exact |= 1 << n
            exact &= found
            heads = found & self._words(query.words, head=True) & ~exact
            segments = [(0, exact), (1, heads), (2, found & ~exact & ~heads)]
        elif sort in ("ects", "-ects"):
            descending = sort == "-ects"
            values = reversed(self.ects_values) if descending else iter(self.ects_values)
            segments = [(value, bits) for value, bits in values]
        else:
            segments = [(None, found)]
        out: list[tuple[int, list[Any]]] = []
        for value, bits in segments:
            start = 0
            if after is not None and keys == 2:
                if value == after[0]:
                    start = bisect.bisect_right(self.codes, after[1])
                elif (value < after[0]) != descending:
                    continue
            elif after is not None:
                start = bisect.bisect_right(self.codes, after[0])
            if sort in ("ects", "-ects"):
                bits &= found
            for n in self._first(bits, start, count - len(out)):
                out.append((n, [self.codes[n]] if value is None else [value, self.codes[n]]))
            if len(out) == count:
                break
        return out

    def _first(self, bits: int, start: int, count: int) -> list[int]:
        """The ``count`` lowest course numbers of ``bits`` from ``start`` on."""
        if count <= 0 or start >= self.size or not bits >> start:
            return []
        nwords = (self.size + 63) // 64
        words = _words64(bits, nwords)
        out: list[int] = []
        i = start >> 6
        word = words[i] & ((_MASK64 << (start & 63)) & _MASK64)
        while True:
            while word:
                low = word & -word
                out.append((i << 6) + low.bit_length() - 1)
                if len(out) == count:
                    return out
                word ^= low
            i += 1
            if i >= nwords:
                return out
            word = words[i]

    def _title_page(self, lang: str, found: int, after: list[Any] | None, count: int) -> list[tuple[int, list[Any]]]:
        keys = self.title_keys[lang]
        order = self.title_order[lang]
        start = 0
        if after is not None:
            start = bisect.bisect_right(order, (after[0], after[1]), key=lambda n: (keys[n], self.codes[n]))
        total = found.bit_count()
        if total * total > count * self.size:  # dense: walk the title order, testing each course
            data = found.to_bytes((self.size + 7) // 8, "little")
            numbers: list[int] = []
            for position in range(start, self.size):
                n = order[position]
                if data[n >> 3] >> (n & 7) & 1:
                    numbers.append(n)
                    if len(numbers) == count:
                        break
        else:  # sparse: every match, the first ones in title order
            positions = self.title_position[lang]
            candidates = (n for n in self._first(found, 0, total) if positions[n] >= start)
            numbers = heapq.nsmallest(count, candidates, key=positions.__getitem__)
        return [(n, [keys[n], self.codes[n]]) for n in numbers]

    # --- facets --------------------------------------------------------------------------------
    def facet_counts(self, query: SearchQuery, found: int, labels: FacetLabels) -> dict[str, list[dict[str, Any]]]:
        active = set(query.filters.active())
        isced = query.filters.isced
        out: dict[str, list[dict[str, Any]]] = {}
        for facet, dim in FACETS.items():
            within = self.matching(query, without=facet) if facet in active else found
            counts: dict[str, int] = {}
            for value, bits in self.facets.get(dim, {}).items():
                if facet == "isced" and len(value) != 2 and not _isced_shown(value, isced):
                    continue  # counted by SQL but never shown
                n = (within & bits).bit_count()
                if n:
                    counts[value] = n
            out[facet] = labels.entries(facet, counts, query.filters)
        return out

    def nbytes(self) -> int:
        """About how much memory the index holds (bytes)."""
        total = self.text.nbytes() + self.head.nbytes()
        total += sum(sys.getsizeof(i) for i in self.items) + sys.getsizeof(self.items)
        total += sum(sys.getsizeof(c) for c in self.codes) + sys.getsizeof(self.codes) + sys.getsizeof(self.ects)
        total += sum(sys.getsizeof(b) for bitsets in self.facets.values() for b in bitsets.values())
        total += sum(sys.getsizeof(b) for _, b in self.ects_values) + sys.getsizeof(self.exact) * 2
        for lang in self.title_keys:
            total += sum(sys.getsizeof(k) for k in set(self.title_keys[lang])) + sys.getsizeof(self.title_keys[lang])
            total += 8 * len(self.title_order[lang])
        total += sum(sys.getsizeof(b) for b in self._prefixes.values())
        return total


def _isced_shown(value: str, prefixes: Sequence[str]) -> bool:
    return any(len(value) == len(p) + 1 and value.startswith(p) for p in prefixes)


class IndexBuilder:
    """Builds an index from the courses in code order, a batch at a time (rows need not all be in memory)."""

    def __init__(self, tenant: str, revision: int, stamp: int, refs: Refs, *, postgres: bool) -> None:
        self.tenant, self.revision, self.stamp, self.refs, self.postgres = tenant, revision, stamp, refs, postgres
        self.text: dict[str, array[int]] = {}
        self.head: dict[str, array[int]] = {}
        self.facets: dict[tuple[str, str], array[int]] = {}
        self.ects: list[Decimal] = []
        self.exact: dict[str, list[int]] = {}
        self.codes: list[str] = []
        self.items: list[bytes] = []
        self.title_keys: dict[str, list[str]] = {"en": [], "fr": []}

    def add(self, rows: Iterable[CourseRow]) -> None:
        """The next courses, by code (after every course added before)."""
        text, head, facets, codes = self.text, self.head, self.facets, self.codes
        distinct_ects: dict[Decimal, Decimal] = {value: value for value in self.ects[-1:]}
        for row in rows:
            n = len(codes)
            code = str(row.columns["code"])
            if codes and code <= codes[-1]:
                raise ValueError(f"courses out of code order: {codes[-1]!r} then {code!r}")
            codes.append(code)
            self.exact.setdefault(code.lower(), []).append(n)
            self.items.append(item_of(row.columns))
            value = Decimal(row.columns["ects"])
            self.ects.append(distinct_ects.setdefault(value, value))
            self.title_keys["en"].append(row.title_sort_en)
            self.title_keys["fr"].append(row.title_sort_fr)
            heads = self._words(row.head)
            for word in heads.union(self._words(row.body)):
                numbers = text.get(word)
                if numbers is None:
                    numbers = text[sys.intern(word)] = array("I")
                numbers.append(n)
            for word in heads:
                numbers = head.get(word)
                if numbers is None:  # the same string as the text's key
                    numbers = head[sys.intern(word)] = array("I")
                numbers.append(n)
            for pair in set(row.facets):
                numbers = facets.get(pair)
                if numbers is None:
                    numbers = facets[pair] = array("I")
                numbers.append(n)

    def _words(self, document: str) -> set[str]:
        words = set(document.split())
        if self.postgres and words and max(map(len, words)) * 4 > _PG_MAX_WORD_BYTES:
            words = {w for w in words if len(w.encode()) <= _PG_MAX_WORD_BYTES}
        return words

    def finish(self) -> MemoryIndex:
        codes, size = self.codes, len(self.codes)
        dense_from = max(16, size // 32)  # a bitset costs size/8 bytes, a list of numbers 4 bytes a course
        by_ects: dict[Decimal, list[int]] = defaultdict(list)
        for n, value in enumerate(self.ects):
            by_ects[value].append(n)
        facets: dict[str, dict[str, int]] = defaultdict(dict)
        for (dim, facet_value), numbers in sorted(self.facets.items()):
            facets[dim][facet_value] = _bitset(numbers, size)
        title_order: dict[str, array[int]] = {}
        title_position: dict[str, array[int]] = {}
        for lang, keys in self.title_keys.items():
            order = sorted(range(size), key=lambda n: (keys[n], codes[n]))
            title_order[lang] = array("I", order)
            position = array("I", bytes(4 * size))
            for at, n in enumerate(order):
                position[n] = at
            title_position[lang] = position
        index = MemoryIndex(
            tenant=self.tenant,
            revision=self.revision,
            stamp=self.stamp,
            refs=self.refs,
            postgres=self.postgres,
            codes=codes,
            items=self.items,
            ects=self.ects,
            text=_Postings(self.text, size, dense_from),
            head=_Postings(self.head, size, dense_from),
            facets=dict(facets),
            ects_values=sorted((value, _bitset(ns, size)) for value, ns in by_ects.items()),
            exact=self.exact,
            title_keys=self.title_keys,
            title_order=title_order,
            title_position=title_position,
        )
        index.built_bytes = index.nbytes()
        return index


def build_index(
    tenant: str, revision: int, stamp: int, refs: Refs, rows: Sequence[CourseRow], *, postgres: bool
) -> MemoryIndex:
    """The index of ``rows`` (published courses open to exchange students), in any order."""
    builder = IndexBuilder(tenant, revision, stamp, refs, postgres=postgres)
    builder.add(sorted(rows, key=lambda r: str(r.columns["code"])))
    return builder.finish()


def answer(
    index: MemoryIndex, query: SearchQuery, *, limit: int, cursor: str | None, with_facets: bool
) -> bytes | None:
    """The search's answer (JSON bytes) as :func:`smile_catalogue.search.service.search` writes it, or None
    for a cursor whose values only the database can compare as it does (never one this API gives out)."""
    after = query.decode_cursor(cursor) if cursor else None
    if after is not None and not _comparable(query, after):
        return None
    found = index.matching(query)
    page = index.page(query, found, after, limit + 1)
    parts = [b'{"items":[', b",".join(index.items[n] for n, _ in page[:limit]), b'],"next_cursor":']
    parts.append(json_bytes(query.encode_cursor(page[limit - 1][1]) if len(page) > limit else None))
    if cursor is None:
        parts += [b',"total":', str(found.bit_count()).encode()]
    if with_facets:
        parts += [b',"facets":', json_bytes(index.facet_counts(query, found, FacetLabels(index.refs, query.lang)))]
    parts.append(b"}")
    return b"".join(parts)


def _comparable(query: SearchQuery, values: list[Any]) -> bool:
    """Whether Python compares the cursor's values exactly as both databases do."""
    *first, code = values
    if not _plain_text(code):
        return False
    if not first:
        return True
    value = first[0]
    if query.sort == "title":
        return _plain_text(value)
    if query.sort in ("ects", "-ects"):  # at most two decimals: what SQLite's floats compare alike
        return isinstance(value, Decimal) and value.is_finite() and abs(value) < 1000 and value == round(value, 2)
    return type(value) is int and -(2**31) < value < 2**31  # relevance tier


def _plain_text(value: Any) -> bool:
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
