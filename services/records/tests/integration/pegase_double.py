"""A stateful test double of one Pégase instance, spoken to over HTTP by the real Pégase adapter.

It keeps identities (IDT), inscriptions (INS), cursus choices with their draft workflow (CHC v6) and
published results (COC publication v2). Every request body and response that the public OpenAPI files of
``specs/sis/openapi`` describe is validated against them (IDT ext 1.6.0, INS ext v2 2.6.0, COC publication
v2 2.3.0), so the double cannot drift from Pégase's shapes; INS v1 and CHC v6 have no public OpenAPI file
and follow ``specs/sis/PEGASE.md``. A body that breaks them is answered 400 and kept in ``violations``.
``fail_next`` makes the next calls of a route time out or answer 5xx.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml

STRUCTURE = "ETAB00"
IDT_SPEC, INS_SPEC, COC_SPEC = (
    "idt-ext-api-v1-1.6.0.yaml",
    "inscription-ext-api-v2-2.6.0.yaml",
    "coc-publication-api-v2-2.3.0.yml",
)
ADM = {"code": "TRE001", "libelleCourt": "ADM", "libelleLong": "ADMIS", "libelleAffichage": "Admis"}
AJ = {"code": "AJ", "libelleCourt": "AJ", "libelleLong": "Ajourné", "libelleAffichage": "Ajourné"}


def _specs_dir() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "specs" / "sis" / "openapi").is_dir():
            return parent / "specs" / "sis"
    raise FileNotFoundError("specs/sis not found in the repository")


@functools.cache
def _components(name: str) -> dict[str, Any]:
    text = (_specs_dir() / "openapi" / name).read_text(encoding="utf-8")
    seen: set[str] = set()

    def rename(match: re.Match[str]) -> str:  # one spec reuses a YAML anchor name; PyYAML refuses that
        if match.group(1) in seen:
            return f"&{match.group(1)}_again"
        seen.add(match.group(1))
        return match.group(0)

    document = yaml.safe_load(re.sub(r"&([A-Za-z_][\w-]*)", rename, text))
    return {"components": _to_jsonschema(document["components"])}


def _to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema (``nullable``; the undocumented ``est1`` is not required)."""
    if isinstance(node, list):
        return [_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_jsonschema(v) for k, v in node.items() if k not in ("discriminator", "example", "examples")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out or "allOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    if isinstance(out.get("required"), list):
        out["required"] = [r for r in out["required"] if r != "est1"]
    return out


def conforms(spec: str, schema: str, instance: Any) -> None:
    """Raise unless ``instance`` is a ``components.schemas[schema]`` of ``spec``."""
    root = {**_components(spec), "$ref": f"#/components/schemas/{schema}"}
    jsonschema.validate(json.loads(json.dumps(instance, default=str)), root)


def sample_chemin() -> dict[str, Any]:
    """A node of the public COC sample answer, to build results from."""
    sample = json.loads((_specs_dir() / "samples" / "coc-publication-chemins.esup-mdw-pegase.json").read_text())
    return dict(sample[1])


@dataclass
class Cursus:
    uuid: str
    learner_uuid: str
    code: str
    period: str
    programme: str
    chosen: set[str] = field(default_factory=set)
    draft: set[str] | None = None


@dataclass
class PegaseDouble:
    """One establishment's Pégase: ``programmes`` maps a code chemin to the course codes it offers."""

    periods: list[dict[str, Any]]
    programmes: dict[str, list[str]]
    identities: list[dict[str, Any]] = field(default_factory=list)
    inscriptions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cursus: dict[str, Cursus] = field(default_factory=dict)
    results: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    #: requests or answers that broke Pégase's OpenAPI (a test expects none)
    violations: list[str] = field(default_factory=list)
    _failures: list[tuple[str, int | None]] = field(default_factory=list)
    _next_code: int = 22600001

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def fail_next(self, route: str, *, status: int | None = 500, times: int = 1) -> None:
        """The next ``times`` calls whose path contains ``route`` answer ``status`` (``None``: time out)."""
        self._failures.extend([(route, status)] * times)

    def calls_to(self, fragment: str, method: str | None = None) -> int:
        return sum(1 for m, path in self.calls if fragment in path and (method is None or m == method))

    def publish_result(self, code: str, period: str, course: str, programme: str, grade: float, ects: int) -> None:
        node = sample_chemin()
        node.update(
            codeChemin=f"{programme}>{course}",
            objetFeuille={"code": course, "libelleCourt": course, "libelleLong": f"Cours {course}"},
            bareme=20,
            noteSession1=grade,
            resultatSession1=ADM if grade >= 10 else AJ,
            creditsEctsSession1=ects if grade >= 10 else 0,
            publieSession1=True,
        )
        conforms(COC_SPEC, "Chemin", node)
        self.results.setdefault((code, period), []).append(node)

    # --- HTTP ----------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        for index, (route, status) in enumerate(self._failures):
            if route in path:
                del self._failures[index]
                if status is None:
                    raise httpx.ReadTimeout("the double did not answer", request=request)
                return httpx.Response(status, json={"message": "Erreur interne du serveur"})
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and request.method == method:
                try:
                    return handler(request, *match.groups())
                except jsonschema.ValidationError as exc:  # a body, or an answer, Pégase's OpenAPI does not allow
                    self.violations.append(f"{request.method} {path}: {exc.message}")
                    return httpx.Response(400, json={"message": exc.message})
        return httpx.Response(404, json={"message": f"no route {request.method} {path}"})

    def _routes(self) -> list[tuple[str, str, Callable[..., httpx.Response]]]:
        idt = f"/api/idt/ext/v1/etablissements/{STRUCTURE}"
        chc = f"/api/chc/v6/structure/{STRUCTURE}"
        return [
            ("POST", r"/cas/v1/tickets", lambda r: httpx.Response(201, text="opaque-test-token")),
            ("GET", rf"{idt}/identites/apprenants", self._search),
            ("POST", rf"{idt}/identites", self._create_identity),
            ("GET", rf"{chc}/periodes", lambda r: httpx.Response(200, json=self.periods)),
            ("GET", rf"/api/ins/ext/v2/gestion/inscription/{STRUCTURE}/([^/]+)/", self._learner_file),
            ("POST", rf"/api/ins/v1/etablissement/{STRUCTURE}/injecter-inscriptions", self._inject),
            ("GET", rf"{chc}/affectation-individuelle/recherche-apprenant", self._find_cursus_learner),
            ("GET", rf"{chc}/affectation-individuelle/recherche-cursus/apprenant/([^/]+)", self._cursus_list),
            ("GET", rf"{chc}/affectation-individuelle/cursus/([^/]+)", self._cursus_tree),
            ("POST", rf"{chc}/cursus/([^/]+)/creer-brouillon", self._open_draft),
            (
                "POST",
                rf"{chc}/affectation-individuelle/cursus/([^/]+)/brouillon/(choisir|annuler)-[a-z-]+",
                self._choose,
            ),
            ("POST", rf"{chc}/cursus/([^/]+)/valider-brouillon", self._validate_draft),
            ("POST", rf"{chc}/cursus/([^/]+)/supprimer-brouillon", self._delete_draft),
            (
                "GET",
                rf"/api/coc/publication/v2/etablissements/{STRUCTURE}/periodes/([^/]+)/apprenants/([^/]+)/chemins/(.+)",
                self._published,
            ),
        ]

    # IDT ext v1
    def _summary(self, identity: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "identifiantApprenantPegase", "nomNaissance", "prenom", "sexe", "codeApprenant", "dateNaissance")
        return {**{k: identity[k] for k in keys}, "inesSupplementaires": [], "temoinDoublonPotentiel": False}

    def _search(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        found = [
            i
            for i in self.identities
            if ("codeApprenant" not in params or i["codeApprenant"] == params["codeApprenant"])
            and ("nom" not in params or i["nomNaissance"].casefold() == params["nom"].casefold())
            and ("prenom" not in params or i["prenom"].casefold() == params["prenom"].casefold())
            and ("ine" not in params or i.get("ineMaitre") == params["ine"])
        ]
        body = {
            "items": [self._summary(i) for i in found],
            "totalElements": len(found),
            "totalPages": 1 if found else 0,
            "taille": int(params.get("taille", 100)),
            "page": int(params.get("page", 0)),
        }
        conforms(IDT_SPEC, "PagedIdentiteApprenantSummaries", body)
        return httpx.Response(200, json=body)

    def _create_identity(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        conforms(IDT_SPEC, "CreerModifierIdentiteRequest", body)
        civil = body["profilApprenant"]["etatCivil"]
        code = str(self._next_code)
        self._next_code += 1
        identity = {
            "id": str(uuid.uuid4()),
            "identifiantApprenantPegase": f"P{code}",
            "nomNaissance": body["nomNaissance"],
            "prenom": body["prenom"],
            "sexe": civil["sexe"],
            "dateNaissance": civil["dateNaissance"],
            "codeApprenant": code,
            "email": body["email"],
            "nationalite": civil.get("nationalite"),
        }
        self.identities.append(identity)
        detail = {
            "id": identity["id"],
            "identifiantApprenantPegase": identity["identifiantApprenantPegase"],
            "nomNaissance": identity["nomNaissance"],
            "prenom": identity["prenom"],
            "email": identity["email"],
            "profilApprenant": {"codeApprenant": code, "etatCivil": civil},
        }
        conforms(IDT_SPEC, "IdentiteDetail", detail)
        return httpx.Response(201, json=detail)

    # INS
    def _learner_file(self, request: httpx.Request, code: str) -> httpx.Response:
        if code not in self.inscriptions:
            return httpx.Response(500, json={"message": "apprenant non trouve"})  # as Pégase does
        body = {"apprenant": {"code": code}, "inscriptions": self.inscriptions[code]}
        conforms(INS_SPEC, "ApprenantEtInscriptions", body)
        return httpx.Response(200, json=body)

    def _inject(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        code = body["codeApprenant"]
        wanted = body["inscriptions"][0]
        path = wanted["cible"]
        if not any(i["codeApprenant"] == code for i in self.identities):
            return httpx.Response(200, json={"erreurs": [{"champ": "codeApprenant", "erreur": "inconnu"}]})
        if path not in self.programmes:
            return httpx.Response(200, json={"erreurs": [{"champ": "cible", "erreur": "chemin inconnu"}]})
        period = self.periods[0]["code"]
        self.inscriptions.setdefault(code, []).append(_inscription(path, period, wanted))
        learner_uuid = f"app-{code}"
        self.cursus[f"cur-{code}"] = Cursus(f"cur-{code}", learner_uuid, code, period, path)
        return httpx.Response(200, json={"codeApprenant": code, "inscriptions": [{"cible": path}]})

    # CHC v6
    def _find_cursus_learner(self, request: httpx.Request) -> httpx.Response:
        code, period = request.url.params["codeApprenant"], request.url.params["codePeriode"]
        items = [{"apprenantUuid": c.learner_uuid, "codeApprenant": code} for c in self.cursus.values()]
        items = [i for i, c in zip(items, self.cursus.values(), strict=True) if c.code == code and c.period == period]
        return httpx.Response(200, json={"items": items, "totalElements": len(items), "totalPages": 1, "page": 0})

    def _cursus_list(self, request: httpx.Request, learner_uuid: str) -> httpx.Response:
        found = [c for c in self.cursus.values() if c.learner_uuid == learner_uuid]
        body = [{"cursusUuid": c.uuid, "codeCheminOmIa": c.programme, "statutIa": "VALIDE"} for c in found]
        return httpx.Response(200, json={"cursusList": body})

    def _cursus_tree(self, request: httpx.Request, cursus_id: str) -> httpx.Response:
        cursus = self.cursus[cursus_id]
        courses = [
            _line(code, f"{cursus.programme}>{code}", f"{cursus.programme}>{code}" in cursus.chosen)
            for code in self.programmes[cursus.programme]
        ]
        root = _line(cursus.programme.split(">")[-1], cursus.programme, True, courses)
        return httpx.Response(200, json={"cursusUuid": cursus.uuid, "estComplet": True, "racine": root})

    def _open_draft(self, request: httpx.Request, cursus_id: str) -> httpx.Response:
        cursus = self.cursus[cursus_id]
        if cursus.draft is not None:
            return httpx.Response(409, json={"message": "un brouillon existe déjà"})
        cursus.draft = set(cursus.chosen)
        return httpx.Response(200, json={})

    def _choose(self, request: httpx.Request, cursus_id: str, action: str) -> httpx.Response:
        cursus = self.cursus[cursus_id]
        if cursus.draft is None:
            return httpx.Response(409, json={"message": "pas de brouillon"})
        path = json.loads(request.content)["codeCheminChoixPedagogique"]
        (cursus.draft.add if action == "choisir" else cursus.draft.discard)(path)
        return httpx.Response(200, json={})

    def _validate_draft(self, request: httpx.Request, cursus_id: str) -> httpx.Response:
        cursus = self.cursus[cursus_id]
        if cursus.draft is None:
            return httpx.Response(409, json={"message": "pas de brouillon"})
        cursus.chosen, cursus.draft = cursus.draft, None
        return httpx.Response(200)

    def _delete_draft(self, request: httpx.Request, cursus_id: str) -> httpx.Response:
        self.cursus[cursus_id].draft = None
        return httpx.Response(200)

    def chosen_courses(self, code: str) -> list[str]:
        cursus = next(c for c in self.cursus.values() if c.code == code)
        return sorted(path.rsplit(">", 1)[-1] for path in cursus.chosen)

    # COC publication v2
    def _published(self, request: httpx.Request, period: str, code: str, programme: str) -> httpx.Response:
        nodes = [n for n in self.results.get((code, period), []) if n["codeChemin"].startswith(programme)]
        return httpx.Response(200, json=copy.deepcopy(nodes))


def _inscription(path: str, period: str, wanted: dict[str, Any]) -> dict[str, Any]:
    formation, *chemin = path.split(">")
    regime = wanted["codeRegimeInscription"]
    return {
        "codeEtablissement": STRUCTURE,
        "cible": {
            "code": path.split(">")[-1],
            "formation": {"code": formation, "libelleLong": formation},
            "chemin": [{"code": c, "nature": "ObjetFormation"} for c in chemin],
            "periode": {"code": period, "anneeUniversitaire": 2026},
        },
        "origine": "manuel",
        "principale": True,
        "statutInscription": "valide",
        "contexteInscription": "primo",
        "statutPaiement": "sans_statut",
        "regimeInscription": {
            "nomenclature": "RegimeInscription",
            "code": regime,
            "libelle": regime,
            "contexteConsommation": wanted["dateInscription"],
        },
        "boursesEtAides": [],
        "situationPersonnelleInscription": {},
        "situationPrecedente": {},
        "situationUniversitaire": {"mobilite": wanted["situationUniversitaire"]["mobilite"]},
        "cvec": {},
        "dateInscription": f"{wanted['dateInscription']}T00:00:00",
        "dateDerniereModification": f"{wanted['dateInscription']}T00:00:00",
        "accords": [],
        "cursusParallele": {},
        "ecoleDoctorale": {},
    }


def _line(code: str, path: str, chosen: bool, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
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
