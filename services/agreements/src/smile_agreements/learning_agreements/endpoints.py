"""Learning agreements: drafts (from the basket or by hand), proposals, signatures, comments, PDF."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from smile_agreements.files.service import role_on
from smile_agreements.learning_agreements import pdf, rules, service
from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.learning_agreements.schemas import (
    DraftUpdate,
    LaCreate,
    LaRead,
    RejectionIn,
    SignatureIn,
    VersionCreate,
    VersionRead,
)
from smile_agreements.mobilities import access
from smile_agreements.mobilities.deps import Participant, RuntimeDep, settings_of
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_common.db import SessionDep
from smile_common.errors import Forbidden, NotFound, problem_responses
from smile_common.security import Principal

router = APIRouter(tags=["learning agreements"])
_ERRORS = problem_responses(401, 403, 404, 409, 422)


async def _mobility(session: SessionDep, principal: Principal, mobility_id: uuid.UUID) -> Mobility:
    mobility = await MobilityRepository(session).get(principal.tenant, mobility_id, for_update=True)
    if mobility is None or not access.can_see(principal, mobility):
        raise NotFound(f"No mobility {mobility_id}.")
    return mobility


async def _load(
    session: SessionDep, principal: Principal, mobility_id: uuid.UUID
) -> tuple[LearningAgreement, Mobility, list[LaVersion]]:
    mobility = await _mobility(session, principal, mobility_id)
    la = await service.get_la(session, principal.tenant, mobility_id)
    if la is None:
        raise NotFound(f"Mobility {mobility_id} has no learning agreement yet.")
    return la, mobility, await service.versions_of(session, la)


def _read(la: LearningAgreement, versions: list[LaVersion]) -> LaRead:
    return LaRead(
        id=la.id,
        mobility_id=la.mobility_id,
        source=la.source,
        omobility_id=la.omobility_id,
        sending_hei_id=la.sending_hei_id,
        sending_contact=la.sending_contact,
        receiving_contact=la.receiving_contact,
        versions=[_version(v) for v in versions],
        current_components=service.current_tables(versions),
    )


def _version(v: LaVersion) -> VersionRead:
    return VersionRead(
        number=v.number,
        kind=v.kind,
        status=v.status,
        proposal_id=v.proposal_id,
        components=v.components,
        signatures=v.signatures,
        comment=v.comment,
        rejected_by=v.rejected_by,
        total_credits=rules.totals(v.components),
        created_at=v.created_at,
        updated_at=v.updated_at,
    )


def _may_draft(principal: Principal, mobility: Mobility, la: LearningAgreement | None) -> None:
    if la is not None and la.source == "ewp":
        raise Forbidden("The sending institution drafts this learning agreement in EWP; sign or comment it.")
    if role_on(principal, mobility) is None:
        raise NotFound(f"No mobility {mobility.id}.")


@router.post(
    "/mobilities/{mobility_id}/learning-agreement",
    operation_id="createLearningAgreement",
    status_code=status.HTTP_201_CREATED,
    response_model=LaRead,
    responses=_ERRORS,
)
async def create(mobility_id: uuid.UUID, data: LaCreate, session: SessionDep, principal: Participant) -> LaRead:
    """Start the learning agreement of a mobility (partner outside EWP) with a first draft. Table A
    components must be courses of the catalogue (422 otherwise). The student's submitted basket also
    starts it on its own."""
    mobility = await _mobility(session, principal, mobility_id)
    _may_draft(principal, mobility, None)
    if await service.get_la(session, principal.tenant, mobility_id) is not None:
        raise service.LaStateConflict("This mobility already has a learning agreement.")
    components = await rules.resolve(session, principal.tenant, data.components)
    contacts = {
        k: v.model_dump() for k, v in (("sending", data.sending_contact), ("receiving", data.receiving_contact)) if v
    }
    la = service.new_la(mobility, "local", contacts)
    session.add(la)
    await session.flush()
    session.add(service.new_version(la, 1, "first_version", components, principal.subject))
    await session.flush()
    return _read(la, await service.versions_of(session, la))


@router.get(
    "/mobilities/{mobility_id}/learning-agreement",
    operation_id="getLearningAgreement",
    response_model=LaRead,
    responses=problem_responses(401, 403, 404),
)
async def get(mobility_id: uuid.UUID, session: SessionDep, principal: Participant) -> LaRead:
    """The learning agreement with every version, its signatures, and the tables in force."""
    la, _, versions = await _load(session, principal, mobility_id)
    return _read(la, versions)


@router.post(
    "/mobilities/{mobility_id}/learning-agreement/versions",
    operation_id="addLearningAgreementVersion",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionRead,
    responses=_ERRORS,
)
async def add_version(
    mobility_id: uuid.UUID, data: VersionCreate, session: SessionDep, principal: Participant
) -> VersionRead:
    """A new draft: the first version again after a rejection, or changes during the mobility
    (components ``inserted`` or ``deleted``, each with a reason code)."""
    la, mobility, _ = await _load(session, principal, mobility_id)
    _may_draft(principal, mobility, la)
    components = await rules.resolve(session, principal.tenant, data.components)
    return _version(await service.add_version(session, la, mobility, data.kind, components, principal.subject))


@router.put(
    "/mobilities/{mobility_id}/learning-agreement/versions/{number}",
    operation_id="editLearningAgreementVersion",
    response_model=VersionRead,
    responses=_ERRORS,
)
async def edit(
    mobility_id: uuid.UUID, number: int, data: DraftUpdate, session: SessionDep, principal: Participant
) -> VersionRead:
    """Replace the components of an open version. A proposal that changes gets a new ``proposal_id``
    and loses its signatures (``agreements.learning_agreement.changed.v1``)."""
    la, mobility, versions = await _load(session, principal, mobility_id)
    _may_draft(principal, mobility, la)
    components = await rules.resolve(session, principal.tenant, data.components)
    return _version(
        await service.edit(session, la, service.find_version(versions, number), components, principal.subject)
    )


@router.post(
    "/mobilities/{mobility_id}/learning-agreement/versions/{number}/propose",
    operation_id="proposeLearningAgreement",
    response_model=VersionRead,
    responses=_ERRORS,
)
async def propose(
    mobility_id: uuid.UUID, number: int, session: SessionDep, principal: Participant, runtime: RuntimeDep
) -> VersionRead:
    """Submit a draft for signature; table A's credits must be within bounds (422 otherwise)."""
    la, mobility, versions = await _load(session, principal, mobility_id)
    _may_draft(principal, mobility, la)
    s = settings_of(runtime)
    bounds = service.Bounds(s.la_min_ects_per_term, s.la_max_ects_per_term)
    v = await service.propose(
        session,
        la,
        service.find_version(versions, number),
        mobility,
        principal.subject,
        bounds,
        s.office_email(principal.tenant),
    )
    return _version(v)


@router.post(
    "/mobilities/{mobility_id}/learning-agreement/versions/{number}/sign",
    operation_id="signLearningAgreement",
    response_model=VersionRead,
    responses=_ERRORS,
)
async def sign(
    mobility_id: uuid.UUID,
    number: int,
    data: SignatureIn,
    session: SessionDep,
    principal: Participant,
    runtime: RuntimeDep,
) -> VersionRead:
    """Sign (approve) the proposal as ``student`` (their own), ``receiving`` (referent of the unit or the
    office) or ``sending`` (the office records a partner's signature outside EWP). Quote the
    ``proposal_id`` you saw: 409 if it changed. The third signature approves the version."""
    la, mobility, versions = await _load(session, principal, mobility_id)
    office = settings_of(runtime).office_email(principal.tenant)
    v = await service.sign(
        session, principal, la, service.find_version(versions, number), mobility, data.model_dump(), office
    )
    return _version(v)


@router.post(
    "/mobilities/{mobility_id}/learning-agreement/versions/{number}/reject",
    operation_id="rejectLearningAgreement",
    response_model=VersionRead,
    responses=_ERRORS,
)
async def reject(
    mobility_id: uuid.UUID,
    number: int,
    data: RejectionIn,
    session: SessionDep,
    principal: Participant,
    runtime: RuntimeDep,
) -> VersionRead:
    """Refuse the proposal with a comment (EWP: comment-proposal-v1); a new draft follows."""
    la, mobility, versions = await _load(session, principal, mobility_id)
    office = settings_of(runtime).office_email(principal.tenant)
    v = await service.reject(
        session, principal, la, service.find_version(versions, number), mobility, data.model_dump(), office
    )
    return _version(v)


@router.get(
    "/mobilities/{mobility_id}/learning-agreement/pdf",
    operation_id="getLearningAgreementPdf",
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
async def as_pdf(
    mobility_id: uuid.UUID,
    session: SessionDep,
    principal: Participant,
    lang: Annotated[Literal["fr", "en"], Query(description="language of the document")] = "en",
    version: Annotated[int | None, Query(description="a version number; by default the latest")] = None,
) -> Response:
    """The learning agreement in the layout of the European template (tables A and B, signatures,
    changes), in French or English."""
    la, mobility, versions = await _load(session, principal, mobility_id)
    if not versions:
        raise NotFound("The learning agreement has no version yet.")
    chosen = service.find_version(versions, version) if version is not None else versions[-1]
    content = pdf.render(la, mobility, versions, chosen, lang)
    name = f"learning-agreement-{mobility.student_family_name}-v{chosen.number}-{lang}.pdf".encode(
        "ascii", "replace"
    ).decode()
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
