from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smile_catalogue import text
from smile_catalogue.courses.index import content_hash, facet_values, format_ects, unit_ancestry
from smile_catalogue.vocab import isced_problem


def test_folding_removes_accents_case_and_ligatures() -> None:
    assert text.fold("Économie ŒNOLOGIE Straße") == "economie oenologie strasse"
    assert text.tokens("L'Union européenne, 2e cycle") == ["l", "union", "europeenne", "2e", "cycle"]
    assert text.code_tokens("DRT-EU-101") == ["drt", "eu", "101", "drteu101"]


def test_both_backends_get_the_same_prefix_query() -> None:
    words = text.query_tokens("Droit  européen")
    assert text.tsquery(words) == "droit:* & europeen:*"
    assert text.tsquery(words, head_only=True) == "droit:*A & europeen:*A"
    assert text.fts5_query(words) == '"droit"* AND "europeen"*'
    assert text.fts5_query(words, head_only=True) == 'head : "droit"* AND head : "europeen"*'
    assert len(text.query_tokens("a " * 50)) == text.MAX_QUERY_TOKENS


def test_isced_codes() -> None:
    assert isced_problem("0421") is None
    assert isced_problem("0400") is None  # broad field, not further defined
    assert isced_problem("0419") is None  # narrow field, not elsewhere classified
    assert isced_problem("0488") is None  # interdisciplinary
    assert "4 digits" in (isced_problem("421") or "")
    assert "not a field" in (isced_problem("4421") or "")
    assert "not a field" in (isced_problem("0425") or "")


def test_facets_file_a_course_under_its_unit_parents_and_isced_prefixes() -> None:
    ancestry = unit_ancestry([("SCI", None), ("SCI-INFO", "SCI"), ("LOOP", "LOOP")])
    assert ancestry["LOOP"] == ["LOOP"]
    values = {
        "ects": Decimal("2.50"),
        "term_codes": ["2026-S1"],
        "isced_code": "0613",
        "organisational_unit_code": "SCI-INFO",
        "languages": [{"language": "en", "cefr_level": None}],
        "schedule": [{"day": "tue"}],
        "eqf_level": 6,
    }
    found = facet_values(values, ancestry)
    assert {("ounit", "SCI"), ("ounit", "SCI-INFO"), ("isced", "06"), ("isced", "061")} <= found
    assert {("ects", "2.5"), ("level", "en:-"), ("cefr", "-"), ("day", "tue"), ("eqf", "6")} <= found


def test_the_content_hash_ignores_formatting_but_not_values() -> None:
    base = {"code": "X", "title": {"fr": "A"}, "ects": Decimal("5.00")}
    assert content_hash(base) == content_hash({**base, "ects": Decimal("5")})
    assert content_hash(base) != content_hash({**base, "ects": Decimal("6")})
    assert format_ects(Decimal("6.00")) == "6"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=60), max_size=4))
def test_indexed_words_are_the_words_of_each_whole_text_folded(texts: list[str]) -> None:
    # the chunk cache, even when it is emptied, gives the words folding each whole text would give
    expected = " ".join(word for t in texts for word in text._WORD.findall(text.fold(t)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text, "_CHUNKS_MAX", 3)
        assert text.document(texts) == expected
        assert text.document(texts) == expected  # from the cache
    assert text.tokens(" ".join(texts)) == expected.split()


def test_indexed_words_of_a_french_and_english_course() -> None:
    texts = ["Œnologie : l'élaboration   des vins\u00a0(TD).", "Wine-making_101 — ÉTUDES de cas"]
    assert text.document(texts) == "oenologie l elaboration des vins td wine making 101 etudes de cas"
