"""Administrative enrolment (INS) and course enrolment (CHC v6 draft workflow) in Pégase.

Administrative enrolment is idempotent: the learner's file (INS ext v2) is read first and an existing
valid inscription of the same period and code chemin is reused. Course enrolments read the validated
cursus first; only when it differs from the request is a draft opened, changed, and validated (or
deleted again if a step fails, so that no half-done draft is left behind).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from smile_sis.errors import SisError, SisNotFound, SisRejected, SisUnavailable
from smile_sis.models import (
    AdministrativeEnrolmentReceipt,
    AdministrativeEnrolmentRequest,
    CourseEnrolmentReceipt,
    CourseEnrolmentRequest,
    SisLearner,
)
from smile_sis.pegase.client import PegaseClient

__all__ = ["enrol_administratively", "enrol_in_courses", "inscription_path"]

CHOSEN = "AFFECTATION_CHOISIE"


def inscription_path(inscription: Mapping[str, Any]) -> str:
    """The code chemin of an ``InscriptionComplete``: formation code, then each chemin code."""
    cible = inscription.get("cible") or {}
    formation = (cible.get("formation") or {}).get("code")
    codes = [str(c.get("code")) for c in cible.get("chemin") or [] if isinstance(c, dict) and c.get("code")]
    if formation and (not codes or codes[0] != formation):
        codes.insert(0, str(formation))
    return ">".join(codes) or str(cible.get("code") or "")


def _learner_code(learner: SisLearner) -> str:
    if not learner.code:
        raise SisRejected("the learner has no Pégase code (codeApprenant) yet")
    return learner.code


async def learner_inscriptions(client: PegaseClient, code: str) -> list[dict[str, Any]]:
    """The learner's inscriptions; Pégase answers 500 "apprenant non trouve" for a learner without any."""
    try:
        body = await client.get("ins-ext", f"/gestion/inscription/{client.structure}/{code}/")
    except SisNotFound:
        return []
    except SisUnavailable as exc:
        if exc.detail and "apprenant non trouv" in exc.detail.lower():
            return []
        raise
    return [i for i in (body or {}).get("inscriptions") or [] if isinstance(i, dict)]


def _existing(inscriptions: list[dict[str, Any]], request: AdministrativeEnrolmentRequest) -> dict[str, Any] | None:
    for inscription in inscriptions:
        period = ((inscription.get("cible") or {}).get("periode") or {}).get("code")
        if (
            period == request.period_code
            and inscription_path(inscription) == request.programme_path
            and str(inscription.get("statutInscription", "")).lower() != "annulee"
        ):
            return inscription
    return None


def injection_body(request: AdministrativeEnrolmentRequest, code: str, origin: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "codeApprenant": code,
        "contexteInscription": "PRIMO",
        "inscriptions": [
            {
                "temoinPrincipale": True,
                "canal": "MANUEL",
                "origine": origin,
                "situationUniversitaire": {
                    "cesure": "SANS",
                    "mobilite": "ENTRANTE",
                    "codeProgrammeEchange": request.exchange_programme_code,
                    "codePays": request.country_code,
                },
                "codeRegimeInscription": request.regime_code,
                "dateInscription": (request.start_date or datetime.now(UTC).date()).isoformat(),
                "cible": request.programme_path,
            }
        ],
    }
    pegase_id = request.learner.identifiers.get("identifiantApprenantPegase")
    if pegase_id:
        body["identifiantApprenantPegase"] = pegase_id
    return body


async def enrol_administratively(
    client: PegaseClient, request: AdministrativeEnrolmentRequest
) -> AdministrativeEnrolmentReceipt:
    code = _learner_code(request.learner)
    voeu = f"{request.programme_path}@{request.period_code}"
    existing = _existing(await learner_inscriptions(client, code), request)
    if existing is not None:
        status = str(existing.get("statutInscription") or "valide")
        return AdministrativeEnrolmentReceipt(sis_enrolment_id=voeu, status=status, already_existed=True)
    if client.config.enrolment_mode == "initiate":
        return await _initiate(client, request, voeu)
    body = injection_body(request, code, client.config.enrolment_origin)
    response = await client.request(
        "POST", "ins", f"/etablissement/{client.structure}/injecter-inscriptions", json=body
    )
    result = response.json() if response.content else {}
    errors = result.get("erreurs") or result.get("errors") if isinstance(result, dict) else None
    if errors:
        detail = "; ".join(f"{e.get('champ', '')}: {e.get('erreur', e)}" for e in errors if isinstance(e, dict))
        raise SisRejected("Pégase refused the inscription", detail=detail)
    return AdministrativeEnrolmentReceipt(sis_enrolment_id=voeu, status="valide")


async def _initiate(
    client: PegaseClient, request: AdministrativeEnrolmentRequest, voeu: str
) -> AdministrativeEnrolmentReceipt:
    if not request.learner.sis_id:
        raise SisRejected("initier-inscription needs the learner's IDT identity id")
    chemins = await client.get("ins", f"/etablissement/{client.structure}/{request.period_code}/chemins")
    target = request.programme_path.split(">")
    match = next(
        (c for c in chemins or [] if c.get("codeChemin") == target or c.get("code") == request.programme_path), None
    )
    if match is None:
        raise SisRejected(f"no point of administrative enrolment {request.programme_path} in {request.period_code}")
    body = {
        "idApprenant": request.learner.sis_id,
        "cheminIds": [match["idOdf"]],
        "origine": client.config.enrolment_origin,
    }
    response = await client.request("POST", "ins", f"/etablissement/{client.structure}/initier-inscription", json=body)
    ids = response.json() if response.content else []
    return AdministrativeEnrolmentReceipt(sis_enrolment_id=str(ids[0]) if ids else voeu, status="DEBUTEE")


# --- course enrolments (CHC v6) ----------------------------------------------------------------------


def _lines(node: Mapping[str, Any] | None) -> Iterator[Mapping[str, Any]]:
    if not node:
        return
    yield node
    for child in node.get("enfants") or []:
        yield from _lines(child)


def _chosen(tree: Mapping[str, Any]) -> dict[str, str]:
    """code chemin -> course code of every object the learner chose and could un-choose (not the root,
    not a mandatory object, not one whose actions exclude cancelling)."""
    out = {}
    root = tree.get("racine")
    for line in _lines(root):
        info = line.get("infosObjetMaquette") or {}
        pedagogy = line.get("infosPedagogique") or {}
        actions = (line.get("possibilitesPedagogiques") or {}).get("actionsPossibles")
        if (
            line is not root
            and pedagogy.get("typeChoixPedagogiqueActuel") == CHOSEN
            and info.get("codeChemin")
            and not info.get("estObligatoire")
            and (actions is None or "AnnulerChoixAffectation" in actions)
        ):
            out[str(info["codeChemin"])] = str(info.get("codeObjetMaquette"))
    return out


def _resolve(tree: Mapping[str, Any], codes: list[str]) -> dict[str, str]:
    """course code (or code chemin) -> code chemin in the learner's cursus; unknown codes are refused."""
    by_code: dict[str, str] = {}
    for line in _lines(tree.get("racine")):
        info = line.get("infosObjetMaquette") or {}
        if info.get("codeChemin"):
            by_code.setdefault(str(info.get("codeObjetMaquette")), str(info["codeChemin"]))
            by_code.setdefault(str(info["codeChemin"]), str(info["codeChemin"]))
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise SisRejected(f"courses not in the learner's cursus: {', '.join(unknown)}")
    return {c: by_code[c] for c in codes}


async def _cursus_uuid(client: PegaseClient, learner: SisLearner, request: CourseEnrolmentRequest) -> str:
    cs, code = client.structure, _learner_code(learner)
    found = await client.get(
        "chc",
        f"/structure/{cs}/affectation-individuelle/recherche-apprenant",
        {"codePeriode": request.period_code, "codeApprenant": code},
    )
    items = (found or {}).get("items") or []
    if not items:
        raise SisRejected(f"learner {code} has no validated inscription in {request.period_code} yet")
    uuid = items[0]["apprenantUuid"]
    cursus = await client.get(
        "chc",
        f"/structure/{cs}/affectation-individuelle/recherche-cursus/apprenant/{uuid}",
        {"codePeriode": request.period_code},
    )
    candidates = [c for c in (cursus or {}).get("cursusList") or [] if c.get("statutIa") != "ANNULEE"]
    for candidate in candidates:
        if candidate.get("codeCheminOmIa") == request.programme_path:
            return str(candidate["cursusUuid"])
    if candidates:
        return str(candidates[0]["cursusUuid"])
    raise SisRejected(f"learner {code} has no cursus in {request.period_code}")


async def enrol_in_courses(client: PegaseClient, request: CourseEnrolmentRequest) -> CourseEnrolmentReceipt:
    cs = client.structure
    cursus = await _cursus_uuid(client, request.learner, request)
    view = f"/structure/{cs}/affectation-individuelle/cursus/{cursus}"
    validated = await client.get("chc", view)
    wanted = _resolve(validated, list(dict.fromkeys(request.course_codes)))
    chosen = _chosen(validated)
    to_add = [path for path in wanted.values() if path not in chosen]
    wanted_paths = set(wanted.values())
    to_remove = [
        path for path in chosen if path not in wanted_paths and not any(w.startswith(f"{path}>") for w in wanted_paths)
    ]
    if to_add or to_remove:
        await _apply_draft(client, cursus, to_add, to_remove)
    return CourseEnrolmentReceipt(
        enrolled=list(wanted),
        added=[c for c, p in wanted.items() if p in to_add],
        removed=[chosen[p] for p in to_remove],
    )


async def _apply_draft(client: PegaseClient, cursus: str, to_add: list[str], to_remove: list[str]) -> None:
    cs = client.structure
    draft = f"/structure/{cs}/affectation-individuelle/cursus/{cursus}/brouillon"
    await client.request(
        "POST", "chc", f"/structure/{cs}/cursus/{cursus}/creer-brouillon", params={"avecPropositions": False}
    )
    try:
        for path in to_remove:
            await client.request(
                "POST", "chc", f"{draft}/annuler-choix-affectation", json={"codeCheminChoixPedagogique": path}
            )
        for path in to_add:
            await client.request(
                "POST",
                "chc",
                f"{draft}/choisir-affectation",
                json={"codeCheminChoixPedagogique": path, "avecProposition": False},
            )
        await client.request("POST", "chc", f"/structure/{cs}/cursus/{cursus}/valider-brouillon")
    except SisError:
        with contextlib.suppress(SisError):  # the original error is the one worth reporting
            await client.request("POST", "chc", f"/structure/{cs}/cursus/{cursus}/supprimer-brouillon")
        raise
