"""The application file: steps by role, documents enforced before the steps that need them, denial."""

from __future__ import annotations

import hashlib

from smile_agreements.db import data_protection
from smile_agreements.definition import DEFINITION
from smile_agreements.files.models import Document

from .helpers import JPEG, PDF, PNG, accepted_file, events_of, office, referent, student, upload


async def test_accepting_a_nomination_opens_its_file_at_the_first_step(make_harness) -> None:
    h = await make_harness(DEFINITION)
    _, file = await accepted_file(h)
    assert file["current_step"] == "registration"
    assert [s["code"] for s in file["steps"]] == [
        "registration", "course_choice", "referent_approval", "coordinator_approval", "student_approval", "contract",
    ]  # fmt: skip
    assert file["steps"][0]["state"] == "current"
    assert file["steps"][2]["missing_documents"] == ["transcript"]
    another = await h.client.get(f"/files/{file['id']}/history", headers=student(h, email="x@y.z", sub="x"))
    assert another.status_code == 404


async def test_each_step_is_validated_by_its_role_in_order(make_harness) -> None:
    h = await make_harness(DEFINITION)
    _, file = await accepted_file(h)
    fid = file["id"]
    by_referent = await h.client.post(f"/files/{fid}/steps/registration/validate", json={}, headers=referent(h, "ECO"))
    assert by_referent.status_code == 403
    out_of_order = await h.client.post(f"/files/{fid}/steps/course_choice/validate", json={}, headers=student(h))
    assert out_of_order.status_code == 409
    assert out_of_order.json()["current_step"] == "registration"
    done = await h.client.post(f"/files/{fid}/steps/registration/validate", json={}, headers=student(h))
    assert done.status_code == 200
    assert done.json()["current_step"] == "course_choice"
    [event] = await events_of(h, "agreements.file.step_changed.v1")
    assert (event.data["action"], event.data["from_step"], event.data["to_step"]) == (
        "validated",
        "registration",
        "course_choice",
    )


async def test_documents_are_typed_by_their_content_and_limited_in_size(make_harness) -> None:
    h = await make_harness(DEFINITION)
    _, file = await accepted_file(h)
    fid = file["id"]
    fake_pdf = await upload(h, fid, "transcript", b"I am a text file, honestly a PDF", "application/pdf")
    assert fake_pdf.status_code == 415
    assert fake_pdf.json()["type"] == "urn:smile:problem:document-content-mismatch"
    truncated = await upload(h, fid, "transcript", PDF[:40], "application/pdf")
    assert truncated.status_code == 415
    png_as_transcript = await upload(h, fid, "transcript", PNG, "image/png", "scan.png")
    assert png_as_transcript.status_code == 415
    assert png_as_transcript.json()["type"] == "urn:smile:problem:document-type-not-allowed"
    too_big = await upload(h, fid, "photo", JPEG + bytes(2 * 1024 * 1024), "image/jpeg", "me.jpg")
    assert too_big.status_code == 413
    scripted = PDF.replace(b"<< /Type /Catalog >>", b"<< /Type /Catalog /OpenAction << /JS (app.alert(1)) >> >>")
    active = await upload(h, fid, "transcript", scripted, "application/pdf")
    assert active.status_code == 415
    assert active.json()["type"] == "urn:smile:problem:document-active-content"
    unknown = await upload(h, fid, "shoe_size", PDF, "application/pdf")
    assert unknown.status_code == 422
    staff = await h.client.post(
        f"/files/{fid}/documents", data={"type": "transcript"}, files={"file": ("t.pdf", PDF, "application/pdf")},
        headers=office(h),
    )  # fmt: skip
    assert staff.status_code == 403
    assert await h.count(Document.__table__) == 0

    good = await upload(h, fid, "transcript", PDF, "application/pdf", "../../etc/transcript.pdf")
    assert good.status_code == 201, good.text
    assert good.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert good.json()["filename"] == "transcript.pdf"
    assert good.json()["status"] == "submitted"
    # the type comes from the content even when the browser sends no useful type
    photo = await upload(h, fid, "photo", JPEG, "application/octet-stream", "me.jpg")
    assert photo.json()["content_type"] == "image/jpeg"
    content = await h.client.get(f"/files/{fid}/documents/{good.json()['id']}/content", headers=referent(h, "ECO"))
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith('attachment; filename="transcript.pdf"')
    audit = data_protection.audit
    about = (audit.c.object_type == "document", audit.c.object_id == good.json()["id"])
    assert await h.count(audit, *about, audit.c.action == "read") == 1
    assert await h.count(audit, *about, audit.c.action == "created") == 1


async def test_required_documents_are_enforced_before_the_step_that_needs_them(make_harness) -> None:
    h = await make_harness(DEFINITION)
    mobility, file = await accepted_file(h)
    fid = file["id"]
    for step in ("registration", "course_choice"):
        await h.client.post(f"/files/{fid}/steps/{step}/validate", json={}, headers=student(h))
    blocked = await h.client.post(f"/files/{fid}/steps/referent_approval/validate", json={}, headers=referent(h, "ECO"))
    assert blocked.status_code == 409
    assert blocked.json()["missing"] == ["transcript"]

    first = (await upload(h, fid, "transcript", PDF, "application/pdf")).json()
    still = await h.client.post(f"/files/{fid}/steps/referent_approval/validate", json={}, headers=referent(h, "ECO"))
    assert still.status_code == 409  # uploaded is not enough for a staff step: it must be accepted
    no_reason = await h.client.post(f"/files/{fid}/documents/{first['id']}/refuse", json={}, headers=referent(h, "ECO"))
    assert no_reason.status_code == 422
    refused = await h.client.post(
        f"/files/{fid}/documents/{first['id']}/refuse",
        json={"reason": "Unsigned transcript"},
        headers=referent(h, "ECO"),
    )
    assert refused.json()["status"] == "refused"
    second = (await upload(h, fid, "transcript", PDF + b"\n", "application/pdf")).json()
    other_unit = await h.client.post(
        f"/files/{fid}/documents/{second['id']}/accept", json={}, headers=referent(h, "DROIT")
    )
    assert other_unit.status_code == 404
    await h.client.post(f"/files/{fid}/documents/{second['id']}/accept", json={}, headers=referent(h, "ECO"))
    passed = await h.client.post(f"/files/{fid}/steps/referent_approval/validate", json={}, headers=referent(h, "ECO"))
    assert passed.status_code == 200
    assert passed.json()["current_step"] == "coordinator_approval"

    denied = await h.client.post(
        f"/files/{fid}/steps/coordinator_approval/deny", json={"reason": "Course choice too light"}, headers=office(h)
    )
    assert denied.status_code == 200
    assert denied.json()["current_step"] == "course_choice"
    events = await events_of(h, "agreements.file.step_changed.v1")
    assert events[-1].data["action"] == "denied"
    assert events[-1].data["reason"] == "Course choice too light"
    reasonless = await h.client.post(f"/files/{fid}/steps/course_choice/deny", json={}, headers=student(h))
    assert reasonless.status_code == 422

    history = (await h.client.get(f"/files/{fid}/history", headers=student(h))).json()
    kinds = [e["kind"] for e in history]
    assert kinds[0] == "opened"
    assert "document_refused" in kinds
    assert kinds[-1] == "denied"
    assert history[-1]["detail"].startswith("Course choice too light")
    assert mobility["id"] == file["mobility_id"]


async def test_messages_and_notifications_reach_the_other_side(make_harness) -> None:
    h = await make_harness(DEFINITION)
    await h.start_worker()
    _, file = await accepted_file(h, student={
        "given_names": "Ingrid", "family_name": "Hansen", "email": "ingrid.hansen@student.uio.no",
        "preferred_language": "fr",
    })  # fmt: skip
    fid = file["id"]
    posted = await h.client.post(f"/files/{fid}/messages", json={"body": "Puis-je arriver le 3 ?"}, headers=student(h))
    assert posted.status_code == 201
    await h.client.post(f"/files/{fid}/messages", json={"body": "Oui, bien sûr."}, headers=office(h))
    thread = (await h.client.get(f"/files/{fid}/messages", headers=referent(h, "ECO"))).json()
    assert [(m["author_role"], m["body"]) for m in thread] == [
        ("student", "Puis-je arriver le 3 ?"),
        ("coordinator", "Oui, bien sûr."),
    ]
    outsider = await h.client.post(
        f"/files/{fid}/messages", json={"body": "hi"}, headers=student(h, email="x@y.z", sub="x")
    )
    assert outsider.status_code == 404

    async def mails() -> list[dict]:  # type: ignore[type-arg]
        response = await h.client.get("/notifications/mine", headers=student(h))
        return response.json() if len(response.json()) >= 2 else []

    from .helpers import wait_for

    received = await wait_for(mails)
    subjects = {m["subject"] for m in received}
    assert "Votre candidature est acceptée" in subjects
    assert "Nouveau message sur le dossier de Ingrid Hansen" in subjects
    assert all(m["delivery"] == "stored" for m in received)
    box = (await h.client.get("/notifications/outbox", headers=office(h))).json()
    assert any(m["template"] == "message_posted" and m["recipient"] == "international@unicaen.fr" for m in box)
