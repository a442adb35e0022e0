"""Personal data held by the catalogue: students' course baskets (who chose which courses). Courses,
units and the factsheet name staff contacts, which are published on purpose and are not covered here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa

from smile_catalogue.baskets.models import Basket, BasketItem
from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import Erase, PersonData, linked
from smile_common.service import Runtime

__all__ = ["person_data", "retention_rules"]

_basket = cast(sa.Table, Basket.__table__)
_items = cast(sa.Table, BasketItem.__table__)


def person_data(runtime: Runtime) -> list[PersonData]:
    baskets = PersonData(
        kind="baskets",
        title="Course baskets (the courses you chose)",
        table=_basket,
        email=_basket.c.student_email,
        subject=_basket.c.student_subject,
        on_erasure=[Erase()],
        object_type="basket",
        purpose="Let the student choose courses and draft the learning agreement from them",
    )
    items = PersonData(
        kind="basket-items",
        title="Courses in the baskets",
        table=_items,
        match=linked(baskets, _items.c.basket_id),
        object_type="basket_item",
        purpose="Let the student choose courses",
    )
    return [items, baskets]


def retention_rules(runtime: Runtime) -> list[RetentionRule]:
    async def baskets(ctx: RetentionContext) -> Mapping[str, Any]:
        stale = _basket.c.updated_at < ctx.cutoff
        await ctx.erase(_items, _items.c.basket_id.in_(sa.select(_basket.c.id).where(stale)), object_type="basket_item")
        return await ctx.erase(_basket, stale, object_type="basket", person=_basket.c.student_email)

    return [
        RetentionRule(
            kind="baskets",
            description="Students' course baskets: account, e-mail, name and chosen courses",
            purpose="Choose courses and draft the learning agreement (which then holds the choice)",
            legal_basis="Public task (GDPR art. 6(1)(e))",
            keep_days=365,
            starts="the basket last changed",
            action=RetentionAction.ERASE,
            apply=baskets,
        )
    ]
