"""Pieces shared by the records endpoints: role sets, cursors."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import Depends

from smile_common.errors import Problem
from smile_common.security import Principal, Role, require_roles

#: staff who read students, enrolments, results and transcripts
Staff = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.COORDINATOR, Role.ADMIN))]
#: staff who change them (the registrar's office)
Registrar = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.ADMIN))]
#: machines (the EWP gateway)
Service = Annotated[Principal, Depends(require_roles(Role.SERVICE))]


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor") from exc
    if not isinstance(values, list) or len(values) != size:
        raise Problem("The cursor is not one this API gave out.", status=400, slug="invalid-cursor")
    return values
