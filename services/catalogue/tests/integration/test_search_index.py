"""The in-memory search index answers exactly as the database: same bytes, headers, cursors and errors.

Two API processes over the same database, one with ``catalogue_search_index=memory`` and one with
``database`` (the reference), receive hundreds of searches (words, filters, sorts, pages, facets, bad
cursors) on the demo catalogue and on courses written to catch the corner cases; their whole answers must
be equal. Then the catalogue changes: the memory index must never answer from the old revision.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from smile_catalogue.definition import DEFINITION
from smile_catalogue.http_cache import StateReader, read_state
from smile_catalogue.search import indexes as indexes_module
from smile_catalogue.search.indexes import SearchIndexes, search_indexes
from smile_catalogue.seed import load_demo_data
from smile_common.service import bootstrap, create_service_app
from smile_common.testing.harness import ServiceHarness

from .conftest import HEI, create_course, editor, load_reference

#: courses beyond the demo offer, for the corner cases of words, sorting and facets
EXTRA: list[dict[str, Any]] = [
    {
        "code": "zz-low-1",  # lower case: sorts after every upper-case code
        "title": {"fr": "Œnologie et société", "en": "Oenology and society"},
        "organisational_unit_code": "SCI-INFO-BIS",  # named as SCI-INFO: facet entries of equal labels
        "programme_codes": ["M-SCI-BIS"],  # named as M-SCI
        "description": {"fr": "Vins de Normandie : cidre, poiré, calvados. " * 20},
        "ects": 2.5,
        "languages": [],
        "term_codes": ["2026-S1"],
    },
    {
        "code": "ZZ-LOW-2",
        "title": {"fr": "Œnologie et société", "en": "Oenology and society"},  # same titles: ties
        "ects": 2.5,
        "organisational_unit_code": "SCI-INFO",
        "isced_code": "0613",
        "eqf_level": 8,
        "languages": [{"language": "de", "cefr_level": "C2"}, {"language": "en"}],
        "term_codes": ["2026-S2"],
        "programme_codes": ["M-SCI", "L-DROIT"],
        "schedule": [
            {"day": "sat", "start": "09:00", "end": "12:00"},
            {"day": "sun", "start": "09:00", "end": "12:00"},
        ],
    },
    {
        "code": "ECO.2",
        "title": {"fr": "Économie 2 : l'économie du numérique"},
        "ects": 30,
        "isced_code": "0314",
        "languages": [{"language": "fr", "cefr_level": "A1"}],
    },
    {
        "code": "X1",
        "title": {"en": "x"},
        "description": {"en": "Données, données, données. ßtraße ǅungla ﬁnance"},
        "learning_outcomes": {"fr": "Savoir lire 12 345 mots en 1h30."},
        "ects": 0.5,
        "organisational_unit_code": "SANTE",
        "eqf_level": 5,
        "languages": [{"language": "es", "cefr_level": "B1"}],
        "schedule": [{"day": "fri", "start": "08:00", "end": "09:00"}],
    },
]
#: a course that only needs the reference data of the conftest
PLAIN: dict[str, Any] = {"title": {"en": "x-ray imaging"}, "ects": 3, "organisational_unit_code": "SCI"}
WORDS = [
    None, "", "   ", "droit", "DROIT", "dro", "d", "law", "econ", "économie", "ÉCONOMIE", "eco", "hist", "histoire",
    "data", "données", "donnees", "m", "1", "12", "2026", "oeno", "œno", "zz", "zz-low-1", "ZZ-LOW-1", "eco.2",
    "éco.2", "europ union", "droit europeen", "law history", "intro", "zzzz", "numérique", "a b c", "x", "x1",
    "straße", "strasse", "finance", "ﬁn", "dz", "ǆ", "l'union", "drt", "sci", "méthodes", "!!!", "%", "__",
]  # fmt: skip
UNIT_NAME = {"fr": "Département d'informatique", "en": "Department of Computer Science"}  # SCI-INFO's
PROGRAMME_NAME = {"fr": "Master - UFR des Sciences", "en": "Master - Faculty of Science"}  # M-SCI's
UNITS = ["DROIT", "SCI", "SCI-INFO", "SCI-INFO-BIS", "SEGGAT", "SANTE", "LVE", "NOPE"]
PROGRAMMES = ["L-DROIT", "M-SCI", "M-SCI-BIS", "L-SCI", "M-SEGGAT", "NOPE"]
ISCED = ["04", "042", "0421", "03", "031", "0311", "06", "061", "0613", "02", "99"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FILTERS: list[dict[str, Any]] = [
    {"term": "2026-S1"}, {"term": "2026-S2"}, {"term": ["2026-S1", "2026-S2"]}, {"term": "2030-S1"},
    {"language": "fr"}, {"language": "en"}, {"language": ["de", "es"]}, {"language": "EN"},
    {"cefr": "A1"}, {"cefr": "B1"}, {"cefr": "B2"}, {"cefr": "C2"},
    {"eqf": 6}, {"eqf": [5, 8]}, {"eqf": 7},
    {"ects_min": 3}, {"ects_max": 4}, {"ects_min": "2.5", "ects_max": 6}, {"ects_min": 6, "ects_max": 6},
    {"ects_min": "0.25", "ects_max": "2.75"},
]  # fmt: skip
SORTS = [None, "relevance", "code", "title", "ects", "-ects"]


@pytest.fixture
async def pair(make_harness: Any) -> AsyncIterator[tuple[ServiceHarness, httpx.AsyncClient]]:
    """The catalogue with the in-memory index, and a second API on the same database without it."""
    memory: ServiceHarness = await make_harness(DEFINITION, catalogue_search_cache_size=0)
    await load_demo_data(memory.runtime)
    twins = [
        ("/units/SCI-INFO-BIS", {"name": UNIT_NAME, "parent_code": "SCI", "kind": "department"}),
        ("/programmes/M-SCI-BIS", {"name": PROGRAMME_NAME, "organisational_unit_code": "SCI"}),
    ]
    for path, body in twins:
        response = await memory.client.put(path, json=body, headers=editor(memory))
        assert response.status_code == 200, response.text
    for body in EXTRA:
        await create_course(memory, body)
    await create_course(memory, {**EXTRA[3], "code": "X2-DRAFT", "title": {"en": "Draft law"}}, publish=False)
    await create_course(memory, {**EXTRA[3], "code": "X3-CLOSED", "open_to_exchange": False})
    withdrawn = await create_course(memory, {**EXTRA[3], "code": "X4-GONE", "title": {"en": "Withdrawn law"}})
    gone = await memory.client.post(f"/courses/{withdrawn['id']}/withdraw", headers=editor(memory))
    assert gone.status_code == 200, gone.text
    settings = memory.runtime.settings.model_copy(update={"catalogue_search_index": "database"})
    runtime = bootstrap(DEFINITION, settings, bus=memory.runtime.bus)
    runtime.owns_bus = False
    app = create_service_app(DEFINITION, runtime, owns_runtime=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reference.test") as client:
        yield memory, client
    await runtime.close()


def _indexes(harness: ServiceHarness) -> SearchIndexes:
    indexes = search_indexes(harness.runtime)
    assert indexes is not None
    return indexes


async def _ready(harness: ServiceHarness) -> None:
    """A first search starts the build of the index; wait until it holds the current revision."""
    await harness.client.get("/courses", params={"hei": HEI, "limit": 1})
    await _indexes(harness).wait(HEI)


async def _get(client: httpx.AsyncClient, params: dict[str, Any], headers: dict[str, str]) -> tuple[Any, ...]:
    try:
        response = await client.get("/courses", params=params, headers=headers)
    except Exception as exc:  # the app's own error, raised through the test transport: the same on both
        return ("raised", type(exc).__name__)
    kept = ("etag", "cache-control", "content-type", "vary")
    headers = {k: response.headers.get(k) for k in kept}
    if headers["content-type"] == "application/problem+json":  # each answer has its own correlation id
        problem = response.json()
        return response.status_code, headers, {k: v for k, v in problem.items() if k != "correlation_id"}
    return response.status_code, headers, response.content


async def _same(
    memory: ServiceHarness, reference: httpx.AsyncClient, params: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[Any, ...]:
    """The answer of both APIs, asserted equal (the memory one is returned)."""
    expected = await _get(reference, params, headers or {})
    got = await _get(memory.client, params, headers or {})
    assert got == expected, params
    return got


def _query(rng: random.Random) -> dict[str, Any]:
    params: dict[str, Any] = {"hei": HEI}
    q = rng.choice(WORDS)
    if q is not None:
        params["q"] = q
    kinds = rng.sample(["filter", "filter", "unit", "programme", "isced", "day"], rng.randint(0, 4))
    for kind in kinds:
        if kind == "filter":
            params.update(rng.choice(FILTERS))
        elif kind == "unit":
            params["unit"] = rng.sample(UNITS, rng.randint(1, 2))
        elif kind == "programme":
            params["programme"] = rng.sample(PROGRAMMES, rng.randint(1, 2))
        elif kind == "isced":
            params["isced"] = rng.sample(ISCED, rng.randint(1, 2))
        else:
            params["day"] = rng.sample(DAYS, rng.randint(1, 3))
    sort = rng.choice(SORTS)
    if sort is not None:
        params["sort"] = sort
    params["lang"] = rng.choice(["fr", "en"])
    params["limit"] = rng.choice([1, 2, 7, 20, 64, 100])
    if rng.random() < 0.15:
        params["facets"] = rng.choice(["true", "false"])
    return params


async def _compare_many(memory: ServiceHarness, reference: httpx.AsyncClient, count: int, seed: int) -> tuple[int, int]:
    """``count`` random searches and up to three following pages each: pages compared, pages with courses."""
    rng = random.Random(seed)
    compared = found = 0
    for _ in range(count):
        params = _query(rng)
        for _page in range(4):
            status, _, content = await _same(memory, reference, params)
            compared += 1
            if status != 200:
                break
            body = json.loads(content)
            found += bool(body["items"])
            if body["next_cursor"] is None:
                break
            params = {**params, "cursor": body["next_cursor"]}
    return compared, found


async def test_memory_and_database_searches_answer_the_same(pair: tuple[ServiceHarness, httpx.AsyncClient]) -> None:
    memory, reference = pair
    await _ready(memory)
    indexes = _indexes(memory)
    before = indexes.answered
    # SQL searches take a hundred milliseconds or more on PostgreSQL: fewer there
    postgres = memory.runtime.database.engine.dialect.name == "postgresql"
    compared, found = await _compare_many(memory, reference, 100 if postgres else 260, seed=7)
    assert indexes.answered - before == compared  # every public search above was answered from memory
    assert found > compared // 2  # most searches find courses: the comparison is not between empty pages
    # every page of a broad search, in every order and both languages, with cursors
    for sort in SORTS[1:]:
        for lang in ("fr", "en"):
            params: dict[str, Any] = {"hei": HEI, "q": "e", "sort": sort, "lang": lang, "limit": 100}
            while True:
                _, _, content = await _same(memory, reference, params)
                cursor = json.loads(content)["next_cursor"]
                if cursor is None:
                    break
                params["cursor"] = cursor


async def test_errors_etags_and_odd_cursors_are_the_same(pair: tuple[ServiceHarness, httpx.AsyncClient]) -> None:
    memory, reference = pair
    await _ready(memory)
    first = {"hei": HEI, "q": "droit", "limit": 3}
    status, headers, content = await _same(memory, reference, first)
    assert status == 200
    assert (await _same(memory, reference, first, {"If-None-Match": headers["etag"]}))[0] == 304
    cursor = json.loads(content)["next_cursor"]
    fingerprint, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert isinstance(values[0], int)  # relevance: tier, code

    def forged(*values: Any) -> str:
        raw = json.dumps([fingerprint, list(values)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    odd = [
        forged(1, "DRT"), forged(2, ""), forged(-3, "A"), forged(7, "Z"), forged(1), forged("1", "DRT"),
        forged(1.0, "DRT"), forged(True, "DRT"), forged(1, 5), forged(1, None), forged(1, "é\u00ff"),
        forged(2**40, "A"), "not-a-cursor", cursor[:-2], forged(1, "DRT", "x"),
    ]  # fmt: skip
    for value in odd:
        await _same(memory, reference, {**first, "cursor": value})
    await _same(memory, reference, {**first, "cursor": cursor, "q": "droits"})  # another search's cursor
    for sort, values in (("ects", [["6", "ECO"], ["2.5", "zz"], [6.25, "A"], ["abc", "A"], [None, "A"]]),
                         ("title", [["droit", "DRT"], [3, "A"], ["zz", "ZZ"]]),
                         ("code", [["DRT-L1-001"], ["zz-low-1"], [7]])):  # fmt: skip
        params = {"hei": HEI, "sort": sort, "limit": 4}
        page = json.loads((await _same(memory, reference, params))[2])
        fingerprint = json.loads(base64.urlsafe_b64decode(page["next_cursor"] + "==="))[0]
        for value in values:
            await _same(memory, reference, {**params, "cursor": forged(*value)})
    bad: list[dict[str, Any]] = [
        {"isced": "4x"}, {"cefr": "D1"}, {"ects_min": 6, "ects_max": 3}, {"limit": 0}, {"sort": "popularity"},
        {"q": "x" * 201}, {"status": "draft"}, {"eqf": "six"}, {"hei": ""}, {"day": "monday"},
    ]  # fmt: skip
    for params in bad:
        status = (await _same(memory, reference, {"hei": HEI, **params}))[0]
        assert status in (400, 403, 422), params
    staff = editor(memory)
    for params in ({"q": "law"}, {"status": ["draft", "withdrawn"]}, {"q": "x", "status": "published"}):
        await _same(memory, reference, params, staff)
    assert (await _same(memory, reference, {"hei": "univ-rennes.fr", "q": "droit"}))[0] == 200
    await _indexes(memory).wait("univ-rennes.fr")
    assert set(_indexes(memory).held()) == {HEI}  # no index for a university without a catalogue


async def test_a_changed_catalogue_is_never_answered_from_the_old_index(
    pair: tuple[ServiceHarness, httpx.AsyncClient],
) -> None:
    memory, reference = pair
    await _ready(memory)
    indexes = _indexes(memory)
    old = indexes.held()[HEI]
    probe = {"hei": HEI, "q": "nouveau", "sort": "title"}
    assert json.loads((await _same(memory, reference, probe))[2])["total"] == 0
    await create_course(memory, {**EXTRA[3], "code": "NEW-1", "title": {"fr": "Droit nouveau"}})
    moved = await memory.client.put(
        "/units/SCI-INFO",
        json={"name": {"fr": "Informatique", "en": "Computing"}, "parent_code": "DROIT", "kind": "department"},
        headers=editor(memory),
    )
    assert moved.status_code == 200
    answered = indexes.answered
    # the index is now behind: the database answers (and a build starts) until it holds the new revision
    body = json.loads((await _same(memory, reference, probe))[2])
    assert [item["code"] for item in body["items"]] == ["NEW-1"]
    assert indexes.answered == answered
    await indexes.wait(HEI)
    assert indexes.held()[HEI] > old
    compared, _ = await _compare_many(memory, reference, 60, seed=11)
    assert indexes.answered - answered == compared
    units = {
        e["value"]: e["parent"] for e in json.loads((await _same(memory, reference, {"hei": HEI}))[2])["facets"]["unit"]
    }
    assert units["SCI-INFO"] == "DROIT"


@pytest.mark.parametrize("smile_stack", ["infra"], indirect=True)  # PostgreSQL only: no embedded variant
async def test_revision_reads_shared_by_concurrent_searches_see_every_change(make_harness: Any) -> None:
    harness: ServiceHarness = await make_harness(DEFINITION)
    # searches read the revision from a connection of their own on PostgreSQL only (their session on SQLite)
    assert harness.runtime.database.engine.dialect.name == "postgresql"
    await load_reference(harness)
    reader = StateReader(harness.runtime.database)
    try:
        for n in range(3):
            async with harness.runtime.database.sessionmaker() as session:
                expected = await read_state(session, HEI)
            states = await asyncio.gather(*(reader.read(HEI) for _ in range(20)))
            assert set(states) == {expected}
            await create_course(harness, {**PLAIN, "code": f"REV-{n}"})
            assert (await reader.read(HEI)).revision > expected.revision  # a read after a change sees it
        assert (await reader.read("nowhere.example")).revision == 0
    finally:
        await reader.close()


async def test_a_failed_build_leaves_searches_to_the_database(
    make_harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness: ServiceHarness = await make_harness(DEFINITION, catalogue_search_cache_size=0)
    await load_reference(harness)
    await create_course(harness, {**PLAIN, "code": "ONLY-1"})
    attempts: list[str] = []

    async def broken(database: Any, tenant: str) -> Any:
        attempts.append(tenant)
        raise RuntimeError("the database went away in the middle of the build")

    monkeypatch.setattr(indexes_module, "load_index", broken)
    indexes = _indexes(harness)
    for _ in range(3):
        response = await harness.client.get("/courses", params={"hei": HEI, "q": "x"})
        assert response.status_code == 200
        assert [item["code"] for item in response.json()["items"]] == ["ONLY-1"]
        await indexes.wait(HEI)
    assert attempts == [HEI]  # tried once, not again at every search
    assert indexes.held() == {}
    assert indexes.answered == 0
