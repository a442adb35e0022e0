"""Every service declares the personal data it keeps and for how long, and its retention job runs clean."""

from __future__ import annotations

import pytest

from smile_suite.registry import SERVICES

COMMON = {"audit-trail", "job-reports", "data-subject-answers", "event-copies"}
OWN = {
    "catalogue": {"baskets"},
    "agreements": {"nominations-not-followed", "application-documents", "learning-agreements"},
    "records": {"students-without-results", "results", "transcripts", "survey-answers", "sis-enrolment-attempts"},
    "ewp_gateway": {"ewp-traffic", "ewp-archive", "ewp-deliveries"},
    "indicators": {"mobility-contacts"},
}


@pytest.mark.parametrize(("path", "definition"), SERVICES, ids=[d.name for _, d in SERVICES])
async def test_the_rules_are_declared_and_the_job_runs_clean(make_harness, path, definition) -> None:
    service = await make_harness(definition)
    dpo = service.headers("dpo")
    rules = await service.client.get("/data-protection/retention", headers=dpo)
    assert rules.status_code == 200
    assert {rule["kind"] for rule in rules.json()} == COMMON | OWN[definition.name]
    run = await service.client.post("/data-protection/retention/runs", headers=dpo)
    assert run.status_code == 201, run.text
    assert run.json()["status"] == "succeeded", run.json()
    assert run.json()["errors"] == []
