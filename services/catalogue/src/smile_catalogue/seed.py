"""Demo data for ``make run``."""

from __future__ import annotations

from smile_common.service import Runtime


async def load_demo_data(runtime: Runtime) -> None:
    from smile_catalogue.demo import seed_catalogue

    await seed_catalogue(runtime)
