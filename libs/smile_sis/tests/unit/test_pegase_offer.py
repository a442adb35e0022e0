"""The course offer read from Pégase CHC v6 (shapes of PEGASE.md §3.1 C), with the ODF syllabus."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest
import respx

from smile_sis import PegaseConfig, PegaseSIS, SisNotFound

CAS = "https://authn-app.test-unicaen.pc-scol.fr/cas/v1/tickets"
CHC = "https://chc.test-unicaen.pc-scol.fr/api/chc/v6"
ODF = "https://odf.test-unicaen.pc-scol.fr/api/odf/ext/v1/etablissement/ETAB00"

PERIODS = [
    {
        "code": "PER-2025",
        "libelleCourt": "2025",
        "libelleLong": "Période 2025/2026",
        "libelleAffichage": "Période d'inscription 2025/2026",
        "anneeUniversitaire": 2025,
        "dateDebut": "2025-09-01",
        "dateFin": "2026-08-31",
        "estActive": True,
        "identifiant": "6d0b51a4-7a55-4c1e-9a57-1d6b1b1d2025",
    },
    {
        "code": "PER-2026",
        "libelleCourt": "2026",
        "libelleLong": "Période 2026/2027",
        "libelleAffichage": "Période d'inscription 2026/2027",
        "anneeUniversitaire": 2026,
        "dateDebut": "2026-09-01",
        "dateFin": "2027-08-31",
        "estActive": True,
        "identifiant": "6d0b51a4-7a55-4c1e-9a57-1d6b1b1d2026",
    },
]
FORMATION = {"code": "F-DRT-L3", "libelleCourt": "L3 Droit", "libelleLong": "Licence 3 Droit"}
FORMATIONS = [
    {
        "codeChemin": "F-DRT-L3",
        "codePeriode": "PER-2026",
        "codeStructure": "ETAB00",
        "creditEcts": 60,
        "formation": FORMATION,
    }
]


def _objet(path: str, code_type: str, label: str, ects: object, **extra: object) -> dict[str, object]:
    return {
        "codeChemin": path,
        "codePeriode": "PER-2026",
        "codeStructure": "ETAB00",
        "codeType": code_type,
        "capaciteAccueil": extra.get("capacite"),
        "caractereObligatoire": extra.get("obligatoire", False),
        "ouverteChoixCursus": extra.get("ouvert", True),
        "creditEcts": ects,
        "temoinPlageChoix": False,
        "formation": extra.get("formation", FORMATION),
        "objetFormation": {
            "code": path.split(">")[-1],
            "libelleCourt": label[:20],
            "libelleLong": label,
            "codeNature": "UE",
            "mutualise": False,
            "stage": False,
        },
    }


OBJECTS = [
    _objet("F-DRT-L3>F-DRT-L3-S5", "SEMESTRE", "Semestre 5", 30),
    _objet("F-DRT-L3>F-DRT-L3-S6", "SEMESTRE", "Semestre 6", 30),
    _objet("F-DRT-L3>F-DRT-L3-S5>DRT-EU-101", "UE", "Droit de l'Union européenne", 6, capacite=40),
    _objet("F-DRT-L3>F-DRT-L3-S6>DRT-INT-201", "UE", "Droit international public", "5,0", obligatoire=True),
    _objet("F-DRT-L3>F-DRT-L3-S6>DRT-STG-299", "UE", "Stage", None, ouvert=False),
    _objet(
        "F-ECO-L3>F-ECO-L3-S5>DRT-EU-101",
        "UE",
        "Droit de l'Union européenne",
        6,
        formation={"code": "F-ECO-L3", "libelleCourt": "L3 Eco", "libelleLong": "Licence 3 Économie"},
    ),
]


def _mock_chc() -> None:
    respx.post(CAS).mock(return_value=httpx.Response(201, text="opaque-token"))
    respx.get(f"{CHC}/structure/ETAB00/periodes").mock(return_value=httpx.Response(200, json=PERIODS))
    respx.get(f"{CHC}/objets-maquette/formation/ETAB00/PER-2026").mock(
        return_value=httpx.Response(200, json=FORMATIONS)
    )
    respx.get(f"{CHC}/objets-maquette/objets-formation/ETAB00/PER-2026").mock(
        return_value=httpx.Response(200, json=OBJECTS)
    )


@respx.mock
async def test_periods_come_newest_first_with_dates_and_year(pegase_config) -> None:
    _mock_chc()
    sis = PegaseSIS(pegase_config)
    periods = await sis.list_periods()
    await sis.aclose()
    assert [p.code for p in periods] == ["PER-2026", "PER-2025"]
    assert periods[0].academic_year == 2026
    assert periods[0].start_date == date(2026, 9, 1)
    assert periods[0].sis_id == "6d0b51a4-7a55-4c1e-9a57-1d6b1b1d2026"


@respx.mock
async def test_the_offer_lists_courses_not_semesters_with_their_term_and_credits(pegase_config) -> None:
    _mock_chc()
    sis = PegaseSIS(pegase_config)
    offer = await sis.read_course_offer("PER-2026")
    await sis.aclose()
    assert offer.source == "pegase"
    assert offer.period.code == "PER-2026"
    assert [p.code for p in offer.programmes] == ["F-DRT-L3"]
    courses = {c.code: c for c in offer.courses}
    assert sorted(courses) == ["DRT-EU-101", "DRT-INT-201", "DRT-STG-299"]
    eu = courses["DRT-EU-101"]
    assert eu.title == {"fr": "Droit de l'Union européenne"}
    assert eu.ects == Decimal(6)
    assert eu.capacity == 40
    assert eu.term_code == "F-DRT-L3-S5"
    assert eu.path == "F-DRT-L3>F-DRT-L3-S5>DRT-EU-101"
    assert eu.programme_codes == ["F-DRT-L3", "F-ECO-L3"]  # shared ("mutualisé") with economics
    assert courses["DRT-INT-201"].ects == Decimal("5.0")
    assert courses["DRT-INT-201"].mandatory is True
    assert courses["DRT-STG-299"].open_to_choice is False
    assert courses["DRT-STG-299"].ects is None


@respx.mock
async def test_an_unknown_period_is_not_found(pegase_config) -> None:
    _mock_chc()
    sis = PegaseSIS(pegase_config)
    with pytest.raises(SisNotFound):
        await sis.read_course_offer("PER-1999")
    await sis.aclose()


@respx.mock
async def test_syllabus_descriptions_and_languages_come_from_odf(pegase_config) -> None:
    _mock_chc()
    config = PegaseConfig.model_validate(
        {**pegase_config.model_dump(), "password": "TEST-ONLY-secret", "read_syllabus": True}
    )
    listing = respx.get(f"{ODF}/objets-maquette").mock(
        return_value=httpx.Response(
            200,
            json={
                "items": [
                    {
                        "id": "0b7c1f0e-0000-4000-8000-000000000101",
                        "code": "DRT-EU-101",
                        "typeObjetMaquette": "OBJET-FORMATION",
                    }
                ],
                "totalElements": 1,
                "totalPages": 1,
                "taille": 500,
                "page": 0,
            },
        )
    )
    respx.get(f"{ODF}/objets-maquette/0b7c1f0e-0000-4000-8000-000000000101").mock(
        return_value=httpx.Response(
            200,
            json={
                "id": "0b7c1f0e-0000-4000-8000-000000000101",
                "code": "DRT-EU-101",
                "descripteursSyllabus": {
                    "description": "Institutions et ordre juridique de l'Union.",
                    "langueEnseignement": [{"type": "LANGUE", "code": "FR"}, {"type": "LANGUE", "code": "EN"}],
                },
            },
        )
    )
    sis = PegaseSIS(config)
    offer = await sis.read_course_offer("PER-2026")
    await sis.aclose()
    eu = next(c for c in offer.courses if c.code == "DRT-EU-101")
    assert eu.description == {"fr": "Institutions et ordre juridique de l'Union."}
    assert eu.languages == ["fr", "en"]
    query = listing.calls[0].request.url.params
    assert query["espace"] == "6d0b51a4-7a55-4c1e-9a57-1d6b1b1d2026"
    assert query["typeObjetMaquette"] == "OBJET-FORMATION"
    assert next(c for c in offer.courses if c.code == "DRT-INT-201").description == {}
