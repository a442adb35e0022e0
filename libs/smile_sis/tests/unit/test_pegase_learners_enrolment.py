"""Learners (IDT ext), administrative enrolment (INS) and course choices (CHC v6) in Pégase.

Request bodies and the test doubles' responses are checked against the public OpenAPI files where one
exists (IDT ext 1.6.0, INS ext v2 2.6.0); INS v1 and CHC v6 follow PEGASE.md (generated clients).
"""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
import respx

from smile_sis import (
    AdministrativeEnrolmentRequest,
    CourseEnrolmentRequest,
    LearnerData,
    LearnerQuery,
    PegaseConfig,
    PegaseSIS,
    SisLearner,
    SisRejected,
    SisUnavailable,
)

CAS = "https://authn-app.test-unicaen.pc-scol.fr/cas/v1/tickets"
IDT = "https://idt.test-unicaen.pc-scol.fr/api/idt/ext/v1/etablissements/ETAB00"
INS_EXT = "https://ins.test-unicaen.pc-scol.fr/api/ins/ext/v2/gestion/inscription/ETAB00"
INS = "https://ins.test-unicaen.pc-scol.fr/api/ins/v1/etablissement/ETAB00"
CHC = "https://chc.test-unicaen.pc-scol.fr/api/chc/v6/structure/ETAB00"
IDT_SPEC, INS_SPEC = "idt-ext-api-v1-1.6.0.yaml", "inscription-ext-api-v2-2.6.0.yaml"

ANNA = LearnerData(
    reference="stu-1",
    family_name="Müller",
    given_names="Anna",
    birth_date=date(2003, 4, 2),
    sex="F",
    nationality="DE",
    email="anna.mueller@uni-koeln.de",
    phone="+49221470000",
)


def _summary(uuid: str, code: str | None, birth: str, name: str = "MÜLLER") -> dict[str, object]:
    return {
        "id": uuid,
        "identifiantApprenantPegase": f"P{uuid[:6]}",
        "nomNaissance": name,
        "prenom": "Anna",
        "sexe": "F",
        "codeApprenant": code,
        "inesSupplementaires": [],
        "dateNaissance": birth,
        "temoinDoublonPotentiel": False,
    }


def _page(items: list[dict[str, object]]) -> dict[str, object]:
    return {"items": items, "totalElements": len(items), "totalPages": 1 if items else 0, "taille": 100, "page": 0}


@pytest.fixture
def config() -> PegaseConfig:
    return PegaseConfig.model_validate(
        {
            "instance": "test-unicaen",
            "password": "TEST-ONLY-secret",
            "structure_code": "ETAB00",
            "enrolment": {"country_codes": {"DE": "109"}},
        }
    )


@pytest.fixture(autouse=True)
def cas():  # type: ignore[no-untyped-def]
    with respx.mock(assert_all_called=False) as router:
        router.post(CAS).mock(return_value=httpx.Response(201, text="opaque-token"))
        yield router


async def test_name_search_checks_the_birth_date_the_api_cannot_filter(cas, config, pegase_schema) -> None:
    homonyms = _page(
        [_summary("11111111-aaaa", "22600001", "1999-01-01"), _summary("22222222-bbbb", "22600002", "2003-04-02")]
    )
    pegase_schema(IDT_SPEC, "PagedIdentiteApprenantSummaries", homonyms)
    search = cas.get(f"{IDT}/identites/apprenants").mock(return_value=httpx.Response(200, json=homonyms))
    sis = PegaseSIS(config)
    found = await sis.find_learner(LearnerQuery(family_name="Muller", given_names="Anna", birth_date=date(2003, 4, 2)))
    await sis.aclose()
    assert found is not None
    assert found.code == "22600002"
    assert found.sis_id == "22222222-bbbb"
    params = search.calls[0].request.url.params
    assert params["nom"] == "Muller"
    assert params["prenom"] == "Anna"
    assert params["exact"] == "true"


async def test_a_new_student_is_created_with_a_valid_identity_request(cas, config, pegase_schema) -> None:
    cas.get(f"{IDT}/identites/apprenants").mock(return_value=httpx.Response(200, json=_page([])))
    detail = {
        "id": "3f0e8a34-0000-4000-8000-00000000a001",
        "identifiantApprenantPegase": "PANNA01",
        "nomNaissance": "Müller",
        "prenom": "Anna",
        "email": "anna.mueller@uni-koeln.de",
        "profilApprenant": {"codeApprenant": "22600042", "etatCivil": {"sexe": "F", "dateNaissance": "2003-04-02"}},
    }
    pegase_schema(IDT_SPEC, "IdentiteDetail", detail)
    create = cas.post(f"{IDT}/identites").mock(return_value=httpx.Response(201, json=detail))
    sis = PegaseSIS(config)
    learner = await sis.ensure_learner(ANNA)
    await sis.aclose()
    body = json.loads(create.calls[0].request.content)
    pegase_schema(IDT_SPEC, "CreerModifierIdentiteRequest", body)
    assert body["profilApprenant"]["etatCivil"] == {
        "sexe": "F",
        "dateNaissance": "2003-04-02",
        "nationalite": {"type": "PAYSETNATIONALITES", "code": "109"},
    }
    assert learner.created
    assert learner.code == "22600042"
    assert learner.identifiers == {"identifiantApprenantPegase": "PANNA01"}


async def test_an_identity_pegase_matches_to_an_existing_one_is_not_reported_as_created(cas, config) -> None:
    cas.get(f"{IDT}/identites/apprenants").mock(return_value=httpx.Response(200, json=_page([])))
    existing = {
        "id": "e1",
        "identifiantApprenantPegase": "PX",
        "nomNaissance": "Müller",
        "prenom": "Anna",
        "email": "a@b.de",
    }
    cas.post(f"{IDT}/identites").mock(return_value=httpx.Response(200, json=existing))
    sis = PegaseSIS(config)
    learner = await sis.ensure_learner(ANNA)
    await sis.aclose()
    assert not learner.created
    assert learner.sis_id == "e1"


async def test_pegase_refusals_are_reported_with_the_field_and_message(cas, config) -> None:
    cas.get(f"{IDT}/identites/apprenants").mock(return_value=httpx.Response(200, json=_page([])))
    error = {"code": "email", "message": "Le courriel est invalide", "champ": "email"}
    cas.post(f"{IDT}/identites").mock(return_value=httpx.Response(400, json=error))
    sis = PegaseSIS(config)
    with pytest.raises(SisRejected) as caught:
        await sis.ensure_learner(ANNA)
    await sis.aclose()
    assert "Le courriel est invalide" in str(caught.value)
    assert not caught.value.retryable


async def test_without_sex_or_birth_date_no_identity_is_created(cas, config) -> None:
    cas.get(f"{IDT}/identites/apprenants").mock(return_value=httpx.Response(200, json=_page([])))
    sis = PegaseSIS(config)
    with pytest.raises(SisRejected, match="sex and birth date"):
        await sis.ensure_learner(ANNA.model_copy(update={"sex": None}))
    await sis.aclose()


# --- administrative enrolment -----------------------------------------------------------------------

LEARNER = SisLearner(
    code="22600042",
    sis_id="3f0e8a34",
    family_name="Müller",
    given_names="Anna",
    identifiers={"identifiantApprenantPegase": "PANNA01"},
)


def _request(**over: object) -> AdministrativeEnrolmentRequest:
    values: dict[str, object] = {
        "reference": "enr-1",
        "learner": LEARNER,
        "period_code": "PER-2026",
        "programme_path": "ECH-DROIT>ECH-DROIT-S",
        "regime_code": "REG-ECH",
        "exchange_programme_code": "ERASMUS",
        "country_code": "109",
        "start_date": date(2026, 9, 1),
    }
    values.update(over)
    return AdministrativeEnrolmentRequest.model_validate(values)


def _inscription(path: list[str], period: str, status: str = "valide") -> dict[str, object]:
    ref = {
        "nomenclature": "RegimeInscription",
        "code": "REG-ECH",
        "libelle": "Échange",
        "contexteConsommation": "2026-09-01",
    }
    return {
        "codeEtablissement": "ETAB00",
        "cible": {
            "code": path[-1],
            "formation": {"code": path[0], "libelleLong": "Échanges droit"},
            "chemin": [{"code": c, "nature": "ObjetFormation"} for c in path[1:]],
            "periode": {"code": period, "anneeUniversitaire": 2026},
        },
        "origine": "manuel",
        "principale": True,
        "statutInscription": status,
        "contexteInscription": "primo",
        "statutPaiement": "sans_statut",
        "regimeInscription": ref,
        "boursesEtAides": [],
        "situationPersonnelleInscription": {},
        "situationPrecedente": {},
        "situationUniversitaire": {"mobilite": "ENTRANTE"},
        "cvec": {},
        "dateInscription": "2026-09-01T00:00:00",
        "dateDerniereModification": "2026-09-01T00:00:00",
        "accords": [],
        "cursusParallele": {},
        "ecoleDoctorale": {},
    }


async def test_a_learner_without_inscriptions_gets_an_injected_exchange_inscription(cas, config) -> None:
    # INS ext answers 500 "apprenant non trouve" for a learner who has no inscription yet
    cas.get(f"{INS_EXT}/22600042/").mock(return_value=httpx.Response(500, json={"message": "apprenant non trouve"}))
    inject = cas.post(f"{INS}/injecter-inscriptions").mock(
        return_value=httpx.Response(
            200, json={"codeApprenant": "22600042", "inscriptions": [{"cible": "ECH-DROIT>ECH-DROIT-S"}]}
        )
    )
    sis = PegaseSIS(config)
    receipt = await sis.enrol_administratively(_request())
    await sis.aclose()
    body = json.loads(inject.calls[0].request.content)
    inscription = body["inscriptions"][0]
    assert body["codeApprenant"] == "22600042"
    assert body["identifiantApprenantPegase"] == "PANNA01"
    assert inscription["situationUniversitaire"] == {
        "cesure": "SANS",
        "mobilite": "ENTRANTE",
        "codeProgrammeEchange": "ERASMUS",
        "codePays": "109",
    }
    assert inscription["codeRegimeInscription"] == "REG-ECH"
    assert inscription["cible"] == "ECH-DROIT>ECH-DROIT-S"
    assert receipt.sis_enrolment_id == "ECH-DROIT>ECH-DROIT-S@PER-2026"
    assert not receipt.already_existed


async def test_an_existing_inscription_of_the_period_is_reused_not_duplicated(cas, config, pegase_schema) -> None:
    file = {"apprenant": {"code": "22600042"}, "inscriptions": [_inscription(["ECH-DROIT", "ECH-DROIT-S"], "PER-2026")]}
    pegase_schema(INS_SPEC, "ApprenantEtInscriptions", file)
    cas.get(f"{INS_EXT}/22600042/").mock(return_value=httpx.Response(200, json=file))
    inject = cas.post(f"{INS}/injecter-inscriptions")
    sis = PegaseSIS(config)
    receipt = await sis.enrol_administratively(_request())
    await sis.aclose()
    assert receipt.already_existed
    assert receipt.status == "valide"
    assert not inject.called


async def test_a_cancelled_inscription_does_not_count(cas, config) -> None:
    file = {
        "apprenant": {"code": "22600042"},
        "inscriptions": [_inscription(["ECH-DROIT", "ECH-DROIT-S"], "PER-2026", "annulee")],
    }
    cas.get(f"{INS_EXT}/22600042/").mock(return_value=httpx.Response(200, json=file))
    inject = cas.post(f"{INS}/injecter-inscriptions").mock(
        return_value=httpx.Response(200, json={"codeApprenant": "22600042", "inscriptions": []})
    )
    sis = PegaseSIS(config)
    await sis.enrol_administratively(_request())
    await sis.aclose()
    assert inject.called


async def test_injection_errors_are_rejections_and_a_real_500_is_retryable(cas, config) -> None:
    cas.get(f"{INS_EXT}/22600042/").mock(
        side_effect=[httpx.Response(404), httpx.Response(500, json={"message": "NullPointerException"})]
    )
    cas.post(f"{INS}/injecter-inscriptions").mock(
        return_value=httpx.Response(
            200, json={"erreurs": [{"bloc": "inscription", "champ": "codeRegimeInscription", "erreur": "inconnu"}]}
        )
    )
    sis = PegaseSIS(config)
    with pytest.raises(SisRejected, match="codeRegimeInscription"):
        await sis.enrol_administratively(_request())
    with pytest.raises(SisUnavailable):
        await sis.enrol_administratively(_request())
    await sis.aclose()


async def test_initiate_mode_targets_the_point_of_enrolment_uuid(cas, config) -> None:
    initiate_config = config.model_copy(update={"enrolment_mode": "initiate"})
    cas.get(f"{INS_EXT}/22600042/").mock(return_value=httpx.Response(404))
    cas.get(f"{INS}/PER-2026/chemins").mock(
        return_value=httpx.Response(
            200,
            json=[
                {
                    "idOdf": "9e7d-pia",
                    "code": "ECH-DROIT-S",
                    "codeChemin": ["ECH-DROIT", "ECH-DROIT-S"],
                    "libelle": "x",
                    "temoinPIAActif": True,
                }
            ],
        )
    )
    start = cas.post(f"{INS}/initier-inscription").mock(
        return_value=httpx.Response(201, json=["c0ffee00-0000-4000-8000-000000000001"])
    )
    sis = PegaseSIS(initiate_config)
    receipt = await sis.enrol_administratively(_request())
    await sis.aclose()
    assert json.loads(start.calls[0].request.content) == {
        "idApprenant": "3f0e8a34",
        "cheminIds": ["9e7d-pia"],
        "origine": "MANUEL",
    }
    assert receipt.sis_enrolment_id == "c0ffee00-0000-4000-8000-000000000001"
    assert receipt.status == "DEBUTEE"


# --- course enrolments (CHC v6) ---------------------------------------------------------------------


def _line(code: str, path: str, chosen: bool, children: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {
        "infosObjetMaquette": {
            "codeObjetMaquette": code,
            "codeChemin": path,
            "estObligatoire": False,
            "creditsEcts": 5,
        },
        "infosPedagogique": {"typeChoixPedagogiqueActuel": "AFFECTATION_CHOISIE" if chosen else "PAS_DE_CHC"},
        "possibilitesPedagogiques": {"actionsPossibles": ["ChoisirAffectation", "AnnulerChoixAffectation"]},
        "enfants": children or [],
    }


def _cursus(chosen: set[str]) -> dict[str, object]:
    base = "ECH-DROIT>ECH-DROIT-S"
    courses = [_line(c, f"{base}>{c}", c in chosen) for c in ("DRT-EU-101", "DRT-INT-201", "LET-FLE-100")]
    return {"cursusUuid": "cur-1", "estComplet": True, "racine": _line("ECH-DROIT-S", base, True, courses)}


def _mock_cursus(cas, chosen: set[str]) -> None:  # type: ignore[no-untyped-def]
    cas.get(f"{CHC}/affectation-individuelle/recherche-apprenant").mock(
        return_value=httpx.Response(200, json=_page([{"apprenantUuid": "app-1", "codeApprenant": "22600042"}]))
    )
    cas.get(f"{CHC}/affectation-individuelle/recherche-cursus/apprenant/app-1").mock(
        return_value=httpx.Response(
            200,
            json={
                "cursusList": [{"cursusUuid": "cur-1", "codeCheminOmIa": "ECH-DROIT>ECH-DROIT-S", "statutIa": "VALIDE"}]
            },
        )
    )
    cas.get(f"{CHC}/affectation-individuelle/cursus/cur-1").mock(return_value=httpx.Response(200, json=_cursus(chosen)))


def _courses(*codes: str) -> CourseEnrolmentRequest:
    return CourseEnrolmentRequest(
        reference="enr-1",
        learner=LEARNER,
        period_code="PER-2026",
        programme_path="ECH-DROIT>ECH-DROIT-S",
        course_codes=list(codes),
    )


async def test_course_choices_are_applied_in_one_validated_draft(cas, config) -> None:
    _mock_cursus(cas, chosen={"DRT-EU-101", "LET-FLE-100"})
    create = cas.post(f"{CHC}/cursus/cur-1/creer-brouillon").mock(return_value=httpx.Response(200, json={}))
    draft = f"{CHC}/affectation-individuelle/cursus/cur-1/brouillon"
    cancel = cas.post(f"{draft}/annuler-choix-affectation").mock(return_value=httpx.Response(200, json={}))
    choose = cas.post(f"{draft}/choisir-affectation").mock(return_value=httpx.Response(200, json={}))
    validate = cas.post(f"{CHC}/cursus/cur-1/valider-brouillon").mock(return_value=httpx.Response(200))
    sis = PegaseSIS(config)
    receipt = await sis.enrol_in_courses(_courses("DRT-EU-101", "DRT-INT-201"))
    await sis.aclose()
    assert create.calls[0].request.url.params["avecPropositions"] == "false"
    assert json.loads(cancel.calls[0].request.content) == {
        "codeCheminChoixPedagogique": "ECH-DROIT>ECH-DROIT-S>LET-FLE-100"
    }
    assert (
        json.loads(choose.calls[0].request.content)["codeCheminChoixPedagogique"] == "ECH-DROIT>ECH-DROIT-S>DRT-INT-201"
    )
    assert validate.called
    assert receipt.added == ["DRT-INT-201"]
    assert receipt.removed == ["LET-FLE-100"]


async def test_courses_already_in_step_open_no_draft(cas, config) -> None:
    _mock_cursus(cas, chosen={"DRT-EU-101"})
    create = cas.post(f"{CHC}/cursus/cur-1/creer-brouillon")
    sis = PegaseSIS(config)
    receipt = await sis.enrol_in_courses(_courses("DRT-EU-101"))
    await sis.aclose()
    assert not create.called
    assert receipt.added == []
    assert receipt.removed == []


async def test_a_failed_choice_deletes_the_draft_and_reports_the_error(cas, config) -> None:
    _mock_cursus(cas, chosen=set())
    cas.post(f"{CHC}/cursus/cur-1/creer-brouillon").mock(return_value=httpx.Response(200, json={}))
    cas.post(f"{CHC}/affectation-individuelle/cursus/cur-1/brouillon/choisir-affectation").mock(
        return_value=httpx.Response(400, json={"code": "capacite", "message": "Capacité d'accueil atteinte"})
    )
    delete = cas.post(f"{CHC}/cursus/cur-1/supprimer-brouillon").mock(return_value=httpx.Response(200))
    validate = cas.post(f"{CHC}/cursus/cur-1/valider-brouillon")
    sis = PegaseSIS(config)
    with pytest.raises(SisRejected, match="Capacité"):
        await sis.enrol_in_courses(_courses("DRT-EU-101"))
    await sis.aclose()
    assert delete.called
    assert not validate.called


async def test_a_course_outside_the_learners_cursus_is_refused(cas, config) -> None:
    _mock_cursus(cas, chosen=set())
    sis = PegaseSIS(config)
    with pytest.raises(SisRejected, match="INF-ALG-120"):
        await sis.enrol_in_courses(_courses("DRT-EU-101", "INF-ALG-120"))
    await sis.aclose()
