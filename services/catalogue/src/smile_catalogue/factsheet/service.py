from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue import revision
from smile_catalogue.factsheet.models import Factsheet
from smile_catalogue.factsheet.schemas import FactsheetContent
from smile_catalogue.institution.views import term_view
from smile_catalogue.refs import UnknownReference, load_refs
from smile_common.db import utcnow
from smile_common.errors import NotFound
from smile_common.security import Principal


async def put_factsheet(session: AsyncSession, principal: Principal, content: FactsheetContent) -> Factsheet:
    refs = await load_refs(session, principal.tenant)
    unknown = [(i, d.term_code) for i, d in enumerate(content.term_deadlines) if d.term_code not in refs.terms]
    if unknown:
        errors = [{"loc": ["term_deadlines", i, "term_code"], "msg": f"no term has the code '{c}'"} for i, c in unknown]
        raise UnknownReference("; ".join(f"no term has the code '{c}'" for _, c in unknown), errors=errors)
    values = content.model_dump(mode="json")
    factsheet = await session.get(Factsheet, principal.tenant, with_for_update=True)
    if factsheet is None:
        factsheet = Factsheet(tenant=principal.tenant, content=values, version=0)
        session.add(factsheet)
    elif factsheet.content == values:
        return factsheet
    factsheet.content = values
    factsheet.updated_at, factsheet.updated_by = utcnow(), principal.subject
    factsheet.version += 1
    await session.flush()
    await revision.bump(session, principal.tenant)
    return factsheet


async def factsheet_view(session: AsyncSession, tenant: str) -> dict[str, Any]:
    factsheet = await session.get(Factsheet, tenant)
    if factsheet is None:
        raise NotFound(f"{tenant} has no factsheet in this catalogue yet.", slug="no-factsheet")
    refs = await load_refs(session, tenant)
    terms = [term_view(t) for t in sorted(refs.terms.values(), key=lambda t: (t.start_date, t.code))]
    return {
        **factsheet.content,
        "hei_id": tenant,
        "terms": terms,
        "updated_at": factsheet.updated_at.isoformat(),
        "version": factsheet.version,
    }
