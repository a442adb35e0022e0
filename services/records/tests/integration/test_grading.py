"""Grade distribution tables (uploaded or computed) and audited conversions through the API."""

from __future__ import annotations

import json

import pytest

from .conftest import course_published, enrolled_mobility, publish, records_service, staff

FR_COUNTS = [
    ("20", 0),
    ("19", 0),
    ("18", 0),
    ("17", 0),
    ("16", 10),
    ("15", 0),
    ("14", 20),
    ("13", 30),
    ("12", 25),
    ("11", 10),
    ("10", 5),
]
DE_COUNTS = [
    ("1.0", 5),
    ("1.3", 10),
    ("1.7", 15),
    ("2.0", 20),
    ("2.3", 10),
    ("2.7", 10),
    ("3.0", 0),
    ("3.3", 15),
    ("3.7", 10),
    ("4.0", 5),
]


def _table(hei: str, isced: str, counts: list[tuple[str, int]], **extra: object) -> dict[str, object]:
    return {
        "hei_id": hei,
        "isced_code": isced,
        "eqf_level": 6,
        "academic_years": ["2023/2024", "2024/2025"],
        "grades": [{"label": label, "count": count} for label, count in counts],
        **extra,
    }


async def _upload(h, body, role="registrar"):  # type: ignore[no-untyped-def]
    return await h.client.post("/grade-tables", json=body, headers=staff(h, role))


async def _convert(h, body):  # type: ignore[no-untyped-def]
    return await h.client.post("/grade-conversions", json=body, headers=staff(h))


async def test_an_uploaded_table_shows_percentages_and_cumulative_percentages(make_harness) -> None:
    h = await records_service(make_harness)
    response = await _upload(h, _table("uni-koeln.de", "0421", DE_COUNTS, scale_id="de-1-5"))
    assert response.status_code == 201, response.text
    table = response.json()
    grades = {g["label"]: g for g in table["grades"]}
    assert grades["1.7"] == {"label": "1.7", "count": 15, "percentage": "15.00", "cumulative_percentage": "30.00"}
    assert grades["3.0"]["percentage"] == "0.00"
    assert grades["4.0"]["cumulative_percentage"] == "100.00"
    assert table["total"] == 100
    assert table["small"] is False
    assert table["warning"] is None


async def test_conversion_both_ways_is_audited_with_tables_band_and_rule(make_harness) -> None:
    h = await records_service(make_harness)
    ours = (await _upload(h, _table("unicaen.fr", "0421", FR_COUNTS))).json()
    theirs = (await _upload(h, _table("uni-koeln.de", "0421", DE_COUNTS))).json()
    out = await _convert(
        h,
        {
            "direction": "from-local",
            "grade": "14.5",
            "partner_hei_id": "uni-koeln.de",
            "isced_code": "0421",
            "eqf_level": 6,
        },
    )
    assert out.status_code == 201, out.text
    conversion = out.json()
    assert (conversion["converted_grade"], conversion["grade_range"]) == ("1.7", ["1.3", "1.7"])
    assert conversion["source_table_id"] == ours["id"]
    assert conversion["target_table_id"] == theirs["id"]
    assert conversion["rule"] == "egracons-midpoint"
    assert conversion["isced_used"] == "0421"
    assert conversion["source_band"] == {
        "label": "14",
        "from": "10",
        "to": "30",
        "midpoint": "20",
        "midpoint_decimal": "20.0",
    }
    stored = (await h.client.get(f"/grade-conversions/{conversion['id']}", headers=staff(h))).json()
    assert stored == conversion
    back = (
        await _convert(
            h,
            {
                "direction": "to-local",
                "grade": "1.3",
                "partner_hei_id": "uni-koeln.de",
                "isced_code": "0421",
                "eqf_level": 6,
            },
        )
    ).json()
    assert (back["converted_grade"], back["range_best"], back["range_worst"]) == ("16", "16", "14")
    assert back["source_hei_id"] == "uni-koeln.de"
    assert back["target_hei_id"] == "unicaen.fr"


async def test_conversion_falls_back_from_four_to_three_to_two_digit_isced(make_harness) -> None:
    h = await records_service(make_harness)
    await _upload(h, _table("unicaen.fr", "0421", FR_COUNTS))  # ours at 4 digits only
    await _upload(h, _table("unicaen.fr", "04", FR_COUNTS))
    await _upload(h, _table("uni-koeln.de", "04", DE_COUNTS))  # theirs only at 2 digits
    done = (
        await _convert(
            h,
            {
                "direction": "from-local",
                "grade": "13",
                "partner_hei_id": "uni-koeln.de",
                "isced_code": "0421",
                "eqf_level": 6,
            },
        )
    ).json()
    assert done["isced_requested"] == "0421"
    assert done["isced_used"] == "04"
    assert done["converted_grade"] == "2.0"
    await _upload(h, _table("unicaen.fr", "042", FR_COUNTS))
    await _upload(h, _table("uni-koeln.de", "042", DE_COUNTS))
    closer = (
        await _convert(
            h,
            {
                "direction": "from-local",
                "grade": "13",
                "partner_hei_id": "uni-koeln.de",
                "isced_code": "0421",
                "eqf_level": 6,
            },
        )
    ).json()
    assert closer["isced_used"] == "042"


async def test_no_table_for_a_group_is_a_conflict_naming_what_is_missing(make_harness) -> None:
    h = await records_service(make_harness)
    await _upload(h, _table("unicaen.fr", "0421", FR_COUNTS))
    response = await _convert(
        h, {"direction": "from-local", "grade": "13", "partner_hei_id": "uio.no", "isced_code": "0421"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:smile:problem:grade-table-missing"
    assert "uio.no ISCED 0421" in problem["missing"]
    assert "uio.no ISCED 04" in problem["missing"]


@pytest.mark.parametrize(
    "body",
    [
        {"direction": "from-local", "grade": "8", "partner_hei_id": "uni-koeln.de", "isced_code": "0421"},
        {
            "direction": "from-local",
            "grade": "P",
            "scale_id": "pass-fail",
            "partner_hei_id": "uni-koeln.de",
            "isced_code": "0421",
        },
        {"direction": "to-local", "grade": "pass", "partner_hei_id": "uni-koeln.de", "isced_code": "0421"},
        {"direction": "to-local", "grade": "5.0", "partner_hei_id": "uni-koeln.de", "isced_code": "0421"},
    ],
)
async def test_pass_fail_and_failing_grades_are_never_converted(make_harness, body) -> None:  # type: ignore[no-untyped-def]
    h = await records_service(make_harness)
    await _upload(h, _table("unicaen.fr", "0421", FR_COUNTS))
    await _upload(h, _table("uni-koeln.de", "0421", DE_COUNTS))
    response = await _convert(h, {**body, "eqf_level": 6})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:smile:problem:grade-not-convertible"


async def test_a_new_table_supersedes_the_old_which_stays_readable(make_harness) -> None:
    h = await records_service(make_harness)
    old = (await _upload(h, _table("uni-koeln.de", "0421", DE_COUNTS))).json()
    new = (await _upload(h, _table("uni-koeln.de", "0421", [("1.0", 50), ("2.0", 50)]))).json()
    listed = (await h.client.get("/grade-tables", params={"hei_id": "uni-koeln.de"}, headers=staff(h))).json()
    assert [t["id"] for t in listed] == [new["id"]]
    again = (await h.client.get(f"/grade-tables/{old['id']}", headers=staff(h))).json()
    assert again["superseded_at"] is not None


@pytest.mark.parametrize(
    "grades",
    [
        [{"label": "A", "count": 3}, {"label": "B", "percentage": 20}],
        [{"label": "A", "count": 0}, {"label": "B", "count": 0}],
        [{"label": "A", "count": 1}, {"label": "a", "count": 2}],
        [{"label": "A", "count": -1}],
    ],
)
async def test_invalid_tables_are_refused(make_harness, grades) -> None:  # type: ignore[no-untyped-def]
    h = await records_service(make_harness)
    body = _table("uni-koeln.de", "0421", [])
    body["grades"] = grades
    response = await _upload(h, body)
    assert response.status_code == 422
    assert (await h.client.get("/grade-tables", params={"hei_id": "uni-koeln.de"}, headers=staff(h))).json() == []


async def test_labels_must_be_passing_grades_of_the_named_scale(make_harness) -> None:
    h = await records_service(make_harness)
    response = await _upload(h, _table("uni-koeln.de", "0421", [("1.0", 5), ("5.0", 3)], scale_id="de-1-5"))
    assert response.status_code == 422
    assert response.json()["labels"] == ["5.0"]


async def test_published_percentages_without_counts_have_no_size_warning(make_harness) -> None:
    h = await records_service(make_harness)
    body = _table("uio.no", "0421", [])
    body["grades"] = [
        {"label": "A", "percentage": "10.5"},
        {"label": "B", "percentage": "40"},
        {"label": "C", "percentage": "49.5"},
    ]
    table = (await _upload(h, body)).json()
    assert table["total"] is None
    assert "unknown" in table["warning"]


async def test_our_tables_are_computed_from_the_sis_history_per_isced_level(make_harness) -> None:
    h = await records_service(make_harness, grade_table_min_count=150)
    response = await h.client.post(
        "/grade-tables/compute", json={"academic_years": ["2023/2024", "2024/2025", "2025/2026"]}, headers=staff(h)
    )
    assert response.status_code == 200, response.text
    computed = response.json()
    groups = {(t["isced_code"], t["eqf_level"]): t for t in computed["tables"]}
    assert {"0421", "042", "04", "0311", "031", "03", "0231", "023", "02"} <= {i for i, _ in groups}
    law = groups[("0421", 6)]
    assert [g["label"] for g in law["grades"]] == [str(v) for v in range(20, 9, -1)]
    assert sum(g["count"] for g in law["grades"]) == law["total"]
    assert law["grades"][-1]["cumulative_percentage"] == "100.00"
    assert law["academic_years"] == ["2023/2024", "2024/2025", "2025/2026"]
    assert groups[("04", 6)]["total"] >= law["total"]
    smalls = [t for t in computed["tables"] if t["small"]]
    assert {(t["isced_code"], t["eqf_level"], t["total"]) for t in smalls} == {
        ("0511", 6, 130),
        ("051", 6, 130),
        ("0533", 7, 112),  # quantum physics is the only EQF 7 science course
        ("053", 7, 112),
        ("05", 7, 112),
    }
    assert groups[("05", 6)]["small"] is False
    assert all("fewer than 150" in t["warning"] for t in smalls)
    assert computed["failing_grades"] > 0
    assert computed["grades_without_isced"] == 0


async def test_uploaded_history_takes_isced_from_the_catalogue(make_harness) -> None:
    h = await records_service(make_harness, grade_table_min_count=3)
    await publish(h, course_published("HIS-NOR-150", isced="0222", eqf=6))
    history = [
        {"course_code": "HIS-NOR-150", "academic_year": "2024/2025", "grade": g}
        for g in ("12.5", "14", "9", "16", "12")
    ]
    history.append({"course_code": "UNKNOWN-1", "academic_year": "2024/2025", "grade": "15"})
    import asyncio

    for _ in range(100):
        response = await h.client.post(
            "/grade-tables/compute",
            json={"academic_years": ["2024/2025"], "source": "history", "history": history, "isced_digits": [4]},
            headers=staff(h),
        )
        if response.json()["grades_used"] == 4:
            break
        await asyncio.sleep(0.1)  # the catalogue's event is still on its way
    computed = response.json()
    assert computed["grades_used"] == 4
    assert computed["failing_grades"] == 1
    assert computed["grades_without_isced"] == 1
    [table] = computed["tables"]
    counts = {g["label"]: g["count"] for g in table["grades"] if g["count"]}
    assert (table["isced_code"], counts) == ("0222", {"16": 1, "14": 1, "12": 2})


async def test_a_recorded_result_is_converted_into_the_students_home_grades(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, course_published("DRT-EU-101", isced="0421", eqf=6))
    mobility = await enrolled_mobility(h, ["DRT-EU-101"])
    result = await h.client.put(
        f"/mobilities/{mobility}/results/DRT-EU-101",
        json={"grade": "16.25", "result_date": "2027-01-20"},
        headers=staff(h),
    )
    await _upload(h, _table("unicaen.fr", "0421", FR_COUNTS))
    await _upload(h, _table("uni-koeln.de", "0421", DE_COUNTS))
    import asyncio

    for _ in range(100):
        response = await _convert(h, {"direction": "from-local", "result_id": result.json()["id"]})
        if response.status_code == 201:
            break
        await asyncio.sleep(0.1)
    conversion = response.json()
    assert conversion["converted_grade"] == "1.0"
    assert conversion["target_hei_id"] == "uni-koeln.de"
    assert conversion["result_id"] == result.json()["id"]


async def test_an_sis_without_history_or_down_says_so(make_harness) -> None:
    from smile_sis import SisNotSupported, SisUnavailable

    from .conftest import sis_of

    h = await records_service(make_harness)
    sis = sis_of(h)
    sis.fail_next(SisNotSupported("Pégase publishes results per learner only"), operation="read_grade_history")
    sis.fail_next(SisUnavailable("timeout"), operation="list_periods")
    body = {"academic_years": ["2024/2025"]}
    unsupported = await h.client.post("/grade-tables/compute", json=body, headers=staff(h))
    assert unsupported.status_code == 503  # list_periods failed first
    unsupported = await h.client.post("/grade-tables/compute", json=body, headers=staff(h))
    assert unsupported.status_code == 409
    assert unsupported.json()["type"] == "urn:smile:problem:sis-history-not-supported"
    assert (await h.client.get("/grade-tables", headers=staff(h))).json() == []


_HISTORY = [{"course_code": "DRT-EU-101", "academic_year": "2024/2025", "grade": "14", "isced_code": "0421"}]


@pytest.mark.parametrize(
    ("body", "slug"),
    [
        ({"academic_years": ["2024/2025"], "scale_id": "fr-0-100"}, "unknown-grading-scale"),
        ({"academic_years": ["2024/2025"], "scale_id": "pass-fail"}, "invalid-grade-table"),
        (
            {
                "academic_years": ["2024/2025"],
                "source": "history",
                "history": [*_HISTORY, {**_HISTORY[0], "grade": "NaN"}],
            },
            "grade-out-of-scale",
        ),
        (
            {"academic_years": ["2024/2025"], "source": "history", "history": [{**_HISTORY[0], "grade": "21"}]},
            "grade-out-of-scale",
        ),
        ({"academic_years": ["2024/2026"]}, "validation-error"),
        ({"academic_years": ["2024/2025"], "isced_digits": []}, "validation-error"),
        # Arabic-Indic digits match the pattern's \d but are no ISCED code
        (
            {"academic_years": ["2024/2025"], "source": "history", "history": [{**_HISTORY[0], "isced_code": "٠٤٢١"}]},
            "validation-error",
        ),
    ],
)
async def test_tables_are_not_computed_from_bad_input(make_harness, body, slug) -> None:  # type: ignore[no-untyped-def]
    h = await records_service(make_harness, grade_table_min_count=1)
    response = await h.client.post("/grade-tables/compute", json=body, headers=staff(h))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:smile:problem:{slug}"
    assert (await h.client.get("/grade-tables", headers=staff(h))).json() == []


async def test_repeated_academic_years_count_once(make_harness) -> None:
    h = await records_service(make_harness, grade_table_min_count=1)
    body = {"academic_years": ["2024/2025", "2024/2025"], "source": "history", "history": _HISTORY}
    response = await h.client.post("/grade-tables/compute", json={**body, "isced_digits": [4]}, headers=staff(h))
    assert response.status_code == 200, response.text
    [table] = response.json()["tables"]
    assert table["academic_years"] == ["2024/2025"]
    assert table["total"] == 1


@pytest.mark.parametrize("direction", ["to-local", "from-local"])
async def test_a_grade_of_an_unknown_scale_is_not_converted(make_harness, direction) -> None:  # type: ignore[no-untyped-def]
    h = await records_service(make_harness)
    await _upload(h, _table("unicaen.fr", "0421", FR_COUNTS))
    await _upload(h, _table("uni-koeln.de", "0421", DE_COUNTS))
    body = {"direction": direction, "grade": "2.0", "scale_id": "de-1-6", "partner_hei_id": "uni-koeln.de"}
    response = await _convert(h, {**body, "isced_code": "0421", "eqf_level": 6})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:smile:problem:unknown-grading-scale"


async def test_a_jury_export_larger_than_other_requests_is_accepted(make_harness) -> None:
    h = await records_service(make_harness, grade_table_min_count=1)
    grades = [str(10 + i % 11) for i in range(30_000)]
    history = [
        {"course_code": f"DRT-{i % 40:03d}", "academic_year": "2024/2025", "grade": g, "isced_code": "0421"}
        for i, g in enumerate(grades)
    ]
    body = {"academic_years": ["2024/2025"], "source": "history", "history": history, "isced_digits": [4]}
    assert len(json.dumps(body)) > h.runtime.settings.max_body_bytes  # any other route would answer 413
    response = await h.client.post("/grade-tables/compute", json=body, headers=staff(h))
    assert response.status_code == 200, response.text
    [table] = response.json()["tables"]
    assert table["total"] == 30_000
    assert {g["label"]: g["count"] for g in table["grades"]}["20"] == grades.count("20")
    too_big = await h.client.post(
        "/grade-tables",
        content=b"x" * (h.runtime.settings.max_body_bytes + 1),
        headers={**staff(h), "content-type": "application/json"},
    )
    assert too_big.status_code == 413
