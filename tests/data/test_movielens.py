"""MovieLens readers on synthetic files in every original layout, from folders and zips.

Each layout is written by the test itself (never copied from real data), with malformed
lines whose exact drop counts the report must show. One integration test reads the real
ml-100k, ml-latest and ml-1m files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.data import schema
from movierec.data.rating_files import _latest_per_pair
from movierec.data.movielens import (
    BAD_IDS,
    BAD_RATING,
    BAD_TIMESTAMP,
    DUPLICATE_MOVIE,
    DUPLICATE_RATING,
    MALFORMED,
    UNKNOWN_MOVIE,
    ParsedSource,
    _users,
    read_links,
    read_movie_list,
    read_movielens,
    read_ratings_csv,
)
from movierec.data.rawfiles import DataError, MissingFileError, RawSource
from movierec.data.report import PrepareReport
from movierec.data.sources import get_spec

CATALOG = list(schema.CATALOG_COLUMNS) + ["item_key"]


def make_raw(tmp_path: Path, folder: str, files: dict[str, bytes], container: str) -> RawSource:
    """Write ``files`` as a plain folder, or as a GroupLens-style zip with a sub-folder."""
    if container == "folder":
        root = tmp_path / folder
        root.mkdir()
        for name, data in files.items():
            (root / name).write_bytes(data)
        return RawSource.open_path(root)
    path = tmp_path / f"{folder}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{folder}/", b"")
        for name, data in files.items():
            zf.writestr(f"{folder}/{name}", data)
    return RawSource.open_path(path)


def lines(*rows: str, eol: str = "\n", encoding: str = "utf-8") -> bytes:
    return "".join(r + eol for r in rows).encode(encoding)


def counts(report: PrepareReport, name: str) -> tuple[int, int, dict, dict]:
    fr = report.files[name]
    assert fr.read == fr.kept + fr.dropped_total, f"{name}: read != kept + dropped"
    return fr.read, fr.kept, dict(fr.dropped), dict(fr.fixed)


def ratings_tuples(ratings: pd.DataFrame) -> list[tuple]:
    return [(int(u), int(i), float(r), int(t)) for u, i, r, t in
            ratings[list(schema.RATING_COLUMNS)].itertuples(index=False)]


def assert_rating_dtypes(ratings: pd.DataFrame, extra: tuple[str, ...] = ()) -> None:
    assert list(ratings.columns) == list(schema.RATING_COLUMNS) + list(extra)
    for name, dtype in schema.RATING_COLUMNS.items():
        assert ratings[name].dtype == np.dtype(dtype), name


@pytest.fixture(params=["folder", "zip"])
def container(request) -> str:
    return request.param


# ---------------------------------------------------------------- ml-100k

def _flags(*names: str) -> str:
    order = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
             "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
             "Romance", "Sci-Fi", "Thriller", "War", "Western"]
    return "|".join("1" if g in names else "0" for g in order)


ML100K = {
    "u.data": lines(
        "1\t1\t5\t881250949",
        "1\t2\t3\t881250950",
        "2\t1\t4\t881250951",
        "2\t3\t2\t881250952",
        "3\t2\t1\t881250953",
        "3\t3\t4\t881250954",
        "1\t1\t4\t881250999",      # duplicate of (1, 1), later: this one is kept
        "2\t2\t9\t881250960",      # rating out of range
        "2\t4\tx\t881250961",      # non-numeric rating
        "3\t1\t5",                 # wrong field count
        "4\t99\t3\t881250970",     # movie 99 is not in u.item
    ),
    "u.item": lines(
        "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|"
        + _flags("Animation", "Children's", "Comedy"),
        f"2|City of Lost Children, The (Cité des enfants perdus, La) (1995)|01-Jan-1995||x|"
        f"{_flags('Adventure', 'Sci-Fi')}",
        f"3|Seven (Se7en) (1995)|01-Jan-1995||x|{_flags('Crime', 'Thriller')}",
        f"4|Heidi Fleiss: Hollywood Madam |12-Mar-1996||x|{_flags('Documentary')}",
        f"5|unknown||||{_flags('unknown')}",
        "6|Broken line|01-Jan-1995",                          # wrong field count
        encoding="latin-1",
    ),
    "u.user": lines(
        "1|24|M|technician|85711",
        "2|53|F|other|94043",
        "3|23|M|writer|32067",
        "4|x|M|student|12345",      # age not a number: kept, age missing
        "bad line",                 # wrong field count
    ),
    "u.genre": lines(*[f"{g}|{i}" for i, g in enumerate(
        ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
         "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
         "Romance", "Sci-Fi", "Thriller", "War", "Western"])], ""),
    "u1.test": lines("1\t2\t3\t881250950", "2\t1\t4\t881250951"),
    "u2.test": lines("2\t3\t2\t881250952"),
    "u3.test": lines("3\t2\t1\t881250953"),
    "u4.test": lines("3\t3\t4\t881250954"),
    "u5.test": lines("1\t1\t4\t881250999", "4\t99\t3\t881250970"),
    "u1.base": lines("2\t3\t2\t881250952"),  # bases are not read: the tests define folds
}


def test_ml100k(tmp_path, container):
    raw = make_raw(tmp_path, "ml-100k", ML100K, container)
    report = PrepareReport()
    parsed = read_movielens(get_spec("ml-100k"), raw, report)
    assert isinstance(parsed, ParsedSource)

    ratings = parsed.ratings
    assert_rating_dtypes(ratings, extra=("fold",))
    assert ratings["fold"].dtype == np.int8
    assert ratings_tuples(ratings) == [
        (1, 2, 3.0, 881250950), (2, 1, 4.0, 881250951), (2, 3, 2.0, 881250952),
        (3, 2, 1.0, 881250953), (3, 3, 4.0, 881250954), (1, 1, 4.0, 881250999),
    ]
    assert ratings["fold"].tolist() == [1, 1, 2, 3, 4, 5]
    assert counts(report, "u.data") == (
        11, 6, {MALFORMED: 1, BAD_RATING: 2, DUPLICATE_RATING: 1, UNKNOWN_MOVIE: 1}, {})
    assert counts(report, "u5.test") == (2, 1, {"not in u.data": 1}, {})
    assert "u1.base" not in report.files

    movies = parsed.movies.set_index("item_key")
    assert list(parsed.movies.columns) == CATALOG
    assert counts(report, "u.item") == (6, 5, {MALFORMED: 1}, {})
    assert movies.loc[2, "title"] == "The City of Lost Children"
    assert movies.loc[2, "aka"] == ["La Cité des enfants perdus"]  # Latin-1 decoded
    assert movies.loc[1, "genres"] == ["Animation", "Family", "Comedy"]
    assert movies.loc[2, "genres"] == ["Adventure", "Science Fiction"]
    assert movies.loc[3, "aka"] == ["Se7en"]
    assert movies.loc[4, "title"] == "Heidi Fleiss: Hollywood Madam"
    assert movies.loc[4, "year"] == 1996  # from the date column
    assert movies.loc[4, "release_date"] == "1996-03-12"
    assert movies.loc[5, "genres"] is None and pd.isna(movies.loc[5, "year"])
    assert movies["movielens_id"].isna().all()  # ml-100k ids are not global ids
    assert movies["source_item_id"].tolist() == [1, 2, 3, 4, 5]
    assert set(movies["source"]) == {"movielens"}

    users = parsed.users
    assert counts(report, "u.user") == (5, 4, {MALFORMED: 1}, {"non-numeric age set to missing": 1})
    assert users["user_id"].dtype == np.int64 and str(users["age"].dtype) == "Int64"
    assert users.iloc[0].to_dict() == {"user_id": 1, "age": 24, "gender": "M",
                                       "occupation": "technician", "zip": "85711"}
    assert pd.isna(users.iloc[3]["age"])


def test_ml100k_without_folds_or_users(tmp_path):
    files = {k: v for k, v in ML100K.items() if k in ("u.data", "u.item")}
    report = PrepareReport()
    parsed = read_movielens(get_spec("ml-100k"), make_raw(tmp_path, "ml-100k", files, "folder"), report)
    assert parsed.users is None
    assert (parsed.ratings["fold"] == 0).all()
    assert any("u1.test" in note for note in report.notes)


def test_missing_required_file_is_named(tmp_path, container):
    files = {"u.data": ML100K["u.data"]}
    raw = make_raw(tmp_path, "ml-100k", files, container)
    with pytest.raises(MissingFileError, match="u.item"):
        read_movielens(get_spec("ml-100k"), raw, PrepareReport())


# ---------------------------------------------------------------- ml-1m / ml-10m (.dat)

ML1M = {
    "movies.dat": lines(
        "1::Toy Story (1995)::Animation|Children's|Comedy",
        "2::City of Lost Children, The (Cité des enfants perdus, La) (1995)::Adventure|Sci-Fi",
        "3::Avventura, L' (1960)::Drama",
        "3::Duplicate (1990)::Drama",            # duplicate movie id
        "x::Bad (1990)::Drama",                  # bad movie id
        encoding="latin-1",
    ),
    "ratings.dat": lines(
        "1::1::5::978300760",
        "1::2::3::978302109",
        "2::1::4::978301968",
        "2::3::5::978300275",
        "1::2::4::978309999",        # duplicate of (1, 2), later: kept
        "2::2::abc::978300000",      # non-numeric rating
        "2::2::6::978300000",        # rating out of range
        "3::1::2",                   # wrong field count
        "3::7::3::978300001",        # movie 7 unknown
        "-4::1::3::978300001",       # negative user id
    ),
    "users.dat": lines(
        "1::F::1::10::48067",
        "2::M::56::16::70072",
        "3::M::25::99::55117",       # occupation code 99 does not exist
    ),
}


def test_ml1m(tmp_path, container):
    report = PrepareReport()
    parsed = read_movielens(get_spec("ml-1m"), make_raw(tmp_path, "ml-1m", ML1M, container), report)
    assert_rating_dtypes(parsed.ratings)
    assert ratings_tuples(parsed.ratings) == [
        (1, 1, 5.0, 978300760), (2, 1, 4.0, 978301968), (2, 3, 5.0, 978300275),
        (1, 2, 4.0, 978309999)]
    assert counts(report, "ratings.dat") == (
        10, 4, {MALFORMED: 1, BAD_RATING: 2, DUPLICATE_RATING: 1, UNKNOWN_MOVIE: 1, BAD_IDS: 1}, {})
    assert counts(report, "movies.dat") == (5, 3, {DUPLICATE_MOVIE: 1, "bad movie id": 1}, {})
    movies = parsed.movies.set_index("item_key")
    assert movies.loc[2, "title"] == "The City of Lost Children"
    assert movies.loc[2, "aka"] == ["La Cité des enfants perdus"]
    assert movies.loc[3, "title"] == "L'Avventura"
    assert movies.loc[1, "genres"] == ["Animation", "Family", "Comedy"]
    assert movies["movielens_id"].tolist() == [1, 2, 3]
    assert movies["imdb_id"].isna().all()
    users = parsed.users
    assert users["occupation"].tolist() == ["K-12 student", "self-employed", None]
    assert users["age"].tolist() == [1, 56, 25]
    assert users["gender"].tolist() == ["F", "M", "M"]
    assert counts(report, "users.dat") == (3, 3, {}, {"unknown occupation code set to missing": 1})


ML10M = {
    "movies.dat": lines(
        "1::Toy Story (1995)::Adventure|Animation|Children|Comedy|Fantasy",
        "2::Ghost in the Shell (Kôkaku kidôtai) (1995)::Animation|Sci-Fi",   # UTF-8
        "3::Babylon 5::(no genres listed)",
    ),
    "ratings.dat": lines(
        "1::1::3.5::838985046",
        "1::2::5::838983525",
        "2::1::0.5::838983392",
        "2::3::4.5::838983421",
        "2::3::4::838983000",        # duplicate, earlier: dropped
        "3::1::5::838983000::9",     # wrong field count
    ),
    "tags.dat": lines("15::4973::excellent!::1215184630"),
}


def test_ml10m(tmp_path, container):
    report = PrepareReport()
    parsed = read_movielens(get_spec("ml-10m"), make_raw(tmp_path, "ml-10M100K", ML10M, container), report)
    assert parsed.users is None
    assert ratings_tuples(parsed.ratings) == [
        (1, 1, 3.5, 838985046), (1, 2, 5.0, 838983525), (2, 1, 0.5, 838983392),
        (2, 3, 4.5, 838983421)]
    assert counts(report, "ratings.dat") == (6, 4, {MALFORMED: 1, DUPLICATE_RATING: 1}, {})
    movies = parsed.movies.set_index("item_key")
    assert movies.loc[2, "aka"] == ["Kôkaku kidôtai"]
    assert movies.loc[2, "genres"] == ["Animation", "Science Fiction"]
    assert movies.loc[3, "genres"] is None and pd.isna(movies.loc[3, "year"])
    assert not report.notes  # all UTF-8


# ---------------------------------------------------------------- CSV releases

CSV_RELEASE = {
    "movies.csv": lines(
        "movieId,title,genres",
        "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy",
        '2,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Drama|Sci-Fi',
        "3,Babylon 5,(no genres listed)",
        '4,"Seven (a.k.a. Se7en) (1995)",Mystery|Thriller|IMAX',
        "4,Duplicate (2000),Drama",
    ),
    "ratings.csv": lines(
        "userId,movieId,rating,timestamp",
        "1,1,4.0,964982703",
        "1,2,4.5,964981247",
        "1,3,0.5,964982224",
        "2,1,2.5,1445714835",
        "2,4,5.0,1445714836",
        "2,4,3.0,1445714800",        # duplicate, earlier: dropped
        "3,1,abc,1445714000",        # non-numeric rating
        "3,2,0.0,1445714000",        # out of range
        "3,2,4.25,1445714000",       # not a half-star step
        "3,1,3.0",                   # too few fields
        "3,1,3.0,1,extra",           # too many fields
        "3,3,3.0,yesterday",         # bad timestamp
        "4,999,3.0,1445714001",      # unknown movie
    ),
    "links.csv": lines(
        "movieId,imdbId,tmdbId",
        "1,0114709,862",
        "2,0112682,902",
        "3,0105946,",
        "4,114369,807",
        "4,0114369,807",             # duplicate movieId
    ),
    "tags.csv": lines("userId,movieId,tag,timestamp", "2,60756,funny,1445714994"),
}


@pytest.mark.parametrize("name", ["ml-20m", "ml-25m", "ml-32m", "ml-latest", "ml-latest-small"])
def test_csv_release(tmp_path, container, name):
    report = PrepareReport()
    parsed = read_movielens(get_spec(name), make_raw(tmp_path, name, CSV_RELEASE, container), report)
    assert parsed.users is None
    assert_rating_dtypes(parsed.ratings)
    assert ratings_tuples(parsed.ratings) == [
        (1, 1, 4.0, 964982703), (1, 2, 4.5, 964981247), (1, 3, 0.5, 964982224),
        (2, 1, 2.5, 1445714835), (2, 4, 5.0, 1445714836)]
    assert counts(report, "ratings.csv") == (13, 5, {
        MALFORMED: 2, BAD_RATING: 3, BAD_TIMESTAMP: 1, DUPLICATE_RATING: 1, UNKNOWN_MOVIE: 1}, {})
    assert counts(report, "movies.csv") == (5, 4, {DUPLICATE_MOVIE: 1}, {})
    assert counts(report, "links.csv") == (5, 4, {"duplicate movieId": 1}, {})
    movies = parsed.movies.set_index("item_key")
    assert list(parsed.movies.columns) == CATALOG
    assert movies.loc[2, "title"] == "The City of Lost Children"
    assert movies.loc[2, "genres"] == ["Adventure", "Drama", "Science Fiction"]
    assert movies.loc[4, "genres"] == ["Mystery", "Thriller"]
    assert movies.loc[3, "genres"] is None
    assert movies["imdb_id"].tolist() == ["tt0114709", "tt0112682", "tt0105946", "tt0114369"]
    assert movies["tmdb_id"].tolist()[:2] == [862, 902] and pd.isna(movies.loc[3, "tmdb_id"])
    assert movies["movielens_id"].tolist() == [1, 2, 3, 4]


def test_clean_csv_uses_fast_path_and_keeps_file_order(tmp_path, container):
    data = lines("userId,movieId,rating,timestamp", "5,3,4.0,10", "1,2,3.5,20", "5,1,1.0,30", eol="\r\n")
    report = PrepareReport()
    ratings = read_ratings_csv(make_raw(tmp_path, "x", {"ratings_small.csv": data}, container),
                               "ratings_small.csv", report)
    assert ratings_tuples(ratings) == [(5, 3, 4.0, 10), (1, 2, 3.5, 20), (5, 1, 1.0, 30)]
    assert counts(report, "ratings_small.csv") == (3, 3, {}, {})


def test_ratings_csv_without_header_and_with_reordered_header(tmp_path):
    raw = make_raw(tmp_path, "x", {
        "plain.csv": lines("1,2,3.0,100"),
        "reordered.csv": lines("movieId,userId,timestamp,rating", "2,1,100,3.0"),
        "empty.csv": b"",
        "wrong.csv": lines("user,film,stars,when", "1,2,3,4"),
    }, "folder")
    report = PrepareReport()
    assert ratings_tuples(read_ratings_csv(raw, "plain.csv", report)) == [(1, 2, 3.0, 100)]
    assert ratings_tuples(read_ratings_csv(raw, "reordered.csv", report)) == [(1, 2, 3.0, 100)]
    with pytest.raises(DataError, match="empty.csv .* is empty"):
        read_ratings_csv(raw, "empty.csv", report)
    with pytest.raises(ValueError, match="wrong.csv"):
        read_ratings_csv(raw, "wrong.csv", report)
    with pytest.raises(MissingFileError, match="nope.csv"):
        read_ratings_csv(raw, "nope.csv", report)


# ---------------------------------------------------------------- links and movie lists

def test_read_links_kaggle_style(tmp_path, container):
    data = lines("movieId,imdbId,tmdbId", "1,0114709,862", "2,0113497,8844", "3,0113228,",
                 "4,0114885,abc", "4,0114885,31357", "5,,", "x,1,2", "6,1234567", eol="\r\n")
    report = PrepareReport()
    links = read_links(make_raw(tmp_path, "the-movies-dataset", {"links.csv": data}, container),
                       report=report)
    assert links["movielens_id"].dtype == np.int64 and str(links["tmdb_id"].dtype) == "Int64"
    assert links["movielens_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert links["imdb_id"].tolist() == ["tt0114709", "tt0113497", "tt0113228", "tt0114885", None,
                                         "tt1234567"]
    assert links["tmdb_id"].tolist()[:2] == [862, 8844]
    assert links["tmdb_id"].isna().tolist() == [False, False, True, True, True, True]
    assert counts(report, "links.csv") == (
        8, 6, {"duplicate movieId": 1, "bad movie id": 1}, {"non-numeric tmdbId set to missing": 1})


def test_read_movie_list_from_file_folder_and_zip(tmp_path):
    files = {"movies.csv": CSV_RELEASE["movies.csv"]}
    folder = make_raw(tmp_path, "ml-latest", files, "folder").location
    zipped = make_raw(tmp_path, "zipped", files, "zip")
    for source in (folder / "movies.csv", folder, str(folder), zipped.location, zipped):
        report = PrepareReport()
        movies = read_movie_list(source, report)
        assert list(movies.columns) == CATALOG
        assert movies["item_key"].tolist() == [1, 2, 3, 4]
        assert movies["movielens_id"].tolist() == [1, 2, 3, 4]
        assert movies.loc[1, "title"] == "The City of Lost Children"
        assert counts(report, "movies.csv") == (5, 4, {DUPLICATE_MOVIE: 1}, {})
    dat = make_raw(tmp_path, "ml-1m", {"movies.dat": ML1M["movies.dat"]}, "folder")
    assert read_movie_list(dat.location / "movies.dat")["title"].tolist()[2] == "L'Avventura"
    assert len(read_movie_list(dat)) == 3  # report is optional
    with pytest.raises(MissingFileError, match="movies.csv"):
        read_movie_list(make_raw(tmp_path, "empty", {"README": b"hi"}, "folder"))
    with pytest.raises(MissingFileError, match="nothere"):
        read_movie_list(tmp_path / "nothere" / "movies.csv")


def test_unknown_kind_is_rejected(tmp_path):
    raw = make_raw(tmp_path, "tmdb", {"ratings_small.csv": b"", "links.csv": b""}, "folder")
    with pytest.raises(ValueError, match="not a MovieLens release"):
        read_movielens(get_spec("the-movies-dataset"), raw, PrepareReport())


# ---------------------------------------------------------------- duplicates at scale

def _reference_latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: per (user, movie) keep the max timestamp, then the later line."""
    ranked = frame.reset_index().sort_values(["timestamp", "index"], kind="stable")
    return ranked.drop_duplicates(["user_id", "item_key"], keep="last").sort_values("index")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(0, 3)), max_size=40))
def test_latest_per_pair_matches_pandas(rows):
    frame = pd.DataFrame(rows, columns=["user_id", "item_key", "timestamp"], dtype="int64")
    keep = _latest_per_pair(*(frame[c].to_numpy() for c in ("user_id", "item_key", "timestamp")))
    got = frame.index.to_numpy() if keep is None else np.flatnonzero(keep)
    assert got.tolist() == _reference_latest(frame)["index"].tolist()


@pytest.mark.parametrize("ordered", [True, False])
def test_many_ratings_with_duplicates(tmp_path, ordered):
    rng = np.random.default_rng(7)
    n = 200_000
    frame = pd.DataFrame({"user_id": rng.integers(1, 2000, n), "item_key": rng.integers(1, 300, n),
                          "rating": rng.integers(1, 11, n) / 2, "timestamp": rng.integers(0, 50, n)})
    if ordered:
        frame = frame.sort_values(["user_id", "item_key"], kind="stable").reset_index(drop=True)
    path = tmp_path / "ratings.csv"
    frame.rename(columns={"user_id": "userId", "item_key": "movieId"}).to_csv(path, index=False)
    report = PrepareReport()
    got = read_ratings_csv(RawSource.open_path(tmp_path), "ratings.csv", report)
    want = _reference_latest(frame)
    assert ratings_tuples(got) == ratings_tuples(want)
    assert counts(report, "ratings.csv")[2] == {DUPLICATE_RATING: n - len(want)}


# ---------------------------------------------------------------- the real files

@pytest.mark.integration
def test_real_movielens_files(real_data):
    report = PrepareReport()
    parsed = read_movielens(get_spec("ml-100k"), RawSource.open_path(real_data / "ml-100k"), report)
    assert len(parsed.ratings) == 100_000
    assert parsed.ratings["user_id"].nunique() == 943 and len(parsed.users) == 943
    assert len(parsed.movies) == 1_682
    assert parsed.ratings["fold"].value_counts().sort_index().tolist() == [20_000] * 5
    assert all(not f.dropped for f in report.files.values())
    movies = parsed.movies.set_index("item_key")
    assert movies.loc[1, "title"] == "Toy Story" and movies.loc[1, "year"] == 1995

    latest = read_movie_list(real_data / "ml-latest" / "movies.csv")
    assert len(latest) == 58_098 and latest["item_key"].is_unique
    assert latest.set_index("item_key").loc[2571, "title"] == "The Matrix"

    report = PrepareReport()
    ml1m = read_movie_list(real_data / "ml-1m" / "movies.dat", report)
    assert len(ml1m) == 3_883
    assert counts(report, "movies.dat") == (3_883, 3_883, {}, {})
    assert "Science Fiction" in ml1m.set_index("item_key").loc[2571, "genres"]
    users = _users(RawSource.open_path(real_data / "ml-1m"), "users.dat", report)
    assert len(users) == 6_040 and users["occupation"].notna().all()
    assert set(users["age"]) == {1, 18, 25, 35, 45, 50, 56}


@pytest.mark.parametrize("name,folder,files", [
    ("ml-100k", "ml-100k", ML100K), ("ml-1m", "ml-1m", ML1M), ("ml-10m", "ml-10M100K", ML10M),
    ("ml-20m", "ml-20m", CSV_RELEASE), ("ml-25m", "ml-25m", CSV_RELEASE),
    ("ml-32m", "ml-32m", CSV_RELEASE), ("ml-latest", "ml-latest", CSV_RELEASE),
    ("ml-latest-small", "ml-latest-small", CSV_RELEASE),
])
def test_cli_prepare_every_release(tmp_path, container, name, folder, files, monkeypatch):
    """`movierec prepare NAME --from PATH` on each release's original layout (folder or zip)."""
    import json

    from typer.testing import CliRunner

    from movierec.cli import app

    monkeypatch.setenv("MOVIEREC_DATA", str(tmp_path / "no-other-data"))
    raw = make_raw(tmp_path, folder, files, container)
    result = CliRunner().invoke(app, ["prepare", name, "--from", str(raw.location), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dataset"] == name
    assert payload["summary"]["ratings"] > 0 and payload["summary"]["movies"] > 0
    files_reported = {f["file"] for f in payload["report"]["files"]}
    assert get_spec(name).ratings_file in files_reported
    shown = CliRunner().invoke(app, ["prepare", name, "--from", str(raw.location)])
    assert "Cleaning report" in shown.output and "density" in shown.output
