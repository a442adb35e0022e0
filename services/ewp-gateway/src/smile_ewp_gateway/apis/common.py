"""Helpers shared by the served APIs: translating SMILE's JSON into EWP XML types, owner calls, parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from lxml import etree

from smile_ewp_gateway.owners import OwnerError
from smile_ewp_gateway.server.framework import EwpContext, EwpError
from smile_ewp_gateway.server.params import ParamError
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E

__all__ = [
    "add_address",
    "add_contact",
    "add_localized",
    "add_urls",
    "as_list",
    "local_hei_param",
    "owner",
    "text",
]

T = TypeVar("T")
_C = E(ns.CONTACT)
_A = E(ns.ADDRESS)
_P = E(ns.PHONE)


async def owner(call: Awaitable[T]) -> T:
    """Await a call to another SMILE service; its failure is a 503 for the partner (retry later)."""
    try:
        return await call
    except OwnerError as exc:
        raise EwpError(503, f"temporarily unavailable: {exc}", headers={"Retry-After": "60"}) from exc


def local_hei_param(ctx: EwpContext) -> str:
    """``hei_id`` (required, single) must be the institution this URL serves."""
    hei_id = ctx.params.one("hei_id", required=True)
    if hei_id != ctx.hei.hei_id:
        raise ParamError(f"unknown hei_id {hei_id!r}: this URL serves {ctx.hei.hei_id}")
    return hei_id


def text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def as_list(value: object) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def add_localized(e: E, parent: etree._Element, name: str, values: object) -> None:
    """``{lang: text}`` (or a plain string) as repeated elements with ``xml:lang``."""
    if isinstance(values, Mapping):
        for lang, value in values.items():
            if value:
                element = e.sub(parent, name, value)
                if lang and lang != "und":
                    element.set(ns.XML_LANG, str(lang))
    elif values:
        e.sub(parent, name, values)


def add_urls(e: E, parent: etree._Element, name: str, values: object, *, https_only: bool = False) -> None:
    for value in as_list(values):
        url = value.get("url") if isinstance(value, Mapping) else value
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            continue
        if https_only and not url.startswith("https://"):
            continue
        element = e.sub(parent, name, url)
        if isinstance(value, Mapping) and value.get("lang"):
            element.set(ns.XML_LANG, str(value["lang"]))


def add_address(parent: etree._Element, name: str, data: object) -> None:
    """A ``FlexibleAddress`` from ``{lines[], postal_code, locality, region, country}``."""
    if not isinstance(data, Mapping) or not data:
        return
    address = _A.sub(parent, name)
    for line in as_list(data.get("lines"))[:4]:
        _A.sub(address, "addressLine", line)
    for key, element in (("postal_code", "postalCode"), ("locality", "locality"), ("region", "region")):
        if data.get(key):
            _A.sub(address, element, data[key])
    country = data.get("country")
    if isinstance(country, str) and len(country) == 2 and country.isalpha():
        _A.sub(address, "country", country.upper())


def add_contact(
    parent: etree._Element, data: Mapping[str, Any], *, name: str = "contact", namespace: str | None = None
) -> None:
    """A ``c:Contact`` from ``{name|names, given_names, family_name, emails|email, phones|phone, role_description}``."""
    element = etree.SubElement(parent, f"{{{namespace or ns.CONTACT}}}{name}")
    names = data.get("names") or data.get("name") or data.get("email") or "Contact"
    add_localized(_C, element, "contact-name", names)
    if data.get("given_names"):
        _C.sub(element, "person-given-names", data["given_names"])
    if data.get("family_name"):
        _C.sub(element, "person-family-name", data["family_name"])
    for phone in as_list(data.get("phones") or data.get("phone")):
        number = _P.sub(element, "phone-number")
        if isinstance(phone, str) and phone.startswith("+") and phone[1:].isdigit() and len(phone) <= 16:
            _P.sub(number, "e164", phone)
        else:
            _P.sub(number, "other-format", phone)
    for email in as_list(data.get("emails") or data.get("email")):
        if isinstance(email, str) and "@" in email:
            _C.sub(element, "email", email)
    add_address(element, "street-address", data.get("street_address"))
    add_localized(_C, element, "role-description", data.get("role_description") or data.get("role"))
