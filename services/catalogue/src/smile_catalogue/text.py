"""Text normalisation for search: the same tokens on PostgreSQL and SQLite.

Both backends index text that this module has already folded (accents removed, lower case, ligatures
spelled out) and cut into tokens, and both receive queries folded the same way. PostgreSQL's ``simple``
configuration and SQLite FTS5's ``unicode61`` tokenizer then see identical words, so a search finds the
same courses on either backend. Every query word matches as a prefix (``econ`` finds *économie* and
*economics*), which stands in for stemming in both languages without favouring one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["MAX_QUERY_TOKENS", "fold", "fts5_query", "sort_key", "tokens", "tsquery"]

MAX_QUERY_TOKENS = 12
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l"})
_WORD = re.compile(r"[^\W_]+")


@functools.cache
def _combining() -> re.Pattern[str]:
    """Every character with a non-zero combining class (what ``unicodedata.combining`` flags), as ranges."""
    ranges: list[str] = []
    start = previous = -2
    for point in range(0x300, 0x20000):  # none above U+1E94A (Unicode 14/15)
        if unicodedata.combining(chr(point)):
            if point != previous + 1:
                if start >= 0:
                    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
                start = point
            previous = point
    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
    return re.compile(f"[{''.join(ranges)}]+")


def fold(text: str) -> str:
    """Lower case, without accents or ligatures: ``Économie Œnologie`` -> ``economie oenologie``."""
    if text.isascii():  # most of a catalogue: nothing to decompose (imports fold millions of words)
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    if decomposed.isascii():
        return decomposed.casefold()
    return _combining().sub("", decomposed).casefold()


def tokens(text: str) -> list[str]:
    """The words of ``text``, folded.

    Folding works character by character and never turns white space into a letter, so the words of a
    text are the words of its white-space-separated chunks: each chunk is folded once per process (a
    catalogue repeats its words), which makes indexing an import of thousands of courses cheap.
    """
    if len(text) < 24:
        return list(_chunk_tokens(text))
    return [word for chunk in text.split() for word in _chunk_tokens(chunk)]


#: the words of the white-space-separated chunks seen so far (a plain dict: looked up millions of times by a
#: large import, where an LRU cache's bookkeeping cost a fifth of the time); emptied when it gets large
_CHUNKS: dict[str, tuple[str, ...]] = {}
_CHUNKS_MAX = 200_000


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    words = _CHUNKS.get(chunk)
    if words is None:
        if len(_CHUNKS) >= _CHUNKS_MAX:
            _CHUNKS.clear()
        words = _CHUNKS[chunk] = tuple(_WORD.findall(fold(chunk)))
    return words


def code_tokens(code: str) -> list[str]:
    """A course code as words, plus the code written without separators (``DRT-EU-101`` -> ``drteu101``)."""
    words = tokens(code)
    joined = "".join(words)
    return [*words, joined] if len(words) > 1 else words


def document(parts: Iterable[str]) -> str:
    """Folded words of several texts, space-separated: what both backends index (the words of the texts
    joined by spaces are the texts' words: see :func:`tokens`)."""
    cache = _CHUNKS
    words: list[str] = []
    for chunk in " ".join(parts).split():
        found = cache.get(chunk)
        words += _chunk_tokens(chunk) if found is None else found
    return " ".join(words)


def sort_key(text: str | None) -> str:
    """A key that sorts titles the same way on both backends (folded, byte order)."""
    return " ".join(tokens(text or ""))[:200]


def query_tokens(q: str) -> list[str]:
    return tokens(q)[:MAX_QUERY_TOKENS]


def tsquery(words: list[str], *, head_only: bool = False) -> str:
    """A PostgreSQL ``to_tsquery('simple', …)`` text: every word as a prefix; ``head_only`` = weight A."""
    suffix = ":*A" if head_only else ":*"
    return " & ".join(f"{w}{suffix}" for w in words)


def fts5_query(words: list[str], *, head_only: bool = False) -> str:
    """An FTS5 ``MATCH`` text with the same meaning as :func:`tsquery`."""
    column = "head : " if head_only else ""
    return " AND ".join(f'{column}"{w}"*' for w in words)
