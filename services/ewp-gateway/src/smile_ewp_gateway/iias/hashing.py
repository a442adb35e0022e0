"""The IIA v7 ``iia-hash``: SHA-256 of a text built from the partners' IIA ids and the cooperation conditions.

This is SMILE's own implementation of what the official XSLT (``transform_version_7.xsl``) computes,
checked against vectors produced with that XSLT. For one ``<iia>`` the text is:

* ``_@terminated-as-a-whole@_`` when the cooperation conditions are terminated as a whole;
* ``_iia-id_1=…__iia-id_2=…_`` (each partner's id in partner order, empty when absent);
* for each mobility spec in document order, every leaf element in document order as
  ``_<grandparent>.<parent>.<name>=<value>_`` (other attributes as ``_@<g>.<p>.<name>.<attr>=<v>@_``
  just before), leaving out contacts, the academic year range and anything under an element marked
  ``not-yet-defined``; an ISCED code carrying ``v6-value`` counts as that value; then
  ``_receiving-first-academic-year-id=…__receiving-last-academic-year-id=…_``.

Values are taken exactly as written (XPath string value), never trimmed or normalised.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import etree

__all__ = ["IiaHash", "iia_hash"]

_EXCLUDED = frozenset({"sending-contact", "receiving-contact"})
_YEARS = ("receiving-first-academic-year-id", "receiving-last-academic-year-id")
_MIGRATION_ATTRIBUTES = frozenset({"not-yet-defined", "v6-value"})


@dataclass(frozen=True)
class IiaHash:
    text: str
    sha256: str
    #: False when values migrated from v6 remain (``not-yet-defined``, ``v6-value``): no approval possible.
    valid_for_approval: bool


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _true(value: str | None) -> bool:
    return value in ("true", "1")


def _string(element: etree._Element) -> str:
    return "".join(t for t in element.xpath(".//text()") if isinstance(t, str))


def _children(element: etree._Element) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str)]


def _leaves(element: etree._Element, out: list[str]) -> None:
    for child in _children(element):
        name = _local(child)
        if name in _EXCLUDED or name in _YEARS or _true(child.get("not-yet-defined")):
            continue
        if _children(child):
            _leaves(child, out)
            continue
        parent = child.getparent()
        grandparent = parent.getparent() if parent is not None else None
        path = (
            f"{_local(grandparent) if grandparent is not None else ''}.{_local(parent) if parent is not None else ''}"
        )
        for attribute, attribute_value in child.attrib.items():
            attribute_name = etree.QName(attribute).localname
            if attribute_name not in _MIGRATION_ATTRIBUTES:
                out.append(f"_@{path}.{name}.{attribute_name}={attribute_value}@_")
        v6_value = child.get("v6-value") if name == "isced-f-code" else None
        out.append(f"_{path}.{name}={_string(child) if v6_value is None else v6_value}_")


def iia_hash(iia: etree._Element) -> IiaHash:
    """The hash of one ``<iia>`` element (of an IIAs v7 get response), as if alone in its response."""
    tokens: list[str] = []
    conditions = next((c for c in _children(iia) if _local(c) == "cooperation-conditions"), None)
    if conditions is not None and _true(conditions.get("terminated-as-a-whole")):
        tokens.append("_@terminated-as-a-whole@_")
    partners = [c for c in _children(iia) if _local(c) == "partner"]
    for number, partner in enumerate(partners, start=1):
        iia_id = next((c for c in _children(partner) if _local(c) == "iia-id"), None)
        tokens.append(f"_iia-id_{number}={_string(iia_id) if iia_id is not None else ''}_")
    for spec in _children(conditions) if conditions is not None else []:
        _leaves(spec, tokens)
        for year in _YEARS:
            found = next((c for c in _children(spec) if _local(c) == year), None)
            tokens.append(f"_{year}={_string(found) if found is not None else ''}_")
    text = "".join(tokens)
    migrated = any(
        _true(e.get("not-yet-defined")) or e.get("v6-value") is not None for e in iia.iter() if isinstance(e.tag, str)
    )
    return IiaHash(text, hashlib.sha256(text.encode("utf-8")).hexdigest(), not migrated)
