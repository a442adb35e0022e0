"""Published results from COC publication v2, built on the public sample response."""

from __future__ import annotations

import copy
from decimal import Decimal

import httpx
import respx

from smile_sis import PegaseSIS, ResultOutcome, SisLearner

CAS = "https://authn-app.test-unicaen.pc-scol.fr/cas/v1/tickets"
COC = "https://coc.test-unicaen.pc-scol.fr/api/coc/publication/v2/etablissements/ETAB00/periodes/PER-2021"
COC_SPEC = "coc-publication-api-v2-2.3.0.yml"
LEARNER = SisLearner(code="000000035", family_name="Test", given_names="Learner")
ADM = {"code": "ADM", "libelleCourt": "ADM", "libelleLong": "Admis", "libelleAffichage": "Admis"}
AJ = {"code": "AJ", "libelleCourt": "AJ", "libelleLong": "Ajourné", "libelleAffichage": "Ajourné"}


def _published(sample: list[dict[str, object]]) -> list[dict[str, object]]:
    """The sample (session 1 published, year not published) with later jury decisions: finals for one UE,
    a failed session 1 for another, a session-2 re-sit, an absence."""
    body = copy.deepcopy(sample)
    by_leaf = {str(c["objetFeuille"]["code"]): c for c in body}  # type: ignore[index]
    by_leaf["F-ING-HYD-S7-DROIT"].update(
        publieEvaluationsFinales=True, noteFinale=14.092, resultatFinal=ADM, creditsEctsFinaux=3, numeroSessionRetenue=1
    )
    by_leaf["F-ING-HYD-S7-GC"].update(publieSession1=True, noteSession1=7.5, resultatSession1=AJ, creditsEctsSession1=0)
    by_leaf["F-ING-HYD-S7-OUT"].update(
        publieSession1=True,
        noteSession1=8,
        resultatSession1=AJ,
        concerneParSession2=True,
        publieSession2=True,
        noteSession2=11.5,
        resultatSession2=ADM,
        creditsEctsFinaux=4,
    )
    by_leaf["F-ING-HYD-S7-TEC"].update(publieEvaluationsFinales=True, noteFinale=None, absenceFinale="INJUSTIFIEE")
    return body


@respx.mock
async def test_only_published_results_are_read_with_grade_scale_outcome_and_credits(
    pegase_config, pegase_sample, pegase_schema
) -> None:
    body = _published(pegase_sample("coc-publication-chemins.esup-mdw-pegase.json"))
    for chemin in body:
        pegase_schema(COC_SPEC, "Chemin", chemin)
    respx.post(CAS).mock(return_value=httpx.Response(201, text="opaque-token"))
    route = respx.get(f"{COC}/apprenants/000000035/chemins/F-ING-HYD>F-ING-HYD-A4").mock(
        return_value=httpx.Response(200, json=body)
    )
    sis = PegaseSIS(pegase_config)
    results = {r.course_code: r for r in await sis.read_results(LEARNER, "PER-2021", "F-ING-HYD>F-ING-HYD-A4")}
    await sis.aclose()
    assert route.called
    assert "F-ING-HYD-A4" not in results  # the year's result is not published yet
    assert len(results) == 8
    teu = results["F-ING-HYD-S7-TEU"]  # as in the sample: session 1 published, TRE001 "ADM"
    assert teu.grade == Decimal("18.0")
    assert teu.session == 1
    assert teu.outcome is ResultOutcome.PASSED
    droit = results["F-ING-HYD-S7-DROIT"]
    assert droit.grade == Decimal("14.092")
    assert droit.scale_max == Decimal(20)
    assert droit.outcome is ResultOutcome.PASSED
    assert droit.credits == Decimal(3)
    assert droit.path == "F-ING-HYD>F-ING-HYD-A4>F-ING-HYD-S07>F-ING-HYD-S7-DROIT"
    assert results["F-ING-HYD-S7-GC"].outcome is ResultOutcome.FAILED
    assert results["F-ING-HYD-S7-GC"].session == 1
    resit = results["F-ING-HYD-S7-OUT"]
    assert resit.grade == Decimal("11.5")
    assert resit.session == 2
    assert resit.outcome is ResultOutcome.PASSED
    absent = results["F-ING-HYD-S7-TEC"]
    assert absent.grade is None
    assert absent.outcome is ResultOutcome.FAILED


@respx.mock
async def test_an_unknown_result_code_falls_back_to_the_half_of_the_scale(pegase_config, pegase_sample) -> None:
    body = pegase_sample("coc-publication-chemins.esup-mdw-pegase.json")[:1]
    body[0].update(publieEvaluationsFinales=True, noteFinale=9.99, resultatFinal={"code": "XYZ"}, bareme=20)
    respx.post(CAS).mock(return_value=httpx.Response(201, text="opaque-token"))
    respx.get(f"{COC}/apprenants/000000035/chemins/F-ING-HYD").mock(return_value=httpx.Response(200, json=body))
    sis = PegaseSIS(pegase_config)
    (result,) = await sis.read_results(LEARNER, "PER-2021", "F-ING-HYD")
    await sis.aclose()
    assert result.outcome is ResultOutcome.FAILED
