"""``/roster``: the crisis roster, for the roles in ``SMILE_INDICATORS_ROSTER_ROLES`` only.

Every access is written to the service's audit trail (``GET /audit``, for the DPO): who, when, which
period and filters, how many students were shown or that an export was taken, and refused attempts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from smile_common.audit import Actor, record, record_read
from smile_common.db import SessionDep
from smile_common.errors import Forbidden, problem_responses
from smile_common.security import CurrentPrincipal, Principal
from smile_common.service import runtime_of
from smile_indicators.db import data_protection
from smile_indicators.exports.responses import FORMAT_DESCRIPTION, check_format, export_response
from smile_indicators.metrics import ROSTER_ACCESSES
from smile_indicators.roster.params import parse_roster_query
from smile_indicators.roster.schemas import CrisisRoster
from smile_indicators.roster.service import COLUMNS, RosterQuery, roster, roster_rows
from smile_indicators.settings import IndicatorsSettings

__all__ = ["router"]

router = APIRouter(prefix="/roster", tags=["crisis roster"])
_log = logging.getLogger("smile.indicators.roster")
_AUDIT = data_protection.audit


async def _roster_principal(request: Request, principal: CurrentPrincipal) -> Principal:
    settings = runtime_of(request).settings
    assert isinstance(settings, IndicatorsSettings)
    allowed = settings.indicators_roster_roles
    if principal.has_any(*allowed):
        return principal
    ROSTER_ACCESSES.labels("denied").inc()
    _log.warning("crisis roster refused to %s (roles %s)", principal.subject, sorted(principal.roles))
    database = runtime_of(request).database
    async with database.sessionmaker() as session, session.begin():
        await record(
            session,
            _AUDIT,
            tenant=principal.tenant,
            action="read_denied",
            actor=Actor.of(principal),
            object_type="crisis_roster",
            object_id=str(request.url.path),
            detail=f"refused: roles {sorted(r.value for r in principal.roles)}",
        )
    raise Forbidden(
        "The crisis roster is open to the roles chosen by the university only.",
        required_roles=sorted(r.value for r in allowed),
    )


RosterReader = Annotated[Principal, Depends(_roster_principal)]

_QUERY_DOC = {
    "at": Query(description="The day (default: today). Give `from` and `to` instead for a period."),
    "date_from": Query(alias="from", description="First day of the period."),
    "date_to": Query(alias="to", description="Last day of the period."),
    "country": Query(description="Country of the sending institution (ISO 3166-1 alpha-2)."),
    "citizenship": Query(description="Citizenship of the student (ISO 3166-1 alpha-2)."),
    "city": Query(description="City of study (campus of the receiving unit)."),
    "faculty": Query(description="Receiving faculty (organisational unit code)."),
    "partner": Query(description="SCHAC code of the sending institution."),
    "include_expected": Query(description="`false` to list only students whose arrival was recorded (default `true`)."),
}


async def _audit(session: Any, principal: Principal, query: RosterQuery, **detail: Any) -> None:
    await record_read(
        session,
        _AUDIT,
        tenant=principal.tenant,
        object_type="crisis_roster",
        object_id=f"{query.date_from}..{query.date_to}",
        fields=COLUMNS,
        detail=json.dumps({"filters": query.as_dict(), **detail}, separators=(",", ":")),
    )


@router.get(
    "",
    operation_id="getCrisisRoster",
    response_model=CrisisRoster,
    responses=problem_responses(400, 401, 403),
)
async def get_roster(
    request: Request,
    session: SessionDep,
    principal: RosterReader,
    at: Annotated[str | None, _QUERY_DOC["at"]] = None,
    date_from: Annotated[str | None, _QUERY_DOC["date_from"]] = None,
    date_to: Annotated[str | None, _QUERY_DOC["date_to"]] = None,
    country: Annotated[list[str] | None, _QUERY_DOC["country"]] = None,
    citizenship: Annotated[list[str] | None, _QUERY_DOC["citizenship"]] = None,
    city: Annotated[list[str] | None, _QUERY_DOC["city"]] = None,
    faculty: Annotated[list[str] | None, _QUERY_DOC["faculty"]] = None,
    partner: Annotated[list[str] | None, _QUERY_DOC["partner"]] = None,
    include_expected: Annotated[str | None, _QUERY_DOC["include_expected"]] = None,
) -> CrisisRoster:
    """The students present on a day (today by default) or during a period, with their contact details,
    counted by country of origin, city of study and faculty. Every access is recorded in the audit trail."""
    query = await parse_roster_query(session, principal.tenant, request.query_params.multi_items())
    result = await roster(session, principal.tenant, query)
    await _audit(session, principal, query, students=len(result.students))
    ROSTER_ACCESSES.labels("viewed").inc()
    return CrisisRoster.of(result)


@router.get(
    "/export",
    operation_id="exportCrisisRoster",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The roster as a file", "content": {"text/csv": {}}},
        **problem_responses(400, 401, 403),
    },
)
async def export_roster(
    request: Request,
    session: SessionDep,
    principal: RosterReader,
    at: Annotated[str | None, _QUERY_DOC["at"]] = None,
    date_from: Annotated[str | None, _QUERY_DOC["date_from"]] = None,
    date_to: Annotated[str | None, _QUERY_DOC["date_to"]] = None,
    country: Annotated[list[str] | None, _QUERY_DOC["country"]] = None,
    citizenship: Annotated[list[str] | None, _QUERY_DOC["citizenship"]] = None,
    city: Annotated[list[str] | None, _QUERY_DOC["city"]] = None,
    faculty: Annotated[list[str] | None, _QUERY_DOC["faculty"]] = None,
    partner: Annotated[list[str] | None, _QUERY_DOC["partner"]] = None,
    include_expected: Annotated[str | None, _QUERY_DOC["include_expected"]] = None,
    format: Annotated[str | None, Query(description=FORMAT_DESCRIPTION)] = None,
) -> StreamingResponse:
    """The roster as a file for a crisis cell (CSV, XLSX or JSON), one row per student present, streamed.
    The export is recorded in the audit trail before the first byte leaves."""
    fmt = check_format(format)
    query = await parse_roster_query(session, principal.tenant, request.query_params.multi_items(), extra=("format",))
    await _audit(session, principal, query, export=fmt)
    ROSTER_ACCESSES.labels("exported").inc()
    database = runtime_of(request).database

    async def rows() -> AsyncIterator[list[Any]]:
        async with database.sessionmaker() as reader:
            async for item in roster_rows(reader, principal.tenant, query):
                if not isinstance(item, int):
                    yield [item[name] for name in COLUMNS]

    return export_response(fmt, "crisis-roster", COLUMNS, rows())
