"""Building the EWP factsheet from the catalogue's factsheet, and saying what keeps it from partners.

The official schema requires every part of a ``<factsheet>``: both calendars, the application, housing,
visa and insurance information (each with an e-mail, a phone number and a web page) and the decision and
transcript limits. A partner therefore gets the whole factsheet or none: an empty ``factsheet-response``
(what the specification answers for an institution it does not know) is valid, a partial factsheet is not,
and the EWP validator would flag it. What is missing is reported to the staff instead (``GET /readiness``
and a warning in the log when a partner asked), in the catalogue's own field names, so that the office
knows what to fill in. Optional parts that are incomplete (an accessibility entry without its contact
information, a requirement without details) are left out of an otherwise complete factsheet, and listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from smile_ewp_gateway.apis.common import add_urls, as_list
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

__all__ = ["FactsheetReport", "build_factsheet"]

_F = E(ns.api_ns("factsheet", 1), {"p": ns.PHONE})
_P = E(ns.PHONE)
_MONTH_DAY = re.compile(r"^--\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@]+@[^.]+\..+$")


@dataclass
class FactsheetReport:
    """Why the factsheet is not served (``missing``: required by the schema) and what is left out of it."""

    missing: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def _pick(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) not in (None, "", [], {}):
            return data[key]
    return None


def _calendar_entry(parent: etree._Element, name: str, values: dict[str, object], report: FactsheetReport) -> None:
    entry = _F.sub(parent, name)
    for term, key in (("autumn-term", f"{name.split('-')[1]}_autumn"), ("spring-term", f"{name.split('-')[1]}_spring")):
        value = values.get(key)
        if isinstance(value, str) and _MONTH_DAY.match(value):
            _F.sub(entry, term, value)
        else:
            report.missing.append(f"calendar.{key}")


def _information_gaps(data: object) -> list[str]:
    """The fields of an ``InformationEntry`` that are missing or unusable (all three are required)."""
    if not isinstance(data, Mapping):
        return ["email", "phone", "urls"]
    gaps = []
    email = data.get("email")
    if not (isinstance(email, str) and _EMAIL.match(email)):
        gaps.append("email")
    if not _pick(data, "phone", "phone_e164"):
        gaps.append("phone")
    urls = as_list(_pick(data, "urls", "website_urls", "website_url", "url"))
    if not any(isinstance(u.get("url") if isinstance(u, Mapping) else u, str) for u in urls):
        gaps.append("urls")
    return gaps


def _information(parent: etree._Element, name: str, data: Mapping[str, Any]) -> None:
    entry = _F.sub(parent, name)
    _F.sub(entry, "email", data["email"])
    number = _P.sub(entry, "phone-number")
    phone = str(_pick(data, "phone", "phone_e164"))
    if phone.startswith("+") and phone[1:].isdigit():
        _P.sub(number, "e164", phone)
    else:
        _P.sub(number, "other-format", phone)
    add_urls(_F, entry, "website-url", _pick(data, "urls", "website_urls", "website_url", "url"))


def _required_information(sheet: etree._Element, key: str, data: object, report: FactsheetReport) -> None:
    gaps = _information_gaps(data)
    if gaps:
        report.missing.extend(f"{key}.{gap}" for gap in gaps)
    elif isinstance(data, Mapping):
        _information(sheet, key.replace("_", "-"), data)


def _factsheet(root: etree._Element, hei_id: str, data: Mapping[str, Any], report: FactsheetReport) -> None:
    sheet = _F.sub(root, "factsheet")
    _F.sub(sheet, "hei-id", hei_id)
    calendar = _F.sub(sheet, "calendar")
    _calendar_entry(calendar, "student-nominations", dict(data), report)
    _calendar_entry(calendar, "student-applications", dict(data), report)
    _required_information(sheet, "application_info", data.get("application_info"), report)
    for n, requirement in enumerate(as_list(data.get("additional_requirements"))):
        if isinstance(requirement, Mapping) and requirement.get("name") and requirement.get("details"):
            element = _F.sub(sheet, "additional-requirement")
            _F.sub(element, "name", requirement["name"])
            _F.sub(element, "details", requirement["details"])
            add_urls(_F, element, "information-website", _pick(requirement, "urls", "information_websites", "url"))
        else:
            report.left_out.append(f"additional_requirements[{n}] (a name and details are both needed)")
    for name in ("decision_weeks_limit", "tor_weeks_limit"):
        if isinstance(data.get(name), int):
            _F.sub(sheet, name.replace("_", "-"), data[name])
        else:
            report.missing.append(name)
    for n, item in enumerate(as_list(data.get("accessibility"))):
        info = _pick(item, "info", "information") if isinstance(item, Mapping) else None
        gaps = _information_gaps(info)
        if (
            not isinstance(item, Mapping)
            or item.get("type") not in ("infrastructure", "service")
            or not item.get("name")
        ):
            report.left_out.append(f"accessibility[{n}] (a type and a name are needed)")
        elif gaps or not isinstance(info, Mapping):
            report.left_out.append(f"accessibility[{n}] (info: {', '.join(gaps)} missing)")
        else:
            element = _F.sub(sheet, "accessibility")
            _F.sub(element, "type", item["type"])
            _F.sub(element, "name", item["name"])
            if item.get("description"):
                _F.sub(element, "description", item["description"])
            _information(element, "information", info)
    for name in ("housing_info", "visa_info", "insurance_info"):
        _required_information(sheet, name, data.get(name), report)
    for n, item in enumerate(as_list(data.get("additional_info"))):
        info = _pick(item, "info", "information") if isinstance(item, Mapping) else None
        gaps = _information_gaps(info)
        if not isinstance(item, Mapping) or not item.get("type"):
            report.left_out.append(f"additional_info[{n}] (a type is needed)")
        elif gaps or not isinstance(info, Mapping):
            report.left_out.append(f"additional_info[{n}] (info: {', '.join(gaps)} missing)")
        else:
            element = _F.sub(sheet, "additional-info")
            _F.sub(element, "type", item["type"])
            _information(element, "info", info)


def build_factsheet(hei_id: str, data: Mapping[str, Any] | None) -> tuple[etree._Element, FactsheetReport]:
    """The factsheet response of ``hei_id`` (empty unless every required part is there) and the report."""
    root = _F.root("factsheet-response")
    report = FactsheetReport()
    if not data:
        report.missing.append("the factsheet itself (none entered in the catalogue yet)")
        return root, report
    _factsheet(root, hei_id, data, report)
    if report.missing:
        for child in list(root):
            root.remove(child)
    return root, report
