"""Every service of the suite, in the order they are migrated, seeded and mounted."""

from __future__ import annotations

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.service import ServiceDefinition
from smile_ewp_gateway.definition import DEFINITION as EWP_GATEWAY
from smile_indicators.definition import DEFINITION as INDICATORS
from smile_records.definition import DEFINITION as RECORDS

#: (mount path, definition)
SERVICES: list[tuple[str, ServiceDefinition]] = [
    ("/catalogue", CATALOGUE),
    ("/agreements", AGREEMENTS),
    ("/records", RECORDS),
    ("/ewp", EWP_GATEWAY),
    ("/indicators", INDICATORS),
]
