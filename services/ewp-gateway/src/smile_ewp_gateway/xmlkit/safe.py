"""Parsing XML that comes from outside (partners, the registry): no DTD, no entities, no network, bounded.

EWP documents never carry a document type declaration, so any ``<!DOCTYPE`` (the vehicle of entity
expansion bombs and external entities) is refused before the parser sees the bytes; the parser itself
also runs with entity resolution, DTD loading and network access off, and without libxml2's
"huge tree" allowance.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["DEFAULT_MAX_BYTES", "UnsafeXml", "XmlError", "parse_untrusted"]

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlError(ValueError):
    """The bytes are not a well-formed XML document."""


class UnsafeXml(XmlError):  # noqa: N818 - reads as "the XML is unsafe"
    """The document uses a construct SMILE refuses (DTD, entities) or is too large."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def parse_untrusted(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The root element of ``data``; raise :class:`UnsafeXml` or :class:`XmlError` instead of expanding."""
    if len(data) > max_bytes:
        raise UnsafeXml(f"the XML document is larger than {max_bytes} bytes")
    if _DOCTYPE.search(data):
        raise UnsafeXml("XML documents with a DOCTYPE or entity declarations are refused")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(f"not well-formed XML: {exc}") from exc
    if root is None:
        raise XmlError("empty XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml("XML documents with a DOCTYPE are refused")
    return root
