"""Each basket rule on its own, with the messages a student reads."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from smile_catalogue.baskets.rules import BasketFacts, CourseFacts, ItemFacts, run_checks
from smile_catalogue.institution.schemas import BasketPolicy

POLICY = BasketPolicy(min_ects_per_term=20, max_ects_per_term=35, min_share_in_main_faculty=0.5)


def course(code: str, ects: float = 6, **changes: Any) -> CourseFacts:
    values: dict[str, Any] = {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, code),
        "code": code,
        "title": {"en": f"Course {code}", "fr": f"Cours {code}"},
        "ects": Decimal(str(ects)),
        "published": True,
        "open_to_exchange": True,
        "term_codes": ("S1",),
        "languages": (("fr", "B1"),),
        "schedule": (),
        "capacity": None,
        "faculty_code": "LAW",
    }
    values.update(changes)
    return CourseFacts(**values)


def basket(*items: ItemFacts, **changes: Any) -> BasketFacts:
    values: dict[str, Any] = {
        "term_codes": ("S1",),
        "declared": {"fr": "B2", "en": "C1"},
        "host_faculty": None,
        "items": list(items),
        "term_names": {"S1": {"en": "Semester 1", "fr": "Semestre 1"}},
        "faculty_names": {"LAW": {"en": "Faculty of Law", "fr": "Faculté de droit"}},
    }
    values.update(changes)
    return BasketFacts(**values)


def full_term(*extra: ItemFacts) -> list[ItemFacts]:
    return [ItemFacts(course(f"LAW-{i}", 6), "S1") for i in range(4)] + list(extra)


def by_rule(facts: BasketFacts, policy: BasketPolicy = POLICY) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for check in run_checks(facts, policy):
        out.setdefault(check.rule, []).append(check)
    return out


def test_a_sound_basket_passes_every_rule() -> None:
    checks = by_rule(basket(*full_term()))
    assert {rule: [c.severity for c in found] for rule, found in checks.items()} == {
        "term_availability": ["ok"], "ects_bounds": ["ok"], "timetable_clash": ["ok"], "capacity": ["ok"],
        "language_level": ["ok"], "faculty_share": ["ok"], "prerequisites": ["ok"],
    }  # fmt: skip


def test_ects_bounds_per_term() -> None:
    low = by_rule(basket(ItemFacts(course("A", 6), "S1")))["ects_bounds"][0]
    assert low.severity == "error"
    assert low.message["en"] == "Semester 1: 6 ECTS chosen, at least 20 are expected."
    assert low.message["fr"] == "Semestre 1 : 6 ECTS choisis, il en faut au moins 20."
    high = by_rule(basket(*full_term(ItemFacts(course("B", 12.5), "S1"))))["ects_bounds"][0]
    assert high.message["en"] == "Semester 1: 36.5 ECTS chosen, at most 35 are allowed."
    two_terms = basket(*full_term(), term_codes=("S1", "S2"), term_names={})
    empty_s2 = by_rule(two_terms)["ects_bounds"]
    assert [c.message["en"] for c in empty_s2] == ["S2: 0 ECTS chosen, at least 20 are expected."]


def test_timetable_clashes_respect_days_hours_weeks_and_terms() -> None:
    mon = {"day": "mon", "start": "10:00", "end": "12:00"}
    a = course("A", schedule=(mon,))
    b = course("B", schedule=({"day": "mon", "start": "11:30", "end": "13:00"},))
    clash = by_rule(basket(*full_term(ItemFacts(a, "S1"), ItemFacts(b, "S1"))))["timetable_clash"][0]
    assert clash.severity == "error"
    assert clash.message["en"] == "A Course A and B Course B meet at the same time (Monday 10:00-12:00)."
    assert set(clash.course_ids) == {a.id, b.id}
    back_to_back = course("C", schedule=({"day": "mon", "start": "12:00", "end": "14:00"},))
    other_weeks = course("D", schedule=({"day": "mon", "start": "10:00", "end": "12:00", "weeks": [40, 41]},))
    early = course("E", schedule=({**mon, "weeks": [36, 37]},))
    for other in (back_to_back, other_weeks):
        found = by_rule(basket(*full_term(ItemFacts(early, "S1"), ItemFacts(other, "S1"))))["timetable_clash"]
        assert [c.severity for c in found] == ["ok"]
    other_term = course("F", term_codes=("S1", "S2"), schedule=(mon,))
    split = basket(ItemFacts(a, "S1"), ItemFacts(other_term, "S2"), term_codes=("S1", "S2"))
    assert [c.severity for c in by_rule(split)["timetable_clash"]] == ["ok"]


def test_capacity_counts_other_students_submissions() -> None:
    small = course("SMALL", capacity=2)
    facts = basket(*full_term(ItemFacts(small, "S1")), taken={small.id: 1})
    assert [c.severity for c in by_rule(facts)["capacity"]] == ["ok"]
    facts.taken[small.id] = 2
    full = by_rule(facts)["capacity"][0]
    assert full.message["en"] == "SMALL Course SMALL is full (2 places for exchange students)."


def test_language_level_against_declared_levels() -> None:
    c1 = course("HARD", languages=(("fr", "C1"),))
    check = by_rule(basket(*full_term(ItemFacts(c1, "S1"))))["language_level"][0]
    assert check.severity == "warning"
    assert check.message["en"] == "HARD Course HARD is taught in French C1; your levels: English C1, French B2."
    either = course("EITHER", languages=(("fr", "C2"), ("en", "B2")))
    assert [c.severity for c in by_rule(basket(*full_term(ItemFacts(either, "S1"))))["language_level"]] == ["ok"]
    german = course("DE", languages=(("de", None),))
    assert by_rule(basket(*full_term(ItemFacts(german, "S1"))))["language_level"][0].severity == "warning"


def test_faculty_share_uses_the_host_faculty_when_known() -> None:
    items = [ItemFacts(course(f"SCI-{i}", 6, faculty_code="SCI"), "S1") for i in range(3)]
    items += [ItemFacts(course("LAW-1", 6), "S1"), ItemFacts(course("LAW-2", 6), "S1")]
    assert [c.severity for c in by_rule(basket(*items))["faculty_share"]] == ["ok"]  # 60 % in science
    hosted = by_rule(basket(*items, host_faculty="LAW"))["faculty_share"][0]
    assert hosted.severity == "warning"
    assert hosted.message["en"] == (
        "Only 40% of your credits (12 of 30 ECTS) are in Faculty of Law; at least 50% must be."
    )
    assert len(hosted.course_ids) == 3


def test_courses_not_offered_in_the_students_terms() -> None:
    spring = course("SPRING", term_codes=("S2",))
    wrong = by_rule(basket(*full_term(ItemFacts(spring, "S1"))))["term_availability"][0]
    assert wrong.message["en"] == "SPRING Course SPRING is not given in Semester 1."
    outside = by_rule(basket(*full_term(ItemFacts(spring, "S2"))))["term_availability"][0]
    assert outside.message["en"] == "SPRING Course SPRING is given in S2, outside your stay."
    gone = course("GONE", published=False)
    assert (
        "no longer offered" in by_rule(basket(*full_term(ItemFacts(gone, "S1"))))["term_availability"][0].message["en"]
    )


def test_the_policy_sets_each_rules_severity() -> None:
    policy = POLICY.model_copy(update={"ects_bounds": "warning", "timetable_clash": "off"})
    checks = by_rule(basket(ItemFacts(course("A", 6), "S1")), policy)
    assert checks["ects_bounds"][0].severity == "warning"
    assert checks["timetable_clash"][0].severity == "off"


def test_prerequisites_are_shown_for_the_student_to_check_in_their_language() -> None:
    needs = course("LAW-EU2", 6, prerequisites={"fr": "Droit de l'Union européenne I.", "en": "EU law I."})
    only_fr = course("LAW-FR", 6, prerequisites={"fr": "Bases du droit civil."})
    blank = course("LAW-BLANK", 6, prerequisites={"en": "  "})
    checks = by_rule(basket(*full_term(ItemFacts(needs, "S1"), ItemFacts(only_fr, "S1"), ItemFacts(blank, "S1"))))
    found = checks["prerequisites"]
    assert [c.severity for c in found] == ["warning", "warning"]
    assert found[0].course_ids == [needs.id]
    assert found[0].message["en"] == (
        "LAW-EU2 Course LAW-EU2 expects prior knowledge: EU law I. Check that your studies so far cover it."
    )
    assert (
        found[0].message["fr"].startswith("LAW-EU2 Cours LAW-EU2 suppose des acquis : Droit de l'Union européenne I.")
    )
    assert "Bases du droit civil." in found[1].message["en"]  # no English text: the French one is shown
    off = by_rule(basket(ItemFacts(needs, "S1")), POLICY.model_copy(update={"prerequisites": "off"}))
    assert [c.severity for c in off["prerequisites"]] == ["off"]
