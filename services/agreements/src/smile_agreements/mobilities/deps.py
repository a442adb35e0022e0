"""Request dependencies shared by the mobility, file and learning agreement endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from smile_agreements.settings import AgreementsSettings
from smile_common.security import Principal, Role, require_roles
from smile_common.service import Runtime, runtime_of

Office = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN, Role.REFERENT))]
Participant = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN, Role.REFERENT, Role.STUDENT))]
Machine = Annotated[Principal, Depends(require_roles(Role.SERVICE))]


def runtime_dep(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(runtime_dep)]


def settings_of(runtime: Runtime) -> AgreementsSettings:
    settings = runtime.settings
    assert isinstance(settings, AgreementsSettings)
    return settings
