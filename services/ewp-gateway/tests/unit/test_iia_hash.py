"""SMILE's IIA hash against vectors computed with the official XSLT (v7)."""

import json
from pathlib import Path

import pytest
from lxml import etree

from smile_ewp_gateway.iias.hashing import iia_hash
from smile_ewp_gateway.xmlkit.schemas import XSD_DIR

REPO = next(p for p in Path(__file__).resolve().parents if (p / "specs" / "ewp").is_dir())
DATA = REPO / "specs" / "ewp" / "_local" / "test-vectors" / "iia-hash"
EXTRA = json.loads((DATA / "extra-vectors.json").read_text())["vectors"]
UPSTREAM = [v for v in json.loads((DATA / "iia-hash-vectors.json").read_text())["vectors"] if "version_7" in v["xslt"]]
IIA = "{https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd}iia"


@pytest.mark.parametrize("vector", EXTRA, ids=[v["name"] for v in EXTRA])
def test_hand_crafted_vectors(vector: dict[str, str]) -> None:
    root = etree.fromstring(vector["input_xml"].encode("utf-8"))
    result = iia_hash(root.find(IIA))
    assert result.text == vector["text_to_hash"]
    assert result.sha256 == vector["sha256_hex"]
    assert result.valid_for_approval is (vector["valid_for_approval"] != "false")


@pytest.mark.parametrize("vector", UPSTREAM, ids=[v["example_file"] for v in UPSTREAM])
def test_upstream_examples(vector: dict[str, str]) -> None:
    root = etree.parse(str(XSD_DIR / vector["example_file"])).getroot()
    result = iia_hash(root.find(IIA))
    assert result.text == vector["text_to_hash"]
    assert result.sha256 == vector["sha256_hex"]
