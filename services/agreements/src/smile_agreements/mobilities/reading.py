"""Mobility rows as API documents, and the checks report."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.mobilities.checks import FactsheetView, factsheet_checks, iia_checks
from smile_agreements.mobilities.iia_port import directory
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_agreements.mobilities.schemas import CheckReport, CheckResult, MobilityRead, StudentRead
from smile_agreements.mobilities.service import terms_overlap

_log = logging.getLogger("smile.agreements.checks")


def to_read(mobility: Mobility) -> MobilityRead:
    return MobilityRead.model_validate(
        {
            **{k: getattr(mobility, k) for k in MobilityRead.model_fields if k != "student"},
            "student": StudentRead(
                given_names=mobility.student_given_names,
                family_name=mobility.student_family_name,
                email=mobility.student_email,
                birth_date=mobility.student_birth_date,
                citizenship=mobility.student_citizenship,
                gender=mobility.student_gender,
                esi=mobility.student_esi,
            ),
        }
    )


async def check_report(session: AsyncSession, mobility: Mobility, factsheet: FactsheetView | None) -> CheckReport:
    found = directory()
    condition = None
    count = 0
    if found is not None and (mobility.iia_id or mobility.ewp_iia_id):
        conditions = await found.student_conditions(
            session,
            mobility.tenant,
            iia_id=mobility.iia_id,
            ewp_iia_id=None if mobility.iia_id else mobility.ewp_iia_id,
        )
        wanted = mobility.cooperation_condition_id
        matching = [c for c in conditions if wanted is None or c.condition_id == wanted]
        condition = next((c for c in matching if c.sending_hei_id == mobility.sending_hei_id), None) or (
            matching[0] if matching else None
        )
        if condition is not None:
            counts = await MobilityRepository(session).count_per_condition(
                mobility.tenant, [condition.condition_id], mobility.academic_year
            )
            count = counts.get(condition.condition_id, 0)
    checks = [await _duplicate_check(session, mobility)]
    checks += iia_checks(mobility, condition, count, directory_available=found is not None)
    checks += factsheet_checks(mobility, factsheet)
    return CheckReport(mobility_id=mobility.id, checks=checks)


async def _duplicate_check(session: AsyncSession, mobility: Mobility) -> CheckResult:
    others = await MobilityRepository(session).active_for_student(
        mobility.tenant, mobility.student_key, mobility.academic_year
    )
    clash = [m for m in others if m.id != mobility.id and terms_overlap(m.academic_term, mobility.academic_term)]
    if clash:
        when = clash[0].academic_term or clash[0].academic_year
        message = f"The student has another {clash[0].status} mobility for {when}."
        return CheckResult(code="duplicate", status="failed", message=message)
    return CheckResult(code="duplicate", status="ok", message="No other nomination of this student for this term.")
