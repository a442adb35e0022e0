"""The v7 ``iia-hash`` against every official example and every test vector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smile_agreements.iias.iiahash import XmlError, find_iias, hash_iia, parse_xml

SPECS = Path(__file__).resolve().parents[4] / "specs" / "ewp"
VECTORS_DIR = SPECS / "_local" / "test-vectors" / "iia-hash"
EXAMPLES = {
    "get-response-v7.xml": SPECS / "api-iias" / "resources" / "xsltKit" / "get-response-v7.xml",
    "get-response-v6.xml": SPECS / "api-iias" / "resources" / "xsltKit" / "get-response-v6.xml",
    "get-response-example.xml": SPECS / "api-iias" / "endpoints" / "get-response-example.xml",
}


def _vectors() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("iia-hash-vectors.json", "extra-vectors.json"):
        out.extend(json.loads((VECTORS_DIR / name).read_text(encoding="utf-8"))["vectors"])
    return out


def _input(vector: dict[str, Any]) -> bytes:
    if "input_xml" in vector:
        return str(vector["input_xml"]).encode("utf-8")
    return (SPECS / vector["example_file"]).read_bytes()


VECTORS = _vectors()


@pytest.mark.parametrize("vector", VECTORS, ids=[v.get("name", v.get("example_file")) for v in VECTORS])
def test_every_vector_gives_the_official_text_and_hash(vector: dict[str, Any]) -> None:
    [iia] = find_iias(parse_xml(_input(vector)))
    transform = "v6" if "version_6" in vector["xslt"] else "v7"
    result = hash_iia(iia, transform)
    assert result.text_to_hash == vector["text_to_hash"]
    assert result.iia_hash == vector["sha256_hex"]
    assert result.valid_for_approval is (vector["valid_for_approval"] != "false")


@pytest.mark.parametrize("name", ["get-response-v7.xml", "get-response-example.xml"])
def test_official_v7_examples_match_the_hash_they_declare(name: str) -> None:
    [iia] = find_iias(parse_xml(EXAMPLES[name].read_bytes()))
    declared = next(e for e in iia if str(e.tag).endswith("iia-hash")).text
    assert hash_iia(iia).iia_hash == declared


def test_v6_example_rehashed_with_v6_rules_equals_the_v7_example() -> None:
    """The point of the v6 XSLT: an approved v6 copy keeps its approval once migrated to v7."""
    [v6] = find_iias(parse_xml(EXAMPLES["get-response-v6.xml"].read_bytes()))
    [v7] = find_iias(parse_xml(EXAMPLES["get-response-v7.xml"].read_bytes()))
    assert hash_iia(v6, "v6").iia_hash == hash_iia(v7).iia_hash
    assert hash_iia(v7).valid_for_approval is False


def test_each_iia_of_a_response_is_hashed_alone() -> None:
    terminated = next(v for v in VECTORS if v.get("name") == "terminated-as-a-whole")
    minimal = next(v for v in VECTORS if v.get("name") == "minimal-single-student-studies")
    inner = [find_iias(parse_xml(_input(v)))[0] for v in (terminated, minimal)]
    from lxml import etree

    response = etree.fromstring(b"<iias-get-response/>")
    response.extend(inner)
    first, second = find_iias(response)
    assert hash_iia(first).iia_hash == terminated["sha256_hex"]
    assert hash_iia(second).iia_hash == minimal["sha256_hex"]


def test_string_values_count_cdata_and_text_around_comments() -> None:
    minimal = next(v for v in VECTORS if v.get("name") == "minimal-single-student-studies")
    xml = _input(minimal).replace(
        b"<mobilities-per-year>3</mobilities-per-year>",
        b"<mobilities-per-year><![CDATA[3]]></mobilities-per-year>",
    )
    xml = xml.replace(b"<language>en</language>", b"<language>e<!-- comment -->n</language>")
    [iia] = find_iias(parse_xml(xml))
    assert hash_iia(iia).iia_hash == minimal["sha256_hex"]


def test_a_changed_value_or_mapping_changes_the_hash_but_a_contact_does_not() -> None:
    vector = next(v for v in VECTORS if v.get("name") == "contacts-and-signing-ignored")
    base = hash_iia(find_iias(parse_xml(_input(vector)))[0]).iia_hash
    contact = _input(vector).replace(b"Ola Nordmann", b"Kari Nordmann")
    months = _input(vector).replace(b"<total-months-per-year>10<", b"<total-months-per-year>10.0<")
    mapping = _input(vector).replace(b"<iia-id>1954991</iia-id>", b"")
    assert hash_iia(find_iias(parse_xml(contact))[0]).iia_hash == base
    assert hash_iia(find_iias(parse_xml(months))[0]).iia_hash != base
    assert "_iia-id_2=_" in hash_iia(find_iias(parse_xml(mapping))[0]).text_to_hash


def test_untrusted_xml_with_entities_or_malformed_is_refused() -> None:
    with pytest.raises(XmlError):
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><iia>&a;</iia>')
    with pytest.raises(XmlError):
        parse_xml(b"<iia><partner></iia>")


def test_every_official_example_and_vector_is_covered() -> None:
    """The vectors file lists the three upstream examples; the extra file ten hand-made responses."""
    assert len(VECTORS) == 13
    assert {Path(v["example_file"]).name for v in VECTORS if "example_file" in v} == set(EXAMPLES)
