"""Partner institutions: by hand, from a file, from the EWP registry; edits survive registry refreshes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook

from smile_agreements.definition import DEFINITION
from smile_agreements.partners.service import apply_registry
from smile_common.events.payloads import ewp

from .iia_helpers import HEI, events_of, office


def _registry(hei_id: str, name: str, at: datetime, **fields: object) -> ewp.InstitutionUpdated:
    data: dict[str, object] = {
        "hei_id": hei_id,
        "names": {"en": name},
        "on_ewp": True,
        "source": "registry",
        "observed_at": at,
        **fields,
    }
    return ewp.InstitutionUpdated.model_validate(data)


async def _load_registry(h, *payloads: ewp.InstitutionUpdated) -> None:  # type: ignore[no-untyped-def]
    async with h.runtime.database.sessionmaker() as session, session.begin():
        for payload in payloads:
            await apply_registry(session, HEI, payload)


async def test_partners_come_from_the_registry_directory_and_stay_editable(make_harness) -> None:
    h = await make_harness(DEFINITION)
    now = datetime.now(UTC)
    await _load_registry(
        h,
        _registry("uni-graz.at", "University of Graz", now, country="AT", erasmus_code="A  GRAZ01", pic="999878017"),
        _registry("uio.no", "University of Oslo", now, country="NO"),
    )
    # the directory is searchable, but nobody is a partner yet
    assert (await h.client.get("/partners", headers=office(h))).json()["items"] == []
    found = (await h.client.get("/partners", params={"directory": True, "q": "graz"}, headers=office(h))).json()
    assert [p["hei_id"] for p in found["items"]] == ["uni-graz.at"]

    # known to the registry, only the SCHAC code is needed
    created = await h.client.post("/partners", json={"hei_id": "UNI-GRAZ.AT"}, headers=office(h))
    assert created.status_code == 201, created.text
    graz = created.json()
    assert (graz["name"], graz["country"], graz["erasmus_code"]) == ("University of Graz", "AT", "A  GRAZ01")
    again = await h.client.post("/partners", json={"hei_id": "uni-graz.at"}, headers=office(h))
    assert again.status_code == 409
    unknown = await h.client.post("/partners", json={"hei_id": "nowhere.example"}, headers=office(h))
    assert unknown.status_code == 422
    assert unknown.json()["type"] == "urn:smile:problem:partner-names-required"

    # an edit by hand wins over later registry news; older news are ignored
    edit = {"version": graz["version"], "names": {"en": "Karl-Franzens-Universität Graz"}, "ounits": [{"code": "LAW"}]}
    edited = await h.client.patch(f"/partners/{graz['id']}", json=edit, headers=office(h))
    assert edited.status_code == 200, edited.text
    assert edited.json()["overridden"] == ["names"]
    stale = await h.client.patch(f"/partners/{graz['id']}", json=edit, headers=office(h))
    assert stale.status_code == 409
    later = now + timedelta(hours=1)
    await _load_registry(h, _registry("uni-graz.at", "Universitaet Graz", later, country="AT", city="Graz"))
    await _load_registry(h, _registry("uni-graz.at", "Old name", now - timedelta(days=1), city="Nowhere"))
    current = (await h.client.get(f"/partners/{graz['id']}", headers=office(h))).json()
    assert current["names"] == {"en": "Karl-Franzens-Universität Graz"}
    assert current["city"] == "Graz"
    assert [u["code"] for u in current["ounits"]] == ["LAW"]
    # back to what the registry says
    reset = {"version": current["version"], "reset_fields": ["names"]}
    assert (await h.client.patch(f"/partners/{graz['id']}", json=reset, headers=office(h))).status_code == 200
    await _load_registry(h, _registry("uni-graz.at", "Universitaet Graz", later + timedelta(hours=1), country="AT"))
    assert (await h.client.get(f"/partners/{graz['id']}", headers=office(h))).json()["name"] == "Universitaet Graz"
    names = [e.data["name"] for e in await events_of(h, "agreements.partner.updated.v1")]
    assert names[-1] == "Universitaet Graz"
    assert [e.data["hei_id"] for e in await events_of(h, "agreements.partner.created.v1")] == ["uni-graz.at"]

    # the units its Organizational Units API lists (through the EWP gateway) join the one entered by hand
    unit = {"ounit_id": "law.uni-graz.at", "code": "REWI", "names": {"de": "Rechtswissenschaften"}}
    await _load_registry(
        h,
        _registry(
            "uni-graz.at", "Universitaet Graz", later + timedelta(hours=2), source="institutions-api", ounits=[unit]
        ),
    )
    units = (await h.client.get(f"/partners/{graz['id']}", headers=office(h))).json()["ounits"]
    assert [(u["code"], u["ounit_id"]) for u in units] == [("LAW", None), ("REWI", "law.uni-graz.at")]
    renamed = {**unit, "names": {"de": "Rechtswissenschaftliche Fakultät"}}
    await _load_registry(
        h,
        _registry(
            "uni-graz.at", "Universitaet Graz", later + timedelta(hours=3), source="institutions-api", ounits=[renamed]
        ),
    )
    units = (await h.client.get(f"/partners/{graz['id']}", headers=office(h))).json()["ounits"]
    assert [u["names"] for u in units] == [{}, {"de": "Rechtswissenschaftliche Fakultät"}]


CSV = """SCHAC code;Name;Country;City;Erasmus code;PIC;Contact name;Contact email
uni-graz.at;University of Graz;AT;Graz;A  GRAZ01;999878017;Incoming desk;incoming@uni-graz.at
unibo.it;Università di Bologna;IT;Bologna;I  BOLOGNA01;999993580;;
uio.no;University of Oslo;Norway;Oslo;N  OSLO01;;;
;Nameless;FR;;;;;
"""


async def test_a_partner_file_imports_row_by_row_with_a_report(make_harness) -> None:
    h = await make_harness(DEFINITION)
    headers = {**office(h), "Content-Type": "text/csv"}
    dry = await h.client.post("/partners/import", params={"dry_run": True}, content=CSV.encode(), headers=headers)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["created"], dry.json()["errors"]) == (2, 2)
    assert (await h.client.get("/partners", headers=office(h))).json()["items"] == []

    report = (await h.client.post("/partners/import", content=CSV.encode(), headers=headers)).json()
    lines = {line["row"]: line for line in report["report"]}
    assert lines[2]["status"] == "created"
    assert lines[3]["status"] == "created"
    assert lines[4]["status"] == "error"
    assert "country" in lines[4]["messages"][0]
    assert lines[5]["status"] == "error"
    partners = (await h.client.get("/partners", headers=office(h))).json()["items"]
    assert [p["hei_id"] for p in partners] == ["uni-graz.at", "unibo.it"]
    [contact] = partners[0]["contacts"]
    assert (contact["name"], contact["emails"]) == ("Incoming desk", ["incoming@uni-graz.at"])

    # the same file again: nothing new
    again = (await h.client.post("/partners/import", content=CSV.encode(), headers=headers)).json()
    assert (again["created"], again["unchanged"]) == (0, 2)

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Erasmus code", "Name", "Country"])
    sheet.append(["A  GRAZ01", "University of Graz", "AT"])
    sheet.append(["E  MADRID03", "Universidad Complutense de Madrid", "ES"])
    data = io.BytesIO()
    workbook.save(data)
    xlsx = await h.client.post(
        "/partners/import",
        content=data.getvalue(),
        headers={**office(h), "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert [line["status"] for line in xlsx.json()["report"]] == ["unchanged", "error"]
    wrong = await h.client.post(
        "/partners/import", content=b"{}", headers={**office(h), "Content-Type": "application/json"}
    )
    assert wrong.status_code == 415


CATALOGUE = b"""<?xml version="1.0" encoding="UTF-8"?>
<catalogue xmlns="https://github.com/erasmus-without-paper/ewp-specs-api-registry/tree/stable-v1">
  <host><institutions-covered><hei-id>uw.edu.pl</hei-id></institutions-covered></host>
  <institutions>
    <hei id="uw.edu.pl"><other-id type="pic">999572294</other-id><other-id type="erasmus">PL WARSZAW01</other-id>
      <name xml:lang="en">University of Warsaw</name><name xml:lang="pl">Uniwersytet Warszawski</name></hei>
    <hei id="hibo.no"><name xml:lang="en">Hibo</name></hei>
  </institutions>
</catalogue>"""


async def test_the_registry_catalogue_file_fills_the_directory(make_harness) -> None:
    h = await make_harness(DEFINITION)
    response = await h.client.post(
        "/partners/import", content=CATALOGUE, headers={**office(h), "Content-Type": "application/xml"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 2
    found = (await h.client.get("/partners", params={"directory": True}, headers=office(h))).json()["items"]
    warsaw = next(p for p in found if p["hei_id"] == "uw.edu.pl")
    assert warsaw["names"] == {"en": "University of Warsaw", "pl": "Uniwersytet Warszawski"}
    assert (warsaw["pic"], warsaw["erasmus_code"], warsaw["on_ewp"], warsaw["is_partner"]) == (
        "999572294",
        "PL WARSZAW01",
        True,
        False,
    )
    assert next(p for p in found if p["hei_id"] == "hibo.no")["on_ewp"] is False
    bad = await h.client.post(
        "/partners/import", content=b"<!DOCTYPE x []><x/>", headers={**office(h), "Content-Type": "application/xml"}
    )
    assert bad.status_code == 422
