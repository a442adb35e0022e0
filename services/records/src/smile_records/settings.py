"""Settings of the records service (environment variables ``SMILE_…``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field

from smile_common.settings import ServiceSettings


class Institution(BaseModel):
    """How a university appears on its transcripts and diploma supplements."""

    name: dict[str, str] = Field(description="Name by language (fr, en)")
    country: str = Field(default="FR", description="ISO 3166-1 alpha-2")
    url: str | None = None
    city: str | None = None
    #: who signs transcripts, e.g. "Le directeur des études / Head of studies"
    signatory: str | None = None


DEMO_INSTITUTIONS = {
    "unicaen.fr": Institution(
        name={"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
        url="https://www.unicaen.fr",
        city="Caen",
        signatory="Service de la scolarité / Registrar's office",
    )
}


class RecordsSettings(ServiceSettings):
    service_name: ClassVar[str] = "records"

    #: which SIS each university uses (JSON, or the path of a JSON file); see docs/sis.md
    sis_config: str | None = None
    #: how often the worker looks for SIS synchronisations to run
    enrolment_poll_seconds: float = Field(default=2.0, gt=0, le=300)
    #: attempts before a retryable SIS failure is left for a person to look at
    enrolment_max_attempts: int = Field(default=8, ge=1, le=100)
    #: first retry delay; each retry doubles it, up to one hour
    enrolment_retry_seconds: float = Field(default=30.0, gt=0)
    #: a synchronisation claimed by a worker is retried by another after this long without an answer
    enrolment_lease_seconds: float = Field(default=300.0, gt=0)
    #: below this many passing grades a grade distribution table is flagged as too small to be meaningful
    grade_table_min_count: int = Field(default=50, ge=1)
    #: names and places of the universities, for transcripts and diploma supplements
    records_institutions: dict[str, Institution] = Field(default_factory=lambda: dict(DEMO_INSTITUTIONS))
    #: how often the worker sends the surveys of mobilities that ended
    survey_poll_seconds: float = Field(default=3600.0, gt=0)
    #: folder of the official EWP/ELMO schemas with their catalog.xml; when set, every ELMO document is
    #: validated against the XSD before a transcript is issued
    ewp_xsd_dir: Path | None = None

    def institution(self, hei: str) -> Institution:
        return self.records_institutions.get(hei) or Institution(name={"en": hei, "fr": hei})
