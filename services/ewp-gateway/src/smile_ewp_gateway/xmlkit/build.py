"""Building EWP documents with lxml: namespaced elements, optional children, serialisation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lxml import etree

from smile_ewp_gateway.xmlkit import ns

__all__ = ["E", "error_document", "serialize", "text_child", "text_children"]


class E:
    """Element factory bound to one default namespace (plus prefixed ones)."""

    def __init__(self, namespace: str, nsmap: Mapping[str | None, str] | None = None) -> None:
        self.namespace = namespace
        self.nsmap: dict[str | None, str] = {None: namespace, **(nsmap or {})}

    def root(self, name: str) -> etree._Element:
        return etree.Element(f"{{{self.namespace}}}{name}", nsmap=self.nsmap)

    def sub(
        self, parent: etree._Element, name: str, text: object = None, namespace: str | None = None, **attributes: str
    ) -> etree._Element:
        element = etree.SubElement(parent, f"{{{namespace or self.namespace}}}{name}", attributes)
        if text is not None:
            element.text = str(text)
        return element


def text_child(e: E, parent: etree._Element, name: str, value: object | None, namespace: str | None = None) -> None:
    """Add ``<name>value</name>`` when value is not None/empty."""
    if value is None or value == "":
        return
    e.sub(parent, name, _text(value), namespace)


def text_children(
    e: E,
    parent: etree._Element,
    name: str,
    values: Mapping[str, str] | Iterable[str] | None,
    namespace: str | None = None,
) -> None:
    """Repeated ``<name xml:lang="…">`` for a ``{lang: text}`` mapping ('und' = no language), or plain values."""
    if not values:
        return
    if isinstance(values, Mapping):
        for lang, text in values.items():
            if text:
                element = e.sub(parent, name, text, namespace)
                if lang and lang != "und":
                    element.set(ns.XML_LANG, lang)
    else:
        for text in values:
            if text:
                e.sub(parent, name, text, namespace)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_document(developer_message: str, user_message: str | None = None) -> bytes:
    """An ``<error-response>`` (common-types) with a developer message and an optional English user message."""
    e = E(ns.COMMON)
    root = e.root("error-response")
    e.sub(root, "developer-message", developer_message)
    if user_message:
        e.sub(root, "user-message", user_message).set(ns.XML_LANG, "en")
    return serialize(root)
