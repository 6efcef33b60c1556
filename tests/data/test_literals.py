"""parse_literal must give exactly what ast.literal_eval gives, only faster, and never eval."""

from __future__ import annotations

import ast
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.data.literals import is_blank, names, names_of, parse_literal

GENRES = ("[{'id': 16, 'name': 'Animation'}, {'id': 35, 'name': 'Comedy'}, "
          "{'id': 10751, 'name': 'Family'}]")
COLLECTION = ("{'id': 10194, 'name': 'Toy Story Collection', 'poster_path': "
              "'/7G9915LfUQ2lVfwMEEhDsn3kT4B.jpg', 'backdrop_path': None}")


def test_parses_tmdb_lists_and_dicts():
    assert parse_literal(GENRES) == ast.literal_eval(GENRES)
    assert parse_literal(COLLECTION)["backdrop_path"] is None
    assert names(GENRES) == ["Animation", "Comedy", "Family"]
    assert names(COLLECTION) == ["Toy Story Collection"]
    assert names("[{'iso_639_1': 'en', 'name': 'English'}]", key="iso_639_1") == ["en"]


@pytest.mark.parametrize("text, expected", [
    # apostrophe -> Python writes the string in double quotes
    ("[{'id': 15101, 'name': \"based on children's book\"}]", ["based on children's book"]),
    # double quotes inside a single-quoted string
    ("[{'name': 'Dr. \"Doc\" Brown'}]", ['Dr. "Doc" Brown']),
    # both kinds of quote: Python escapes the apostrophe
    ("[{'name': 'O\\'Hara says \"hi\"'}]", ["O'Hara says \"hi\""]),
    # backslash escapes, unicode, and the words None/True/False inside strings
    ("[{'name': 'tab\\tand\\\\slash \\xe9'}]", ["tab\tand\\slash \xe9"]),
    ("[{'name': 'Ørnås – None, True: False', 'x': None}]", ["Ørnås – None, True: False"]),
    ("[{'name': \"It's None\", 'flag': True}]", ["It's None"]),
    ("[]", []),
])
def test_quoting_edge_cases(text, expected):
    assert parse_literal(text) == ast.literal_eval(text)
    assert names(text) == expected


@pytest.mark.parametrize("text", [None, float("nan"), pd.NA, "", "   ", "\n"])
def test_blank_is_none(text):
    assert is_blank(text)
    assert parse_literal(text) is None
    assert names(text) is None


@pytest.mark.parametrize("text", [
    "[{'id': 16, 'name': 'Animation'}",       # cut short
    "[{'id': 16, 'name': 'Animation}]",       # unterminated string
    "NaN", "Infinity", "[1, NaN]",             # JSON extensions, not Python literals
    "__import__('os').system('echo no')",     # code is never run
    "[x for x in range(3)]",
    "Released",
    "[" * 5000,                                # deep nesting
])
def test_unparsable_is_none_and_not_blank(text):
    assert parse_literal(text) is None
    assert not is_blank(text)


def test_falls_back_to_literal_eval_for_non_json_syntax():
    assert parse_literal("(1, 2)") == (1, 2)
    assert parse_literal("['a', 'b',]") == ["a", "b"]
    assert parse_literal("{'a': {1, 2}}") == {"a": {1, 2}}
    assert parse_literal("u'x'") == "x"
    assert parse_literal("[1_000, .5, 5.]") == [1000, 0.5, 5.0]


def test_already_parsed_values_pass_through():
    value = [{"name": "x"}]
    assert parse_literal(value) is value
    assert names_of(value) == ["x"]
    assert names_of(None) is None
    assert names_of(5) is None
    assert names_of(["a", None, {"name": " b "}, {"id": 3}]) == ["a", "b"]


def test_names_returns_none_for_other_shapes():
    assert names("5") is None
    assert names("'just a string'") is None


_scalars = (st.none() | st.booleans() | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False) | st.text())
_values = st.recursive(
    _scalars,
    lambda inner: (st.lists(inner, max_size=5)
                   | st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_round_trips_any_repr(value):
    """For any str/int/float/bool/None/list/dict value, parse_literal(repr(v)) == v exactly."""
    parsed = parse_literal(repr(value))
    if value is None:
        assert parsed is None
        return
    assert parsed == value
    assert _same_types(parsed, value)


def _same_types(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return math.copysign(1, a) == math.copysign(1, b)
    return True


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_on_arbitrary_text(text):
    parse_literal(text)
    names(text)
