"""Issue, correct and re-issue transcripts. Each version keeps its content, its ELMO document (validated
against the official XSD when the schemas are available) and its event, written together."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound, Problem
from smile_common.events.payloads.records import TranscriptComponent, TranscriptIssued
from smile_common.security import Principal
from smile_records.db import outbox
from smile_records.results.service import mobility_of
from smile_records.settings import RecordsSettings
from smile_records.students.models import Student
from smile_records.transcripts.content import build_content, unchanged
from smile_records.transcripts.elmo import conversion_table, elmo_document, tor_response
from smile_records.transcripts.models import Transcript, TranscriptVersion
from smile_records.transcripts.pdf import render_transcript
from smile_records.transcripts.xsd import ElmoSchema, SchemaError, find_xsd_dir

_log = logging.getLogger("smile.records.transcripts")
_SCHEMAS: dict[str, ElmoSchema] = {}


class TranscriptExists(Conflict):
    slug, title = "transcript-exists", "This mobility already has a transcript"


class TranscriptUnchanged(Conflict):
    slug, title = "transcript-unchanged", "Nothing changed since the last version"


class TranscriptInvalid(Problem):
    status, slug, title = 500, "transcript-invalid", "The transcript does not satisfy the EWP schema"


def schema_for(settings: RecordsSettings) -> ElmoSchema | None:
    root = find_xsd_dir(settings.ewp_xsd_dir)
    if root is None:
        return None
    key = str(root)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = ElmoSchema(root)
    return _SCHEMAS[key]


def render(
    content: dict[str, Any], version: int, issued_at: datetime, reason: str | None
) -> tuple[str, dict[str, bytes]]:
    langs: tuple[Literal["fr", "en"], ...] = ("fr", "en")
    pdfs: dict[str, bytes] = {
        lang: render_transcript(content, version=version, issued_at=issued_at, lang=lang, correction_reason=reason)
        for lang in langs
    }
    elmo = elmo_document(content, issued_at=issued_at, pdfs=pdfs)
    return etree.tostring(elmo, encoding="unicode"), pdfs


def validate(settings: RecordsSettings, content: dict[str, Any], elmo_xml: str) -> None:
    """Refuse to issue an ELMO document the EWP schema would reject (when the schemas are available)."""
    schema = schema_for(settings)
    if schema is None:
        _log.warning("no EWP schema folder (SMILE_EWP_XSD_DIR): the ELMO document is issued unvalidated")
        return
    mobility = content["mobility"]
    document = tor_response(
        [
            (
                mobility.get("omobility_id") or mobility["id"],
                mobility.get("academic_year") or "2000/2001",
                etree.fromstring(elmo_xml.encode()),
                conversion_table(content),
            )
        ]
    )
    try:
        schema.validate(document)
    except SchemaError as exc:
        raise TranscriptInvalid(f"The ELMO document breaks the ToR schema: {exc}", errors=exc.errors[:20]) from exc


async def _version_row(session: AsyncSession, transcript_id: uuid.UUID, version: int) -> TranscriptVersion:
    query = sa.select(TranscriptVersion).where(
        TranscriptVersion.transcript_id == transcript_id, TranscriptVersion.version == version
    )
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No version {version} of transcript {transcript_id}.")
    return found


async def _issue_version(
    session: AsyncSession,
    settings: RecordsSettings,
    principal: Principal,
    transcript: Transcript,
    content: dict[str, Any],
    reason: str | None,
) -> TranscriptVersion:
    now = utcnow()
    elmo_xml, _pdfs = render(content, transcript.current_version, now, reason)
    validate(settings, content, elmo_xml)
    version = TranscriptVersion(
        id=uuid.uuid4(),
        tenant=transcript.tenant,
        transcript_id=transcript.id,
        version=transcript.current_version,
        content=content,
        elmo_xml=elmo_xml,
        correction_reason=reason,
        issued_by=principal.subject,
        issued_at=now,
    )
    session.add(version)
    transcript.issued_at = transcript.updated_at = now
    await session.flush()
    await outbox.record(
        session, _event(transcript, version, content), tenant=transcript.tenant, subject=str(transcript.mobility_id)
    )
    return version


def _event(transcript: Transcript, version: TranscriptVersion, content: dict[str, Any]) -> TranscriptIssued:
    return TranscriptIssued(
        transcript_id=transcript.id,
        version=version.version,
        mobility_id=transcript.mobility_id,
        omobility_id=transcript.omobility_id,
        student_id=transcript.student_id,
        sending_hei_id=transcript.sending_hei_id,
        receiving_hei_id=transcript.tenant,
        receiving_academic_year_id=content["mobility"].get("academic_year"),
        components=[
            TranscriptComponent(
                course_code=c["course_code"],
                title=c["title"].get("en") or c["title"].get("fr") or c["course_code"],
                credits=Decimal(c["credits"]),
                grade=c["grade"],
                passed=c["passed"],
            )
            for c in content["components"]
        ],
        ects_attempted=Decimal(content["ects_attempted"]),
        ects_obtained=Decimal(content["ects_obtained"]),
        correction_reason=version.correction_reason,
        issued_by=version.issued_by,
        issued_at=version.issued_at,
    )


async def _content(
    session: AsyncSession, settings: RecordsSettings, tenant: str, mobility_id: uuid.UUID
) -> tuple[dict[str, Any], Student]:
    mobility = await mobility_of(session, tenant, mobility_id)
    student = await session.get(Student, mobility.student_id)
    assert student is not None
    return await build_content(session, tenant, mobility, student, settings.institution(tenant)), student


async def issue(
    session: AsyncSession, settings: RecordsSettings, principal: Principal, mobility_id: uuid.UUID
) -> tuple[Transcript, TranscriptVersion]:
    """The first version (``records.transcript.issued.v1``); a 409 when results are missing."""
    tenant = principal.tenant
    existing = (
        await session.execute(
            sa.select(Transcript).where(Transcript.tenant == tenant, Transcript.mobility_id == mobility_id)
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise TranscriptExists(
            f"Mobility {mobility_id} has transcript {existing.id}: issue a corrected version instead.",
            transcript_id=str(existing.id),
        )
    content, student = await _content(session, settings, tenant, mobility_id)
    now = utcnow()
    transcript = Transcript(
        id=uuid.uuid4(),
        tenant=tenant,
        mobility_id=mobility_id,
        student_id=student.id,
        sending_hei_id=content["mobility"]["sending_hei_id"] or student.home_institution,
        omobility_id=content["mobility"]["omobility_id"],
        academic_year=content["mobility"].get("academic_year"),
        current_version=1,
        issued_at=now,
        updated_at=now,
    )
    session.add(transcript)
    await session.flush()
    return transcript, await _issue_version(session, settings, principal, transcript, content, None)


async def reissue(
    session: AsyncSession, settings: RecordsSettings, principal: Principal, transcript_id: uuid.UUID, reason: str
) -> tuple[Transcript, TranscriptVersion]:
    """A corrected version from the current results; refused when it would say the same."""
    transcript = await get(session, principal.tenant, transcript_id, for_update=True)
    latest = await _version_row(session, transcript.id, transcript.current_version)
    content, _ = await _content(session, settings, principal.tenant, transcript.mobility_id)
    if unchanged(latest.content, content):
        raise TranscriptUnchanged("The results and tables are those of the current version: correct a result first.")
    transcript.current_version += 1
    return transcript, await _issue_version(session, settings, principal, transcript, content, reason)


async def get(session: AsyncSession, tenant: str, transcript_id: uuid.UUID, *, for_update: bool = False) -> Transcript:
    query = sa.select(Transcript).where(Transcript.tenant == tenant, Transcript.id == transcript_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No transcript {transcript_id}.")
    return found


async def versions(session: AsyncSession, transcript_id: uuid.UUID) -> list[TranscriptVersion]:
    query = sa.select(TranscriptVersion).where(TranscriptVersion.transcript_id == transcript_id)
    return list((await session.execute(query.order_by(TranscriptVersion.version))).scalars())


async def version(session: AsyncSession, transcript: Transcript, number: int | None) -> TranscriptVersion:
    return await _version_row(session, transcript.id, number or transcript.current_version)
