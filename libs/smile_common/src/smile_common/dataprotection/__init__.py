"""Personal-data protection shared by every service: tables, audit trail API, retention, data-subject requests."""

from smile_common.dataprotection.bundle import DataProtection, protection_of
from smile_common.dataprotection.tables import (
    DataProtectionTables,
    RequestTables,
    data_protection_tables,
    request_tables,
)

__all__ = [
    "DataProtection",
    "DataProtectionTables",
    "RequestTables",
    "data_protection_tables",
    "protection_of",
    "request_tables",
]
