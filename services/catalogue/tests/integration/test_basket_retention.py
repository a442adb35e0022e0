"""Retention of students' baskets: a basket untouched for a year goes with its courses, audited; the others stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from smile_catalogue.baskets.models import Basket, BasketItem
from smile_catalogue.db import data_protection
from smile_catalogue.privacy import retention_rules
from smile_common.dataprotection.retention import run_retention
from smile_common.db import utcnow

from .conftest import create_course

COURSE: dict[str, Any] = {
    "code": "LAW-1",
    "title": {"fr": "Droit 1", "en": "Law 1"},
    "ects": 6,
    "organisational_unit_code": "DROIT",
    "term_codes": ["2026-S1"],
}


async def test_a_basket_untouched_for_a_year_is_erased_with_its_courses(catalogue) -> None:
    course = await create_course(catalogue, COURSE)
    ana = catalogue.headers("student", sub="student-ana", email="ana@uni-example.eu")
    basket = await catalogue.client.post("/baskets", json={"term_codes": ["2026-S1"]}, headers=ana)
    assert basket.status_code == 201, basket.text
    added = await catalogue.client.put(f"/baskets/{basket.json()['id']}/courses/{course['id']}", headers=ana)
    assert added.status_code == 200, added.text
    [rule] = retention_rules(catalogue.runtime)

    report = await run_retention(
        catalogue.runtime.database, data_protection, [rule], now=utcnow() + timedelta(days=300)
    )
    assert report["rules"][0]["affected"] == {}
    assert await catalogue.count(BasketItem.__table__) == 1

    report = await run_retention(
        catalogue.runtime.database, data_protection, [rule], now=utcnow() + timedelta(days=366)
    )
    assert report["rules"][0]["affected"] == {"unicaen.fr": 1}
    assert (await catalogue.count(Basket.__table__), await catalogue.count(BasketItem.__table__)) == (0, 0)
    assert (await catalogue.client.get(f"/baskets/{basket.json()['id']}", headers=ana)).status_code == 404
    trail = await catalogue.client.get(
        "/data-protection/audit",
        params={"person": "ana@uni-example.eu", "action": "erased"},
        headers=catalogue.headers("dpo", sub="dpo-1"),
    )
    [entry] = trail.json()["items"]
    assert (entry["object_type"], entry["actor_id"]) == ("basket", "retention")
