"""SMILE's student information system adapters behind one interface.

* :class:`StudentInformationSystem`: the interface (periods, course offer, learners, administrative and
  course enrolments, results, grade history);
* adapters: :class:`PegaseSIS` (Pégase APIs), :class:`FilesSIS` (Apogée and others, CSV files),
  :class:`InMemorySIS` (demo and tests);
* :class:`SisRegistry`: which SIS each university (tenant) uses, from ``SMILE_SIS_CONFIG``.
"""

from smile_sis.errors import (
    SisAuthenticationError,
    SisError,
    SisNotFound,
    SisNotSupported,
    SisRejected,
    SisUnavailable,
)
from smile_sis.files import FilesConfig, FilesSIS
from smile_sis.interface import StudentInformationSystem
from smile_sis.memory import InMemorySIS
from smile_sis.models import (
    AdministrativeEnrolmentReceipt,
    AdministrativeEnrolmentRequest,
    CourseEnrolmentReceipt,
    CourseEnrolmentRequest,
    CourseOffer,
    GradeRecord,
    LearnerData,
    LearnerQuery,
    OfferedCourse,
    OfferedProgramme,
    OrganisationalUnit,
    Period,
    ResultOutcome,
    SisLearner,
    SisResult,
)
from smile_sis.pegase import PegaseConfig, PegaseSIS
from smile_sis.policy import EnrolmentPolicy, choose_period
from smile_sis.registry import MemoryConfig, SisConfigurationError, SisRegistry, parse_sis_config

__all__ = [
    "AdministrativeEnrolmentReceipt",
    "AdministrativeEnrolmentRequest",
    "CourseEnrolmentReceipt",
    "CourseEnrolmentRequest",
    "CourseOffer",
    "EnrolmentPolicy",
    "FilesConfig",
    "FilesSIS",
    "GradeRecord",
    "InMemorySIS",
    "LearnerData",
    "LearnerQuery",
    "MemoryConfig",
    "OfferedCourse",
    "OfferedProgramme",
    "OrganisationalUnit",
    "PegaseConfig",
    "PegaseSIS",
    "Period",
    "ResultOutcome",
    "SisAuthenticationError",
    "SisConfigurationError",
    "SisError",
    "SisLearner",
    "SisNotFound",
    "SisNotSupported",
    "SisRegistry",
    "SisRejected",
    "SisResult",
    "SisUnavailable",
    "StudentInformationSystem",
    "choose_period",
    "parse_sis_config",
]
