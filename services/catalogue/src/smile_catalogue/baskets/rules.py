"""The checks of a basket, one function per rule, each with a message in English and French.

Pure functions over plain facts (no I/O), so every rule is tested on its own. A rule's severity comes from
the university's :class:`BasketPolicy`: ``error`` blocks the submission, ``warning`` travels with it,
``off`` is not checked.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from smile_catalogue.courses.index import format_ects
from smile_catalogue.institution.schemas import BasketPolicy
from smile_catalogue.search.labels import language_name
from smile_catalogue.vocab import cefr_rank

__all__ = ["RULES", "BasketFacts", "Check", "CourseFacts", "ItemFacts", "run_checks"]

RULES = (
    "term_availability",
    "ects_bounds",
    "timetable_clash",
    "capacity",
    "language_level",
    "faculty_share",
    "prerequisites",
)
_DAY_NAMES = {"mon": ("Monday", "lundi"), "tue": ("Tuesday", "mardi"), "wed": ("Wednesday", "mercredi"),
              "thu": ("Thursday", "jeudi"), "fri": ("Friday", "vendredi"), "sat": ("Saturday", "samedi"),
              "sun": ("Sunday", "dimanche")}  # fmt: skip


@dataclass(frozen=True)
class CourseFacts:
    id: uuid.UUID
    code: str
    title: dict[str, str]
    ects: Decimal
    published: bool
    open_to_exchange: bool
    term_codes: tuple[str, ...]
    languages: tuple[tuple[str, str | None], ...]
    schedule: tuple[dict[str, Any], ...]
    capacity: int | None
    faculty_code: str | None
    #: what the course expects students to know already, by language (free text)
    prerequisites: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemFacts:
    course: CourseFacts
    term_code: str


@dataclass
class BasketFacts:
    term_codes: tuple[str, ...]
    declared: dict[str, str]
    host_faculty: str | None
    items: list[ItemFacts]
    #: places already taken by other students' submitted baskets, per course
    taken: dict[uuid.UUID, int] = field(default_factory=dict)
    term_names: dict[str, dict[str, str]] = field(default_factory=dict)
    faculty_names: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Check:
    rule: str
    severity: str
    message: dict[str, str]
    course_ids: list[uuid.UUID] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "course_ids": [str(i) for i in self.course_ids],
            "details": self.details,
        }


def _title(course: CourseFacts, lang: str) -> str:
    name = course.title.get(lang) or course.title.get("en") or next(iter(course.title.values()), "")
    return f"{course.code} {name}".strip()


def _name(names: dict[str, dict[str, str]], code: str, lang: str) -> str:
    texts = names.get(code) or {}
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), code)


def _msg(en: str, fr: str) -> dict[str, str]:
    return {"en": en, "fr": fr}


# --- the rules -------------------------------------------------------------------------------------------
def term_availability(b: BasketFacts) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    found = []
    for item in b.items:
        c = item.course
        t_en, t_fr = _name(b.term_names, item.term_code, "en"), _name(b.term_names, item.term_code, "fr")
        if not c.published or not c.open_to_exchange:
            found.append(
                (
                    _msg(
                        f"{_title(c, 'en')} is no longer offered to exchange students.",
                        f"{_title(c, 'fr')} n'est plus proposé aux étudiants en échange.",
                    ),
                    [c.id],
                )
            )
        elif item.term_code not in c.term_codes:
            found.append(
                (
                    _msg(f"{_title(c, 'en')} is not given in {t_en}.", f"{_title(c, 'fr')} n'a pas lieu au {t_fr}."),
                    [c.id],
                )
            )
        elif item.term_code not in b.term_codes:
            found.append(
                (
                    _msg(
                        f"{_title(c, 'en')} is given in {t_en}, outside your stay.",
                        f"{_title(c, 'fr')} a lieu au {t_fr}, en dehors de votre séjour.",
                    ),
                    [c.id],
                )
            )
    return found


def ects_bounds(b: BasketFacts, policy: BasketPolicy) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    totals: dict[str, Decimal] = {term: Decimal(0) for term in b.term_codes}
    courses: dict[str, list[uuid.UUID]] = defaultdict(list)
    for item in b.items:
        totals[item.term_code] = totals.get(item.term_code, Decimal(0)) + item.course.ects
        courses[item.term_code].append(item.course.id)
    low, high = Decimal(str(policy.min_ects_per_term)), Decimal(str(policy.max_ects_per_term))
    found = []
    for term in b.term_codes:
        total = totals[term]
        t_en, t_fr = _name(b.term_names, term, "en"), _name(b.term_names, term, "fr")
        n, lo, hi = format_ects(total), format_ects(low), format_ects(high)
        if total < low:
            found.append(
                (
                    _msg(
                        f"{t_en}: {n} ECTS chosen, at least {lo} are expected.",
                        f"{t_fr} : {n} ECTS choisis, il en faut au moins {lo}.",
                    ),
                    courses[term],
                )
            )
        elif total > high:
            found.append(
                (
                    _msg(
                        f"{t_en}: {n} ECTS chosen, at most {hi} are allowed.",
                        f"{t_fr} : {n} ECTS choisis, {hi} au plus sont permis.",
                    ),
                    courses[term],
                )
            )
    return found


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a["day"] != b["day"] or not (a["start"] < b["end"] and b["start"] < a["end"]):
        return False
    weeks_a, weeks_b = set(a.get("weeks") or ()), set(b.get("weeks") or ())
    return not weeks_a or not weeks_b or bool(weeks_a & weeks_b)


def _slots(item: ItemFacts) -> list[dict[str, Any]]:
    return [s for s in item.course.schedule if s.get("term_code") in (None, item.term_code)]


def timetable_clash(b: BasketFacts) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    found = []
    for i, first in enumerate(b.items):
        for second in b.items[i + 1 :]:
            if first.term_code != second.term_code:
                continue
            clash = next((s for s in _slots(first) for t in _slots(second) if _overlap(s, t)), None)
            if clash is None:
                continue
            day_en, day_fr = _DAY_NAMES[clash["day"]]
            when = f"{clash['start']}-{clash['end']}"
            a_en, b_en = _title(first.course, "en"), _title(second.course, "en")
            a_fr, b_fr = _title(first.course, "fr"), _title(second.course, "fr")
            found.append(
                (
                    _msg(
                        f"{a_en} and {b_en} meet at the same time ({day_en} {when}).",
                        f"{a_fr} et {b_fr} ont lieu en même temps ({day_fr} {when}).",
                    ),
                    [first.course.id, second.course.id],
                )
            )
    return found


def capacity(b: BasketFacts) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    found = []
    for item in b.items:
        c = item.course
        if c.capacity is not None and b.taken.get(c.id, 0) >= c.capacity:
            found.append(
                (
                    _msg(
                        f"{_title(c, 'en')} is full ({c.capacity} places for exchange students).",
                        f"{_title(c, 'fr')} est complet ({c.capacity} places pour les étudiants en échange).",
                    ),
                    [c.id],
                )
            )
    return found


def _can_follow(declared: dict[str, str], languages: tuple[tuple[str, str | None], ...]) -> bool:
    return any(lang in declared and cefr_rank(declared[lang]) >= cefr_rank(level) for lang, level in languages)


def _declared(declared: dict[str, str], ui: str) -> str:
    if not declared:
        return "nothing declared" if ui == "en" else "aucune langue déclarée"
    return ", ".join(f"{language_name(code, ui)} {level}" for code, level in sorted(declared.items()))


def language_level(b: BasketFacts) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    found = []
    for item in b.items:
        c = item.course
        if not c.languages or _can_follow(b.declared, c.languages):
            continue
        needs_en = " or ".join(f"{language_name(lang, 'en')} {level or ''}".strip() for lang, level in c.languages)
        needs_fr = " ou ".join(f"{language_name(lang, 'fr')} {level or ''}".strip() for lang, level in c.languages)
        en = f"{_title(c, 'en')} is taught in {needs_en}; your levels: {_declared(b.declared, 'en')}."
        fr = f"{_title(c, 'fr')} est enseigné en {needs_fr} ; vos niveaux : {_declared(b.declared, 'fr')}."
        found.append((_msg(en, fr), [c.id]))
    return found


def faculty_share(b: BasketFacts, policy: BasketPolicy) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    credits: dict[str, Decimal] = defaultdict(Decimal)
    for item in b.items:
        credits[item.course.faculty_code or "-"] += item.course.ects
    total = sum(credits.values(), Decimal(0))
    if not total:
        return []
    main = b.host_faculty or max(credits, key=lambda f: (credits[f], f))
    share = credits.get(main, Decimal(0)) / total
    if share >= Decimal(str(policy.min_share_in_main_faculty)):
        return []
    pct, need = round(share * 100), round(policy.min_share_in_main_faculty * 100)
    n, t = format_ects(credits.get(main, Decimal(0))), format_ects(total)
    f_en, f_fr = _name(b.faculty_names, main, "en"), _name(b.faculty_names, main, "fr")
    outside = [i.course.id for i in b.items if (i.course.faculty_code or "-") != main]
    return [
        (
            _msg(
                f"Only {pct}% of your credits ({n} of {t} ECTS) are in {f_en}; at least {need}% must be.",
                f"Seuls {pct} % de vos crédits ({n} sur {t} ECTS) relèvent de {f_fr} ; il en faut {need} %.",
            ),
            outside,
        )
    ]


def prerequisites(b: BasketFacts) -> list[tuple[dict[str, str], list[uuid.UUID]]]:
    """Courses that expect prior knowledge: the student reads what, and confirms with their home coordinator."""
    found = []
    for item in b.items:
        c = item.course
        texts = {lang: text.strip() for lang, text in c.prerequisites.items() if text.strip()}
        if not texts:
            continue
        en = texts.get("en") or texts.get("fr") or next(iter(texts.values()))
        fr = texts.get("fr") or texts.get("en") or next(iter(texts.values()))
        found.append(
            (
                _msg(
                    f"{_title(c, 'en')} expects prior knowledge: {en} Check that your studies so far cover it.",
                    f"{_title(c, 'fr')} suppose des acquis : {fr} Vérifiez que vos études les couvrent.",
                ),
                [c.id],
            )
        )
    return found


def run_checks(b: BasketFacts, policy: BasketPolicy) -> list[Check]:
    """Every rule of the policy, in a fixed order; a passing rule appears with severity ``ok``."""
    results: dict[str, list[tuple[dict[str, str], list[uuid.UUID]]]] = {
        "term_availability": term_availability(b),
        "ects_bounds": ects_bounds(b, policy),
        "timetable_clash": timetable_clash(b),
        "capacity": capacity(b),
        "language_level": language_level(b),
        "faculty_share": faculty_share(b, policy),
        "prerequisites": prerequisites(b),
    }
    checks = []
    for rule in RULES:
        severity = getattr(policy, rule)
        if severity == "off":
            checks.append(Check(rule, "off", _msg("Not checked at this university.", "Non vérifié ici.")))
            continue
        if not results[rule]:
            checks.append(Check(rule, "ok", _msg("OK", "OK")))
            continue
        checks += [Check(rule, severity, message, ids) for message, ids in results[rule]]
    return checks
