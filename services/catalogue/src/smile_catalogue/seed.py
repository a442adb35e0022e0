"""Demo data for ``make run``: the demo university's institution record, rules and offer (idempotent)."""

from __future__ import annotations

from smile_common.security import Principal, Role
from smile_common.service import Runtime


async def load_demo_data(runtime: Runtime) -> None:
    from smile_catalogue.demo import DEMO_HEI
    from smile_catalogue.seeding import seed_demo

    system = Principal(subject="demo-seed", tenant=DEMO_HEI, roles=frozenset({Role.ADMIN}))
    await seed_demo(runtime, system)
