"""Importing a history: every export layout, written by the tests from catalog movies.

Each sample is in the service's own column layout (Letterboxd's ratings/diary/watched and
their zip, IMDb's current, older and list layouts, MovieLens' website export and ratings
file, a plain title list) and encoding (UTF-8, BOM, Latin-1). At least 95% of the rows
match, the report names every row that did not, and a malformed export imports nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from movierec.search import TitleIndex
from movierec.service import ServiceError
from movierec.service.history import match_history, read_history
from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def catalog():
    data = block_dataset(seed=0)
    frame = data.catalog.frame
    frame.loc[5, "title"] = "Amélie à Montmartre"          # an accent for the Latin-1 files
    frame.loc[7, "imdb_id"] = "tt0000107"
    return data.catalog


@pytest.fixture(scope="module")
def index(catalog):
    return TitleIndex.for_catalog(catalog)


def movies(catalog, n=40):
    frame = catalog.frame
    return [(i, frame.at[i, "title"], int(frame.at[i, "year"])) for i in range(n)]


def write(rows: list[list], header: list[str], encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def letterboxd_ratings(catalog, **kw) -> bytes:
    return write([["2022-05-10", t, y, f"https://boxd.it/{i}x", 0.5 + (i % 10) / 2]
                  for i, t, y in movies(catalog)],
                 ["Date", "Name", "Year", "Letterboxd URI", "Rating"], **kw)


def letterboxd_diary(catalog) -> bytes:
    return write([["2023-01-02", t, y, f"https://boxd.it/{i}d", 4, "", "", "2023-01-01"]
                  for i, t, y in movies(catalog)[:20]],
                 ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags",
                  "Watched Date"])


def letterboxd_watched(catalog) -> bytes:
    return write([["2021-01-01", t, y, f"https://boxd.it/{i}w"]
                  for i, t, y in movies(catalog, 44)],
                 ["Date", "Name", "Year", "Letterboxd URI"])


def imdb_current(catalog, **kw) -> bytes:
    rows = [[catalog.frame.at[i, "imdb_id"] or "tt9999999", 1 + i % 10, "2020-01-01", t, t,
             f"https://www.imdb.com/title/x{i}/", "Movie", 7.1, 100, y, "Drama", 1000,
             f"{y}-01-01", "Someone"] for i, t, y in movies(catalog)]
    rows.append(["tt7777777", 9, "2020-01-01", "Some Series", "Some Series", "u", "TV Series",
                 8.0, 50, 2015, "Drama", 10, "2015-01-01", ""])
    return write(rows, ["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL",
                        "Title Type", "IMDb Rating", "Runtime (mins)", "Year", "Genres",
                        "Num Votes", "Release Date", "Directors"], **kw)


def imdb_older(catalog) -> bytes:
    return write([[f"tt{8000000 + i}", 1 + i % 10, "2015-03-04", t, "u", "movie", 6.0, 90, y,
                   "Drama", 10, f"{y}-01-01", ""] for i, t, y in movies(catalog)],
                 ["Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type",
                  "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date",
                  "Directors"], encoding="latin-1")


def imdb_list(catalog) -> bytes:
    return write([[n + 1, f"tt{8100000 + i}", "2012-01-01", "2012-01-01", "", t, "Feature Film",
                   "", 2 + i % 9, 6.5, 95, y, "Drama", 100, f"{y}-01-01", "u"]
                  for n, (i, t, y) in enumerate(movies(catalog))],
                 ["position", "const", "created", "modified", "description", "Title",
                  "Title type", "Directors", "You rated", "IMDb Rating", "Runtime (mins)", "Year",
                  "Genres", "Num. Votes", "Release Date (month/day/year)", "URL"],
                 encoding="latin-1")


def movielens_site(catalog) -> bytes:
    frame = catalog.frame
    return write([[frame.at[i, "movielens_id"], "", frame.at[i, "tmdb_id"], 4.5, 3.9,
                   f"{t} ({y})"] for i, t, y in movies(catalog)],
                 ["movie_id", "imdb_id", "tmdb_id", "rating", "average_rating", "title"])


def movielens_ratings(catalog) -> bytes:
    frame = catalog.frame
    return write([[7, frame.at[i, "movielens_id"], 4.0, 1_000_000_000] for i, _, _ in
                  movies(catalog)], ["userId", "movieId", "rating", "timestamp"])


def plain_with_header(catalog) -> bytes:
    return write([[t, y, 4] for _, t, y in movies(catalog)], ["title", "year", "rating"])


def plain_without_header(catalog) -> bytes:
    return "\n".join(f"{t},{y}" for _, t, y in movies(catalog)).encode()


def letterboxd_zip(catalog) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("letterboxd-ana-2024-01-01-00-00-utc/ratings.csv", letterboxd_ratings(catalog))
        zf.writestr("letterboxd-ana-2024-01-01-00-00-utc/diary.csv", letterboxd_diary(catalog))
        zf.writestr("letterboxd-ana-2024-01-01-00-00-utc/watched.csv", letterboxd_watched(catalog))
        zf.writestr("letterboxd-ana-2024-01-01-00-00-utc/profile.csv", "Username\nana\n")
    return buffer.getvalue()


SAMPLES = {
    "letterboxd ratings": (lambda c: letterboxd_ratings(c), "letterboxd", 40, 40),
    "letterboxd ratings with BOM": (lambda c: letterboxd_ratings(c, bom=True), "letterboxd", 40, 40),
    "letterboxd ratings in Latin-1": (lambda c: letterboxd_ratings(c, encoding="latin-1"),
                                      "letterboxd", 40, 40),
    "letterboxd diary": (letterboxd_diary, "letterboxd", 20, 20),
    "letterboxd watched": (letterboxd_watched, "letterboxd", 44, 0),
    "letterboxd zip": (letterboxd_zip, "letterboxd zip (ratings.csv, diary.csv, watched.csv)",
                       44, 40),
    "imdb ratings": (imdb_current, "imdb ratings", 41, 40),
    "imdb ratings, older layout, Latin-1": (imdb_older, "imdb ratings", 40, 40),
    "imdb list layout": (imdb_list, "imdb list", 40, 40),
    "movielens website export": (movielens_site, "movielens website export", 40, 40),
    "movielens ratings file": (movielens_ratings, "movielens ratings", 40, 40),
    "title,year,rating": (plain_with_header, "title list", 40, 40),
    "title,year without header": (plain_without_header, "title list", 40, 0),
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_layout_imports_with_a_correct_report(catalog, index, name):
    make, fmt, rows, rated = SAMPLES[name]
    history = read_history(make(catalog), f"{name}.csv")
    assert history.format == fmt and len(history.rows) == rows
    found = match_history(history, catalog, index)
    report = found.to_json()
    assert report["rows"] == rows and report["rated"] == rated
    movies_rows = rows - (1 if name == "imdb ratings" else 0)
    assert found.matched >= 0.95 * movies_rows, report["unmatched"]
    assert found.matched + len(found.unmatched) == rows
    assert all(1 <= stars <= 5 or stars == 0.5 for _, stars in found.rated)
    if name == "imdb ratings":
        assert report["unmatched"] == [{"line": 42, "title": "Some Series (2015)",
                                        "reason": "not a movie (tv series)"}]


def test_ratings_keep_their_scale_and_accents(catalog, index):
    imdb = match_history(read_history(imdb_current(catalog)), catalog, index)
    assert dict(imdb.rated)[0] == 0.5 and dict(imdb.rated)[9] == 5.0      # 1/10 and 10/10
    latin = match_history(read_history(letterboxd_ratings(catalog, encoding="latin-1")),
                          catalog, index)
    assert 5 in dict(latin.rated)                                           # Amélie à Montmartre


def test_ids_come_first_and_titles_second(catalog, index):
    data = write([["tt0000107", 8, "2020-01-01", "A Title That Is Nowhere", "u", "movie", 7, 90,
                   1999, "", 1, "", ""]],
                 ["Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type",
                  "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes", "Release Date",
                  "Directors"])
    found = match_history(read_history(data), catalog, index)
    assert found.seen == [7] and found.rated == [(7, 4.0)]


def test_ambiguous_and_unmatched_rows_are_reported(catalog, index):
    data = write([["2022-01-01", "Family Movie", "", "u", 4],              # several movies
                  ["2022-01-01", "Nothing Like This Exists", 1999, "u", 3],
                  ["2022-01-01", "Famly Movie 3", 1983, "u", "four"],      # a bad rating
                  ["2022-01-01", "Famly Movie 4", 1984, "u", 4]],          # typo: fuzzy
                 ["Date", "Name", "Year", "Letterboxd URI", "Rating"])
    found = match_history(read_history(data), catalog, index)
    reasons = {row["line"]: row["reason"] for row in found.unmatched}
    assert "not in this dataset" in reasons[3] and "'four' is not a number" in reasons[4]
    assert found.ambiguous and found.ambiguous[0]["line"] == 2
    assert found.ambiguous[0]["chosen"].startswith("Family Movie")
    assert 4 in found.seen


@pytest.mark.parametrize("data, words", [
    (b"", "is empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"PK\x03\x04not really a zip", "not a readable zip"),
    (b"user,movie,when\n1,2,3\n1,2,3,4,5\n", "not a Letterboxd, IMDb or MovieLens export"),
])
def test_a_malformed_export_is_refused_whole(data, words):
    with pytest.raises(ServiceError) as err:
        read_history(data, "mine.csv")
    assert err.value.code == "bad_import" and words in err.value.message


def test_a_zip_without_letterboxd_files_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ServiceError, match="none of Letterboxd's"):
        read_history(buffer.getvalue(), "export.zip")


def test_the_history_drives_the_answer_and_everything_in_it_is_left_out(catalog, index):
    from movierec.service import Service, Settings

    data = block_dataset(seed=0)
    service = Service(dataset=data, default_method="item_knn")
    rows = [["2022-01-01", f"Crime Movie {n}", 1981 + n, "u", 5] for n in range(6)]
    rows += [["2022-01-01", "Family Movie 1", 1981, "u", 0.5]]
    rows += [["2022-01-01", f"Crime Movie {n}", 1981 + n, "u", ""] for n in range(6, 9)]
    found = match_history(read_history(write(rows, ["Date", "Name", "Year", "Letterboxd URI",
                                                    "Rating"])),
                          service.catalog, service.index)
    answer = service.recommend([], Settings(method="item_knn", k=8), history=found)
    blocks = data.manifest["blocks"]
    shown = [r.index for r in answer.results]
    assert all(blocks[i] == 1 for i in shown)                 # crime, as the ratings say
    assert not set(shown) & set(found.seen)                   # nothing already watched
    assert answer.to_json()["import"]["matched"] == 10
