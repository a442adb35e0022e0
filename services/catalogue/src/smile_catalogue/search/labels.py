"""Facet entries as a student reads them: value, label in their language, count, in a useful order."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smile_catalogue.refs import Refs
from smile_catalogue.vocab import CEFR_LEVELS, DAYS, isced_label

if TYPE_CHECKING:
    from smile_catalogue.search.query import Filters

__all__ = ["FacetLabels", "language_name"]

_LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "fr": ("French", "français"),
    "en": ("English", "anglais"),
    "de": ("German", "allemand"),
    "es": ("Spanish", "espagnol"),
    "it": ("Italian", "italien"),
    "pt": ("Portuguese", "portugais"),
    "nl": ("Dutch", "néerlandais"),
    "pl": ("Polish", "polonais"),
    "ru": ("Russian", "russe"),
    "zh": ("Chinese", "chinois"),
    "ja": ("Japanese", "japonais"),
    "ar": ("Arabic", "arabe"),
    "sv": ("Swedish", "suédois"),
    "da": ("Danish", "danois"),
    "fi": ("Finnish", "finnois"),
    "el": ("Greek", "grec"),
    "cs": ("Czech", "tchèque"),
    "ro": ("Romanian", "roumain"),
    "hu": ("Hungarian", "hongrois"),
    "la": ("Latin", "latin"),
    "br": ("Breton", "breton"),
}
_DAY_NAMES = {
    "mon": ("Monday", "lundi"),
    "tue": ("Tuesday", "mardi"),
    "wed": ("Wednesday", "mercredi"),
    "thu": ("Thursday", "jeudi"),
    "fri": ("Friday", "vendredi"),
    "sat": ("Saturday", "samedi"),
    "sun": ("Sunday", "dimanche"),
}
_EQF_NAMES = {
    5: ("short cycle", "cycle court"),
    6: ("bachelor", "licence"),
    7: ("master", "master"),
    8: ("doctorate", "doctorat"),
}


def _pick(names: tuple[str, str], lang: str) -> str:
    return names[1] if lang == "fr" else names[0]


def language_name(code: str, lang: str) -> str:
    names = _LANGUAGE_NAMES.get(code)
    return _pick(names, lang) if names else code


def _text(texts: dict[str, str], lang: str, fallback: str) -> str:
    return texts.get(lang) or texts.get("en") or texts.get("fr") or next(iter(texts.values()), fallback)


class FacetLabels:
    def __init__(self, refs: Refs, lang: str) -> None:
        self.refs = refs
        self.lang = lang

    def entries(self, facet: str, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        build = getattr(self, f"_{facet}")
        entries: list[dict[str, Any]] = build(counts, filters)
        return entries

    def _simple(self, counts: dict[str, int], label: Any, order: Any) -> list[dict[str, Any]]:
        return [{"value": v, "label": label(v), "count": counts[v]} for v in sorted(counts, key=order)]

    def _term(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        terms = self.refs.terms

        def label(code: str) -> str:
            term = terms.get(code)
            return _text(term.name, self.lang, code) if term else code

        return self._simple(counts, label, lambda c: (terms[c].start_date.isoformat() if c in terms else "~", c))

    def _language(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        return self._simple(counts, lambda c: language_name(c, self.lang), lambda c: (-counts[c], c))

    def _cefr(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        none = "aucun niveau exigé" if self.lang == "fr" else "no level required"
        order = ["-", *CEFR_LEVELS]
        return self._simple(counts, lambda c: none if c == "-" else c, order.index)

    def _eqf(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        def label(value: str) -> str:
            names = _EQF_NAMES.get(int(value))
            return f"EQF {value}" + (f" ({_pick(names, self.lang)})" if names else "")

        return self._simple(counts, label, int)

    def _isced(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        """Broad fields, and the next level down under each field the search is narrowed to."""
        shown = {c for c in counts if len(c) == 2}
        for prefix in filters.isced:
            shown |= {c for c in counts if len(c) == len(prefix) + 1 and c.startswith(prefix)}
        return [{"value": c, "label": isced_label(c, self.lang) or c, "count": counts[c]} for c in sorted(shown)]

    def _unit(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        units = self.refs.units
        out = []

        def order(code: str) -> tuple[str, str]:  # units of the same name: by code
            return (_text(units[code].name, self.lang, code) if code in units else code, code)

        for code in sorted(counts, key=order):
            unit = units.get(code)
            if unit is not None and unit.hidden:
                continue
            label = _text(unit.name, self.lang, code) if unit else code
            out.append(
                {"value": code, "label": label, "count": counts[code], "parent": unit.parent_code if unit else None}
            )
        return out

    def _programme(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        programmes = self.refs.programmes

        def label(code: str) -> str:
            programme = programmes.get(code)
            return _text(programme.name, self.lang, code) if programme else code

        return self._simple(counts, label, lambda c: (label(c), c))  # programmes of the same name: by code

    def _day(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        return self._simple(counts, lambda d: _pick(_DAY_NAMES[d], self.lang), DAYS.index)

    def _ects(self, counts: dict[str, int], filters: Filters) -> list[dict[str, Any]]:
        return self._simple(counts, lambda v: f"{v} ECTS", Decimal)
