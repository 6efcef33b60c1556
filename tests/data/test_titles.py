"""Title splitting, genre normalisation and date parsing: tables of real MovieLens cases."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from movierec.data.titles import (
    CANONICAL_GENRES,
    move_article_to_front,
    normalise_genres,
    parse_date,
    parse_year,
    split_movielens_title,
)

TITLES = [
    ("Matrix, The (1999)", "The Matrix", 1999, []),
    ("Toy Story (1995)", "Toy Story", 1995, []),
    ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
     "The City of Lost Children", 1995, ["La Cité des enfants perdus"]),
    ("Seven (a.k.a. Se7en) (1995)", "Seven", 1995, ["Se7en"]),
    ("Ghost in the Shell (Kôkaku kidôtai) (1995)", "Ghost in the Shell", 1995, ["Kôkaku kidôtai"]),
    ("Avventura, L' (1960)", "L'Avventura", 1960, []),
    ("Star Maker, The (Uomo delle stelle, L') (1995)", "The Star Maker", 1995, ["L'Uomo delle stelle"]),
    ("Misérables, Les (1995)", "Les Misérables", 1995, []),
    ("Vitelloni, I (1953)", "I Vitelloni", 1953, []),
    ("Orrori del castello di Norimberga, Gli (1972)", "Gli Orrori del castello di Norimberga", 1972, []),
    ("Blaue Engel, Der (1930)", "Der Blaue Engel", 1930, []),
    ("Brücke, Die (1959)", "Die Brücke", 1959, []),
    ("Versprechen, Das (1995)", "Das Versprechen", 1995, []),
    ("Sjunde inseglet, Det (1957)", "Det Sjunde inseglet", 1957, []),
    ("Eneste ene, Den (1999)", "Den Eneste ene", 1999, []),
    ("Vampiras, Las (1969)", "Las Vampiras", 1969, []),
    ("Olvidados, Los (1950)", "Los Olvidados", 1950, []),
    ("Espinazo del diablo, El (2001)", "El Espinazo del diablo", 2001, []),
    ("Chien andalou, Un (1929)", "Un Chien andalou", 1929, []),
    ("Femme est une femme, Une (1961)", "Une Femme est une femme", 1961, []),
    ("Conformista, Il (1970)", "Il Conformista", 1970, []),
    ("Star Is Born, A (1954)", "A Star Is Born", 1954, []),
    ("Affair of the Heart, An (2012)", "An Affair of the Heart", 2012, []),
    ("Sodot, Ha- (2000)", "Ha-Sodot", 2000, []),
    ("Crow, The: Wicked Prayer (2005)", "The Crow: Wicked Prayer", 2005, []),
    ("Babylon 5", "Babylon 5", None, []),
    ("Babe Ruth Story, The (1948) ", "The Babe Ruth Story", 1948, []),
    ("Two Friends (1986) ", "Two Friends", 1986, []),
    ("Millions Game, The (Das Millionenspiel)", "The Millions Game", None, ["Das Millionenspiel"]),
    ("Diplomatic Immunity (2009– )", "Diplomatic Immunity", 2009, []),
    ("Fawlty Towers (1975-1979)", "Fawlty Towers", 1975, []),
    ("Band of Brothers (2001–2001)", "Band of Brothers", 2001, []),
    ("Land Before Time III: The Time of the Great Giving (1995) (V)",
     "Land Before Time III: The Time of the Great Giving", 1995, []),
    ("Mona and the Time of Burning Love (Mona ja palavan rakkauden aika) (1983))",
     "Mona and the Time of Burning Love", 1983, ["Mona ja palavan rakkauden aika"]),
    ("Deadly Advice(1994)", "Deadly Advice", 1994, []),
    ("Beautiful (A-leum-dab-da (2008)", "Beautiful", 2008, ["A-leum-dab-da"]),
    ("Hard 8 (a.k.a. Sydney, a.k.a. Hard Eight) (1996)", "Hard 8", 1996, ["Sydney", "Hard Eight"]),
    ("Professional, The (a.k.a. Leon: The Professional) (1994)", "The Professional", 1994,
     ["Leon: The Professional"]),
    ("Dexter the Dragon & Bumble the Bear (a.k.a. Dragon That Wasn't (Or Was He?), The) "
     "(Als je begrijpt wat ik bedoel) (1983)", "Dexter the Dragon & Bumble the Bear", 1983,
     ["The Dragon That Wasn't (Or Was He?)", "Als je begrijpt wat ik bedoel"]),
    ("Swordsman II (Legend of the Swordsman, The) (Xiao ao jiang hu zhi: Dong Fang Bu Bai) (1992)",
     "Swordsman II", 1992, ["The Legend of the Swordsman", "Xiao ao jiang hu zhi: Dong Fang Bu Bai"]),
    ("Savage Nights (Nuits fauves, Les) (1992)", "Savage Nights", 1992, ["Les Nuits fauves"]),
    ("Spy(ies) (Espion(s)) (2009)", "Spy(ies)", 2009, ["Espion(s)"]),
    ("(500) Days of Summer (2009)", "(500) Days of Summer", 2009, []),
    ("Human Centipede II (Full Sequence), The (2011)", "The Human Centipede II (Full Sequence)", 2011, []),
    ("Die, Mommie, Die (2003)", "Die, Mommie, Die", 2003, []),
    ("Strike! (a.k.a. All I Wanna Do, The Hairy Bird) (1998)", "Strike!", 1998,
     ["All I Wanna Do, The Hairy Bird"]),
    ("unknown", "unknown", None, []),
    ("Sallie Gardner at a Gallop (1878)", "Sallie Gardner at a Gallop", 1878, []),
    ("Some Film (1066)", "Some Film", None, []),  # implausible year: dropped, not trusted
]


@pytest.mark.parametrize("raw,title,year,aka", TITLES)
def test_split_movielens_title(raw, title, year, aka):
    assert split_movielens_title(raw) == (title, year, aka)


def test_split_returns_a_fresh_list_each_time():
    first = split_movielens_title("Seven (a.k.a. Se7en) (1995)")[2]
    first.append("mutated")
    assert split_movielens_title("Seven (a.k.a. Se7en) (1995)")[2] == ["Se7en"]


def test_split_rejects_none():
    with pytest.raises(TypeError):
        split_movielens_title(None)


@pytest.mark.parametrize("raw,expected", [
    ("Matrix, The", "The Matrix"),
    ("Enfer, L'", "L'Enfer"),
    ("the end, the", "the end, the"),  # articles are matched case-sensitively
    ("Live Once, Die Twice", "Live Once, Die Twice"),
    ("Die, Monster, Die!", "Die, Monster, Die!"),
    ("Hurdes, tierra sin pan, Las", "Las Hurdes, tierra sin pan"),
])
def test_move_article_to_front(raw, expected):
    assert move_article_to_front(raw) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_split_never_crashes_and_trims(raw):
    title, year, aka = split_movielens_title(raw)
    assert title == title.strip()
    assert year is None or 1870 <= year <= 2100
    assert all(a and a == a.strip() for a in aka)


GENRES = [
    ("Animation|Children's|Comedy", ["Animation", "Family", "Comedy"]),
    ("Adventure|Children|Fantasy", ["Adventure", "Family", "Fantasy"]),
    ("Sci-Fi|Film-Noir|Musical", ["Science Fiction", "Film Noir", "Music"]),
    ("(no genres listed)", []),
    ("IMAX|Drama|IMAX", ["Drama"]),
    ("unknown", []),
    ("", []),
    (["Children", "Family", "Children's"], ["Family"]),
    (["Science Fiction", "sci-fi", "Drama"], ["Science Fiction", "Drama"]),
    (["TV Movie", "Foreign", "History"], ["TV Movie", "Foreign", "History"]),
    (["drama", " Comedy "], ["Drama", "Comedy"]),
    (["Western|War", None], ["Western", "War"]),
    (["Kung Fu"], ["Kung Fu"]),  # unknown names are kept as written
    (None, []),
    (float("nan"), []),
]


@pytest.mark.parametrize("names,expected", GENRES)
def test_normalise_genres(names, expected):
    assert normalise_genres(names) == expected


def test_canonical_genres_are_fixed_points():
    assert normalise_genres(list(CANONICAL_GENRES)) == list(CANONICAL_GENRES)
    assert len(set(CANONICAL_GENRES)) == len(CANONICAL_GENRES)
    for movielens_only in ("Sci-Fi", "Children", "Film-Noir", "Musical", "IMAX"):
        assert movielens_only not in CANONICAL_GENRES


YEARS = [
    ("1995-10-30", 1995), ("01-Jan-1995", 1995), ("1995", 1995), (1995, 1995), (1995.0, 1995),
    (date(1999, 3, 31), 1999), ("", None), (None, None), (float("nan"), None), ("NaT", None),
    ("1869-01-01", None), ("2101-01-01", None), ("1870", 1870), ("2100", 2100),
    ("not a date", None), ("12345", None),
]


@pytest.mark.parametrize("text,year", YEARS)
def test_parse_year(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize("text,iso", [
    ("1995-10-30", "1995-10-30"), ("01-Jan-1995", "1995-01-01"), ("30-Oct-1995", "1995-10-30"),
    ("1995-02-30", None), ("31-Feb-1995", None), ("", None), (None, None), ("1995", None),
    ("01-Foo-1995", None), ("1800-01-01", None), (date(2001, 9, 1), "2001-09-01"),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso
