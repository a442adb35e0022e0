"""ESI v1.0: validation, normalisation, the older draft form on input, case-insensitive matching."""

from __future__ import annotations

import pytest

from smile_records.students.esi import EsiError, esi_key, normalise_esi, parse_esi


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # v1.0, nation-wide code (French INE) and university code
        ("urn:schac:personalUniqueCode:int:esi:fr:1234567890A", "urn:schac:personalUniqueCode:int:esi:fr:1234567890A"),
        (
            "urn:schac:personalUniqueCode:int:esi:uio.no:1234567890",
            "urn:schac:personalUniqueCode:int:esi:uio.no:1234567890",
        ),
        # a region (ISO 3166-2) and a university's org unit
        ("urn:schac:personalUniqueCode:int:esi:es-ct:X1", "urn:schac:personalUniqueCode:int:esi:es-ct:X1"),
        ("urn:schac:personalUniqueCode:int:esi:law.uma.es:77", "urn:schac:personalUniqueCode:int:esi:law.uma.es:77"),
        # prefix and scope in any case; the code keeps its case
        ("URN:SCHAC:PersonalUniqueCode:INT:ESI:UIO.NO:AbC", "urn:schac:personalUniqueCode:int:esi:uio.no:AbC"),
        # codes may hold URN "other"/"reserved" characters, colons and %-escapes
        (
            "urn:schac:personalUniqueCode:int:esi:uni-koeln.de:a:b(1)+x%2F",
            "urn:schac:personalUniqueCode:int:esi:uni-koeln.de:a:b(1)+x%2F",
        ),
        # surrounding spaces are dropped
        ("  urn:schac:personalUniqueCode:int:esi:fr:42 ", "urn:schac:personalUniqueCode:int:esi:fr:42"),
        # older draft form: <country>:ESI:<code> and <country>:ESI:<sHO>:<code>
        ("urn:schac:PersonalUniqueCode:hr:ESI:0246813579", "urn:schac:personalUniqueCode:int:esi:hr:0246813579"),
        (
            "urn:schac:personalUniqueCode:es:ESI:uma.es:xxxxxxxxxx",
            "urn:schac:personalUniqueCode:int:esi:uma.es:xxxxxxxxxx",
        ),
        ("urn:schac:personalUniqueCode:es:esi:yyy.uma.es:123", "urn:schac:personalUniqueCode:int:esi:yyy.uma.es:123"),
    ],
)
def test_valid_forms_are_normalised_to_v1(given: str, expected: str) -> None:
    assert normalise_esi(given) == expected


def test_the_draft_form_is_recognised_as_such() -> None:
    assert parse_esi("urn:schac:personalUniqueCode:hr:ESI:1").from_draft
    assert not parse_esi("urn:schac:personalUniqueCode:int:esi:hr:1").from_draft
    assert parse_esi("urn:schac:personalUniqueCode:int:esi:uio.no:1").scope_kind == "hei"
    assert parse_esi("urn:schac:personalUniqueCode:int:esi:fr:1").scope_kind == "country"


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ("", "esi-empty"),
        ("1234567890A", "esi-prefix"),
        ("urn:schac:homeOrganization:uio.no:1", "esi-prefix"),
        ("urn:schac:personalUniqueCode:int:studentID:fr:1", "esi-prefix"),
        ("urn:schac:personalUniqueCode:int:esi::1234", "esi-scope-missing"),
        ("urn:schac:personalUniqueCode:int:ESI:1234", "esi-scope-missing"),  # draft under int without sHO
        ("urn:schac:personalUniqueCode:int:esi:france:1", "esi-scope-invalid"),
        ("urn:schac:personalUniqueCode:int:esi:uio:1", "esi-scope-invalid"),
        ("urn:schac:personalUniqueCode:int:esi:-uio.no:1", "esi-scope-invalid"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no", "esi-code-missing"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:", "esi-code-missing"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:12 34", "esi-code-characters"),
        ('urn:schac:personalUniqueCode:int:esi:uio.no:12"34', "esi-code-characters"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:été", "esi-code-characters"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:a<b>", "esi-code-characters"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:50%", "esi-code-escape"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:%G1", "esi-code-escape"),
        ("urn:schac:personalUniqueCode:int:esi:uio.no:" + "9" * 218, "esi-too-long"),
    ],
)
def test_each_rule_is_named_when_broken(given: str, rule: str) -> None:
    with pytest.raises(EsiError) as caught:
        normalise_esi(given)
    assert caught.value.rule == rule


def test_exactly_255_characters_is_accepted() -> None:
    value = "urn:schac:personalUniqueCode:int:esi:uio.no:" + "9" * 211
    assert len(value) == 255
    assert normalise_esi(value) == value


def test_matching_ignores_case_and_form() -> None:
    draft = "urn:schac:PersonalUniqueCode:no:ESI:UIO.NO:ab12"
    v1 = "urn:schac:personalUniqueCode:int:esi:uio.no:AB12"
    assert esi_key(draft) == esi_key(v1)
    assert esi_key(v1) != esi_key("urn:schac:personalUniqueCode:int:esi:uio.no:AB13")
