"""Title search on the real catalogs: what people type must find the movie they mean, first.

The catalog is built through the project's own pipeline (`load_dataset`, via the
`tmdb_small` fixture in tests/conftest.py), exactly as the app builds it.
"""

from __future__ import annotations


import pytest

from movierec.search import TitleIndex, normalise_title

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def tmdb_index(tmdb_small) -> TitleIndex:
    return TitleIndex(tmdb_small.catalog.frame, tmdb_small.catalog.popularity())


# query -> the movie meant, as (title, year); titles compare after normalisation, so the
# catalog may write "Amélie" or "Amelie", "Léon" or "Leon".
QUERIES = [
    ("toy stroy", "Toy Story", 1995),
    ("the matrix", "The Matrix", 1999),
    ("Matrix", "The Matrix", 1999),
    ("Matrix, The (1999)", "The Matrix", 1999),
    ("godfather", "The Godfather", 1972),
    ("Godfather part II", "The Godfather: Part II", 1974),
    ("godfather 2", "The Godfather: Part II", 1974),
    ("heat 1995", "Heat", 1995),
    ("Heat (1995)", "Heat", 1995),
    ("heat,1995", "Heat", 1995),
    ("amelie", "Amélie", 2001),
    ("Amélie", "Amélie", 2001),
    ("pulp fictoin", "Pulp Fiction", 1994),
    ("star wars", "Star Wars", 1977),
    ("empire strikes back", "The Empire Strikes Back", 1980),
    ("seven 1995", "Se7en", 1995),
    ("se7en", "Se7en", 1995),
    ("Lord of the rings fellowship", "The Lord of the Rings: The Fellowship of the Ring", 2001),
    ("forrest gump", "Forrest Gump", 1994),
    ("shawshank redemption", "The Shawshank Redemption", 1994),
    ("jurassic prk", "Jurassic Park", 1993),
    ("Back to the futur", "Back to the Future", 1985),
    ("WALL-E", "WALL·E", 2008),
    ("walle", "WALL·E", 2008),
    ("spirited away", "Spirited Away", 2001),
    ("sen to chihiro no kamikakushi", "Spirited Away", 2001),
    ("Lion King 1994", "The Lion King", 1994),
    ("Alien", "Alien", 1979),
    ("Aliens", "Aliens", 1986),
    ("Toy Story 2", "Toy Story 2", 1999),
    ("the dark night", "The Dark Knight", 2008),
    ("Fight club", "Fight Club", 1999),
    ("Inception", "Inception", 2010),
    ("casablanca", "Casablanca", 1942),
    ("Schindlers list", "Schindler's List", 1993),
    ("Leon the professional", "Léon: The Professional", 1994),
    ("Cité des enfants perdus", "The City of Lost Children", 1995),
    ("the usual suspect", "The Usual Suspects", 1995),
    ("terminator 2", "Terminator 2: Judgment Day", 1991),
    ("silence of the lambs", "The Silence of the Lambs", 1991),
    ("one flew over the cuckoos nest", "One Flew Over the Cuckoo's Nest", 1975),
    ("2001 a space odyssey", "2001: A Space Odyssey", 1968),
    ("harry potter and the philosophers stone", "Harry Potter and the Sorcerer's Stone", 2001),
    ("Il buono, il brutto, il cattivo", "The Good, the Bad and the Ugly", 1966),
    ("king kong 1933", "King Kong", 1933),
    ("king kong 2005", "King Kong", 2005),
    ("oceans eleven 1960", "Ocean's Eleven", 1960),
    ("LA confidential", "L.A. Confidential", 1997),
    ("Die Hard 2", "Die Hard 2", 1990),
    ("titanic 1997", "Titanic", 1997),
]


def same_title(a: str, b: str) -> bool:
    return normalise_title(a)[0] == normalise_title(b)[0]


@pytest.mark.parametrize("query, title, year", QUERIES, ids=[q[0] for q in QUERIES])
def test_query_finds_the_intended_movie_first(tmdb_index, query, title, year):
    match = tmdb_index.search(query)
    top = [(c.title, c.year, round(c.confidence, 3)) for c in match.candidates[:4]]
    assert match.best is not None, match.message()
    assert same_title(match.best.title, title) and match.best.year == year, (
        f"{query!r} -> {match.status}: {top}")
    assert match.status != "not_found", match.message()


def test_typed_title_with_its_year_is_exact(tmdb_index):
    for query in ["heat 1995", "the matrix", "Toy Story 2", "Alien", "casablanca 1942"]:
        match = tmdb_index.search(query)
        assert match.status == "exact", match.message()


def test_a_main_title_alone_is_a_confident_match(tmdb_index):
    """The part before a subtitle is how people name a film; a film titled exactly that
    still wins outright (no tie with its sequels' main titles)."""
    match = tmdb_index.search("Lagaan")
    assert match.status == "confident", match.message()
    assert match.best.title == "Lagaan: Once Upon a Time in India"
    for query, title in [("Alien", "Alien"), ("The Godfather", "The Godfather"),
                         ("godfathr", "The Godfather")]:
        match = tmdb_index.search(query)
        assert match.ok and match.best.title == title, match.message()


def test_garbage_on_the_real_catalog(tmdb_index):
    for query in ["", "   ", "x" * 10_000, "🎬🍿", "qwxzzyqwxzzy"]:
        match = tmdb_index.search(query)
        assert match.status == "not_found" and match.message().startswith("not found")


def test_suggest_on_the_real_catalog(tmdb_index):
    assert tmdb_index.suggest("the matr")[0].title == "The Matrix"
    assert tmdb_index.suggest("toy st")[0].title == "Toy Story"


def test_large_catalog_87k_titles(real_data):
    """ml-32m's 87,585 titles (parsed by the project's MovieLens reader) still find the right
    movie first. Build and query times are printed by benchmarks/bench_search.py."""
    from movierec.data.movielens import read_movie_list

    frame = read_movie_list(real_data / "ml-32m" / "movies.csv")
    assert len(frame) > 85_000
    index = TitleIndex(frame)
    for query, title, year in [("toy stroy", "Toy Story", 1995), ("heat 1995", "Heat", 1995),
                               ("Cité des enfants perdus", "The City of Lost Children", 1995),
                               ("walle", "WALL·E", 2008), ("Toy Story 2", "Toy Story 2", 1999),
                               ("1917", "1917", 2019)]:
        best = index.search(query).best
        assert best is not None and same_title(best.title, title) and best.year == year, query
