"""Partner institutions of the university, and the EWP network's directory they are picked from."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from smile_agreements.partners.importer import import_partners, import_registry_catalogue, summary
from smile_agreements.partners.repository import PartnerRepository
from smile_agreements.partners.schemas import ImportReport, PartnerCreate, PartnerPage, PartnerRead, PartnerUpdate
from smile_agreements.partners.service import create_partner, read_model, update_partner
from smile_common.db import SessionDep
from smile_common.errors import NotFound, Problem, problem_responses
from smile_common.security import Principal, Role, require_roles

router = APIRouter(prefix="/partners", tags=["partners"])

Office = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.COORDINATOR, Role.ADMIN, Role.REFERENT, Role.REGISTRAR, Role.ANALYST)),
]
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
_FILE_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/xml": "xml",
    "text/xml": "xml",
}


@router.get("", operation_id="listPartners", response_model=PartnerPage, responses=problem_responses(400, 401, 403))
async def list_partners(
    session: SessionDep,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=100, description="name, SCHAC code, Erasmus code, PIC, city")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    directory: Annotated[bool, Query(description="search the whole EWP directory, not only partners")] = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PartnerPage:
    """Partner institutions ordered by SCHAC code (with ``directory``, every institution SMILE knows)."""
    after = _decode(cursor)
    rows = await PartnerRepository(session).list_page(
        principal.tenant, partners_only=not directory, text=q, country=country, after=after, limit=limit + 1
    )
    items = [read_model(p) for p in rows[:limit]]
    next_cursor = _encode(items[-1].hei_id) if len(rows) > limit else None
    return PartnerPage(items=items, next_cursor=next_cursor)


@router.post(
    "", operation_id="createPartner", status_code=status.HTTP_201_CREATED, response_model=PartnerRead, responses=_WRITE
)
async def add_partner(data: PartnerCreate, session: SessionDep, principal: Office) -> PartnerRead:
    """Add a partner institution. Known to the EWP registry, only ``hei_id`` is needed; the fields you
    give are kept even when the registry says otherwise."""
    return read_model(await create_partner(session, principal, data))


@router.post(
    "/import",
    operation_id="importPartners",
    response_model=ImportReport,
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def import_partner_file(
    request: Request,
    session: SessionDep,
    principal: Office,
    dry_run: Annotated[bool, Query(description="check every row and change nothing")] = False,
    filename: str | None = None,
) -> ImportReport:
    """Load partners from a CSV or XLSX file (one institution per row; see docs/iias.md for the
    columns), or the EWP registry catalogue XML (``catalogue-v1.xml``) into the directory. Each row is
    imported or refused on its own; the report says which and why."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = _FILE_TYPES.get(content_type)
    if kind is None:
        raise Problem(
            "Send text/csv, an XLSX workbook or the registry's XML.", status=415, slug="unsupported-media-type"
        )
    body = await request.body()
    async with session.begin_nested() as everything:
        if kind == "xml":
            lines = await import_registry_catalogue(session, principal.tenant, body)
        else:
            lines = await import_partners(session, principal, body, filename, content_type)
        if dry_run:
            await everything.rollback()
    return summary(dry_run, lines)


@router.get(
    "/{partner_id}", operation_id="getPartner", response_model=PartnerRead, responses=problem_responses(401, 403, 404)
)
async def get_partner(partner_id: uuid.UUID, session: SessionDep, principal: Reader) -> PartnerRead:
    """A partner institution (or an institution of the EWP directory)."""
    partner = await PartnerRepository(session).get(principal.tenant, partner_id)
    if partner is None:
        raise NotFound(f"No partner institution {partner_id}.")
    return read_model(partner)


@router.patch("/{partner_id}", operation_id="updatePartner", response_model=PartnerRead, responses=_WRITE)
async def edit_partner(
    partner_id: uuid.UUID, data: PartnerUpdate, session: SessionDep, principal: Office
) -> PartnerRead:
    """Edit a partner institution (names, ids, country, contacts, organisational units, notes)."""
    return read_model(await update_partner(session, principal, partner_id, data))


def _encode(hei_id: str) -> str:
    return base64.urlsafe_b64encode(hei_id.encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor") from exc
