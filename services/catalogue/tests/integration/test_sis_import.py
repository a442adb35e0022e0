"""Importing the course offer from Pégase (through smile_sis) as a background job of the API.

Pégase is the outside world here: its CAS and CHC v6 answers are mocked with respx in the shapes of
Pégase's public API documentation (specs/sis/PEGASE.md §3.1 C, as in smile_sis's own offer tests).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from smile_catalogue.definition import DEFINITION
from smile_common.testing.harness import ServiceHarness

from .conftest import HEI, editor, load_reference
from .test_imports import run_queued, staff_course

CAS = "https://authn-app.test-unicaen.pc-scol.fr/cas/v1/tickets"
CHC = "https://chc.test-unicaen.pc-scol.fr/api/chc/v6"
SIS_CONFIG = {
    "tenants": {
        HEI: {
            "kind": "pegase",
            "instance": "test-unicaen",
            "username": "svc-api",
            "password_env": "SMILE_TEST_PEGASE_PASSWORD",
            "structure_code": "ETAB00",
        }
    }
}
PERIOD = {
    "code": "PER-2026",
    "libelleCourt": "2026",
    "libelleLong": "Période 2026/2027",
    "libelleAffichage": "Période d'inscription 2026/2027",
    "anneeUniversitaire": 2026,
    "dateDebut": "2026-09-01",
    "dateFin": "2027-08-31",
    "estActive": True,
    "identifiant": "6d0b51a4-7a55-4c1e-9a57-1d6b1b1d2026",
}
LAW = {"code": "F-DRT-L3", "libelleCourt": "L3 Droit", "libelleLong": "Licence 3 Droit"}
ECO = {"code": "F-ECO-L3", "libelleCourt": "L3 Eco", "libelleLong": "Licence 3 Économie"}
FORMATIONS = [
    {"codeChemin": f["code"], "codePeriode": "PER-2026", "codeStructure": "ETAB00", "creditEcts": 60, "formation": f}
    for f in (LAW, ECO)
]


def _objet(path: str, code_type: str, label: str, ects: object, formation: dict[str, str] = LAW, **extra: Any) -> Any:
    return {
        "codeChemin": path,
        "codePeriode": "PER-2026",
        "codeStructure": "ETAB00",
        "codeType": code_type,
        "capaciteAccueil": extra.get("capacite"),
        "caractereObligatoire": False,
        "ouverteChoixCursus": extra.get("ouvert", True),
        "creditEcts": ects,
        "temoinPlageChoix": False,
        "formation": formation,
        "objetFormation": {
            "code": path.split(">")[-1],
            "libelleCourt": label[:20],
            "libelleLong": label,
            "codeNature": "UE",
            "mutualise": False,
            "stage": False,
        },
    }


def offer(eu_label: str = "Droit de l'Union européenne") -> list[Any]:
    return [
        _objet("F-DRT-L3>F-DRT-L3-S5", "SEMESTRE", "Semestre 5", 30),
        _objet("F-DRT-L3>F-DRT-L3-S6", "SEMESTRE", "Semestre 6", 30),
        _objet("F-DRT-L3>F-DRT-L3-S5>DRT-EU-101", "UE", eu_label, 6, capacite=40),
        _objet("F-DRT-L3>F-DRT-L3-S6>DRT-INT-201", "UE", "Droit international public", "5,0"),
        _objet("F-DRT-L3>F-DRT-L3-S6>DRT-STG-299", "UE", "Stage", None, ouvert=False),
        _objet("F-ECO-L3>F-ECO-L3-S5>DRT-EU-101", "UE", eu_label, 6, formation=ECO),
    ]


@pytest.fixture
def pegase(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("SMILE_TEST_PEGASE_PASSWORD", "TEST-ONLY-secret")
    with respx.mock(assert_all_called=False) as router:
        router.post(CAS).mock(return_value=httpx.Response(201, text="opaque-token"))
        router.get(f"{CHC}/structure/ETAB00/periodes").mock(return_value=httpx.Response(200, json=[PERIOD]))
        router.get(f"{CHC}/objets-maquette/formation/ETAB00/PER-2026").mock(
            return_value=httpx.Response(200, json=FORMATIONS)
        )
        router.get(f"{CHC}/objets-maquette/objets-formation/ETAB00/PER-2026", name="objects").mock(
            return_value=httpx.Response(200, json=offer())
        )
        yield router


@pytest.fixture
async def catalogue(make_harness: Any) -> ServiceHarness:
    harness: ServiceHarness = await make_harness(DEFINITION, sis_config=json.dumps(SIS_CONFIG))
    await load_reference(harness)
    return harness


REQUEST = {"period": "PER-2026", "autumn_term": "2026-S1", "spring_term": "2026-S2", "publish": True}


async def import_offer(harness: ServiceHarness, **changes: Any) -> dict[str, Any]:
    response = await harness.client.post("/imports/sis", json={**REQUEST, **changes}, headers=editor(harness))
    assert response.status_code == 202, response.text
    assert response.json()["source"] == "sis"
    return await run_queued(harness)


async def test_the_pegase_offer_becomes_courses_with_terms_programmes_and_a_reason_for_each_refusal(
    catalogue, pegase
) -> None:
    refused = await import_offer(catalogue)
    assert refused["status"] == "rejected"  # the internship has no credits in Pégase: nothing is written
    assert refused["summary"]["applied"] is False
    assert (await catalogue.client.get("/courses", params={"hei": HEI})).json()["total"] == 0

    job = await import_offer(catalogue, allow_partial=True)
    assert job["status"] == "succeeded", job
    assert (job["summary"]["created"], job["summary"]["rejected"]) == (2, 1)
    assert job["summary"]["reference"]["programmes"]["created"] == 2
    rows = (await catalogue.client.get(f"/imports/{job['id']}/report", headers=editor(catalogue))).json()["rows"]
    [internship] = [row for row in rows if row["outcome"] == "rejected"]
    assert internship["code"] == "DRT-STG-299"
    assert internship["errors"][0]["loc"] == ["ects"]
    eu = await staff_course(catalogue, "DRT-EU-101")
    assert eu["status"] == "published"
    assert eu["source"] == "pegase"
    assert eu["term_codes"] == ["2026-S1"]  # semester 5 is an autumn semester
    assert eu["programme_codes"] == ["F-DRT-L3", "F-ECO-L3"]
    assert eu["capacity"] == 40
    law = await staff_course(catalogue, "DRT-INT-201")
    assert law["term_codes"] == ["2026-S2"]
    assert float(law["ects"]) == 5


async def test_what_staff_add_survives_a_new_import_and_pegase_changes_arrive(catalogue, pegase) -> None:
    await import_offer(catalogue, allow_partial=True)
    eu = await staff_course(catalogue, "DRT-EU-101")
    patch = {
        "title": {**eu["title"], "en": "European Union law"},
        "languages": [{"language": "fr", "cefr_level": "B2"}],
        "schedule": [{"day": "mon", "start": "08:00", "end": "10:00"}],
    }
    edited = await catalogue.client.patch(f"/courses/{eu['id']}", json=patch, headers=editor(catalogue))
    assert edited.status_code == 200

    again = await import_offer(catalogue, allow_partial=True)
    assert (again["summary"]["created"], again["summary"]["updated"], again["summary"]["unchanged"]) == (0, 0, 2)

    pegase.routes["objects"].mock(return_value=httpx.Response(200, json=offer("Droit européen")))
    third = await import_offer(catalogue, allow_partial=True)
    assert third["summary"]["updated"] == 1
    after = await staff_course(catalogue, "DRT-EU-101")
    assert after["title"] == {"fr": "Droit européen", "en": "European Union law"}
    assert after["languages"] == [{"language": "fr", "cefr_level": "B2"}]
    assert after["schedule"][0]["day"] == "mon"


async def test_an_unreachable_pegase_fails_the_job_and_writes_nothing(catalogue, pegase) -> None:
    pegase.routes["objects"].mock(return_value=httpx.Response(503))
    job = await import_offer(catalogue)
    assert job["status"] == "failed"
    assert job["error"]
    assert (await catalogue.client.get("/courses", params={"hei": HEI})).json()["total"] == 0


async def test_an_unknown_period_fails_with_the_reason(catalogue, pegase) -> None:
    job = await import_offer(catalogue, period="PER-1999")
    assert job["status"] == "failed"
    assert "PER-1999" in job["error"]
