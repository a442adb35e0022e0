"""What a partner gets from the catalogue's factsheet, and what the staff are told is missing."""

from __future__ import annotations

from lxml import etree

from smile_ewp_gateway.apis.factsheet import build_factsheet
from smile_ewp_gateway.testpartner.owners import FACTSHEET
from smile_ewp_gateway.xmlkit.schemas import ewp_schemas

#: the factsheet as the catalogue's internal read gives it (the calendar's dates at the top level)
INTERNAL = {**FACTSHEET, **FACTSHEET["calendar"]}


def test_no_factsheet_is_an_empty_answer_and_says_so() -> None:
    root, report = build_factsheet("unicaen.fr", None)
    assert len(root) == 0
    assert report.missing == ["the factsheet itself (none entered in the catalogue yet)"]
    ewp_schemas.validate(etree.tostring(root))


def test_each_missing_part_is_named_and_nothing_partial_is_served() -> None:
    data = {**INTERNAL, "housing_info": None, "insurance_info": {**FACTSHEET["insurance_info"], "urls": []}}
    data.update(nominations_autumn="15 May", nominations_spring=None)
    data["additional_requirements"] = [{"name": "Learning agreement"}]
    root, report = build_factsheet("unicaen.fr", data)
    assert len(root) == 0
    ewp_schemas.validate(etree.tostring(root))
    assert report.missing == [
        "calendar.nominations_autumn",
        "calendar.nominations_spring",
        "housing_info.email",
        "housing_info.phone",
        "housing_info.urls",
        "insurance_info.urls",
    ]
    assert report.left_out == [
        "additional_requirements[0] (a name and details are both needed)",
        "accessibility[0] (info: phone, urls missing)",
    ]


def test_a_complete_factsheet_validates() -> None:
    root, report = build_factsheet("unicaen.fr", INTERNAL)
    assert report.complete
    ewp_schemas.validate(etree.tostring(root))
    assert len(root) == 1
