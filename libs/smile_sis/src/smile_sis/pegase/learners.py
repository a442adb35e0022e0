"""Learners in Pégase's IDT ext API: search by code, INE or name (birth date checked here, the API has
no birth-date filter), and "identify, create if needed" (``POST .../identites``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from smile_sis.errors import SisRejected
from smile_sis.models import LearnerData, LearnerQuery, SisLearner
from smile_sis.pegase.client import PegaseClient

__all__ = ["ensure_learner", "find_learner", "identity_request"]


def _fold(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _birth_date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def parse_summary(raw: Mapping[str, Any], *, created: bool = False) -> SisLearner:
    """An ``IdentiteApprenantSummary`` or an ``IdentiteDetail`` as a :class:`SisLearner`."""
    profile = raw.get("profilApprenant") or {}
    civil = profile.get("etatCivil") or {}
    identifiers = {}
    if raw.get("identifiantApprenantPegase"):
        identifiers["identifiantApprenantPegase"] = str(raw["identifiantApprenantPegase"])
    return SisLearner(
        code=raw.get("codeApprenant") or profile.get("codeApprenant"),
        sis_id=str(raw["id"]) if raw.get("id") else None,
        family_name=str(raw.get("nomNaissance") or ""),
        given_names=str(raw.get("prenom") or ""),
        birth_date=_birth_date(raw.get("dateNaissance") or civil.get("dateNaissance")),
        ine=raw.get("ineMaitre") or profile.get("ineMaitre"),
        identifiers=identifiers,
        created=created,
    )


async def _search(client: PegaseClient, **criteria: str) -> list[dict[str, Any]]:
    path = f"/etablissements/{client.structure}/identites/apprenants"
    items = await client.get_all("idt", path, {**criteria, "exact": True}, size=100)
    return [i for i in items if isinstance(i, dict)]


async def find_learner(client: PegaseClient, query: LearnerQuery) -> SisLearner | None:
    if query.code:
        found = await _search(client, codeApprenant=query.code)
        if found:
            return parse_summary(found[0])
    if query.ine:
        found = await _search(client, ine=query.ine.upper())
        if found:
            return parse_summary(found[0])
    if query.family_name and query.given_names and query.birth_date:
        found = await _search(client, nom=query.family_name, prenom=query.given_names)
        for item in found:
            if _birth_date(item.get("dateNaissance")) == query.birth_date and _fold(item.get("nomNaissance")) == _fold(
                query.family_name
            ):
                return parse_summary(item)
    return None


def identity_request(learner: LearnerData, country_codes: Mapping[str, str]) -> dict[str, Any]:
    """The ``CreerModifierIdentiteRequest`` body for an incoming student."""
    if learner.sex is None or learner.birth_date is None:
        raise SisRejected("Pégase needs the learner's sex and birth date to create an identity")
    civil: dict[str, Any] = {"sexe": learner.sex, "dateNaissance": learner.birth_date.isoformat()}
    nationality = country_codes.get((learner.nationality or "").upper())
    if nationality:
        civil["nationalite"] = {"type": "PAYSETNATIONALITES", "code": nationality}
    profile: dict[str, Any] = {"etatCivil": civil}
    if learner.ine:
        profile["ineMaitre"] = learner.ine.upper()
    body: dict[str, Any] = {
        "nomNaissance": learner.family_name,
        "prenom": learner.given_names,
        "email": learner.email,
        "rafraichirEmail": False,
        "profilApprenant": profile,
    }
    if learner.phone:
        body["telephonePortablePersonnel"] = learner.phone
    return body


async def ensure_learner(client: PegaseClient, learner: LearnerData, country_codes: Mapping[str, str]) -> SisLearner:
    query = LearnerQuery(
        code=learner.code,
        ine=learner.ine,
        family_name=learner.family_name,
        given_names=learner.given_names,
        birth_date=learner.birth_date,
    )
    found = await find_learner(client, query)
    if found is not None:
        return found
    body = identity_request(learner, country_codes)
    response = await client.request("POST", "idt", f"/etablissements/{client.structure}/identites", json=body)
    # 201: created; 200: Pégase matched an existing identity and returns it instead
    return parse_summary(response.json(), created=response.status_code == 201)
