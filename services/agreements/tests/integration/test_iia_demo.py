"""The demo data: a few dozen IIAs with European partners, in every state, loaded once."""

from __future__ import annotations

from collections import Counter

from smile_agreements.definition import DEFINITION
from smile_agreements.iias.demo import seed_iias
from smile_agreements.iias.models import Iia

from .iia_helpers import machine, office


async def test_the_demo_has_partners_and_iias_in_every_state_and_loads_once(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await seed_iias(h.runtime)
    await seed_iias(h.runtime)
    assert await h.count(Iia.__table__) == 33
    items = []
    cursor = None
    while True:
        page = (
            await h.client.get(
                "/iias", params={"limit": 200, **({"cursor": cursor} if cursor else {})}, headers=office(h)
            )
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    states = Counter(i["status"] for i in items)
    assert set(states) == {
        "draft",
        "shared",
        "approved_by_us",
        "approved_by_partner",
        "mutually_approved",
        "terminated",
    }
    assert states["mutually_approved"] >= 15
    partners = (await h.client.get("/partners", params={"limit": 200}, headers=office(h))).json()["items"]
    assert len(partners) == 33
    assert {p["country"] for p in partners} >= {"AT", "BE", "DE", "ES", "IT", "NL", "PL", "PT", "SE"}
    stats = (await h.client.get("/internal/ewp/iias/stats", headers=machine(h))).json()
    assert stats["iia_fetchable"] == 30  # drafts are not
    assert stats["iia_both_approved"] >= 15
