"""Public search: words in French and English, filters, facets, sorting, cursors and ETags."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import HEI, create_course, editor

COURSES: list[dict[str, Any]] = [
    {
        "code": "DRT-EU-101",
        "title": {"fr": "Droit de l'Union européenne", "en": "European Union law"},
        "description": {"fr": "Institutions et marché intérieur."},
        "ects": 6,
        "organisational_unit_code": "DROIT",
        "isced_code": "0421",
        "eqf_level": 6,
        "languages": [{"language": "fr", "cefr_level": "B2"}],
        "term_codes": ["2026-S1"],
        "programme_codes": ["L-DROIT"],
        "schedule": [{"day": "mon", "start": "08:00", "end": "10:00"}],
    },
    {
        "code": "DRT-INT-201",
        "title": {"fr": "Droit international public", "en": "Public international law"},
        "ects": 5,
        "organisational_unit_code": "DROIT",
        "isced_code": "0421",
        "eqf_level": 7,
        "languages": [{"language": "en", "cefr_level": "B2"}],
        "term_codes": ["2026-S2"],
        "schedule": [{"day": "wed", "start": "14:00", "end": "16:00"}],
    },
    {
        "code": "ECO-MAC-110",
        "title": {"fr": "Macroéconomie", "en": "Macroeconomics"},
        "description": {"en": "Growth, cycles and economic policy.", "fr": "Croissance et données macroéconomiques."},
        "ects": 6,
        "organisational_unit_code": "DROIT",
        "isced_code": "0311",
        "eqf_level": 6,
        "languages": [{"language": "fr", "cefr_level": "B1"}],
        "term_codes": ["2026-S1", "2026-S2"],
    },
    {
        "code": "INF-ALG-120",
        "title": {"fr": "Algorithmique et structures de données", "en": "Algorithms and data structures"},
        "ects": 6,
        "organisational_unit_code": "SCI-INFO",
        "isced_code": "0613",
        "eqf_level": 6,
        "languages": [{"language": "en"}],
        "term_codes": ["2026-S1"],
        "programme_codes": ["M-INFO"],
        "schedule": [{"day": "tue", "start": "10:00", "end": "12:00"}],
    },
    {
        "code": "INF-BDD-210",
        "title": {"fr": "Bases de données", "en": "Databases"},
        "description": {"fr": "Modélisation et économie des systèmes d'information."},
        "ects": 5,
        "organisational_unit_code": "SCI-INFO",
        "isced_code": "0612",
        "eqf_level": 7,
        "languages": [{"language": "fr", "cefr_level": "C1"}, {"language": "en", "cefr_level": "B1"}],
        "term_codes": ["2026-S2"],
        "programme_codes": ["M-INFO"],
    },
    {
        "code": "PHY-QUA-310",
        "title": {"fr": "Physique quantique", "en": "Quantum physics"},
        "ects": 2.5,
        "organisational_unit_code": "SCI",
        "isced_code": "0533",
        "eqf_level": 7,
        "languages": [{"language": "fr", "cefr_level": "B2"}],
        "term_codes": ["2026-S1"],
    },
    {
        "code": "LET-FLE-100",
        "title": {"fr": "Français langue étrangère B1", "en": "French as a foreign language B1"},
        "ects": 3,
        "organisational_unit_code": "LANG",
        "isced_code": "0231",
        "eqf_level": 5,
        "languages": [{"language": "fr", "cefr_level": "A2"}],
        "term_codes": ["2026-S1", "2026-S2"],
        "schedule": [
            {"day": "mon", "start": "17:00", "end": "19:00"},
            {"day": "thu", "start": "17:00", "end": "19:00"},
        ],
    },
]


@pytest.fixture
async def offer(catalogue):  # type: ignore[no-untyped-def]
    for course in COURSES:
        await create_course(catalogue, course)
    await create_course(
        catalogue, {**COURSES[0], "code": "DRT-DRAFT", "title": {"fr": "Brouillon de droit"}}, publish=False
    )
    await create_course(catalogue, {**COURSES[1], "code": "DRT-CLOSED", "open_to_exchange": False})
    return catalogue


async def _search(harness, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await harness.client.get("/courses", params={"hei": HEI, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [item["code"] for item in body["items"]]


WORDS: list[tuple[str, list[str]]] = [
    ("economie", ["INF-BDD-210"]),  # in a description, accents ignored (words match from their start)
    ("ÉCONOMIE", ["INF-BDD-210"]),
    ("econ", ["ECO-MAC-110", "INF-BDD-210"]),  # prefixes: économie, economic(s)
    ("macroeco", ["ECO-MAC-110"]),
    ("European law", ["DRT-EU-101"]),
    ("droit", ["DRT-EU-101", "DRT-INT-201"]),
    ("donnees", ["ECO-MAC-110", "INF-ALG-120", "INF-BDD-210"]),
    ("DRT-EU-101", ["DRT-EU-101"]),
    ("drteu101", ["DRT-EU-101"]),
    ("inf", ["INF-ALG-120", "INF-BDD-210"]),
    ("quantum physique", ["PHY-QUA-310"]),  # words of two languages in one query
    ("brouillon", []),  # drafts are not public
    ("zzzz", []),
    ("   ", ["DRT-EU-101", "DRT-INT-201", "ECO-MAC-110", "INF-ALG-120", "INF-BDD-210", "LET-FLE-100", "PHY-QUA-310"]),
]


async def test_words_find_courses_in_both_languages(offer) -> None:
    for q, expected in WORDS:
        body = await _search(offer, q=q, sort="code")
        assert (q, _codes(body)) == (q, expected)
        assert body["total"] == len(expected)


async def test_relevance_puts_the_exact_code_then_title_matches_first(offer) -> None:
    body = await _search(offer, q="données")
    assert _codes(body) == ["INF-ALG-120", "INF-BDD-210", "ECO-MAC-110"]  # titles before descriptions
    exact = await _search(offer, q="inf-bdd-210")
    assert _codes(exact)[0] == "INF-BDD-210"


FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"term": "2026-S2"}, ["DRT-INT-201", "ECO-MAC-110", "INF-BDD-210", "LET-FLE-100"]),
    ({"language": "en"}, ["DRT-INT-201", "INF-ALG-120", "INF-BDD-210"]),
    ({"language": "fr", "cefr": "B1"}, ["ECO-MAC-110", "LET-FLE-100"]),
    ({"cefr": "B1"}, ["ECO-MAC-110", "INF-ALG-120", "INF-BDD-210", "LET-FLE-100"]),
    ({"eqf": [5, 7]}, ["DRT-INT-201", "INF-BDD-210", "LET-FLE-100", "PHY-QUA-310"]),
    ({"isced": "04"}, ["DRT-EU-101", "DRT-INT-201"]),
    ({"isced": "061"}, ["INF-ALG-120", "INF-BDD-210"]),
    ({"isced": "0533"}, ["PHY-QUA-310"]),
    ({"ects_min": 3, "ects_max": 5}, ["DRT-INT-201", "INF-BDD-210", "LET-FLE-100"]),
    ({"unit": "SCI"}, ["INF-ALG-120", "INF-BDD-210", "PHY-QUA-310"]),  # departments included
    ({"programme": "L-DROIT"}, ["DRT-EU-101"]),
    ({"day": "mon"}, ["DRT-EU-101", "LET-FLE-100"]),
    ({"day": ["tue", "thu"]}, ["INF-ALG-120", "LET-FLE-100"]),
    ({"term": "2026-S1", "language": "fr", "q": "droit"}, ["DRT-EU-101"]),
    ({"term": "NO-SUCH-TERM"}, []),
]


async def test_filters(offer) -> None:
    for params, expected in FILTERS:
        assert (params, _codes(await _search(offer, sort="code", **params))) == (params, expected)


async def test_facets_count_each_value_and_ignore_their_own_filter(offer) -> None:
    body = await _search(offer, term="2026-S1", lang="fr")
    facets = body["facets"]
    terms = {e["value"]: (e["label"], e["count"]) for e in facets["term"]}
    assert terms == {"2026-S1": ("Semestre 1", 5), "2026-S2": ("Semestre 2", 4)}
    languages = {e["value"]: e["count"] for e in facets["language"]}
    assert languages == {"fr": 4, "en": 1}  # within the S1 courses
    units = {e["value"]: (e["count"], e["parent"]) for e in facets["unit"]}
    assert units["SCI"] == (2, None)
    assert units["SCI-INFO"] == (1, "SCI")
    isced = {e["value"]: e["label"] for e in facets["isced"]}
    assert isced["04"] == "Commerce, administration et droit"
    assert {e["value"] for e in facets["day"]} == {"mon", "tue", "thu"}
    assert [e["value"] for e in facets["ects"]] == ["2.5", "3", "6"]
    narrowed = await _search(offer, isced="06")
    assert {e["value"] for e in narrowed["facets"]["isced"]} >= {"03", "04", "06", "061"}


async def test_pages_follow_a_stable_order_without_gaps_or_repeats(offer) -> None:
    for sort in ("code", "title", "ects", "-ects", "relevance"):
        whole = _codes(await _search(offer, sort=sort, limit=100, q="" if sort != "relevance" else "e"))
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"sort": sort, "limit": 2}
            if sort == "relevance":
                params["q"] = "e"
            if cursor:
                params["cursor"] = cursor
            page = await _search(offer, **params)
            seen += _codes(page)
            assert ("facets" in page) == (cursor is None)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == whole, sort
    ects = _codes(await _search(offer, sort="-ects", limit=100))
    assert ects[:3] == ["DRT-EU-101", "ECO-MAC-110", "INF-ALG-120"]  # 6 ECTS each, then by code
    titles = _codes(await _search(offer, sort="title", lang="fr", limit=3))
    assert titles == ["INF-ALG-120", "INF-BDD-210", "DRT-EU-101"]  # Algorithmique, Bases, Droit de l'Union


async def test_a_cursor_only_continues_its_own_search(offer) -> None:
    page = await _search(offer, limit=2, sort="code")
    other = await offer.client.get("/courses", params={"hei": HEI, "cursor": page["next_cursor"], "term": "2026-S1"})
    assert other.status_code == 400
    assert other.json()["type"] == "urn:smile:problem:invalid-cursor"
    junk = await offer.client.get("/courses", params={"hei": HEI, "cursor": "not-a-cursor"})
    assert junk.status_code == 400


async def test_etags_hold_until_the_catalogue_changes(offer) -> None:
    first = await offer.client.get("/courses", params={"hei": HEI, "q": "droit"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    unchanged = await offer.client.get("/courses", params={"hei": HEI, "q": "droit"}, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    other_query = await offer.client.get("/courses", params={"hei": HEI, "q": "eco"}, headers={"If-None-Match": etag})
    assert other_query.status_code == 200
    await create_course(offer, {**COURSES[0], "code": "DRT-NEW", "title": {"fr": "Droit nouveau"}})
    changed = await offer.client.get("/courses", params={"hei": HEI, "q": "droit"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "DRT-NEW" in _codes(changed.json())


async def test_staff_see_drafts_and_closed_courses_of_their_university_only(offer) -> None:
    staff = await offer.client.get("/courses", params={"q": "droit"}, headers=offer.headers("coordinator"))
    assert set(_codes(staff.json())) == {"DRT-EU-101", "DRT-INT-201", "DRT-DRAFT", "DRT-CLOSED"}
    assert staff.headers["cache-control"].startswith("private")
    drafts = await offer.client.get("/courses", params={"status": "draft"}, headers=offer.headers("coordinator"))
    assert _codes(drafts.json()) == ["DRT-DRAFT"]
    public_status = await offer.client.get("/courses", params={"hei": HEI, "status": "draft"})
    assert public_status.status_code == 403
    foreign = await offer.client.get("/courses", headers=offer.headers("coordinator", hei="univ-rennes.fr"))
    assert foreign.json()["items"] == []
    student = await offer.client.get("/courses", params={"hei": HEI}, headers=offer.headers("student"))
    assert "DRT-DRAFT" not in _codes(student.json())


BAD_PARAMETERS: list[dict[str, Any]] = [
    {"isced": "4x"},
    {"isced": "04211"},
    {"cefr": "D1"},
    {"day": "monday"},
    {"ects_min": 6, "ects_max": 3},
    {"ects_min": -1},
    {"limit": 0},
    {"limit": 1000},
    {"sort": "popularity"},
    {"eqf": "six"},
    {"q": "x" * 201},
]


async def test_bad_search_parameters_are_problems(offer) -> None:
    for params in BAD_PARAMETERS:
        response = await offer.client.get("/courses", params={"hei": HEI, **params})
        assert (params, response.status_code) == (params, 422), response.text
        assert response.headers["content-type"] == "application/problem+json"


async def test_moving_a_department_moves_its_courses_in_unit_searches(offer) -> None:
    assert "INF-ALG-120" in _codes(await _search(offer, unit="SCI"))
    moved = await offer.client.put(
        "/units/SCI-INFO",
        json={"name": {"fr": "Informatique"}, "parent_code": "LANG", "kind": "department"},
        headers=editor(offer),
    )
    assert moved.status_code == 200
    assert "INF-ALG-120" not in _codes(await _search(offer, unit="SCI"))
    assert "INF-ALG-120" in _codes(await _search(offer, unit="LANG"))
