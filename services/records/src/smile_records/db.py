"""The records service's schema: metadata, declarative base, messaging tables and outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from smile_common.dataprotection import data_protection_tables, request_tables
from smile_common.db import JSONType, UTCDateTime, make_metadata
from smile_common.events import Outbox, messaging_tables

SCHEMA = "records"
metadata = make_metadata(SCHEMA)
tables = messaging_tables(metadata)
#: audit trail, scheduled job runs and data-subject request answers (smile_common.dataprotection).
data_protection = data_protection_tables(metadata)
#: the data-subject requests (access, erasure) this service orchestrates across the suite.
subject_requests = request_tables(metadata)
outbox = Outbox(tables.outbox, source="/smile/records")


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        dict[str, str]: JSONType,
        list[str]: JSONType,
        list[dict[str, Any]]: JSONType,
        dict[str, Any] | None: JSONType,
        uuid.UUID: sa.Uuid(),
    }
