"""The IIA v7 ``iia-hash``, computed exactly as the official XSLT (``transform_version_7.xsl``) does.

The XSLT turns one ``<iia>`` of a ``get`` response into a ``text-to-hash`` string and the hash is the
lowercase hex SHA-256 of that string in UTF-8. The rules, as the XSLT applies them:

* ``_@terminated-as-a-whole@_`` first, when ``cooperation-conditions/@terminated-as-a-whole`` is
  ``true`` or ``1``;
* ``_iia-id_<n>=<value>_`` for each ``partner`` in document order (empty value when the partner has no
  ``iia-id``: the hash changes when the mapping becomes known);
* for each child of ``cooperation-conditions`` (a mobility spec), every descendant element in document
  order, except those inside a ``sending-contact``/``receiving-contact``, the two academic-year
  elements, and any element under (or carrying) ``not-yet-defined="true"``: first its attributes
  (other than ``not-yet-defined`` and ``v6-value``) as ``_@<grandparent>.<parent>.<name>.<attr>=<v>@_``,
  then, for a leaf, ``_<grandparent>.<parent>.<name>=<string value>_`` (an ``isced-f-code`` with a
  non-empty ``v6-value`` gives that value instead);
* then ``_receiving-first-academic-year-id=<v>__receiving-last-academic-year-id=<v>_`` for the spec.

Values are the XPath string values, unchanged (no trimming, no normalisation). Namespaces are ignored
(local names only). Each ``<iia>`` is hashed as if it were alone in its response: the official XSLT
looks ``terminated-as-a-whole`` up in the whole document, which would leak one IIA's flag into
another's hash when a response carries several.

``transform="v6"`` follows ``transform_version_6.xsl`` instead (for IIAs approved under v6, whose
approved snapshot must be re-hashed to carry the approval over to v7): no termination marker, no
attributes, no ``not-yet-defined``/``v6-value`` handling, every ``receiving-academic-year-id`` left out
of the walk and the first and last of them appended as the first and last academic years.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import etree

__all__ = ["IiaHash", "XmlError", "find_iias", "hash_iia", "parse_xml", "text_to_hash"]

_CONTACTS = frozenset({"sending-contact", "receiving-contact"})
_YEARS = ("receiving-first-academic-year-id", "receiving-last-academic-year-id")
_V6_YEAR = "receiving-academic-year-id"
Transform = Literal["v7", "v6"]
_MIGRATION_ATTRIBUTES = frozenset({"not-yet-defined", "v6-value"})
_TRUE = frozenset({"true", "1"})

#: untrusted XML: no DTD, no entity expansion, no network, bounded sizes.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


class XmlError(ValueError):
    """The document is not XML we can read (malformed, DTD, or no ``<iia>`` where one was expected)."""


@dataclass(frozen=True)
class IiaHash:
    text_to_hash: str
    iia_hash: str
    #: False when the IIA carries ``not-yet-defined`` or ``v6-value``: v7 forbids approving it.
    valid_for_approval: bool


def parse_xml(data: bytes | str) -> etree._Element:
    """Parse untrusted XML (bytes as received are best: the declared encoding is honoured)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise XmlError("XML with a DTD or entity declarations is refused.")
    try:
        return etree.fromstring(raw, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"Not well-formed XML: {exc}") from exc


def _name(node: etree._Element | None) -> str:
    tag = None if node is None else node.tag
    if not isinstance(tag, str):
        return ""
    return tag[tag.rfind("}") + 1 :]


def _children(node: etree._Element, name: str | None = None) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and (name is None or _name(c) == name)]


_STRING_VALUE = etree.XPath("string()")


def _string(node: etree._Element) -> str:
    """The XPath string value: every descendant text node (CDATA included), comments left out."""
    return str(_STRING_VALUE(node))


def find_iias(root: etree._Element) -> list[etree._Element]:
    """Every ``<iia>`` element of a document (the root itself when it is one)."""
    return [e for e in root.iter() if isinstance(e.tag, str) and _name(e) == "iia"]


def _only(node: etree._Element, name: str) -> etree._Element | None:
    found = _children(node, name)
    if len(found) > 1:
        raise XmlError(f"<{_name(node)}> has {len(found)} <{name}> elements; the XSLT cannot hash it.")
    return found[0] if found else None


def _dump(node: etree._Element | None, label: str) -> str:
    if node is None:
        return f"_{label}=_"
    if _name(node) == "isced-f-code" and node.get("v6-value"):
        return f"_{label}={node.get('v6-value')}_"
    return f"_{label}={_string(node)}_"


def _nyd(node: etree._Element) -> bool:
    return node.get("not-yet-defined") in _TRUE


def _attribute_tokens(node: etree._Element, path: str) -> Iterator[str]:
    for key, value in node.attrib.items():
        qname = etree.QName(key)
        if qname.namespace is None and qname.localname in _MIGRATION_ATTRIBUTES:
            continue
        yield f"_@{path}.{qname.localname}={value}@_"


def _is_leaf(node: etree._Element) -> bool:
    return not any(isinstance(c.tag, str) for c in node)


def _walk(node: etree._Element, labels: tuple[str, str], hidden: tuple[bool, bool], v6: bool) -> Iterator[str]:
    """Tokens of ``node``'s descendants in document order. ``labels``: the names of node's parent and of
    node; ``hidden``: (inside a contact, under a ``not-yet-defined`` element) for node's children."""
    in_contact, in_nyd = hidden
    skipped = (_V6_YEAR,) if v6 else _YEARS
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = _name(child)
        nyd = in_nyd or (not v6 and _nyd(child))
        if not in_contact and not nyd and name not in skipped:
            path = f"{labels[0]}.{labels[1]}.{name}"
            if not v6:
                yield from _attribute_tokens(child, path)
            if _is_leaf(child):
                yield f"_{path}={_string(child)}_" if v6 else _dump(child, path)
        yield from _walk(child, (labels[1], name), (in_contact or name in _CONTACTS, nyd), v6)


def _spec_tokens(spec: etree._Element, *, v6: bool) -> Iterator[str]:
    lineage = [spec, *spec.iterancestors()]
    in_contact = any(_name(a) in _CONTACTS for a in lineage)
    in_nyd = not v6 and any(_nyd(a) for a in lineage)
    yield from _walk(spec, (_name(spec.getparent()), _name(spec)), (in_contact, in_nyd), v6)
    if v6:
        years = _children(spec, _V6_YEAR)
        yield _dump(years[0] if years else None, _YEARS[0])
        yield _dump(years[-1] if years else None, _YEARS[1])
        return
    for year in _YEARS:
        yield _dump(_only(spec, year), year)


def text_to_hash(iia: etree._Element, transform: Transform = "v7") -> str:
    """The ``text-to-hash`` string of one ``<iia>`` element."""
    v6 = transform == "v6"
    parts: list[str] = []
    conditions = iia.iterdescendants("{*}cooperation-conditions", "cooperation-conditions")
    if not v6 and any(c.get("terminated-as-a-whole") in _TRUE for c in conditions):
        parts.append("_@terminated-as-a-whole@_")
    for position, partner in enumerate(_children(iia, "partner"), start=1):
        parts.append(_dump(_only(partner, "iia-id"), f"iia-id_{position}"))
    for block in _children(iia, "cooperation-conditions"):
        for spec in _children(block):
            parts.extend(_spec_tokens(spec, v6=v6))
    return "".join(parts)


def _valid_for_approval(iia: etree._Element) -> bool:
    for node in iia.iter():
        if not isinstance(node.tag, str):
            continue
        if node.get("not-yet-defined") in _TRUE or node.get("v6-value"):
            return False
    return True


def hash_iia(iia: etree._Element, transform: Transform = "v7") -> IiaHash:
    """Hash one ``<iia>`` element as the official XSLT of ``transform`` does."""
    text = text_to_hash(iia, transform)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    valid = True if transform == "v6" else _valid_for_approval(iia)
    return IiaHash(text_to_hash=text, iia_hash=digest, valid_for_approval=valid)
