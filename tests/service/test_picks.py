"""The one picks grammar: every form by hand, bad picks named, and fuzzing that never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.service import ServiceError
from movierec.service.picks import (MAX_PICKS, PickSpec, parse_pick, parse_picks,
                                    parse_picks_text, resolve_picks)
from movierec.synthetic import block_dataset


@pytest.mark.parametrize("text, title, feel, rating", [
    ("Heat", "Heat", "love", None),
    ("  Heat (1995) ", "Heat (1995)", "love", None),
    ("Heat=4.5", "Heat", "love", 4.5),
    ("Heat = 3", "Heat", "love", 3.0),
    ("+Heat", "Heat", "like", None),
    ("-Heat", "Heat", "dislike", None),
    ("- Heat (1995)", "Heat (1995)", "dislike", None),
    ("-Heat=1", "Heat", "dislike", 1.0),
    ("Alien: Resurrection", "Alien: Resurrection", "love", None),
    ("Heat\x00\x07 1995", "Heat 1995", "love", None),
])
def test_titles_feelings_and_ratings(text, title, feel, rating):
    spec = parse_pick(text)
    assert (spec.title, spec.feel, spec.rating, spec.id_field) == (title, feel, rating, None)
    assert spec.how == (f"{rating:g}" if rating is not None else feel)


@pytest.mark.parametrize("text, column, value", [
    ("tmdb:603", "tmdb_id", 603),
    ("TMDB: 603", "tmdb_id", 603),
    ("imdb:tt0133093", "imdb_id", "tt0133093"),
    ("imdb:133093", "imdb_id", "tt0133093"),
    ("ml:1", "movielens_id", 1),
    ("movielens:2571", "movielens_id", 2571),
    ("-tmdb:949", "tmdb_id", 949),
])
def test_ids(text, column, value):
    spec = parse_pick(text)
    assert (spec.id_field, spec.id_value, spec.title) == (column, value, None)


@pytest.mark.parametrize("text, named", [
    ("Toy Story=abc", "'abc'"),
    ("Toy Story=", "''"),
    ("Toy Story=9", "9"),
    ("Toy Story=0", "0"),
    ("=4", "'=4'"),
    ("tmdb:abc", "'abc'"),
    ("tmdb:-3", "'-3'"),
    ("imdb:nm123", "'nm123'"),
    ("ml:1.5", "'1.5'"),
    ("tmdb:²", "'²'"),          # str.isdigit() says yes, int() says no
    ("Heat=²", "'²'"),
])
def test_bad_picks_are_named(text, named):
    with pytest.raises(ServiceError) as err:
        parse_pick(text)
    assert err.value.code == "bad_pick" and named in err.value.message


def test_empty_lines_are_skipped_and_long_input_is_cut_with_notes():
    specs, notes = parse_picks_text("Heat\n\n  \r\nUp\n")
    assert [s.title for s in specs] == ["Heat", "Up"] and notes == []
    specs, notes = parse_picks_text("\n".join(f"Movie {i}" for i in range(80)))
    assert len(specs) == MAX_PICKS and any("first 50" in n for n in notes)
    specs, notes = parse_picks_text("Heat\n" + "x" * 20_000)
    assert any("10,000 characters" in n for n in notes)
    assert parse_picks_text(None) == ([], [])


def test_entries_may_mix_specs_and_texts():
    known = PickSpec.of_movie(5, "4.5", "Family Movie 5 (1985)")
    specs, _ = parse_picks([known, "Heat\n-Up"], feel="like")
    assert specs[0] == known and known.how == "4.5" and known.id_field == "index"
    assert [(s.title, s.feel) for s in specs[1:]] == [("Heat", "like"), ("Up", "dislike")]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_pick_a_skip_or_a_named_error(text):
    try:
        specs, _ = parse_picks_text(text)
    except ServiceError as exc:
        assert exc.code == "bad_pick" and exc.message
        return
    for spec in specs:
        assert spec.title or spec.id_field
        assert spec.feel in ("love", "like", "dislike")
        assert spec.rating is None or 0.5 <= spec.rating <= 5


# --- resolving -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def catalog():
    return block_dataset(seed=0).catalog


@pytest.fixture(scope="module")
def search(catalog):
    from movierec.search import TitleIndex

    index = TitleIndex.for_catalog(catalog)
    return index.search


def test_resolve_reports_how_each_pick_was_matched(catalog, search):
    specs, _ = parse_picks_text("Famly Movie 1\nFamily Movie 2=4\n-Crime Movie 3")
    resolved = resolve_picks(specs + [PickSpec.of_movie(4)], catalog, search)
    got = [(p.index, p.how, p.matched_by, p.status) for p in resolved.picks]
    assert got == [(1, "love", "title", "confident"), (2, "4", "title", "exact"),
                   (25, "dislike", "title", "exact"), (4, "love", "index", "id")]
    profile = resolved.profile()
    assert profile.positives.tolist() == [1, 2, 4] and profile.negatives.tolist() == [25]


def test_every_unknown_pick_is_named_in_one_error(catalog, search):
    specs, _ = parse_picks_text("Family Movie 1\nZzyzx Qwv\nFamly Movie 2\nNothing Like It")
    with pytest.raises(ServiceError) as err:
        resolve_picks(specs + [PickSpec.of_movie(10**6)], catalog, search)
    assert err.value.code == "unknown_title"
    for name in ("Zzyzx Qwv", "Nothing Like It", "catalog id 1000000"):
        assert name in err.value.message


def test_a_movie_picked_twice_is_used_once_with_a_note(catalog, search):
    specs, _ = parse_picks_text("Family Movie 1\nfamily movie 1 (1981)\nFamily Movie 2")
    resolved = resolve_picks(specs, catalog, search)
    assert [p.index for p in resolved.picks] == [1, 2]
    assert any("picked twice" in n for n in resolved.notes)
