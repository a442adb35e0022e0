"""Loading partner institutions from a file: a CSV/XLSX list of partners, or the EWP registry's
catalogue (``catalogue-v1.xml``) for the directory of the whole network."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.iiahash import XmlError, parse_xml
from smile_agreements.partners.repository import PartnerRepository
from smile_agreements.partners.schemas import ImportReport, ImportRowReport, PartnerCreate, PartnerUpdate
from smile_agreements.partners.service import apply_registry, create_partner, update_partner
from smile_agreements.tabular import Sheet, read_sheet
from smile_common.db import utcnow
from smile_common.errors import Problem
from smile_common.events.payloads.ewp import InstitutionUpdated, OtherHeiId
from smile_common.security import Principal

__all__ = ["import_partners", "import_registry_catalogue"]

ALIASES = {
    "hei_id": ("hei_id", "schac", "schac code", "schac id", "hei id", "institution id"),
    "name": ("name", "institution name", "institution", "partner name", "legal name"),
    "abbreviation": ("abbreviation", "acronym"),
    "country": ("country", "country code", "institutional country"),
    "city": ("city", "institutional city", "locality"),
    "erasmus_code": ("erasmus code", "erasmus", "erasmus id"),
    "pic": ("pic", "pic code"),
    "website_url": ("website", "website url", "url"),
    "contact_name": ("contact name", "contact", "contact person"),
    "contact_email": ("contact email", "email", "e-mail"),
    "contact_phone": ("contact phone", "phone", "telephone"),
    "notes": ("notes", "comment", "comments"),
}


def _names(sheet: Sheet, cells: dict[str, str], columns: dict[str, str]) -> dict[str, str]:
    names = {h[len("name_") :]: v for h, v in cells.items() if h.startswith("name_") and len(h) in (7, 8) and v}
    if "name" in columns and cells.get(columns["name"]):
        names.setdefault("en", cells[columns["name"]])
    return names


def _row_data(sheet: Sheet, cells: dict[str, str], columns: dict[str, str]) -> dict[str, object]:
    value = {field: cells.get(header, "").strip() for field, header in columns.items()}
    data: dict[str, object] = {
        k: v for k, v in value.items() if v and k not in ("name", "contact_name", "contact_email", "contact_phone")
    }
    if "country" in data:
        data["country"] = str(data["country"]).upper()
    names = _names(sheet, cells, columns)
    if names:
        data["names"] = names
    if value.get("contact_name") or value.get("contact_email"):
        contact: dict[str, object] = {"name": value.get("contact_name") or value.get("contact_email")}
        if value.get("contact_email"):
            contact["emails"] = [value["contact_email"]]
        if value.get("contact_phone"):
            contact["phones"] = [value["contact_phone"].replace(" ", "")]
        data["contacts"] = [contact]
    return data


async def _one(session: AsyncSession, principal: Principal, number: int, data: dict[str, object]) -> ImportRowReport:
    hei_id = str(data.get("hei_id", "")).lower()
    repo = PartnerRepository(session)
    existing = await repo.by_hei(principal.tenant, hei_id) if hei_id else None
    if existing is None and not hei_id and data.get("erasmus_code"):
        existing = await repo.by_erasmus_code(principal.tenant, str(data["erasmus_code"]))
        hei_id = existing.hei_id if existing else ""
    if not hei_id:
        return ImportRowReport(
            row=number, status="error", messages=["no SCHAC code (hei_id), nor a known Erasmus code"]
        )
    data = {**data, "hei_id": hei_id}
    if existing is not None and existing.is_partner:
        fields = {k: v for k, v in data.items() if k != "hei_id"}
        before = existing.version
        update = PartnerUpdate.model_validate({**fields, "version": existing.version})
        partner = await update_partner(session, principal, existing.id, update)
        status = "updated" if partner.version != before else "unchanged"
        return ImportRowReport(row=number, status=status, key=hei_id, id=partner.id)
    partner = await create_partner(session, principal, PartnerCreate.model_validate(data), source="file")
    return ImportRowReport(row=number, status="created", key=hei_id, id=partner.id)


async def import_partners(
    session: AsyncSession, principal: Principal, data: bytes, filename: str | None, content_type: str | None
) -> list[ImportRowReport]:
    sheet = read_sheet(data, filename, content_type)
    columns = sheet.column(ALIASES)
    if "hei_id" not in columns and "erasmus_code" not in columns:
        raise Problem(
            "The file needs a 'SCHAC code' (hei_id) or an 'Erasmus code' column.", status=422, slug="missing-columns"
        )
    report = []
    for number, cells in sheet.rows:
        savepoint = await session.begin_nested()
        try:
            line = await _one(session, principal, number, _row_data(sheet, cells, columns))
        except ValidationError as exc:
            line = ImportRowReport(
                row=number,
                status="error",
                key=cells.get(columns.get("hei_id", ""), None),
                messages=[f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)],
            )
        except Problem as exc:
            line = ImportRowReport(
                row=number, status="error", key=cells.get(columns.get("hei_id", "")), messages=[exc.detail or exc.title]
            )
        if line.status == "error":
            await savepoint.rollback()
        else:
            await savepoint.commit()
        report.append(line)
    return report


async def import_registry_catalogue(session: AsyncSession, tenant: str, data: bytes) -> list[ImportRowReport]:
    """The institutions of an EWP registry catalogue: the directory partners are picked from."""
    try:
        root = parse_xml(data)
    except XmlError as exc:
        raise Problem(str(exc), status=422, slug="unreadable-file") from exc
    covered = {e.text.strip().lower() for e in root.iter() if _local(e) == "hei-id" and e.text}
    report = []
    now = utcnow()
    for number, hei in enumerate((e for e in root.iter() if _local(e) == "hei" and e.get("id")), start=1):
        hei_id = str(hei.get("id")).strip().lower()
        other = [
            OtherHeiId(type=str(o.get("type")), value=(o.text or "").strip()) for o in hei if _local(o) == "other-id"
        ]
        names = {
            (n.get("{http://www.w3.org/XML/1998/namespace}lang") or "und").lower(): (n.text or "").strip()
            for n in hei
            if _local(n) == "name" and n.text
        }
        payload = InstitutionUpdated(
            hei_id=hei_id,
            names=names,
            other_ids=other,
            erasmus_code=next((o.value for o in other if o.type == "erasmus"), None),
            pic=next((o.value for o in other if o.type == "pic"), None),
            on_ewp=hei_id in covered,
            source="registry",
            observed_at=now,
        )
        await apply_registry(session, tenant, payload)
        report.append(ImportRowReport(row=number, status="updated", key=hei_id))
    return report


def _local(element: object) -> str:
    tag = getattr(element, "tag", None)
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def summary(dry_run: bool, lines: list[ImportRowReport]) -> ImportReport:
    count = {s: sum(1 for line in lines if line.status == s) for s in ("created", "updated", "unchanged", "error")}
    return ImportReport(
        dry_run=dry_run,
        rows=len(lines),
        created=count["created"],
        updated=count["updated"],
        unchanged=count["unchanged"],
        errors=count["error"],
        report=lines,
    )
