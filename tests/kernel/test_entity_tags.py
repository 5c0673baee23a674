"""If-Match / If-None-Match as RFC 9110 writes them: `*`, or a list of (weak or strong) quoted tags."""

import pytest

from app.shared.entity_tags import EntityTag, TagCondition, parse_tag_condition
from app.shared.errors import InvalidHeaderError


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["*"], TagCondition(any=True)),
        ([" \t* "], TagCondition(any=True)),
        (['"3"'], TagCondition(any=False, tags=(EntityTag('"3"'),))),
        (['W/"3", "4"'], TagCondition(any=False, tags=(EntityTag('"3"', weak=True), EntityTag('"4"')))),
        (['"a,b"'], TagCondition(any=False, tags=(EntityTag('"a,b"'),))),  # a comma may sit inside a tag
        (['"1"', '"2"'], TagCondition(any=False, tags=(EntityTag('"1"'), EntityTag('"2"')))),
        ([', "1" ,, '], TagCondition(any=False, tags=(EntityTag('"1"'),))),
        (['""'], TagCondition(any=False, tags=(EntityTag('""'),))),
    ],
)
def test_well_formed_headers_parse(values: list[str], expected: TagCondition) -> None:
    assert parse_tag_condition("If-Match", values) == expected


@pytest.mark.parametrize("value", ["", " ", "3", '"3', '3"', 'w/"3"', '"3" "4"', '*, "3"', '"a"b"', '"\x7f"', ","])
def test_malformed_headers_are_refused_by_name(value: str) -> None:
    with pytest.raises(InvalidHeaderError, match="If-None-Match"):
        parse_tag_condition("If-None-Match", [value])


def test_if_match_compares_strongly_and_if_none_match_weakly() -> None:
    condition = parse_tag_condition("If-Match", ['W/"3", "4"'])
    assert (condition.matches_strongly('"3"'), condition.matches_strongly('"4"')) == (False, True)
    assert (condition.matches_weakly('"3"'), condition.matches_weakly('"5"')) == (True, False)
    assert parse_tag_condition("If-Match", ["*"]).matches_strongly('"9"')
