"""Demo data for ``make run``: each context of the service adds its loader to ``LOADERS``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from smile_common.service import Runtime

LOADERS: list[Callable[[Runtime], Awaitable[None]]] = []


async def load_demo_data(runtime: Runtime) -> None:
    from smile_agreements import demo_mobility
    from smile_agreements.iias.demo import seed_iias

    # partners and IIAs first: nominations may point to their cooperation conditions
    for loader in [seed_iias, *LOADERS, demo_mobility.seed]:
        await loader(runtime)
