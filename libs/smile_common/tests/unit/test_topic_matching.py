import pytest

from smile_common.events import topic_matches


@pytest.mark.parametrize(
    ("binding", "routing", "expected"),
    [
        ("#", "catalogue.course.published.v1", True),
        ("catalogue.#", "catalogue", True),
        ("catalogue.course.*.v1", "catalogue.course.published.v1", True),
        ("catalogue.course.*.v1", "catalogue.course.published.v2", False),
        ("catalogue.*", "catalogue.course.published", False),
        ("*.course.#", "catalogue.course", True),
        ("a.#.c", "a.c", True),
        ("a.#.c", "a.x.y.c", True),
        ("a.#.c", "a.x.y.d", False),
        ("#.v1", "v1", True),
        ("agreements.iia.created.v1", "agreements.iia.created.v1", True),
        ("agreements.iia.created.v1", "agreements.iia.created.v1.extra", False),
    ],
)
def test_topic_matching_follows_amqp_rules(binding: str, routing: str, expected: bool) -> None:
    assert topic_matches(binding, routing) is expected
