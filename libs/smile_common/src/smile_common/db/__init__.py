"""Database helpers: one schema per service, async engines, sessions, migrations."""

from smile_common.db.base import NAMING_CONVENTION, JSONType, UTCDateTime, make_metadata, utcnow
from smile_common.db.engine import Database, create_database
from smile_common.db.session import SessionDep, get_session

__all__ = [
    "NAMING_CONVENTION",
    "Database",
    "JSONType",
    "SessionDep",
    "UTCDateTime",
    "create_database",
    "get_session",
    "make_metadata",
    "utcnow",
]
