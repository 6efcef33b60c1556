"""Readers for every MovieLens release in its original layout, from a folder or a zip.

Three format families: ml-100k (``u.data``/``u.item``/``u.user``, its own item ids and the
u1..u5 cross-validation folds), the ``::``-separated ``.dat`` files of ml-1m and ml-10m, and
the CSV files of ml-20m and later. Every reader fills a `PrepareReport`, so every dropped
row has a counted reason. Ratings files reach 32M rows, so they are parsed by pyarrow with
fixed column types; a column that fails that fast path is re-read as text and cleaned
with vectorised arrow kernels.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.rawfiles import DataError, MissingFileError, RawSource, check_text
from movierec.data.report import FileReport, PrepareReport
from movierec.data.sources import SourceSpec
from movierec.data.rating_files import (BAD_IDS, BAD_RATING, BAD_TIMESTAMP,  # noqa: F401
                                         DUPLICATE_RATING, MALFORMED, read_ratings_table)
from movierec.data.titles import normalise_genres, parse_date, parse_year, split_movielens_title

__all__ = [
    "ML100K_GENRES", "ML1M_OCCUPATIONS", "ParsedSource", "read_links", "read_movie_list",
    "read_movielens", "read_ratings_csv", "read_ratings_table",
    "MALFORMED", "BAD_IDS", "BAD_TIMESTAMP", "BAD_RATING", "DUPLICATE_RATING", "UNKNOWN_MOVIE",
]

# Reasons recorded in the report for dropped rows.
UNKNOWN_MOVIE = "rating on unknown movie"
BAD_MOVIE_ID = "bad movie id"
BAD_USER_ID = "bad user id"
DUPLICATE_MOVIE = "duplicate movie id"
DUPLICATE_USER = "duplicate user id"

# u.genre order: the 19 flag columns at the end of each u.item line.
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)
# ml-1m README: occupation codes. Ages are codes too (1, 18, 25, ...): each is its range's
# lower bound ("18" = 18-24), except 1 = "Under 18", so they are kept as numbers.
ML1M_OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)


@dataclass
class ParsedSource:
    """One MovieLens release, parsed: conformed movies (+ ``item_key``), ratings, users.

    ``users`` is ``None`` for releases without demographics (ml-10m and the CSV releases).
    """

    movies: pd.DataFrame
    ratings: pd.DataFrame
    users: pd.DataFrame | None


def read_movielens(spec: SourceSpec, raw: RawSource, report: PrepareReport) -> ParsedSource:
    """Read the release described by ``spec`` (kinds ``ml-100k``, ``ml-dat``, ``ml-csv``)."""
    readers = {"ml-100k": _read_100k, "ml-dat": _read_dat, "ml-csv": _read_csv_release}
    if spec.kind not in readers:
        raise ValueError(f"{spec.name} is a {spec.kind!r} source, not a MovieLens release")
    for name in spec.required:
        if not raw.has(name):
            raise MissingFileError(f"{name} is not in {raw.location} (needed by {spec.name})")
    return readers[spec.kind](spec, raw, report)


def read_ratings_csv(raw: RawSource, name: str, report: PrepareReport) -> pd.DataFrame:
    """``userId,movieId,rating,timestamp`` CSV -> ratings frame (`schema.RATING_COLUMNS`).

    Used for ml-20m and later, and for The Movies Dataset's ``ratings_small.csv`` and its
    26M-row ``ratings.csv``. Malformed lines, bad values and duplicate (user, movie) pairs
    are dropped and counted in ``report``.
    """
    return read_ratings_table(raw, name, report, delimiter=",")


# ---------------------------------------------------------------- releases

def _read_100k(spec: SourceSpec, raw: RawSource, report: PrepareReport) -> ParsedSource:
    movies = _movies_100k(raw, report)
    ratings = read_ratings_table(raw, "u.data", report, delimiter="\t")
    ratings = _drop_unknown_movies(ratings, movies["item_key"].to_numpy(), report.file("u.data"))
    ratings["fold"] = _folds_100k(raw, ratings, report)
    users = _users(raw, "u.user", report) if raw.has("u.user") else None
    return ParsedSource(movies, ratings, users)


def _read_dat(spec: SourceSpec, raw: RawSource, report: PrepareReport) -> ParsedSource:
    movies = _movie_table(raw, "movies.dat", report)
    ratings = read_ratings_table(raw, "ratings.dat", report, delimiter="::")
    ratings = _drop_unknown_movies(ratings, movies["item_key"].to_numpy(), report.file("ratings.dat"))
    users = _users(raw, "users.dat", report) if raw.has("users.dat") else None
    return ParsedSource(movies, ratings, users)


def _read_csv_release(spec: SourceSpec, raw: RawSource, report: PrepareReport) -> ParsedSource:
    movies = _movie_table(raw, "movies.csv", report)
    ratings = read_ratings_csv(raw, spec.ratings_file, report)
    ratings = _drop_unknown_movies(ratings, movies["item_key"].to_numpy(), report.file(spec.ratings_file))
    return ParsedSource(movies, ratings, None)


def _need_rows(records: list, name: str, raw: RawSource, what: str, fr: FileReport) -> None:
    """Refuse a file that left nothing to use: an empty dataset is never a success."""
    if not records:
        why = "; ".join(f"{n:,} {reason}" for reason, n in fr.dropped.most_common())
        raise DataError(f"{name} in {raw.location} has no {what}"
                        + (f" ({fr.read:,} rows read: {why})" if fr.read else " (it is empty)"))


def _drop_unknown_movies(ratings: pd.DataFrame, movie_keys: np.ndarray, fr: FileReport) -> pd.DataFrame:
    """Drop ratings whose movie is not in the movie list (they could never be shown)."""
    items = ratings["item_key"].to_numpy()
    if len(items) == 0:
        return ratings
    top = int(max(items.max(), movie_keys.max() if len(movie_keys) else 0))
    if top < 50_000_000:  # ids are small: a lookup table beats np.isin on 30M rows
        lookup = np.zeros(top + 1, dtype=bool)
        lookup[movie_keys] = True
        known = lookup[items]
    else:
        known = np.isin(items, movie_keys)
    unknown = int(len(known) - known.sum())
    if unknown:
        fr.drop(UNKNOWN_MOVIE, unknown)
        fr.kept -= unknown
        ratings = ratings[known].reset_index(drop=True)
    return ratings


# ---------------------------------------------------------------- movie lists

def read_movie_list(raw_or_path, report: PrepareReport | None = None) -> pd.DataFrame:
    """A standalone MovieLens ``movies.csv``/``movies.dat`` -> conformed frame + ``item_key``.

    ``raw_or_path`` is a `RawSource`, a folder or zip holding one of those files, or the
    file itself. ``item_key`` and ``movielens_id`` are the movieId; imdb/tmdb ids come from
    a ``links.csv`` next to it when there is one. Used to title The Movies Dataset's movies
    that lack TMDb metadata.
    """
    report = report if report is not None else PrepareReport()
    name = None
    if isinstance(raw_or_path, RawSource):
        raw = raw_or_path
    else:
        path = Path(raw_or_path).expanduser()
        if not path.exists():
            raise MissingFileError(f"movie list {path} does not exist")
        if path.is_file() and not zipfile.is_zipfile(path):
            raw, name = RawSource.open_path(path.parent), path.name
        else:
            raw = RawSource.open_path(path)
    if name is None:
        name = next((n for n in ("movies.csv", "movies.dat") if raw.has(n)), None)
        if name is None:
            raise MissingFileError(f"neither movies.csv nor movies.dat is in {raw.location}")
    return _movie_table(raw, name, report)


def _movie_table(raw: RawSource, name: str, report: PrepareReport) -> pd.DataFrame:
    """movies.csv (``movieId,title,genres``) or movies.dat (``MovieID::Title::Genres``)."""
    fr = report.file(name)
    sep = "::" if name.endswith(".dat") else ","
    records, seen = [], set()
    for fields in _rows(raw, name, report, sep):
        if len(fields) < 3:
            fr.drop(MALFORMED, example=fields)
            continue
        if len(fields) > 3:  # an unquoted separator inside the title
            fields = [fields[0], sep.join(fields[1:-1]), fields[-1]]
            fr.fix("separator inside title")
        movie_id = _int_or_none(fields[0])
        if movie_id is None or movie_id in seen:
            fr.drop(BAD_MOVIE_ID if movie_id is None else DUPLICATE_MOVIE, example=fields)
            continue
        seen.add(movie_id)
        if len(fields[1]) > MAX_TITLE:
            fields[1] = fields[1][:MAX_TITLE]
            fr.fix(f"title cut to {MAX_TITLE} characters", example=fields)
        title, year, aka = split_movielens_title(fields[1])
        if not title:
            fr.fix("missing title")
        records.append((movie_id, title or None, aka or None, year, normalise_genres(fields[2]) or None))
    fr.kept += len(records)
    _need_rows(records, name, raw, "movies", fr)
    frame = pd.DataFrame(records, columns=["item_key", "title", "aka", "year", "genres"])
    frame["item_key"] = frame["item_key"].astype("int64")
    frame["movielens_id"] = frame["item_key"]
    frame["source_item_id"] = frame["item_key"]
    frame["source"] = "movielens"
    if raw.has("links.csv"):
        links = read_links(raw, "links.csv", report).set_index("movielens_id")
        frame["imdb_id"] = frame["item_key"].map(links["imdb_id"])
        frame["tmdb_id"] = frame["item_key"].map(links["tmdb_id"])
    return schema.conform(frame, extra=("item_key",))


def _movies_100k(raw: RawSource, report: PrepareReport) -> pd.DataFrame:
    """u.item: ``id|title|release date|video date|IMDb URL|`` + 19 genre flags (Latin-1)."""
    genre_names = _genres_100k(raw)
    fr = report.file("u.item")
    records, seen = [], set()
    for fields in _rows(raw, "u.item", report, "|"):
        if len(fields) != 5 + len(genre_names):
            fr.drop(MALFORMED, example="|".join(fields))
            continue
        item = _int_or_none(fields[0])
        if item is None or item in seen:
            fr.drop(BAD_MOVIE_ID if item is None else DUPLICATE_MOVIE)
            continue
        seen.add(item)
        title, year, aka = split_movielens_title(fields[1])
        date = parse_date(fields[2])
        if fields[2].strip() and date is None:
            fr.fix("unparsable release date set to missing")
        flags = [f.strip() for f in fields[5:]]
        if any(f not in ("0", "1") for f in flags):
            fr.fix("genre flag not 0/1 read as 0")
        genres = normalise_genres([g for g, f in zip(genre_names, flags) if f == "1"])
        year = year if year is not None else parse_year(date)
        records.append((item, title or None, aka or None, year, date, genres or None))
    fr.kept += len(records)
    _need_rows(records, "u.item", raw, "movies", fr)
    frame = pd.DataFrame(records, columns=["item_key", "title", "aka", "year", "release_date", "genres"])
    frame["item_key"] = frame["item_key"].astype("int64")
    # ml-100k item ids are its own, not global MovieLens ids: movielens_id stays missing.
    frame["source_item_id"] = frame["item_key"]
    frame["source"] = "movielens"
    return schema.conform(frame, extra=("item_key",))


def _genres_100k(raw: RawSource) -> tuple[str, ...]:
    """Flag order from u.genre (``name|index``) when present and sane, else the documented one."""
    if not raw.has("u.genre"):
        return ML100K_GENRES
    pairs = [f for f in _rows(raw, "u.genre", None, "|") if len(f) == 2 and _int_or_none(f[1]) is not None]
    ordered = sorted((int(i), n.strip()) for n, i in pairs)
    if not ordered or [i for i, _ in ordered] != list(range(len(ordered))):
        return ML100K_GENRES
    return tuple(n for _, n in ordered)


def _folds_100k(raw: RawSource, ratings: pd.DataFrame, report: PrepareReport) -> np.ndarray:
    """Which of u1..u5.test holds each rating (0: none). The five test sets partition u.data."""
    fold = np.zeros(len(ratings), dtype=np.int8)
    keys = _pair_keys(ratings)
    missing = []
    for i in range(1, 6):
        name = f"u{i}.test"
        if not raw.has(name):
            missing.append(name)
            continue
        test_keys = _pair_keys(read_ratings_table(raw, name, report, delimiter="\t"))
        absent = int((~np.isin(test_keys, keys)).sum())
        report.file(name).kept -= absent
        report.file(name).drop("not in u.data", absent)
        in_test = np.isin(keys, test_keys)
        if (fold[in_test] != 0).any():
            report.note(f"ml-100k: {name} repeats ratings of an earlier test set; the later fold wins")
        fold[in_test] = i
    if missing:
        report.note(f"ml-100k: {', '.join(missing)} absent; their ratings have fold 0")
    return fold


def _pair_keys(ratings: pd.DataFrame) -> np.ndarray:
    """One int64 per (user, movie): ids are checked to be below 2**31 when read."""
    return (ratings["user_id"].to_numpy(np.int64) << 32) | ratings["item_key"].to_numpy(np.int64)


# ---------------------------------------------------------------- users and links

def _users(raw: RawSource, name: str, report: PrepareReport) -> pd.DataFrame:
    """u.user (``id|age|gender|occupation|zip``) or ml-1m users.dat (``id::gender::age::occ::zip``)."""
    fr = report.file(name)
    coded = name.endswith(".dat")
    records, seen = [], set()
    for fields in _rows(raw, name, report, "::" if coded else "|"):
        fields = [f.strip() for f in fields]
        if len(fields) != 5:
            fr.drop(MALFORMED)
            continue
        if coded:
            user, gender, age, occupation, zip_code = fields
            code = _int_or_none(occupation)
            occupation = ML1M_OCCUPATIONS[code] if code is not None and code < len(ML1M_OCCUPATIONS) else None
            if occupation is None:
                fr.fix("unknown occupation code set to missing")
        else:
            user, age, gender, occupation, zip_code = fields
        user_id = _int_or_none(user)
        if user_id is None or user_id in seen:
            fr.drop(BAD_USER_ID if user_id is None else DUPLICATE_USER)
            continue
        seen.add(user_id)
        age_value = _int_or_none(age)
        if age_value is None and age:
            fr.fix("non-numeric age set to missing")
        gender = gender.upper() if gender.upper() in ("M", "F") else None
        records.append((user_id, age_value, gender, occupation or None, zip_code or None))
    fr.kept += len(records)
    columns = list(zip(*records)) if records else [()] * 5
    dtypes = {"user_id": "int64", "age": "Int64", "gender": object, "occupation": object, "zip": object}
    # explicit object columns: pandas would otherwise infer "str" columns with NaN for None
    return pd.DataFrame({name: pd.Series(list(col), dtype=dtype)
                         for (name, dtype), col in zip(dtypes.items(), columns)})


def read_links(raw: RawSource, name: str = "links.csv", report: PrepareReport | None = None,
               need_tmdb: bool = False) -> pd.DataFrame:
    """``movieId,imdbId,tmdbId`` -> movielens_id (int64), imdb_id (``tt`` + 7 digits), tmdb_id (Int64).

    Works for MovieLens and The Movies Dataset links files (Windows line endings, empty
    tmdbIds). A repeated movieId keeps its first row; a non-numeric imdbId/tmdbId is set to
    missing and counted as fixed.
    """
    report = report if report is not None else PrepareReport()
    fr = report.file(name)
    if need_tmdb:
        _links_header(raw, name)
    ids, imdb, tmdb, seen = [], [], [], set()
    for fields in _rows(raw, name, report, ","):
        if len(fields) not in (2, 3):
            fr.drop(MALFORMED)
            continue
        movie = _int_or_none(fields[0])
        if movie is None or movie in seen:
            fr.drop(BAD_MOVIE_ID if movie is None else "duplicate movieId")
            continue
        seen.add(movie)
        ids.append(movie)
        imdb_text = fields[1].strip()
        imdb_num = _int_or_none(imdb_text[2:] if imdb_text.lower().startswith("tt") else imdb_text)
        imdb.append(f"tt{imdb_num:07d}" if imdb_num else None)
        if imdb_text and not imdb_num:
            fr.fix("non-numeric imdbId set to missing")
        tmdb_text = fields[2].strip() if len(fields) == 3 else ""
        tmdb_num = _int_or_none(tmdb_text)
        tmdb.append(tmdb_num if tmdb_num else pd.NA)
        if tmdb_text and not tmdb_num:
            fr.fix("non-numeric tmdbId set to missing")
    fr.kept += len(ids)
    if need_tmdb:
        _need_rows(ids, name, raw, "links", fr)
    return pd.DataFrame({
        "movielens_id": pd.Series(ids, dtype="int64"),
        "imdb_id": pd.Series(imdb, dtype=object),
        "tmdb_id": pd.Series(tmdb, dtype="Int64"),
    })


def _links_header(raw: RawSource, name: str) -> None:
    """The Movies Dataset joins ratings to movies through links.csv's tmdbId: insist on it."""
    with raw.open(name) as fh:
        first = fh.readline(4096).decode("utf-8", "replace").lstrip("\ufeff").strip()
    columns = [c.strip().strip('"').lower() for c in first.split(",")]
    if columns and columns[0] == "movieid" and "tmdbid" not in columns:
        raise DataError(f"{name} in {raw.location} has no tmdbId column (its header is "
                        f"{first[:200]!r}): The Movies Dataset's links.csv has movieId, imdbId, "
                        "tmdbId")


# ---------------------------------------------------------------- small text files

_INT = re.compile(r"^\s*\+?(\d+)(?:\.0*)?\s*$")
MAX_TITLE = 500        # characters of a title kept (a 200 KB "title" is damage, not a name)
# The csv module refuses fields over 128 KB with an error; a damaged line may hold one. Allow
# 16 MB (the file is in memory already) and cut over-long titles below.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
_HEADER_WORDS = {"movieid", "userid", "user id", "item id"}


def _int_or_none(text: str) -> int | None:
    """``"42"``, ``" 42 "`` or ``"42.0"`` -> 42; anything else -> None."""
    match = _INT.match(text)
    return int(match.group(1)) if match else None


def _rows(raw: RawSource, name: str, report: PrepareReport | None, sep: str):
    """Yield the split data rows of a small text file, counting them as read.

    Blank lines and a header row are skipped. ``sep=","`` uses the csv module (quoted
    titles), one line at a time: a quote left open on one line (``5,"Broken (1999),Drama``)
    is repaired there -- its quotes dropped, counted -- instead of swallowing the lines after
    it. Other separators split plainly.
    """
    fr = report.file(name) if report is not None else None
    lines = [line for line in _text_lines(raw, name, report) if line.strip()]
    if sep == ",":
        odd = [i for i, line in enumerate(lines) if line.count('"') % 2]
        if odd and fr is not None:
            fr.fix("unbalanced quote removed", len(odd))
            for i in odd[:3]:
                fr.example("unbalanced quote removed", lines[i])
        for i in odd:
            lines[i] = lines[i].replace('"', "")
        rows = csv.reader(lines)
    else:
        rows = (line.split(sep) for line in lines)
    for i, fields in enumerate(rows):
        if i == 0 and fields and fields[0].strip().lower() in _HEADER_WORDS:
            continue
        if fr is not None:
            fr.read += 1
        yield fields


def _text_lines(raw: RawSource, name: str, report: PrepareReport | None) -> list[str]:
    """The file's lines, decoded as UTF-8 with a per-line Latin-1 fallback.

    ml-100k and ml-1m are Latin-1, later releases UTF-8; deciding per line copes with both
    and with files that mix them. ``str.splitlines`` is avoided on purpose: it also splits
    on characters such as U+0085 that Latin-1 titles can contain.
    """
    with raw.open(name) as fh:
        data = fh.read()
    check_text(data[:65536], name, raw.location)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    latin1 = 0
    try:
        lines = data.decode("utf-8").split("\n")[: len(raw_lines)]
    except UnicodeDecodeError:
        lines = []
        for line in raw_lines:
            try:
                lines.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(line.decode("latin-1"))
                latin1 += 1
    if latin1 and report is not None:
        report.note(f"{name}: {latin1} lines are not UTF-8 and were read as Latin-1")
    return [line[:-1] if line.endswith("\r") else line for line in lines]
