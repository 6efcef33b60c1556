"""One reading of "all" / "none" / "a,b" for evaluate, tune and the scale plan."""

from __future__ import annotations

import pytest

from movierec.evaluation.choice import chosen_names, means_all


@pytest.mark.parametrize("spec, want", [
    (None, None), ("all", None), (" ALL ", None), (["all"], None),
    ("none", []), ("", []), (" , ", []), ([], []),
    ("ease, graph", ["ease", "graph"]), (["ease", " als "], ["ease", "als"]),
    ("all,ease", ["all", "ease"]),          # a list naming "all" among others is taken as named
])
def test_chosen_names(spec, want):
    assert chosen_names(spec) == want
    assert means_all(spec) is (want is None)
