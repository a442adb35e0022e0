"""Building the EWP factsheet from the catalogue's factsheet (every required part present, or nothing)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from smile_ewp_gateway.apis.common import add_urls, as_list
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

__all__ = ["build_factsheet"]

_F = E(ns.api_ns("factsheet", 1), {"p": ns.PHONE})
_P = E(ns.PHONE)
_MONTH_DAY = re.compile(r"^--\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@]+@[^.]+\..+$")


class _IncompleteError(ValueError):
    pass


def _pick(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) not in (None, "", [], {}):
            return data[key]
    return None


def _month_day(value: object) -> str:
    if not isinstance(value, str) or not _MONTH_DAY.match(value):
        raise _IncompleteError(f"not a --MM-DD date: {value!r}")
    return value


def _calendar_entry(parent: etree._Element, name: str, autumn: object, spring: object) -> None:
    entry = _F.sub(parent, name)
    _F.sub(entry, "autumn-term", _month_day(autumn))
    _F.sub(entry, "spring-term", _month_day(spring))


def _information(parent: etree._Element, name: str, data: object) -> None:
    """An InformationEntry: e-mail, phone and at least one website are all required by the schema."""
    if not isinstance(data, Mapping):
        raise _IncompleteError(name)
    email, phone = data.get("email"), _pick(data, "phone", "phone_e164")
    urls = as_list(_pick(data, "website_urls", "website_url", "urls", "url"))
    if not (isinstance(email, str) and _EMAIL.match(email) and phone and urls):
        raise _IncompleteError(name)
    entry = _F.sub(parent, name)
    _F.sub(entry, "email", email)
    number = _P.sub(entry, "phone-number")
    phone = str(phone)
    if phone.startswith("+") and phone[1:].isdigit():
        _P.sub(number, "e164", phone)
    else:
        _P.sub(number, "other-format", phone)
    add_urls(_F, entry, "website-url", urls)
    if entry.find(f"{{{_F.namespace}}}website-url") is None:
        raise _IncompleteError(name)


def _optional_information(element: etree._Element, name: str, data: object) -> None:
    """The information of an optional part (accessibility, additional info): without it, the part is left out."""
    try:
        _information(element, name, data)
    except _IncompleteError:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)


def _factsheet(root: etree._Element, hei_id: str, data: Mapping[str, Any]) -> None:
    sheet = _F.sub(root, "factsheet")
    _F.sub(sheet, "hei-id", hei_id)
    calendar = _F.sub(sheet, "calendar")
    _calendar_entry(calendar, "student-nominations", data.get("nominations_autumn"), data.get("nominations_spring"))
    _calendar_entry(calendar, "student-applications", data.get("applications_autumn"), data.get("applications_spring"))
    _information(sheet, "application-info", data.get("application_info"))
    for requirement in as_list(data.get("additional_requirements")):
        if isinstance(requirement, Mapping) and requirement.get("name") and requirement.get("details"):
            element = _F.sub(sheet, "additional-requirement")
            _F.sub(element, "name", requirement["name"])
            _F.sub(element, "details", requirement["details"])
            add_urls(_F, element, "information-website", _pick(requirement, "information_websites", "urls", "url"))
    for name in ("decision_weeks_limit", "tor_weeks_limit"):
        if not isinstance(data.get(name), int):
            raise _IncompleteError(name)
        _F.sub(sheet, name.replace("_", "-"), data[name])
    for item in as_list(data.get("accessibility")):
        if isinstance(item, Mapping) and item.get("type") in ("infrastructure", "service") and item.get("name"):
            element = _F.sub(sheet, "accessibility")
            _F.sub(element, "type", item["type"])
            _F.sub(element, "name", item["name"])
            if item.get("description"):
                _F.sub(element, "description", item["description"])
            _optional_information(element, "information", _pick(item, "information", "info"))
    for name in ("housing_info", "visa_info", "insurance_info"):
        _information(sheet, name.replace("_", "-"), data.get(name))
    for item in as_list(data.get("additional_info")):
        if isinstance(item, Mapping) and item.get("type"):
            element = _F.sub(sheet, "additional-info")
            _F.sub(element, "type", item["type"])
            _optional_information(element, "info", _pick(item, "info", "information"))


def build_factsheet(hei_id: str, data: Mapping[str, Any] | None) -> etree._Element:
    """A factsheet response; empty when the catalogue's factsheet lacks a part the schema requires."""
    root = _F.root("factsheet-response")
    if data:
        try:
            _factsheet(root, hei_id, data)
        except _IncompleteError:
            for child in list(root):
                root.remove(child)
    return root
