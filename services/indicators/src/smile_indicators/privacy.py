"""Personal data in the indicators: kept minimal, anonymised when its time is up, and on request.

* **Minimal log.** The event log keeps only what the reducers read: events of types the indicators do not
  use are logged without their payload (counted, never stored); staff identifiers (``changed_by``…),
  signatures, comments and grades are blanked; of the student, only the name, e-mail and citizenship
  the crisis roster shows are kept.
* **Retention.** A year (``SMILE_RETENTION_DAYS={"mobility-contacts": …}``) after a mobility ended (or
  was rejected or cancelled), its student's name, e-mail and citizenship are removed from the read model
  *and* from the logged events, so that a rebuild cannot bring them back; the figures are unchanged.
* **Data-subject requests.** Access returns the contact details held for the person's mobilities;
  erasure anonymises them the same way (facts stay, the person does not).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.dataprotection import DataProtection
from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import Anonymise, PersonData, SourcesParticipant, SubjectIdentity
from smile_common.datasubject.sources import rows_of
from smile_common.service import Runtime
from smile_indicators.db import data_protection
from smile_indicators.facts.mobility import mobility_fact
from smile_indicators.privacy_log import minimise
from smile_indicators.projection.log import event_log

__all__ = ["DATA_PROTECTION", "minimise", "scrub_mobilities"]

_PERSONAL = {"given_names": None, "family_name": None, "email": None, "citizenship": None}
#: the student block of an anonymised mobility event (the payload model wants names to be strings).
_ANONYMOUS_STUDENT = {"given_names": "", "family_name": ""}
_MOBILITY_EVENTS = "agreements.mobility.%"


async def scrub_mobilities(session: AsyncSession, tenant: str, mobility_ids: Sequence[UUID]) -> int:
    """Remove the student's details from the logged events of these mobilities; return the events changed."""
    if not mobility_ids:
        return 0
    keys = [f"{tenant}|mobility:{mobility_id}" for mobility_id in mobility_ids]
    rows = (
        await session.execute(
            sa.select(event_log.c.seq, event_log.c.data).where(
                event_log.c.stream_key.in_(keys), event_log.c.event_type.like(_MOBILITY_EVENTS)
            )
        )
    ).all()
    changes = []
    for seq, data in rows:
        if data.get("student") != _ANONYMOUS_STUDENT:
            scrubbed = copy.deepcopy(data)
            scrubbed["student"] = dict(_ANONYMOUS_STUDENT)
            changes.append({"b_seq": seq, "b_data": scrubbed})
    if changes:
        statement = sa.update(event_log).where(event_log.c.seq == sa.bindparam("b_seq"))
        await session.execute(statement.values(data=sa.bindparam("b_data")), changes)
    return len(changes)


def _has_contacts() -> Any:
    c = mobility_fact.c
    return sa.or_(
        c.given_names.is_not(None), c.family_name.is_not(None), c.email.is_not(None), c.citizenship.is_not(None)
    )


def _ended_before(cutoff: Any) -> Any:
    c = mobility_fact.c
    ended = sa.func.coalesce(c.actual_departure_on, c.planned_departure_on)
    return sa.or_(
        sa.and_(c.status.in_(("accepted", "live", "completed")), ended < cutoff.date()),
        sa.and_(c.status.in_(("rejected", "cancelled")), sa.func.coalesce(c.rejected_at, c.cancelled_at) < cutoff),
    )


async def _scrub_chunk(session: AsyncSession, rows: Sequence[Any]) -> None:
    by_tenant: dict[str, list[UUID]] = {}
    for row in rows:
        by_tenant.setdefault(row.retention_tenant, []).append(row.mobility_id)
    for tenant, ids in by_tenant.items():
        await scrub_mobilities(session, tenant, ids)


async def _expire_contacts(ctx: RetentionContext) -> Mapping[str, int]:
    # The read model's rows and their logged events are cleaned in the same transaction, chunk by chunk: a
    # mobility whose events arrive while the rule runs is either cleaned everywhere or left for the next run.
    counts: Counter[str] = await ctx.anonymise(
        mobility_fact,
        _ended_before(ctx.cutoff),
        _has_contacts(),
        values=_PERSONAL,
        object_type="mobility",
        person=mobility_fact.c.email,
        also=_scrub_chunk,
    )
    return counts


MOBILITY_CONTACTS = RetentionRule(
    kind="mobility-contacts",
    description="Name, e-mail and citizenship of incoming students, in the crisis roster and the logged events",
    purpose="Find and reach incoming students in a crisis (crisis roster)",
    legal_basis="Public task (GDPR art. 6(1)(e)) and vital interests (art. 6(1)(d)) in a crisis",
    keep_days=365,
    starts="the mobility ended (or was rejected or cancelled)",
    action=RetentionAction.ANONYMISE,
    apply=_expire_contacts,
    keeps="the mobility's facts for the figures (year, partner, faculty, dates, credits), without the person",
)

CONTACTS = PersonData(
    kind="mobility-contacts",
    title="Your contact details as the indicators hold them for the crisis roster",
    table=mobility_fact,
    email=mobility_fact.c.email,
    fields=(
        "given_names",
        "family_name",
        "email",
        "citizenship",
        "academic_year",
        "sending_hei_id",
        "receiving_ounit_code",
        "planned_arrival_on",
        "planned_departure_on",
        "actual_arrival_on",
        "actual_departure_on",
        "status",
    ),
    on_erasure=(Anonymise(_PERSONAL),),
    object_type="mobility",
    purpose=MOBILITY_CONTACTS.purpose,
)


class IndicatorsParticipant(SourcesParticipant):
    """Erasure also scrubs the person's details from the logged events, so that no rebuild restores them."""

    async def erase(
        self, session: AsyncSession, tenant: str, identity: SubjectIdentity, *, detail: str
    ) -> dict[str, Any]:
        rows = await rows_of(session, CONTACTS, identity, tenant)
        await scrub_mobilities(session, tenant, [row["mobility_id"] for row in rows])
        return await super().erase(session, tenant, identity, detail=detail)


def _participant(runtime: Runtime) -> IndicatorsParticipant:
    return IndicatorsParticipant([CONTACTS], data_protection, [MOBILITY_CONTACTS])


DATA_PROTECTION = DataProtection(tables=data_protection, retention=[MOBILITY_CONTACTS], subjects=_participant)
