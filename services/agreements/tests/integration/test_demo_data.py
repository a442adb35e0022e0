"""The demo data of ``make run``: mobilities, files and learning agreements at every stage."""

from __future__ import annotations

from collections import Counter

from smile_agreements.definition import DEFINITION
from smile_agreements.files.models import Document
from smile_agreements.mobilities.models import Mobility
from smile_catalogue.definition import DEFINITION as CATALOGUE

from .helpers import office


async def test_demo_data_covers_every_stage_and_loads_once(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    h = await make_harness(DEFINITION)
    await h.start_worker()
    await catalogue.start_worker()
    assert CATALOGUE.seed is not None
    assert DEFINITION.seed is not None
    await CATALOGUE.seed(catalogue.runtime)
    await DEFINITION.seed(h.runtime)
    await DEFINITION.seed(h.runtime)  # idempotent

    items = (await h.client.get("/mobilities", params={"limit": 200}, headers=office(h))).json()["items"]
    statuses = Counter(m["status"] for m in items)
    assert statuses == {"nominated": 2, "rejected": 1, "cancelled": 1, "accepted": 5, "live": 1, "completed": 1}
    steps, las = Counter(), Counter()
    for m in items:
        file = await h.client.get(f"/mobilities/{m['id']}/file", headers=office(h))
        if file.status_code == 200:
            steps[file.json()["current_step"] or "completed"] += 1
        la = await h.client.get(f"/mobilities/{m['id']}/learning-agreement", headers=office(h))
        if la.status_code == 200:
            las[la.json()["versions"][-1]["status"]] += 1
    assert steps == {"registration": 1, "referent_approval": 1, "course_choice": 1, "completed": 4}
    assert las == {"draft": 1, "proposed": 1, "approved": 2}
    assert await h.count(Document.__table__) == 18
    assert await h.count(Mobility.__table__) == 11
    # the student from Graz comes under the demo IIA with Graz, so the IIA checks have something to say
    [hanna] = [m for m in items if m["sending_hei_id"] == "uni-graz.at"]
    assert hanna["iia_id"] is not None
    checks = (await h.client.get(f"/mobilities/{hanna['id']}/checks", headers=office(h))).json()["checks"]
    assert {c["code"] for c in checks} >= {"iia", "iia_years", "quota", "field", "level"}
    # table A names the catalogue's own courses (their events reached the agreements service)
    la = (await h.client.get(f"/mobilities/{hanna['id']}/learning-agreement", headers=office(h))).json()
    studied = [c for c in la["current_components"] if c["table"] == "studied"]
    assert studied
    assert all(c["course_id"] for c in studied)
