"""Stand-ins for the catalogue and records services' internal endpoints, in the shapes agreed on the
coordination board, for tests that exercise the gateway without those services."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request

__all__ = ["ELMO_V2_EXAMPLE", "FakeOwners"]

ELMO_V2_EXAMPLE = """<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v2">
  <generatedDate>2026-07-01T10:00:00+02:00</generatedDate>
  <learner>
    <citizenship type="iso3166-1-alpha-2">NO</citizenship>
    <identifier type="esi">urn:schac:personalUniqueCode:int:esi:uw.edu.pl:1234567890</identifier>
    <givenNames>Ivan</givenNames>
    <familyName>Sidorov</familyName>
    <alternativeName>Ivan Sidorov</alternativeName>
    <dateOfBirth>1997-05-05</dateOfBirth>
  </learner>
  <report>
    <issuer>
      <identifier type="schac">unicaen.fr</identifier>
      <title xml:lang="fr">Université de Caen Normandie</title>
      <url>https://www.unicaen.fr</url>
    </issuer>
    <issueDate>2026-07-01T10:00:00+02:00</issueDate>
  </report>
</elmo>"""


class FakeOwners:
    """In-memory data of the catalogue and records (and agreements' LA stats), per tenant."""

    def __init__(self) -> None:
        self.institution: dict[str, Any] = {
            "hei_id": "unicaen.fr",
            "name": {"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
            "abbreviation": "UNICAEN",
            "website_url": "https://www.unicaen.fr",
            "logo_url": "https://www.unicaen.fr/logo.svg",
            "factsheet_url": "https://international.unicaen.fr/factsheet",
            "catalogue_url": "https://international.unicaen.fr/courses",
            "root_ounit_id": "ou-root",
            "ounit_ids": ["ou-root", "ou-law"],
            "contacts": [
                {"name": "International Relations Office", "email": "international@unicaen.fr", "phone": "+33231566500"}
            ],
        }
        self.ounits: list[dict[str, Any]] = [
            {"id": "ou-root", "code": "UNICAEN", "name": {"fr": "Université"}, "kind": "other"},
            {
                "id": "ou-law",
                "code": "DROIT",
                "name": {"fr": "Faculté de droit", "en": "Law faculty"},
                "parent_id": "ou-root",
                "kind": "faculty",
                "city": "Caen",
            },
            {"id": "ou-hidden", "code": "SECRET", "name": {"fr": "Service interne"}, "hidden": True},
        ]
        self.courses: list[dict[str, Any]] = [
            {
                "los_id": "CR/8d1e",
                "code": "DRT-EU-301",
                "ounit_id": "ou-law",
                "title": {"fr": "Droit européen avancé", "en": "Advanced EU law"},
                "isced_code": "0421",
                "eqf_level": 7,
                "syllabus_url": "https://unicaen.fr/syllabus/DRT-EU-301",
                "description": {"en": "Institutions and litigation of the European Union."},
                "instances": [
                    {
                        "loi_id": "CRI/5c3a",
                        "term_code": "S1",
                        "academic_year_id": "2026/2027",
                        "academic_term_ewp_id": "2026/2027-1/2",
                        "term_name": {"en": "Autumn semester"},
                        "start_date": "2026-09-01",
                        "end_date": "2027-01-31",
                        "ects": 5,
                        "languages": ["fr"],
                        "engagement_hours": 36,
                    }
                ],
            },
        ]
        self.course_ids = ["CR/8d1e"]
        self.factsheet: dict[str, Any] = {
            "calendar": {
                "student_nominations": {"autumn_term": "--05-15", "spring_term": "--10-15"},
                "student_applications": {"autumn_term": "--06-01", "spring_term": "--11-01"},
            },
            "application_info": {
                "email": "incoming@unicaen.fr",
                "phone": "+33231566500",
                "website_urls": ["https://international.unicaen.fr/apply"],
            },
            "decision_weeks_limit": 5,
            "tor_weeks_limit": 5,
            "housing_info": {
                "email": "housing@unicaen.fr",
                "phone": "+33231566501",
                "website_urls": ["https://international.unicaen.fr/housing"],
            },
            "visa_info": {
                "email": "visa@unicaen.fr",
                "phone": "+33231566502",
                "website_urls": ["https://international.unicaen.fr/visa"],
            },
            "insurance_info": {
                "email": "insurance@unicaen.fr",
                "phone": "+33231566503",
                "website_urls": ["https://international.unicaen.fr/insurance"],
            },
        }
        self.tors: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.down = False

    def _seen(self, request: Request) -> None:
        self.calls.append(
            (request.headers.get("x-smile-tenant", ""), request.url.path, list(request.query_params.multi_items()))
        )
        if self.down:
            raise HTTPException(503, "simulated outage")

    def catalogue(self) -> FastAPI:
        router = APIRouter(prefix="/internal")

        @router.get("/institution")
        async def institution(request: Request) -> dict[str, Any]:
            self._seen(request)
            return self.institution

        @router.get("/ounits")
        async def ounits(
            request: Request, ounit_id: list[str] = Query(default=[]), ounit_code: list[str] = Query(default=[])
        ) -> dict[str, Any]:
            self._seen(request)
            items = [u for u in self.ounits if u["id"] in ounit_id or u["code"] in ounit_code]
            return {"items": [u for u in items if not u.get("hidden")]}

        @router.get("/courses")
        async def courses(
            request: Request, los_id: list[str] = Query(default=[]), los_code: list[str] = Query(default=[])
        ) -> dict[str, Any]:
            self._seen(request)
            return {"items": [c for c in self.courses if c["los_id"] in los_id or c["code"] in los_code]}

        @router.get("/course-replication")
        async def replication(request: Request) -> dict[str, Any]:
            self._seen(request)
            return {"los_ids": self.course_ids}

        @router.get("/factsheet")
        async def factsheet(request: Request) -> dict[str, Any]:
            self._seen(request)
            return self.factsheet

        return self._app(router)

    def records(self) -> FastAPI:
        router = APIRouter(prefix="/internal/ewp")

        @router.get("/tors")
        async def tors(
            request: Request, sending_hei_id: str, omobility_id: list[str] = Query(default=[])
        ) -> dict[str, Any]:
            self._seen(request)
            items = [
                t
                for t in self.tors
                if t["sending_hei_id"] == sending_hei_id and (not omobility_id or t["omobility_id"] in omobility_id)
            ]
            return {"items": items}

        return self._app(router)

    @staticmethod
    def _app(router: APIRouter) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        app.include_router(router)
        return app
