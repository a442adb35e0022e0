"""The v7 content model: rules, XML round trip (hash kept), schema validity, comparison."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from smile_agreements.iias.compare import compare
from smile_agreements.iias.content import CooperationCondition, IiaContent, years_between
from smile_agreements.iias.ewpxml import parse_iia, render_iia, render_response

SPECS = Path(__file__).resolve().parents[4] / "specs" / "ewp"
VECTORS = [
    v
    for name in ("iia-hash-vectors.json", "extra-vectors.json")
    for v in json.loads((SPECS / "_local" / "test-vectors" / "iia-hash" / name).read_text(encoding="utf-8"))["vectors"]
    if "version_6" not in v["xslt"]
]


def _xml(vector: dict[str, Any]) -> bytes:
    if "input_xml" in vector:
        return str(vector["input_xml"]).encode()
    return (SPECS / vector["example_file"]).read_bytes()


def _condition(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "student_studies",
        "sending_hei_id": "uni-graz.at",
        "receiving_hei_id": "unicaen.fr",
        "receiving_first_academic_year_id": "2026/2027",
        "receiving_last_academic_year_id": "2027/2028",
        "mobilities_per_year": 2,
        "recommended_language_skills": [{"language": "fr", "cefr_level": "B2"}],
        "blended": False,
    }
    base.update(fields)
    return base


@pytest.mark.parametrize("vector", VECTORS, ids=[v.get("name", v.get("example_file")) for v in VECTORS])
def test_reading_then_rendering_a_copy_keeps_its_hash(vector: dict[str, Any]) -> None:
    content = parse_iia(_xml(vector))
    _, result = render_iia(content)
    assert result.iia_hash == vector["sha256_hex"]
    assert result.valid_for_approval is (vector["valid_for_approval"] != "false")


@pytest.mark.parametrize("vector", VECTORS[:6], ids=[v.get("name", v.get("example_file")) for v in VECTORS[:6]])
def test_what_smile_renders_is_valid_against_the_official_schema(vector: dict[str, Any]) -> None:
    os.environ.setdefault("XML_CATALOG_FILES", str(SPECS / "catalog.xml"))
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SPECS / "api-iias" / "endpoints" / "get-response.xsd")))
    document = etree.fromstring(render_response([parse_iia(_xml(vector))]))
    assert schema.validate(document), schema.error_log.last_error


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject_areas": [{"isced_f_code": "042"}]}, "isced_f_code"),
        ({"recommended_language_skills": [{"language": "fr", "cefr_level": "C3"}]}, "cefr_level"),
        ({"mobilities_per_year": -1}, "mobilities_per_year"),
        ({"receiving_last_academic_year_id": "2025/2026"}, "precedes"),
        ({"receiving_first_academic_year_id": "2026/2025"}, "academic year"),
        ({"total_days_per_year": 4}, "total_days_per_year"),
        ({"type": "staff_training", "blended": None, "eqf_levels": [7]}, "staff conditions"),
        ({"recommended_language_skills": []}, "language skill"),
        ({"eqf_levels": [6, 6]}, "twice"),
        ({"receiving_hei_id": "uni-graz.at"}, "differ"),
        ({"total_months_per_year": "2.555"}, "decimal"),
    ],
)
def test_v7_rules_on_a_condition(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CooperationCondition.model_validate(_condition(**fields))


def test_a_traineeship_needs_no_language_and_years_may_be_southern() -> None:
    condition = CooperationCondition.model_validate(
        _condition(
            type="student_traineeship",
            recommended_language_skills=[],
            receiving_first_academic_year_id="2026/2026",
            receiving_last_academic_year_id="2028/2028",
        )
    )
    assert condition.years == ["2026/2026", "2027/2027", "2028/2028"]
    assert years_between("2026/2027", "2027/2028") == ["2026/2027", "2027/2028"]


def test_conditions_must_be_between_the_two_partners() -> None:
    with pytest.raises(ValidationError, match="between"):
        IiaContent.model_validate(
            {
                "partners": [{"hei_id": "unicaen.fr"}, {"hei_id": "uio.no"}],
                "cooperation_conditions": [_condition()],
            }
        )


def test_numbers_are_written_in_their_shortest_form() -> None:
    content = IiaContent.model_validate(
        {
            "partners": [{"hei_id": "unicaen.fr", "iia_id": "x", "iia_code": "X"}, {"hei_id": "uni-graz.at"}],
            "cooperation_conditions": [_condition(total_months_per_year="10.00")],
        }
    )
    _, result = render_iia(content)
    assert "total-months-per-year=10_" in result.text_to_hash


def _pair() -> tuple[IiaContent, IiaContent]:
    ours = IiaContent.model_validate(
        {
            "partners": [
                {"hei_id": "unicaen.fr", "iia_id": "our-1", "iia_code": "UC-1"},
                {"hei_id": "uni-graz.at", "iia_id": "graz-1"},
            ],
            "cooperation_conditions": [
                _condition(),
                _condition(sending_hei_id="unicaen.fr", receiving_hei_id="uni-graz.at"),
            ],
        }
    )
    theirs = IiaContent.model_validate(
        {
            "partners": [
                {"hei_id": "uni-graz.at", "iia_id": "graz-1", "iia_code": "G-1"},
                {"hei_id": "unicaen.fr", "iia_id": "our-1"},
            ],
            # the same conditions in the other order: that is not a difference between copies
            "cooperation_conditions": [
                _condition(sending_hei_id="unicaen.fr", receiving_hei_id="uni-graz.at"),
                _condition(),
            ],
        }
    )
    return ours, theirs


def test_identical_terms_compare_as_such_whatever_the_order_of_conditions() -> None:
    ours, theirs = _pair()
    result = compare(ours, theirs)
    assert result.same_terms is True
    # only the agreement numbers differ (each side knows its own): outside the hash
    assert [d.field for d in result.differences] == ["local_partner.iia_code", "partner.iia_code"]
    assert not any(d.affects_hash for d in result.differences)


def test_each_difference_says_whether_it_changes_the_hash() -> None:
    ours, theirs = _pair()
    changed = theirs.cooperation_conditions[1].model_copy(
        update={
            "mobilities_per_year": 3,
            "receiving_contacts": [{"name": "Desk"}],
            "recommended_language_skills": list(theirs.cooperation_conditions[1].recommended_language_skills),
        }
    )
    theirs = theirs.model_copy(update={"cooperation_conditions": [theirs.cooperation_conditions[0], changed]})
    result = compare(ours, theirs)
    by_field = {d.field: d for d in result.differences}
    assert by_field["cooperation_conditions[0].mobilities_per_year"].affects_hash is True
    assert by_field["cooperation_conditions[0].receiving_contacts"].affects_hash is False
    assert result.same_terms is False


def test_a_condition_missing_on_one_side_is_reported() -> None:
    ours, theirs = _pair()
    theirs = theirs.model_copy(update={"cooperation_conditions": theirs.cooperation_conditions[:1]})
    result = compare(ours, theirs)
    [missing] = [d for d in result.differences if d.field.startswith("cooperation_conditions")]
    assert missing.theirs is None
    assert missing.affects_hash is True
    assert missing.ours["sending_hei_id"] == "uni-graz.at"
