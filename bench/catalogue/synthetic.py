"""A large, believable offer for the benchmarks: the demo university's units, terms and programmes, and
as many courses as asked, built like the demo courses (FR/EN titles and descriptions, languages with CEFR
levels, timetables, capacities), as a document of the JSON import format."""

from __future__ import annotations

import json
from typing import Any

from smile_catalogue.demo import _course, demo_document
from smile_catalogue.demo_data import LEVELS, TOPICS

GROUPS_FR = ["Fondamentaux", "Approfondissement", "Séminaire", "Atelier", "Projet", "Méthodes", "Enjeux"]
GROUPS_EN = ["Foundations", "Advanced", "Seminar", "Workshop", "Project", "Methods", "Issues"]


def offer(total: int) -> dict[str, Any]:
    """The demo reference data and ``total`` courses with distinct codes."""
    document = demo_document()
    courses: list[dict[str, Any]] = []
    n = 0
    while len(courses) < total:
        n += 1
        for unit, prefix, isced, topics in TOPICS:
            for k, (fr, en) in enumerate(topics):
                for level in LEVELS:
                    if len(courses) == total:
                        break
                    course = _course(unit, prefix, isced, fr, en, level, n * 100 + k)
                    course.pop("status")
                    group = n % len(GROUPS_FR)
                    course["code"] = f"{prefix}-{len(courses):06d}"
                    course["title"] = {
                        "fr": f"{course['title']['fr']} - {GROUPS_FR[group]} {n}",
                        "en": f"{course['title']['en']} - {GROUPS_EN[group]} {n}",
                    }
                    course["syllabus_url"] = f"https://www.unicaen.fr/syllabus/{course['code'].lower()}"
                    courses.append(course)
    document["courses"] = courses
    return document


def offer_bytes(total: int) -> bytes:
    return json.dumps(offer(total), ensure_ascii=False).encode()
