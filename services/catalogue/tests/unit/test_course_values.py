"""A new course's stored values are made from its validated model directly (imports make one per course):
they must be what the model's JSON dump gives, field for field."""

from __future__ import annotations

import typing
from datetime import time
from typing import Any

import pytest
from pydantic import BaseModel

from smile_catalogue.courses.schemas import MODEL_FIELDS, CourseCreate, course_values, stored_values

RICH = {
    "code": " DRT-EU-301 ",
    "title": {"fr": "  Droit européen ", "en": "European law", "pt-BR": "Direito europeu"},
    "description": {"fr": "Institutions, compétences, contentieux.", "en": "Institutions and powers."},
    "learning_outcomes": {"en": "Explain the powers of the institutions."},
    "prerequisites": {"fr": "Droit constitutionnel"},
    "ects": "2.50",
    "organisational_unit_code": "DROIT",
    "isced_code": "0421",
    "eqf_level": 6,
    "languages": [{"language": "FR", "cefr_level": "B2"}, {"language": "en"}],
    "term_codes": ["2026-S1", "2026-S2"],
    "programme_codes": ["L-DROIT"],
    "hours": {"lecture": 24, "independent": 60},
    "teaching_methods": ["tutorial", "lecture", "tutorial"],
    "assessment": [
        {"method": "written_exam", "weight": 60, "description": {"en": "3 hours"}},
        {"method": "continuous", "weight": 40},
    ],
    "schedule": [
        {"day": "mon", "start": "08:30", "end": "10:30:00", "weeks": [38, 36, 37, 36], "kind": "lecture"},
        {"day": "thu", "start": "14:00:15", "end": "16:00", "term_code": "2026-S2", "location": "Amphi B"},
    ],
    "capacity": 25,
    "contacts": [{"name": "Sophie Durand", "email": "ri.droit@unicaen.fr", "role": {"fr": "Responsable"}}],
    "syllabus_url": "https://www.unicaen.fr/syllabus/drt-eu-301",
    "open_to_exchange": False,
}


@pytest.mark.parametrize(
    "course",
    [
        RICH,
        {"code": "MIN-1", "title": {"en": "Minimal"}, "ects": 5},
        {**RICH, "ects": 6, "isced_code": None, "capacity": None, "syllabus_url": None, "languages": []},
    ],
)
def test_a_new_course_s_values_are_those_of_its_json_dump(course: dict[str, Any]) -> None:
    model = CourseCreate.model_validate(course)
    assert course_values(model) == stored_values(model)


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.add(annotation)
    for argument in typing.get_args(annotation):
        found |= _models_in(argument)
    return found


def test_every_field_that_holds_models_is_made_a_dict() -> None:
    # a field holding models added to the course must be handled by course_values (and listed here)
    holding = {name for name, info in CourseCreate.model_fields.items() if _models_in(info.annotation)}
    assert holding == set(MODEL_FIELDS)
    # only schedule slots hold times (course_values writes them as HH:MM)
    with_times = {
        model.__name__
        for name in MODEL_FIELDS
        for model in _models_in(CourseCreate.model_fields[name].annotation)
        if any(info.annotation in (time, time | None) for info in model.model_fields.values())
    }
    assert with_times == {"ScheduleSlot"}
    nested = {m for name in MODEL_FIELDS for m in _models_in(CourseCreate.model_fields[name].annotation)}
    assert all(not _models_in(info.annotation) for model in nested for info in model.model_fields.values())
