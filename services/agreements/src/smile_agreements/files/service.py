"""The application file's workflow: opening, validating and denying steps, with required documents
enforced. Every move is logged in the file's history, announced and notified in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import outbox
from smile_agreements.files.defaults import DEFAULT_DOCUMENT_TYPES, DEFAULT_NAMES, DEFAULT_STEPS
from smile_agreements.files.models import ApplicationFile, Document, FileEntry, Programme
from smile_agreements.files.repository import FileRepository
from smile_agreements.mobilities import access
from smile_agreements.mobilities.models import Mobility
from smile_agreements.notifications.service import notify
from smile_common.db import utcnow
from smile_common.errors import Conflict, Forbidden, NotFound, Problem
from smile_common.events.payloads.mobility import FileStepChanged
from smile_common.security import Principal


class NotCurrentStep(Conflict):
    slug, title = "not-current-step", "This step is not the file's current step"


class MissingDocuments(Conflict):
    slug, title = "missing-documents", "Required documents are missing"


async def programme_for(session: AsyncSession, tenant: str, code: str, actor: str = "system") -> Programme:
    """The programme's configuration; the built-in one is copied for the university on first use."""
    repo = FileRepository(session)
    found = await repo.programme(tenant, code)
    if found is None:
        found = Programme(
            id=uuid.uuid4(),
            tenant=tenant,
            code=code,
            name=DEFAULT_NAMES.get(code, {"en": code}),
            steps=[dict(s) for s in DEFAULT_STEPS],
            document_types=[dict(d) for d in DEFAULT_DOCUMENT_TYPES],
            updated_by=actor,
            updated_at=utcnow(),
            version=1,
        )
        repo.add(found)
        await session.flush()
    return found


def log(file: ApplicationFile, actor: str, role: str, kind: str, step: str | None, detail: str | None) -> FileEntry:
    return FileEntry(
        tenant=file.tenant,
        file_id=file.id,
        at=utcnow(),
        actor=actor,
        actor_role=role,
        kind=kind,
        step=step,
        detail=detail,
    )


async def open_file(session: AsyncSession, mobility: Mobility, actor: str) -> ApplicationFile:
    repo = FileRepository(session)
    existing = await repo.file_of(mobility.tenant, mobility.id)
    if existing is not None:
        return existing
    programme = await programme_for(session, mobility.tenant, mobility.programme, actor)
    now = utcnow()
    file = ApplicationFile(
        id=uuid.uuid4(),
        tenant=mobility.tenant,
        mobility_id=mobility.id,
        programme=programme.code,
        steps=list(programme.steps),
        document_types=list(programme.document_types),
        current_index=0,
        completed=False,
        opened_at=now,
        updated_at=now,
        version=1,
    )
    repo.add(file)
    await session.flush()
    repo.add(log(file, actor, "coordinator", "opened", file.steps[0]["code"], f"programme {programme.code}"))
    return file


def role_on(principal: Principal, mobility: Mobility) -> str | None:
    """The role ``principal`` acts in on this file (the strongest one they hold)."""
    if access.is_office(principal) and mobility.tenant == principal.tenant:
        return "coordinator"
    if access.is_referent_of(principal, mobility):
        return "referent"
    if access.is_own(principal, mobility):
        return "student"
    return None


def step_index(file: ApplicationFile, code: str) -> int:
    for i, step in enumerate(file.steps):
        if step["code"] == code:
            return i
    raise NotFound(f"The file has no step {code}.")


def missing_documents(file: ApplicationFile, documents: list[Document], index: int) -> list[str]:
    """Document types required by step ``index`` (or an earlier one) that are not there yet: staff
    steps need them accepted, student steps need them uploaded and not refused."""
    codes = [s["code"] for s in file.steps[: index + 1]]
    staff_step = file.steps[index]["role"] != "student"
    good = {"accepted"} if staff_step else {"accepted", "submitted"}
    have = {d.type_code for d in documents if d.status in good}
    return [
        t["code"]
        for t in file.document_types
        if t.get("required") and t.get("needed_before_step") in codes and t["code"] not in have
    ]


async def validate_step(
    session: AsyncSession,
    principal: Principal,
    file: ApplicationFile,
    mobility: Mobility,
    code: str,
    comment: str | None,
    *,
    office_email: str,
) -> ApplicationFile:
    index = _current(file, code)
    role = _acting_role(principal, mobility, file.steps[index]["role"])
    missing = missing_documents(file, await FileRepository(session).documents(file.id), index)
    if missing:
        raise MissingDocuments(f"Step {code} needs these documents first: {', '.join(missing)}.", missing=missing)
    file.current_index = index + 1
    file.completed = file.current_index >= len(file.steps)
    nxt = None if file.completed else file.steps[file.current_index]
    await _moved(session, file, mobility, principal, role, "validated", code, nxt, comment, office_email)
    return file


async def deny_step(
    session: AsyncSession,
    principal: Principal,
    file: ApplicationFile,
    mobility: Mobility,
    code: str,
    reason: str,
    back_to: str | None,
    *,
    office_email: str,
) -> ApplicationFile:
    index = _current(file, code)
    role = _acting_role(principal, mobility, file.steps[index]["role"])
    if back_to is None:
        earlier = [i for i in range(index) if file.steps[i]["role"] == "student"]
        target = earlier[-1] if earlier else 0
    else:
        target = step_index(file, back_to)
        if target >= index:
            raise Problem("A file can only be sent back to an earlier step.", status=422, slug="invalid-back-step")
    if index == 0:
        raise Problem(
            "The first step cannot be denied; there is nothing to send back.", status=409, slug="nothing-to-deny"
        )
    file.current_index = target
    await _moved(session, file, mobility, principal, role, "denied", code, file.steps[target], reason, office_email)
    return file


def _current(file: ApplicationFile, code: str) -> int:
    index = step_index(file, code)
    if file.completed or index != file.current_index:
        current = None if file.completed else file.steps[file.current_index]["code"]
        raise NotCurrentStep(f"The file is at step {current or '(completed)'}, not {code}.", current_step=current)
    return index


def _acting_role(principal: Principal, mobility: Mobility, needed: str) -> str:
    role = role_on(principal, mobility)
    if role != needed:
        raise Forbidden(f"This step is validated by the {needed}.", step_role=needed)
    return needed


async def _moved(
    session: AsyncSession,
    file: ApplicationFile,
    mobility: Mobility,
    principal: Principal,
    role: str,
    action: str,
    step: str,
    nxt: dict[str, Any] | None,
    note: str | None,
    office_email: str,
) -> None:
    now = utcnow()
    file.updated_at = now
    file.version += 1
    detail = note if action == "validated" else f"{note} (back to {nxt['code'] if nxt else '-'})"
    FileRepository(session).add(log(file, principal.subject, role, action, step, detail))
    await session.flush()
    event = FileStepChanged(
        file_id=file.id,
        mobility_id=mobility.id,
        programme=file.programme,
        action=action,  # type: ignore[arg-type]
        from_step=step,
        to_step=nxt["code"] if nxt else None,
        completed=file.completed,
        reason=note if action == "denied" else None,
        actor_role=role,
        changed_by=principal.subject,
        changed_at=now,
    )
    await outbox.record(session, event, tenant=file.tenant, subject=str(mobility.id))
    params = {
        "student": f"{mobility.student_given_names} {mobility.student_family_name}",
        "step": step,
        "next_step": nxt["code"] if nxt else "-",
        "reason": note or "-",
        "mobility_id": str(mobility.id),
    }
    if file.completed:
        await tell(session, mobility, "student", "file_completed", params, office_email)
        await tell(session, mobility, "coordinator", "file_completed", params, office_email)
        return
    template = "step_denied" if action == "denied" else "step_to_do"
    await tell(session, mobility, nxt["role"] if nxt else "coordinator", template, params, office_email)


async def tell(
    session: AsyncSession, mobility: Mobility, role: str, template: str, params: dict[str, str], office_email: str
) -> None:
    student = role == "student"
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=mobility.student_email if student else office_email,
        recipient_role=role,
        template=template,
        params=params,
        language=mobility.student_language if student else "fr",
        mobility_id=mobility.id,
    )
