"""What the EWP gateway reads to serve Incoming Mobility ToRs (service role, ``X-Smile-Tenant``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_records.privacy import log_read
from smile_records.transcripts.elmo import conversion_table
from smile_records.transcripts.models import Transcript, TranscriptVersion
from smile_records.transcripts.schemas import EwpTor, EwpTorPage, IscedTable
from smile_records.web import Service

router = APIRouter(prefix="/internal/ewp", tags=["internal"])


@router.get("/tors", operation_id="listEwpTors", response_model=EwpTorPage, responses=problem_responses(401, 403, 422))
async def list_tors(
    session: SessionDep,
    principal: Service,
    sending_hei_id: Annotated[str, Query(description="the sending university asking")],
    omobility_id: Annotated[list[str] | None, Query(description="repeatable; unknown ids are left out")] = None,
    modified_since: Annotated[datetime | None, Query()] = None,
    ids_only: Annotated[bool, Query(description="only ids and dates (for index)")] = False,
) -> EwpTorPage:
    """The issued transcripts (current versions) of mobilities that came through EWP, for one sending
    university. Never a 404: what is unknown or not this partner's is simply absent."""
    query = sa.select(Transcript).where(
        Transcript.tenant == principal.tenant,
        Transcript.sending_hei_id == sending_hei_id.lower(),
        Transcript.omobility_id.is_not(None),
    )
    if omobility_id:
        query = query.where(Transcript.omobility_id.in_(omobility_id))
    if modified_since is not None:
        query = query.where(Transcript.issued_at > modified_since)
    transcripts = list((await session.execute(query.order_by(Transcript.issued_at))).scalars())
    items = []
    for transcript in transcripts:
        item = EwpTor(
            omobility_id=transcript.omobility_id or "",
            sending_hei_id=transcript.sending_hei_id,
            receiving_academic_year_id=transcript.academic_year,
            modified_at=transcript.issued_at,
        )
        if not ids_only:
            version = (
                await session.execute(
                    sa.select(TranscriptVersion).where(
                        TranscriptVersion.transcript_id == transcript.id,
                        TranscriptVersion.version == transcript.current_version,
                    )
                )
            ).scalar_one()
            item.elmo_xml = version.elmo_xml
            item.grade_conversion_table = [IscedTable.model_validate(t) for t in conversion_table(version.content)]
            await log_read(
                session, tenant=transcript.tenant, object_type="transcript", object_id=transcript.id,
                student_id=transcript.student_id, fields=["grades"],
                detail=f"ELMO, version {version.version}, for {sending_hei_id.lower()} through EWP",
            )  # fmt: skip
        items.append(item)
    return EwpTorPage(items=items)
