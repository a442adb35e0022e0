"""Nominations and incoming mobilities: entry by hand, decisions, arrival and departure, checks."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from smile_agreements.clients import load_factsheet
from smile_agreements.mobilities import access, csv_import, service
from smile_agreements.mobilities.deps import Office, Participant, RuntimeDep, Staff, settings_of
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.reading import check_report, to_read
from smile_agreements.mobilities.repository import MobilityRepository
from smile_agreements.mobilities.schemas import (
    Cancellation,
    CheckReport,
    DateIn,
    Decision,
    ImportReport,
    MobilityPage,
    MobilityRead,
    MobilityUpdate,
    NominationCreate,
    Rejection,
)
from smile_common.db import SessionDep, utcnow
from smile_common.errors import NotFound, Problem, problem_responses
from smile_common.events.payloads.mobility import MobilitySource, MobilityStatus
from smile_common.security import Principal

router = APIRouter(prefix="/mobilities", tags=["mobilities"])
_WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


async def visible_mobility(
    session: SessionDep, principal: Principal, mobility_id: uuid.UUID, *, lock: bool = False
) -> Mobility:
    mobility = await MobilityRepository(session).get(principal.tenant, mobility_id, for_update=lock)
    if mobility is None or not access.can_see(principal, mobility):
        raise NotFound(f"No mobility {mobility_id}.")
    return mobility


@router.post(
    "",
    operation_id="createNomination",
    status_code=status.HTTP_201_CREATED,
    response_model=MobilityRead,
    responses=_WRITE_ERRORS,
)
async def create_nomination(
    data: NominationCreate, session: SessionDep, principal: Office, runtime: RuntimeDep
) -> MobilityRead:
    """Enter a nomination by hand (partner outside EWP). Refused when the student is already nominated
    for the same term (409) or when the referenced IIA does not cover the academic year (422)."""
    origin = service.Origin(source=MobilitySource.MANUAL, actor=principal.subject)
    office = settings_of(runtime).office_email(principal.tenant)
    mobility = await service.create_nomination(session, principal.tenant, data, origin, office_email=office)
    return to_read(mobility)


@router.post(
    "/import",
    operation_id="importNominations",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportReport,
    responses=problem_responses(401, 403, 409, 413, 415, 422),
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_nominations(
    request: Request,
    session: SessionDep,
    principal: Office,
    runtime: RuntimeDep,
    dry_run: Annotated[bool, Query(description="check every row and import nothing")] = False,
) -> ImportReport:
    """Import nominations from a CSV file (UTF-8, ``,`` or ``;``, one nomination per row, columns listed in
    docs/mobility.md). Every row is checked like a nomination entered by hand; if any row fails, the
    answer is 422 with the errors of each row and nothing is imported."""
    if request.headers.get("content-type", "").split(";")[0].strip() not in (
        "text/csv",
        "text/plain",
        "application/csv",
    ):
        raise Problem("Send the file as text/csv.", status=415, slug="unsupported-media-type")
    office = settings_of(runtime).office_email(principal.tenant)
    created = await csv_import.import_nominations(
        session, principal.tenant, principal.subject, await request.body(), office_email=office
    )
    if dry_run:
        await session.rollback()
    return ImportReport(created=len(created), dry_run=dry_run, mobility_ids=[] if dry_run else [m.id for m in created])


@router.get("", operation_id="listMobilities", response_model=MobilityPage, responses=problem_responses(400, 401, 403))
async def list_mobilities(
    session: SessionDep,
    principal: Participant,
    status_: Annotated[MobilityStatus | None, Query(alias="status")] = None,
    academic_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{4}$")] = None,
    sending_hei_id: str | None = None,
    cursor: Annotated[str | None, Query(description="the next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MobilityPage:
    """Mobilities the caller may see (student: their own; referent: their units'; office: all), by name."""
    filters = []
    if status_ is not None:
        filters.append(Mobility.status == status_.value)
    if academic_year:
        filters.append(Mobility.academic_year == academic_year)
    if sending_hei_id:
        filters.append(Mobility.sending_hei_id == sending_hei_id.lower())
    rows = await MobilityRepository(session).list_page(
        access.visible(principal), filters=filters, after=_decode(cursor), limit=limit + 1
    )
    items = [to_read(m) for m in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return MobilityPage(items=items, next_cursor=_encode(last) if last else None)


@router.get(
    "/{mobility_id}",
    operation_id="getMobility",
    response_model=MobilityRead,
    responses=problem_responses(401, 403, 404),
)
async def get_mobility(mobility_id: uuid.UUID, session: SessionDep, principal: Participant) -> MobilityRead:
    """One mobility (404 if the caller may not see it)."""
    return to_read(await visible_mobility(session, principal, mobility_id))


@router.get(
    "/{mobility_id}/checks",
    operation_id="getMobilityChecks",
    response_model=CheckReport,
    responses=problem_responses(401, 403, 404),
)
async def get_checks(mobility_id: uuid.UUID, session: SessionDep, principal: Staff, runtime: RuntimeDep) -> CheckReport:
    """The nomination against its IIA (agreement, years, quota, field, level, language) and the factsheet
    (deadline, documents, CEFR). Informative: none of them blocks a decision."""
    mobility = await visible_mobility(session, principal, mobility_id)
    return await check_report(session, mobility, await load_factsheet(runtime, principal.tenant))


@router.patch("/{mobility_id}", operation_id="updateMobility", response_model=MobilityRead, responses=_WRITE_ERRORS)
async def update_mobility(
    mobility_id: uuid.UUID, data: MobilityUpdate, session: SessionDep, principal: Office
) -> MobilityRead:
    """Correct a mobility (unit, planned dates, student contact). A change of content gives a nomination
    entered in SMILE a new ``proposal_id``."""
    mobility = await visible_mobility(session, principal, mobility_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(mobility, field, value)
    if (
        mobility.planned_arrival_date
        and mobility.planned_departure_date
        and mobility.planned_departure_date <= mobility.planned_arrival_date
    ):
        raise Problem("planned_departure_date must come after planned_arrival_date", status=422, slug="invalid-dates")
    if changes:
        mobility.updated_at = utcnow()
        mobility.version += 1
        if mobility.source != MobilitySource.EWP.value:
            mobility.proposal_id = service.content_proposal_id(mobility)
    return to_read(mobility)


@router.post(
    "/{mobility_id}/accept", operation_id="acceptNomination", response_model=MobilityRead, responses=_WRITE_ERRORS
)
async def accept(mobility_id: uuid.UUID, data: Decision, session: SessionDep, principal: Office) -> MobilityRead:
    """Accept the nomination; the student's application file opens. Give the ``proposal_id`` you saw:
    if the nomination changed since, the answer is 409 and nothing changes."""
    mobility = await visible_mobility(session, principal, mobility_id, lock=True)
    return to_read(await service.accept(session, mobility, principal.subject, data.proposal_id))


@router.post(
    "/{mobility_id}/reject", operation_id="rejectNomination", response_model=MobilityRead, responses=_WRITE_ERRORS
)
async def reject(mobility_id: uuid.UUID, data: Rejection, session: SessionDep, principal: Office) -> MobilityRead:
    """Reject the nomination with a reason (sent to the partner through EWP when it came from there)."""
    mobility = await visible_mobility(session, principal, mobility_id, lock=True)
    return to_read(await service.reject(session, mobility, principal.subject, data.proposal_id, data.reason))


@router.post(
    "/{mobility_id}/cancel", operation_id="cancelMobility", response_model=MobilityRead, responses=_WRITE_ERRORS
)
async def cancel(
    mobility_id: uuid.UUID, data: Cancellation, session: SessionDep, principal: Office, runtime: RuntimeDep
) -> MobilityRead:
    """Record that the mobility will not take place (the partner or the student withdrew)."""
    mobility = await visible_mobility(session, principal, mobility_id, lock=True)
    office = settings_of(runtime).office_email(principal.tenant)
    return to_read(await service.cancel(session, mobility, principal.subject, data.reason, office_email=office))


@router.post(
    "/{mobility_id}/arrival", operation_id="recordArrival", response_model=MobilityRead, responses=_WRITE_ERRORS
)
async def arrival(mobility_id: uuid.UUID, data: DateIn, session: SessionDep, principal: Office) -> MobilityRead:
    """The student arrived (status ``live``); the date is served to the sending HEI (EWP imobilities)."""
    mobility = await visible_mobility(session, principal, mobility_id, lock=True)
    return to_read(await service.arrive(session, mobility, principal.subject, data.date))


@router.post(
    "/{mobility_id}/departure", operation_id="recordDeparture", response_model=MobilityRead, responses=_WRITE_ERRORS
)
async def departure(mobility_id: uuid.UUID, data: DateIn, session: SessionDep, principal: Office) -> MobilityRead:
    """The student left (status ``completed``)."""
    mobility = await visible_mobility(session, principal, mobility_id, lock=True)
    return to_read(await service.depart(session, mobility, principal.subject, data.date))


def _encode(mobility: Mobility) -> str:
    raw = f"{mobility.student_family_name}\x1f{mobility.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        name, _, ident = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("\x1f")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor") from exc
    try:
        return name, uuid.UUID(ident)
    except ValueError as exc:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor") from exc
