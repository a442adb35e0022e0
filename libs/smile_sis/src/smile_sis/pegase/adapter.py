"""The Pégase adapter: :class:`~smile_sis.interface.StudentInformationSystem` over Pégase's APIs."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from smile_sis.errors import SisNotSupported, SisRejected
from smile_sis.models import (
    AdministrativeEnrolmentReceipt,
    AdministrativeEnrolmentRequest,
    CourseEnrolmentReceipt,
    CourseEnrolmentRequest,
    CourseOffer,
    GradeRecord,
    LearnerData,
    LearnerQuery,
    Period,
    SisLearner,
    SisResult,
)
from smile_sis.pegase import enrolment, learners, offer, results
from smile_sis.pegase.client import PegaseClient
from smile_sis.pegase.config import PegaseConfig

__all__ = ["PegaseSIS"]


class PegaseSIS:
    """Pégase (PC-SCOL). ``config.enrolment.country_codes`` maps ISO 3166 alpha-2 to Pégase's codes."""

    kind = "pegase"

    def __init__(self, config: PegaseConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.client = PegaseClient(config, transport=transport)
        self.country_codes = {k.upper(): v for k, v in config.enrolment.country_codes.items()}

    async def list_periods(self) -> Sequence[Period]:
        return await offer.list_periods(self.client)

    async def read_course_offer(self, period_code: str) -> CourseOffer:
        return await offer.read_course_offer(self.client, period_code)

    async def find_learner(self, query: LearnerQuery) -> SisLearner | None:
        return await learners.find_learner(self.client, query)

    async def ensure_learner(self, learner: LearnerData) -> SisLearner:
        return await learners.ensure_learner(self.client, learner, self.country_codes)

    async def enrol_administratively(self, request: AdministrativeEnrolmentRequest) -> AdministrativeEnrolmentReceipt:
        return await enrolment.enrol_administratively(self.client, request)

    async def enrol_in_courses(self, request: CourseEnrolmentRequest) -> CourseEnrolmentReceipt:
        return await enrolment.enrol_in_courses(self.client, request)

    async def read_results(self, learner: SisLearner, period_code: str, programme_path: str) -> Sequence[SisResult]:
        if not learner.code:
            raise SisRejected("the learner has no Pégase code (codeApprenant) yet")
        return await results.read_results(self.client, learner.code, period_code, programme_path)

    async def read_grade_history(self, period_codes: Sequence[str]) -> Sequence[GradeRecord]:
        raise SisNotSupported(
            "Pégase's public APIs publish results per learner only; export the jury report (PV de jury) "
            "as CSV and upload it, or connect the files adapter to its export folder"
        )

    async def aclose(self) -> None:
        await self.client.aclose()
