"""Every table of the catalogue, imported once so that the metadata knows them all."""

from smile_catalogue.baskets.models import Basket, BasketItem
from smile_catalogue.courses.models import Course
from smile_catalogue.factsheet.models import Factsheet
from smile_catalogue.imports.models import ImportJob, ImportPayload
from smile_catalogue.institution.models import (
    AcademicYear,
    CatalogueRevision,
    Institution,
    OrganisationalUnit,
    Programme,
    Term,
)

__all__ = [
    "AcademicYear",
    "Basket",
    "BasketItem",
    "CatalogueRevision",
    "Course",
    "Factsheet",
    "ImportJob",
    "ImportPayload",
    "Institution",
    "OrganisationalUnit",
    "Programme",
    "Term",
]
