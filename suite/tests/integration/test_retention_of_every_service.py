"""Every service declares the personal data it keeps and for how long (documented for the data protection
officer), and its retention job runs clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from smile_suite.registry import SERVICES

DPO_GUIDE = Path(__file__).resolve().parents[3] / "docs" / "personal-data.md"

COMMON = {"audit-trail", "job-reports", "data-subject-answers", "event-copies"}
OWN = {
    "catalogue": {"baskets"},
    "agreements": {"support-needs", "nominations-not-followed", "application-documents", "learning-agreements"},
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
    undocumented = [r["kind"] for r in rules.json() if f"`{r['kind']}`" not in DPO_GUIDE.read_text()]
    assert not undocumented, f"add them to the retention table of {DPO_GUIDE.name}"
    run = await service.client.post("/data-protection/retention/runs", headers=dpo)
    assert run.status_code == 201, run.text
    assert run.json()["status"] == "succeeded", run.json()
    assert run.json()["errors"] == []
