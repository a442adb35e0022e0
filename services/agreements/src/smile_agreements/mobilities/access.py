"""Who may see and act on a mobility (and so on its file and learning agreement).

* student: their own mobility only (matched by login ``sub`` or by the email the partner nominated);
* referent: mobilities of their organisational units (``ounits`` claim);
* coordinator, admin: every mobility of the tenant.
Anything else answers 404, as another tenant's object does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from smile_agreements.mobilities.models import Mobility
from smile_common.security import Principal, Role

_ALL = (Role.COORDINATOR, Role.ADMIN)


def is_office(principal: Principal) -> bool:
    return principal.has_any(*_ALL)


def is_own(principal: Principal, mobility: Mobility) -> bool:
    if Role.STUDENT not in principal.roles:
        return False
    if mobility.student_subject and mobility.student_subject == principal.subject:
        return True
    email = (principal.email or "").lower()
    return bool(email) and (mobility.student_email or "").lower() == email


def is_referent_of(principal: Principal, mobility: Mobility) -> bool:
    return Role.REFERENT in principal.roles and (mobility.receiving_ounit_code or "") in principal.ounits


def can_see(principal: Principal, mobility: Mobility) -> bool:
    if mobility.tenant != principal.tenant:
        return False
    return is_office(principal) or is_referent_of(principal, mobility) or is_own(principal, mobility)


def is_staff_on(principal: Principal, mobility: Mobility) -> bool:
    return mobility.tenant == principal.tenant and (is_office(principal) or is_referent_of(principal, mobility))


def visible(principal: Principal) -> sa.ColumnElement[bool]:
    """The SQL filter of the mobilities ``principal`` may see."""
    clauses: list[Any] = []
    if is_office(principal):
        return Mobility.tenant == principal.tenant
    if Role.REFERENT in principal.roles and principal.ounits:
        clauses.append(Mobility.receiving_ounit_code.in_(sorted(principal.ounits)))
    if Role.STUDENT in principal.roles:
        clauses.append(Mobility.student_subject == principal.subject)
        if principal.email:
            clauses.append(sa.func.lower(Mobility.student_email) == principal.email.lower())
    if not clauses:
        return sa.false()
    return sa.and_(Mobility.tenant == principal.tenant, sa.or_(*clauses))
