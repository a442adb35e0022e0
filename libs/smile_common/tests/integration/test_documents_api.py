"""Documents outside the database: checked type, checksum, authorised download, no orphan or lost file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .sample import DEFINITION
from .test_audit_trail import ALICE, _create, _entries

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _files(service) -> list[Path]:  # type: ignore[no-untyped-def]
    root = service.runtime.settings.data_dir / "documents" / "unicaen.fr"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_upload_download_replace_and_rollback(make_harness) -> None:
    service = await make_harness(DEFINITION)
    staff = service.headers("coordinator")
    applicant = await _create(service, {**ALICE, "email": "docs@uni.es", "esi": None})
    before = set(_files(service))

    refused = await service.client.put(f"/applicants/{applicant}/document", content=b"MZ\x90 not a pdf", headers=staff)
    assert refused.status_code == 415
    scripted = PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (x) >>")
    assert (await service.client.put(f"/applicants/{applicant}/document", content=scripted, headers=staff)).json()[
        "type"
    ] == "urn:smile:problem:document-active-content"

    failed = await service.client.put(
        f"/applicants/{applicant}/document", content=PDF, params={"fail_after_store": True}, headers=staff
    )
    assert failed.status_code == 503
    await asyncio.sleep(0.05)
    assert set(_files(service)) == before  # the file written before the failure is gone

    first = await service.client.put(f"/applicants/{applicant}/document", content=PDF, headers=staff)
    assert first.status_code == 201
    second = await service.client.put(f"/applicants/{applicant}/document", content=PDF + b"%v2", headers=staff)
    await asyncio.sleep(0.05)
    assert set(_files(service)) - before == {service.runtime.settings.data_dir / "documents" / second.json()["key"]}

    download = await service.client.get(f"/applicants/{applicant}/document", headers=staff)
    assert download.status_code == 200
    assert download.content == PDF + b"%v2"
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "private, no-store"
    assert download.headers["content-disposition"].startswith('attachment; filename="pi_ce Alice')
    assert "filename*=UTF-8''pi%C3%A8ce" in download.headers["content-disposition"]
    assert (await service.client.get(f"/applicants/{applicant}/document")).status_code == 401
    assert (
        await service.client.get(f"/applicants/{applicant}/document", headers=service.headers("student"))
    ).status_code == 403
    reads = await _entries(service, object_id=applicant, action="read")
    assert [r["changes"] for r in reads] == [{"fields": ["document"]}]

    (service.runtime.settings.data_dir / "documents" / second.json()["key"]).write_bytes(b"%PDF- swapped %%EOF")
    damaged = await service.client.get(f"/applicants/{applicant}/document", headers=staff)
    assert damaged.status_code == 500
    assert damaged.json()["type"] == "urn:smile:problem:document-damaged"
