"""The agreements service's retention rules on real data: what expires goes (files included), what a legal
duty keeps stays, and every erased or anonymised object has its audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from smile_agreements.db import data_protection
from smile_agreements.definition import DEFINITION
from smile_agreements.files.models import ApplicationFile, Document, FileEntry, Message
from smile_agreements.mobilities.models import Mobility
from smile_agreements.privacy import retention_rules
from smile_common.dataprotection.retention import run_retention
from smile_common.db import utcnow

from .helpers import PDF, accepted_file, nomination, office, student, upload, wait_for

ESI = nomination()["student"]["esi"]


async def _file_with_a_document_and_a_message(h) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    mobility, file = await accepted_file(h)
    uploaded = await upload(h, file["id"], "transcript", PDF, "application/pdf", "grades.pdf")
    assert uploaded.status_code == 201, uploaded.text
    posted = await h.client.post(
        f"/files/{file['id']}/messages", json={"body": "Is housing included?"}, headers=student(h)
    )
    assert posted.status_code == 201, posted.text
    return mobility, file


def _stored_files(h) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(h.runtime.settings.documents_root())
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def _no_file_left(h) -> None:  # type: ignore[no-untyped-def]
    """Files go once the transaction that erased their rows has committed (in the background)."""

    async def gone() -> bool:
        return _stored_files(h) == []

    await wait_for(gone, timeout=10)


async def _run(h, kind: str, now: datetime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rules = [r for r in retention_rules(h.runtime) if r.kind == kind]
    report = await run_retention(h.runtime.database, data_protection, rules, now=now)
    assert report["errors"] == [], report
    affected: dict[str, int] = report["rules"][0]["affected"]
    return affected


async def _erased(h, object_type: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    audit = await h.client.get(
        "/data-protection/audit",
        params={"object_type": object_type, "actor_id": "retention"},
        headers=h.headers("dpo", sub="dpo-1"),
    )
    return [e for e in audit.json()["items"] if e["action"] in ("erased", "anonymised")]


async def test_a_cancelled_nomination_leaves_nothing_after_a_year(make_harness, tmp_path: Path) -> None:
    h = await make_harness(DEFINITION, documents_dir=str(tmp_path / "documents"))  # this test's files only
    mobility, _ = await _file_with_a_document_and_a_message(h)
    cancelled = await h.client.post(
        f"/mobilities/{mobility['id']}/cancel", json={"reason": "The student withdrew"}, headers=office(h)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert len(_stored_files(h)) == 1

    assert await _run(h, "nominations-not-followed", utcnow() + timedelta(days=300)) == {}
    assert await h.count(Mobility.__table__) == 1

    assert await _run(h, "nominations-not-followed", utcnow() + timedelta(days=366)) == {"unicaen.fr": 1}
    for model in (Mobility, ApplicationFile, Document, Message, FileEntry):
        assert await h.count(model.__table__) == 0, model.__name__
    await _no_file_left(h)  # the document's bytes went with its row
    [entry] = await _erased(h, "mobility")
    assert (entry["object_id"], entry["person"]) == (mobility["id"], ESI.lower())
    assert len(await _erased(h, "document")) == 1


async def test_a_mobility_that_took_place_loses_its_file_then_its_identity(make_harness, tmp_path: Path) -> None:
    h = await make_harness(DEFINITION, documents_dir=str(tmp_path / "documents"))  # this test's files only
    mobility, _ = await _file_with_a_document_and_a_message(h)
    for step, day in (("arrival", "2026-09-01"), ("departure", "2027-01-31")):
        recorded = await h.client.post(f"/mobilities/{mobility['id']}/{step}", json={"date": day}, headers=office(h))
        assert recorded.status_code == 200, recorded.text

    # the file's documents and messages go a year after the departure; the mobility stays
    assert await _run(h, "application-documents", datetime(2028, 1, 15, tzinfo=UTC)) == {}
    assert await _run(h, "application-documents", datetime(2028, 2, 15, tzinfo=UTC)) == {"unicaen.fr": 1}
    assert (await h.count(Document.__table__), await h.count(Message.__table__)) == (0, 0)
    await _no_file_left(h)
    kept = await h.client.get(f"/mobilities/{mobility['id']}", headers=office(h))
    assert kept.json()["student"]["family_name"] == "Hansen"

    # five years after the departure the student's identity is removed; the facts stay for the indicators
    assert await _run(h, "learning-agreements", datetime(2032, 1, 15, tzinfo=UTC)) == {}
    assert await _run(h, "learning-agreements", datetime(2032, 3, 1, tzinfo=UTC)) == {"unicaen.fr": 1}
    table = Mobility.__table__
    anonymous = table.c.student_family_name == "(anonymised)", table.c.student_email.is_(None)
    assert await h.count(table, *anonymous, table.c.student_esi.is_(None), table.c.sending_hei_id == "uio.no") == 1
    assert await _run(h, "learning-agreements", datetime(2032, 3, 2, tzinfo=UTC)) == {}  # done once
    [entry] = await _erased(h, "mobility")
    assert (entry["action"], entry["person"]) == ("anonymised", ESI.lower())
