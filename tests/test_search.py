"""TitleIndex on a small hand-made catalog: remakes, sequels, articles, accents, aliases.

Every movie here exists for a reason (a remake, a sequel, a trap for a too-eager matcher);
popularity is set so that ties have a known winner.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.search import Candidate, Match, TitleIndex, normalise_title

# (title, year, original_title, aka, popularity)
MOVIES = [
    ("Heat", 1995, None, None, 100),
    ("Heat", 1986, None, None, 70),
    ("Heat", 1972, None, None, 20),
    ("The Heat", 2013, None, None, 60),
    ("Heat Wave", 1990, None, None, 5),
    ("The Matrix", 1999, None, None, 200),
    ("The Matrix Reloaded", 2003, None, None, 80),
    ("The Matrix Revolutions", 2003, None, None, 70),
    ("Matrix of Evil", 2003, None, None, 1),
    ("Toy Story", 1995, None, None, 150),
    ("Toy Story 2", 1999, None, None, 90),
    ("Toy Story 3", 2010, None, None, 95),
    ("Tokyo Story", 1953, None, None, 30),
    ("Troy", 2004, None, None, 60),
    ("Alien", 1979, None, None, 120),
    ("Aliens", 1986, None, None, 110),
    ("Alien Nation", 1988, None, None, 15),
    ("Amélie", 2001, "Le Fabuleux Destin d'Amélie Poulain", None, 90),
    ("Seven", 1995, None, ["Se7en"], 130),
    ("Seven", 1979, None, None, 1),
    ("Seven Samurai", 1954, "Shichinin no samurai", None, 85),
    ("WALL·E", 2008, None, None, 100),
    ("The City of Lost Children", 1995, None, ["La Cité des enfants perdus"], 30),
    ("The Godfather", 1972, None, None, 180),
    ("The Godfather: Part II", 1974, None, None, 120),
    ("The Godfather: Part III", 1990, None, None, 60),
    ("1917", 2019, None, None, 70),
    ("2012", 2009, None, None, 50),
    ("Death Race 2000", 1975, None, None, 10),
    ("Death Race", 2008, None, None, 30),
    ("The Dark Knight", 2008, None, None, 190),
    ("Dark Night", 2018, None, None, 1),
    ("Die Hard", 1988, None, None, 140),
    ("Hard", 1998, None, None, 2),
    ("Star Wars: Episode IV - A New Hope", 1977, None, ["Star Wars"], 200),
    ("Star Wars: Episode V - The Empire Strikes Back", 1980, None, None, 170),
    ("Star Wars: The Clone Wars", 2008, None, None, 40),
    ("Léon: The Professional", 1994, "Léon", ["The Professional"], 100),
    ("Crash", 1996, None, None, 40),
    ("Crash", 2004, None, None, 45),
    ("Schindler's List", 1993, None, None, 150),
    ("Back to the Future", 1985, None, None, 160),
    ("Back to the Future Part II", 1989, None, None, 100),
    ("Spider-Man", 2002, None, None, 120),
    ("The Lord of the Rings: The Fellowship of the Ring", 2001, None, None, 190),
    ("The Lord of the Rings", 1978, None, None, 20),
    ("Lost Tapes", None, None, None, 0),
]


def make_frame(movies=MOVIES, index=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": [m[0] for m in movies],
            "year": pd.array([m[1] for m in movies], dtype="Int64"),
            "original_title": [m[2] for m in movies],
            "aka": [m[3] for m in movies],
        },
        index=index,
    )


POP = np.array([m[4] for m in MOVIES], dtype=float)


def row(title: str, year: int | None) -> int:
    hits = [i for i, m in enumerate(MOVIES) if m[0] == title and m[1] == year]
    assert len(hits) == 1, (title, year)
    return hits[0]


@pytest.fixture(scope="module")
def index() -> TitleIndex:
    return TitleIndex(make_frame(), POP)


def check(match: Match, title: str, year: int | None) -> Candidate:
    best = match.best
    assert best is not None, match.message()
    got = [(c.title, c.year) for c in match.candidates[:4]]
    assert (best.title, best.year) == (title, year), f"{match.query!r}: {match.status} {got}"
    assert best.index == row(title, year)
    return best


# ---------------------------------------------------------------- normalisation

@pytest.mark.parametrize("a, b", [
    ("Matrix, The", "The Matrix"),
    ("THE MATRIX", "the matrix"),
    ("WALL·E", "walle"),
    ("Amélie", "AMELIE"),
    ("Schindler's List", "schindlers list"),
    ("Godfather: Part II, The", "the godfather part 2"),
    ("Cité des enfants perdus, La", "La Cité des enfants perdus"),
    ("Æon Flux", "aeon flux"),
    ("Fast & Furious", "fast and furious"),
])
def test_normalise_title_equal(a, b):
    assert normalise_title(a)[0] == normalise_title(b)[0]


def test_normalise_title_forms():
    assert normalise_title("Matrix, The") == ("the matrix", "matrix")
    assert normalise_title("Boot, Das") == ("das boot", "boot")  # an article written at the end
    assert normalise_title("Die Hard") == ("die hard", "die hard")  # "Die" at the front: a word
    assert normalise_title("Die, Mommie, Die")[0] == "die mommie die"
    assert normalise_title("Se7en") == ("se7en", "se7en")
    assert normalise_title("  🎬 !!! ") == ("", "")


# ---------------------------------------------------------------- what must resolve

@pytest.mark.parametrize("query, title, year", [
    ("the matrix", "The Matrix", 1999),
    ("The Matrix", "The Matrix", 1999),
    ("Matrix, The", "The Matrix", 1999),
    ("THE MATRIX", "The Matrix", 1999),
    ("matrix", "The Matrix", 1999),
    ("Matrix, The (1999)", "The Matrix", 1999),
    ("toy story", "Toy Story", 1995),
    ("Toy Story 2", "Toy Story 2", 1999),
    ("toy story II", "Toy Story 2", 1999),
    ("Alien", "Alien", 1979),
    ("Aliens", "Aliens", 1986),
    ("amelie", "Amélie", 2001),
    ("Amélie", "Amélie", 2001),
    ("AMÉLIE", "Amélie", 2001),
    ("le fabuleux destin d'amelie poulain", "Amélie", 2001),
    ("walle", "WALL·E", 2008),
    ("WALL-E", "WALL·E", 2008),
    ("Wall E", "WALL·E", 2008),
    ("spiderman", "Spider-Man", 2002),
    ("se7en", "Seven", 1995),
    ("Schindlers list", "Schindler's List", 1993),
    ("leon the professional", "Léon: The Professional", 1994),
    ("godfather", "The Godfather", 1972),
    ("Godfather part II", "The Godfather: Part II", 1974),
    ("godfather part 3", "The Godfather: Part III", 1990),
    ("back to the future part 2", "Back to the Future Part II", 1989),
    ("1917", "1917", 2019),
    ("2012", "2012", 2009),
    ("death race 2000", "Death Race 2000", 1975),
    ("death race", "Death Race", 2008),
    ("die hard", "Die Hard", 1988),
    ("hard", "Hard", 1998),
    ("star wars", "Star Wars: Episode IV - A New Hope", 1977),
])
def test_exact(index, query, title, year):
    match = index.search(query)
    check(match, title, year)
    assert match.status == "exact", match.message()
    assert match.ok


@pytest.mark.parametrize("query, title, year", [
    ("toy stroy", "Toy Story", 1995),
    ("matirx", "The Matrix", 1999),
    ("godfathr", "The Godfather", 1972),
    ("Back to the futur", "Back to the Future", 1985),
    ("the dark night", "The Dark Knight", 2008),  # not the obscure "Dark Night"
    ("schindlers lsit", "Schindler's List", 1993),
    ("Cité des enfants perdus", "The City of Lost Children", 1995),
    ("empire strikes back", "Star Wars: Episode V - The Empire Strikes Back", 1980),
    ("Lord of the rings fellowship", "The Lord of the Rings: The Fellowship of the Ring", 2001),
    ("heat 1996", "Heat", 1995),  # one year off: still the 1995 film, but not "exact"
])
def test_confident(index, query, title, year):
    match = index.search(query)
    check(match, title, year)
    assert match.status == "confident", match.message()
    assert match.ok
    assert match.message().startswith(f'Matched "{title}" ({year})')


def test_aliases_say_what_matched(index):
    assert index.search("se7en").best.matched == "Se7en"
    assert index.search("Cité des enfants perdus").best.matched == "La Cité des enfants perdus"
    assert index.search("fabuleux destin d amelie poulain").best.matched.startswith("Le Fabuleux")
    assert index.search("Shichinin no samurai").best.title == "Seven Samurai"


# ---------------------------------------------------------------- years and remakes

@pytest.mark.parametrize("query", ["heat 1995", "Heat (1995)", "heat,1995", "HEAT [1995]",
                                   "heat - 1995"])
def test_year_picks_the_remake(index, query):
    match = index.search(query)
    check(match, "Heat", 1995)
    assert match.status == "exact"
    assert match.message() == 'Matched "Heat" (1995)'


@pytest.mark.parametrize("query, year", [("heat 1986", 1986), ("Heat (1972)", 1972),
                                         ("heat 1987", 1986), ("heat 1971", 1972),
                                         ("the heat 2013", 2013)])
def test_year_dominates_popularity(index, query, year):
    match = index.search(query)
    check(match, "The Heat" if year == 2013 else "Heat", year)
    assert match.ok


def test_seven_by_year(index):
    check(index.search("seven 1995"), "Seven", 1995)
    check(index.search("seven (1979)"), "Seven", 1979)


def test_same_title_remakes_are_ambiguous(index):
    match = index.search("heat")
    assert match.status == "ambiguous"
    assert not match.ok
    check(match, "Heat", 1995)  # best known first
    assert {(c.title, c.year) for c in match.candidates[:3]} == {
        ("Heat", 1995), ("Heat", 1986), ("Heat", 1972)}
    text = match.message()
    assert text.startswith('ambiguous: "heat" could be Heat (1995), Heat (1986)')
    assert "add a year" in text


def test_ties_ranked_by_popularity():
    match = TitleIndex(make_frame(), POP).search("crash")
    assert match.status == "ambiguous"
    assert [(c.title, c.year) for c in match.candidates[:2]] == [("Crash", 2004), ("Crash", 1996)]
    flipped = POP.copy()
    flipped[row("Crash", 1996)] = 1000
    match = TitleIndex(make_frame(), flipped).search("crash")
    assert [(c.title, c.year) for c in match.candidates[:2]] == [("Crash", 1996), ("Crash", 2004)]


def test_famous_film_dominates_obscure_namesake(index):
    match = index.search("seven")  # Seven (1995) is famous, Seven (1979) is not
    check(match, "Seven", 1995)
    assert match.status == "exact"
    without_popularity = TitleIndex(make_frame()).search("seven")
    assert without_popularity.status == "ambiguous"


# ---------------------------------------------------------------- sequels

def test_sequels_do_not_collapse(index):
    assert index.search("Toy Story 2").best.title == "Toy Story 2"
    assert index.search("toy story 3").best.title == "Toy Story 3"
    assert index.search("toy stroy 2").best.title == "Toy Story 2"
    assert index.search("Toy Story").best.title == "Toy Story"
    alien = index.search("Alien")
    assert [c.title for c in alien.candidates[:2]] == ["Alien", "Aliens"]
    assert alien.candidates[0].confidence > alien.candidates[1].confidence
    assert index.search("aliens").best.title == "Aliens"


# ---------------------------------------------------------------- not found / garbage

@pytest.mark.parametrize("query", ["", "   ", "\n\t", "x" * 10_000, "🎬🍿🎥", "!!! ???",
                                   "matrix " * 1500, "\x00\x01", "ﷺ" * 50])
def test_garbage_is_not_found_not_an_error(index, query):
    match = index.search(query)
    assert match.status == "not_found"
    assert not match.ok
    assert match.message().startswith("not found")
    assert len(match.message()) < 300


def test_not_found_suggests(index):
    match = index.search("Toy Soldier Story Wars")
    assert match.status == "not_found"
    assert match.candidates, "expected did-you-mean suggestions"
    assert "did you mean" in match.message()
    assert all(c.confidence < 0.75 for c in match.candidates)
    nothing = index.search("qqqqzzzzvvvv")
    assert nothing.status == "not_found" and nothing.best is None
    assert "nothing in the catalog" in nothing.message()


# ---------------------------------------------------------------- shapes and contracts

@pytest.mark.parametrize("query", ["heat", "toy stroy", "matrix", "star wars", "xyz",
                                   "godfather part 2"])
def test_candidates_are_well_formed(index, query):
    match = index.search(query, limit=5)
    frame = make_frame()
    assert match.query == query
    assert match.status in {"exact", "confident", "ambiguous", "not_found"}
    assert len(match.candidates) <= 5
    assert len({c.index for c in match.candidates}) == len(match.candidates)
    for c in match.candidates:
        assert 0.0 <= c.confidence <= 1.0
        assert frame.iloc[c.index]["title"] == c.title
        assert c.year is None or isinstance(c.year, int)
        assert isinstance(c.matched, str) and c.matched


def test_results_are_frozen(index):
    match = index.search("heat")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.status = "exact"
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.best.index = 3


def test_index_is_row_position_not_frame_label():
    frame = make_frame(index=pd.Index(range(1000, 1000 + len(MOVIES))))
    match = TitleIndex(frame, POP).search("the matrix")
    assert match.best.index == row("The Matrix", 1999)


def test_popularity_optional_and_missing_values():
    pop = POP.copy()
    pop[::3] = np.nan
    for popularity in (None, pop, list(POP)):
        check(TitleIndex(make_frame(), popularity).search("toy story 2"), "Toy Story 2", 1999)
    with pytest.raises(ValueError):
        TitleIndex(make_frame(), POP[:-1])


def test_unknown_year_and_list_types():
    frame = make_frame()
    frame["aka"] = [np.array(a) if a else None for a in frame["aka"]]  # parquet gives arrays
    idx = TitleIndex(frame, POP)
    check(idx.search("se7en"), "Seven", 1995)
    lost = idx.search("lost tapes")
    assert lost.status == "exact" and lost.best.year is None
    assert lost.message() == 'Matched "Lost Tapes"'


def test_empty_catalog():
    idx = TitleIndex(make_frame([]), np.zeros(0))
    assert idx.search("heat").status == "not_found"
    assert idx.suggest("he") == []


def test_resolve_many(index):
    matches = index.resolve_many(["toy stroy", "heat 1995", "", "Alien"])
    assert [m.query for m in matches] == ["toy stroy", "heat 1995", "", "Alien"]
    assert [m.status for m in matches] == ["confident", "exact", "not_found", "exact"]


# ---------------------------------------------------------------- suggest (search as you type)

def test_suggest_prefix(index):
    titles = [c.title for c in index.suggest("the matr")]
    assert titles[:3] == ["The Matrix", "The Matrix Reloaded", "The Matrix Revolutions"]
    titles = [c.title for c in index.suggest("Toy", limit=3)]
    assert titles == ["Toy Story", "Toy Story 3", "Toy Story 2"]  # best known first
    assert index.suggest("heat", limit=2)[0].title == "Heat"


def test_suggest_falls_back_to_fuzzy(index):
    assert index.suggest("matirx")[0].title == "The Matrix"
    assert index.suggest("") == [] and index.suggest("   ") == [] and index.suggest("🎬") == []
    assert len(index.suggest("s", limit=4)) == 4


# ---------------------------------------------------------------- never raises

@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_coherent_answer(text):
    idx = _shared_index()
    match = idx.search(text)
    assert match.status in {"exact", "confident", "ambiguous", "not_found"}
    assert isinstance(match.message(), str) and match.message()
    if match.ok:
        assert match.best is not None and match.best.confidence >= 0.75
    if match.status == "not_found":
        assert all(c.confidence < 0.75 for c in match.candidates)
    assert isinstance(idx.suggest(text), list)


_CACHE: dict = {}


def _shared_index() -> TitleIndex:
    if "index" not in _CACHE:
        _CACHE["index"] = TitleIndex(make_frame(), POP)
    return _CACHE["index"]
