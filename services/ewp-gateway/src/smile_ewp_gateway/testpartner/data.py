"""The fake partner's data, taken from the official EWP examples and re-addressed to the partner and SMILE."""

from __future__ import annotations

import copy
import hashlib
from functools import cache

from lxml import etree

from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.schemas import XSD_DIR

__all__ = [
    "IIA_NS",
    "LA_NS",
    "OMOBILITY_NS",
    "example_iia",
    "example_institution",
    "example_la",
    "example_nomination",
    "proposal_id",
    "rehash",
]

IIA_NS = ns.api_ns("iias", 7, "get-response")
OMOBILITY_NS = ns.api_ns("omobilities", 3, "get-response")
LA_NS = ns.api_ns("omobility-las", 1, "get-response")
INSTITUTIONS_NS = ns.api_ns("institutions", 2)


@cache
def _example(path: str) -> etree._Element:
    parser = etree.XMLParser(remove_comments=True, remove_blank_text=True)
    return etree.parse(str(XSD_DIR / path), parser).getroot()


def _first(path: str, tag: str) -> etree._Element:
    found = _example(path).find(tag)
    assert found is not None
    return copy.deepcopy(found)


def _replace_text(root: etree._Element, old: str, new: str) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and element.text == old:
            element.text = new


def _child(parent: etree._Element, namespace: str, name: str) -> etree._Element | None:
    return parent.find(f"{{{namespace}}}{name}")


def _set_text(parent: etree._Element, namespace: str, name: str, text: str) -> None:
    found = _child(parent, namespace, name)
    assert found is not None, name
    found.text = text


def rehash(iia: etree._Element) -> str:
    """Recompute and store ``iia-hash`` after a change; return it."""
    value = iia_hash(iia).sha256
    element = _child(iia, IIA_NS, "iia-hash")
    assert element is not None
    element.text = value
    return value


def example_iia(partner_hei: str, smile_hei: str, iia_id: str, smile_iia_id: str | None = None) -> etree._Element:
    """The IIA of the IIAs v7 example (uw.edu.pl ↔ hibo.no) as the partner's copy of an IIA with SMILE."""
    iia = _first("api-iias/endpoints/get-response-example.xml", f"{{{IIA_NS}}}iia")
    _replace_text(iia, "uw.edu.pl", partner_hei)
    _replace_text(iia, "hibo.no", smile_hei)
    for element in list(iia.iter(f"{{{IIA_NS}}}receiving-ounit-id", f"{{{IIA_NS}}}sending-ounit-id")):
        spec = element.getparent()
        assert spec is not None
        side = "sending" if etree.QName(element).localname == "sending-ounit-id" else "receiving"
        if spec.findtext(f"{{{IIA_NS}}}{side}-hei-id") == smile_hei:
            spec.remove(element)  # SMILE's organisational units are SMILE's business
    partners = iia.findall(f"{{{IIA_NS}}}partner")
    own_id = _child(partners[0], IIA_NS, "iia-id")
    assert own_id is not None
    own_id.text = iia_id
    set_partner_iia_id(iia, smile_iia_id)
    return iia


def set_partner_iia_id(iia: etree._Element, smile_iia_id: str | None) -> None:
    """Map (or unmap) SMILE's IIA id in the partner's copy, then rehash."""
    second = iia.findall(f"{{{IIA_NS}}}partner")[1]
    existing = _child(second, IIA_NS, "iia-id")
    code = _child(second, IIA_NS, "iia-code")
    if code is not None:
        second.remove(code)
    if smile_iia_id is None:
        if existing is not None:
            second.remove(existing)
    else:
        if existing is None:
            existing = etree.Element(f"{{{IIA_NS}}}iia-id")
            second.insert(1, existing)
        existing.text = smile_iia_id
    rehash(iia)


def proposal_id(element: etree._Element) -> str:
    """A proposal id that changes iff the content changes (hash of the canonical form)."""
    return hashlib.sha256(etree.tostring(element, method="c14n")).hexdigest()[:44].upper()


def example_nomination(
    partner_hei: str, smile_hei: str, omobility_id: str, partner_iia_id: str | None, smile_iia_id: str | None
) -> etree._Element:
    """The nomination of the Outgoing Mobilities v3 example, sent by the partner to SMILE (status pending)."""
    mobility = _first("api-omobilities/endpoints/get-response-example.xml", f"{{{OMOBILITY_NS}}}student-mobility")
    _replace_text(mobility, "uw.edu.pl", smile_hei)  # the receiving side first: the partner may be uw.edu.pl
    _replace_text(mobility, "uio.no", partner_hei)
    _replace_text(
        mobility,
        "urn:schac:personalUniqueCode:int:esi:uio.no:1234567890",
        f"urn:schac:personalUniqueCode:int:esi:{partner_hei}:1234567890",
    )
    _set_text(mobility, OMOBILITY_NS, "omobility-id", omobility_id)
    _set_text(mobility, OMOBILITY_NS, "status", "pending")
    nomination = _child(mobility, OMOBILITY_NS, "nomination")
    assert nomination is not None
    for side, value in (("sending-hei", partner_iia_id), ("receiving-hei", smile_iia_id)):
        hei = _child(nomination, OMOBILITY_NS, side)
        assert hei is not None
        for name in ("iia-id", "ounit-id") if side == "receiving-hei" else ("iia-id",):
            found = _child(hei, OMOBILITY_NS, name)
            if found is not None:
                hei.remove(found)
        if value is not None:
            etree.SubElement(hei, f"{{{OMOBILITY_NS}}}iia-id").text = value
    nomination.set("proposal-id", proposal_id(nomination))
    return mobility


def example_la(partner_hei: str, smile_hei: str, omobility_id: str) -> etree._Element:
    """The learning agreement of the LAs v1 example, sent by the partner (with a changes proposal pending)."""
    la = _first("api-omobility-las/examples/get-response-example.xml", f"{{{LA_NS}}}la")
    _replace_text(la, "uw.edu.pl", smile_hei)
    _replace_text(la, "uio.no", partner_hei)
    _set_text(la, LA_NS, "omobility-id", omobility_id)
    return la


def example_institution(hei_id: str, names: dict[str, str]) -> etree._Element:
    """The institution of the Institutions v2 example, renamed."""
    hei = _first("api-institutions/response-example.xml", f"{{{INSTITUTIONS_NS}}}hei")
    _replace_text(hei, "uio.no", hei_id)
    for name in hei.findall(f"{{{INSTITUTIONS_NS}}}name"):
        hei.remove(name)
    anchor = hei.find(f"{{{INSTITUTIONS_NS}}}other-id[last()]")
    position = list(hei).index(anchor) + 1 if anchor is not None else 1
    for offset, (lang, text) in enumerate(names.items()):
        element = etree.Element(f"{{{INSTITUTIONS_NS}}}name")
        element.text = text
        element.set(ns.XML_LANG, lang)
        hei.insert(position + offset, element)
    return hei


def example_ounit(ounit_id: str, code: str) -> etree._Element:
    """The unit of the Organizational Units v2 example under another id and code (no parent)."""
    unit = _first("api-ounits/response-example.xml", f"{{{ns.api_ns('ounits', 2)}}}ounit")
    unit_ns = ns.api_ns("ounits", 2)
    unit.find(f"{{{unit_ns}}}ounit-id").text = ounit_id  # type: ignore[union-attr]
    unit.find(f"{{{unit_ns}}}ounit-code").text = code  # type: ignore[union-attr]
    parent = unit.find(f"{{{unit_ns}}}parent-ounit-id")
    if parent is not None:
        unit.remove(parent)
    return unit
