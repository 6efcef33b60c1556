"""Clean Kaggle's *The Movies Dataset* TMDb files: movies_metadata, credits and keywords.

The files are TMDb API dumps written by pandas, with nested values stored as Python reprs
(parsed by `movierec.data.literals`). They are messy in known ways, and every repair or
drop is counted in the `PrepareReport`:

* movies_metadata.csv has rows split by an unquoted line break in ``overview``: the first
  half is cut short (trailing columns empty; kept, title taken from ``original_title``),
  the second half is shifted left so that ``id`` holds a date and ``imdb_id`` a revenue
  (dropped as ``"malformed row (shifted columns)"``); it also repeats some TMDb ids;
* keywords.csv and credits.csv repeat ids (merged / first kept).

Each of the three files is optional (only links.csv and the ratings are required): a
missing one gives an empty, correctly typed frame and a note in the report.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from movierec.data.literals import is_blank, names_of, parse_literal
from movierec.data.rawfiles import DataError, RawSource, check_text
from movierec.data.report import FileReport, PrepareReport
from movierec.data.schema import CATALOG_COLUMNS, conform
from movierec.data.titles import normalise_genres, parse_date, parse_year

METADATA_FILE = "movies_metadata.csv"
CREDITS_FILE = "credits.csv"
KEYWORDS_FILE = "keywords.csv"
EXTRA_COLUMNS = ("adult",)
MAX_CAST = 10
MAX_WRITERS = 5
# crew jobs (department Writing) that mean "wrote it"; not Storyboard, Script Editor, ...
WRITER_JOBS = frozenset({
    "Screenplay", "Writer", "Novel", "Story", "Author", "Original Story", "Characters",
    "Adaptation", "Theatre Play", "Teleplay", "Book", "Comic Book", "Short Story", "Dialogue",
    "Original Concept", "Co-Writer", "Idea", "Scenario Writer", "Original Film Writer",
    "Original Series Creator", "Screenstory", "Story Adaptation", "Novel Adaptation",
})

SHIFTED = "malformed row (shifted columns)"
DUPLICATE = "duplicate tmdb id"
_TT = re.compile(r"tt\d+")
_LANG = re.compile(r"[a-z]{2,3}")


class _Columns:
    """Required raw columns, so that a wrong file fails loudly rather than parsing to junk."""

    metadata = ("adult", "belongs_to_collection", "genres", "id", "imdb_id", "original_language",
                "original_title", "overview", "popularity", "poster_path", "production_companies",
                "production_countries", "release_date", "runtime", "spoken_languages", "tagline",
                "title", "video", "vote_average", "vote_count")
    credits = ("cast", "crew", "id")
    keywords = ("id", "keywords")


# ---------------------------------------------------------------- reading

def _read_csv(raw: RawSource, name: str, report: PrepareReport,
              required: tuple[str, ...]) -> pd.DataFrame | None:
    """All cells as stripped str ("" when empty); None (and a note) when the file is absent.

    Bytes are decoded as UTF-8; lines that are not UTF-8 (an export re-saved as Latin-1) are
    decoded as Windows-1252 and counted, so no title turns into mojibake or "?" marks.
    Rows with too many fields make pandas' C parser fail; the file is then re-read with the
    Python engine, which drops them and counts them. A file missing a needed column is a
    `DataError` naming the file and the column.
    """
    if not raw.has(name):
        report.note(f"{name} not found in {raw.location}: TMDb fields it provides stay missing")
        return None
    fr = report.file(name)
    text = _decoded(raw, name, report)
    options = dict(dtype=object, keep_default_na=False, na_filter=False)
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
    except pd.errors.EmptyDataError:
        report.note(f"{name} in {raw.location} is empty: TMDb fields it provides stay missing")
        return None
    except pd.errors.ParserError:
        too_long = [0]

        def skip(fields):  # called by the Python engine for each over-long row
            too_long[0] += 1
            return None

        frame = pd.read_csv(io.StringIO(text), engine="python", on_bad_lines=skip, **options)
        fr.read += too_long[0]
        fr.drop("malformed row (too many columns)", too_long[0])
    del text
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"{name} in {raw.location} lacks the column(s) {', '.join(missing)}; "
                        "is it the file from Kaggle's The Movies Dataset?")
    frame = frame[list(required)].apply(lambda col: col.str.strip())
    fr.read += len(frame)
    return frame.reset_index(drop=True)


def _decoded(raw: RawSource, name: str, report: PrepareReport) -> str:
    """The file as text: UTF-8, with a Windows-1252 fallback per line (counted, noted)."""
    with raw.open(name) as fh:
        data = fh.read()
    check_text(data[:65536], name, raw.location)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines, fallback = data.split(b"\n"), 0
    for i, line in enumerate(lines):
        try:
            lines[i] = line.decode("utf-8")
        except UnicodeDecodeError:
            lines[i] = line.decode("cp1252", errors="replace")
            fallback += 1
    report.note(f"{name}: {fallback:,} lines are not UTF-8 and were read as Windows-1252 "
                "(Latin-1)")
    report.file(name).fix("line decoded as Windows-1252", fallback)
    return "\n".join(lines)


def _valid_ids(ids: pd.Series) -> pd.Series:
    """Positive integers that fit int64."""
    return ids.str.fullmatch(r"0*[1-9]\d{0,17}")


def _keep(frame: pd.DataFrame, keep: pd.Series, fr: FileReport, reason: str) -> pd.DataFrame:
    fr.drop(reason, int((~keep).sum()))
    return frame[keep.to_numpy()]


def _dedupe(frame: pd.DataFrame, fr: FileReport) -> pd.DataFrame:
    return _keep(frame, ~frame["id"].duplicated(keep="first"), fr, DUPLICATE)


# ---------------------------------------------------------------- movies_metadata.csv

def empty_metadata() -> pd.DataFrame:
    """A catalog-shaped frame with no rows (plus the ``adult`` extra)."""
    return conform(pd.DataFrame({"adult": pd.Series([], dtype=bool)}), extra=EXTRA_COLUMNS)


def read_metadata(raw: RawSource, report: PrepareReport) -> pd.DataFrame:
    """movies_metadata.csv as catalog rows (source "tmdb"), one per TMDb id."""
    df = _read_csv(raw, METADATA_FILE, report, _Columns.metadata)
    if df is None:
        return empty_metadata()
    fr = report.file(METADATA_FILE)
    # A shifted row has a date (or text) in `id` and overview text in `adult`.
    df = _keep(df, _valid_ids(df["id"]) & df["adult"].str.lower().isin(["true", "false", ""]),
               fr, SHIFTED)
    cut_short = df["video"].eq("") & df["vote_count"].eq("") & df["title"].eq("")
    fr.fix("row cut short by a line break (trailing columns missing)", int(cut_short.sum()))
    no_title = df["title"].eq("")
    fr.fix("title taken from original_title", int((no_title & df["original_title"].ne("")).sum()))
    df = df.assign(title=df["title"].where(~no_title, df["original_title"]))
    df = _keep(df, df["title"].ne(""), fr, "missing title")
    df = _dedupe(df, fr).reset_index(drop=True)

    out = pd.DataFrame({"tmdb_id": df["id"].astype("int64"), "source": "tmdb"})
    out["title"] = df["title"]
    out["original_title"] = df["original_title"].where(df["original_title"] != df["title"], "")
    out["overview"], out["tagline"] = df["overview"], df["tagline"]
    out["imdb_id"] = _matching(df["imdb_id"], _TT, fr, "imdb_id")
    out["language"] = _matching(df["original_language"], _LANG, fr, "original_language")
    out["poster_path"] = _matching(df["poster_path"], re.compile(r"/\S+"), fr, "poster_path")
    out["release_date"] = _dates(df["release_date"], fr)
    out["year"] = pd.array([parse_year(d) for d in out["release_date"]], dtype="Int64")
    out["popularity"] = _number(df["popularity"], fr, "popularity", low=0)
    out["vote_average"] = _number(df["vote_average"], fr, "vote_average", low=0, high=10)
    out["vote_count"] = _number(df["vote_count"], fr, "vote_count", low=0, integer=True)
    runtime = _number(df["runtime"], fr, "runtime", low=0)
    fr.fix("runtime 0 set missing (unknown)", int(runtime.eq(0).sum()))
    out["runtime"] = runtime.where(runtime != 0)
    genres = _names(df["genres"], fr, "genres")
    out["genres"] = [None if g is None else normalise_genres(g) for g in genres]
    out["production_companies"] = _names(df["production_companies"], fr, "production_companies")
    out["production_countries"] = _names(df["production_countries"], fr, "production_countries")
    out["spoken_languages"] = _names(df["spoken_languages"], fr, "spoken_languages", "iso_639_1")
    collection = _names(df["belongs_to_collection"], fr, "belongs_to_collection")
    out["collection"] = [c[0] if c else None for c in collection]
    adult = df["adult"].str.lower()
    fr.fix("missing adult flag set False", int(adult.eq("").sum()))
    out["adult"] = adult.eq("true").to_numpy()
    result = conform(out, extra=EXTRA_COLUMNS)
    fr.kept += len(result)
    return result


def _matching(col: pd.Series, pattern: re.Pattern, fr: FileReport, name: str) -> pd.Series:
    """The value where it fully matches ``pattern``; otherwise missing (counted if not blank)."""
    ok = col.str.fullmatch(pattern.pattern)
    fr.fix(f"bad {name} set missing", int((~ok & col.ne("")).sum()))
    return col.where(ok, None)


def _dates(col: pd.Series, fr: FileReport) -> list[str | None]:
    dates = [parse_date(t) if t else None for t in col]
    fr.fix("bad release_date set missing", sum(1 for t, d in zip(col, dates) if t and d is None))
    return dates


def _number(col: pd.Series, fr: FileReport, name: str, low: float | None = None,
            high: float | None = None, integer: bool = False) -> pd.Series:
    """Numeric value; text, non-finite or out-of-range values become missing (counted)."""
    num = pd.to_numeric(col.where(col.ne("")), errors="coerce").astype("float64")
    bad = np.isinf(num) | (num.isna() & col.ne(""))
    if low is not None:
        bad |= num < low
    if high is not None:
        bad |= num > high
    if integer:
        bad |= num.notna() & (num % 1 != 0)
    fr.fix(f"bad {name} set missing", int(bad.sum()))
    return num.where(~bad)


def _names(col: pd.Series, fr: FileReport, name: str, key: str = "name") -> list:
    """``key`` of each dict in a literal list column; unparsable values counted and missing."""
    out, bad = [], 0
    for text in col:
        value = names_of(parse_literal(text), key) if text else None
        bad += value is None and not is_blank(text)
        out.append(value)
    fr.fix(f"unparsable {name} set missing", bad)
    return out


# ---------------------------------------------------------------- credits.csv

def empty_credits() -> pd.DataFrame:
    return pd.DataFrame({"tmdb_id": pd.Series([], dtype="int64"),
                         "cast": pd.Series([], dtype=object),
                         "director": pd.Series([], dtype=object),
                         "writers": pd.Series([], dtype=object)})


def read_credits(raw: RawSource, report: PrepareReport) -> pd.DataFrame:
    """credits.csv as ``tmdb_id, cast (top 10 billed), director, writers (max 5)``."""
    df = _read_csv(raw, CREDITS_FILE, report, _Columns.credits)
    if df is None:
        return empty_credits()
    fr = report.file(CREDITS_FILE)
    df = _keep(df, _valid_ids(df["id"]), fr, "bad tmdb id")
    df = _dedupe(df, fr)
    cast, bad_cast = [], 0
    for text in df["cast"]:
        value = parse_literal(text) if text else None
        names = top_billed(value)
        bad_cast += names is None and not is_blank(text)
        cast.append(names)
    directors, writers, bad_crew = [], [], 0
    for text in df["crew"]:
        value = parse_literal(text) if text else None
        director, wrote = crew_roles(value)
        bad_crew += wrote is None and not is_blank(text)
        directors.append(director)
        writers.append(wrote)
    fr.fix("unparsable cast set missing", bad_cast)
    fr.fix("unparsable crew set missing", bad_crew)
    # explicit object Series: pandas would otherwise infer a string dtype and turn None into NaN
    out = pd.DataFrame({"tmdb_id": pd.Series(df["id"].astype("int64").to_numpy()),
                        "cast": pd.Series(cast, dtype=object),
                        "director": pd.Series(directors, dtype=object),
                        "writers": pd.Series(writers, dtype=object)})
    fr.kept += len(out)
    return out


def top_billed(cast, limit: int = MAX_CAST) -> list[str] | None:
    """Names of the first ``limit`` cast members by billing ``order``; None if not a list."""
    if not isinstance(cast, list):
        return None
    people = [p for p in cast if isinstance(p, dict) and not is_blank(p.get("name"))]

    def order(p):
        o = p.get("order")
        return o if isinstance(o, (int, float)) and not isinstance(o, bool) else float("inf")

    people.sort(key=order)  # stable: ties keep file order
    return [str(p["name"]).strip() for p in people[:limit]]


def crew_roles(crew, max_writers: int = MAX_WRITERS) -> tuple[str | None, list[str] | None]:
    """(first Director, up to ``max_writers`` distinct writers); (None, None) if not a list."""
    if not isinstance(crew, list):
        return None, None
    director, writers = None, []
    for p in crew:
        if not isinstance(p, dict) or is_blank(p.get("name")):
            continue
        name = str(p["name"]).strip()
        job = p.get("job")
        if director is None and job == "Director":
            director = name
        elif (p.get("department") == "Writing" and job in WRITER_JOBS
              and name not in writers and len(writers) < max_writers):
            writers.append(name)
    return director, writers


# ---------------------------------------------------------------- keywords.csv

def empty_keywords() -> pd.DataFrame:
    return pd.DataFrame({"tmdb_id": pd.Series([], dtype="int64"),
                         "keywords": pd.Series([], dtype=object)})


def read_keywords(raw: RawSource, report: PrepareReport) -> pd.DataFrame:
    """keywords.csv as ``tmdb_id, keywords``; repeated ids are merged into the first row."""
    df = _read_csv(raw, KEYWORDS_FILE, report, _Columns.keywords)
    if df is None:
        return empty_keywords()
    fr = report.file(KEYWORDS_FILE)
    df = _keep(df, _valid_ids(df["id"]), fr, "bad tmdb id")
    merged: dict[int, list[str] | None] = {}
    bad = dupes = grew = 0
    for id_text, text in zip(df["id"], df["keywords"]):
        words = names_of(parse_literal(text), "name") if text else None
        bad += words is None and not is_blank(text)
        key = int(id_text)
        if key not in merged:
            merged[key] = words
            continue
        dupes += 1
        have = merged[key]
        new = [w for w in (words or []) if have is None or w not in have]
        if new:
            grew += 1
            merged[key] = (have or []) + new
    fr.fix("unparsable keywords set missing", bad)
    fr.drop(DUPLICATE, dupes)
    fr.fix("keywords merged from a repeated tmdb id", grew)
    out = pd.DataFrame({"tmdb_id": pd.Series(list(merged), dtype="int64"),
                        "keywords": pd.Series(list(merged.values()), dtype=object)})
    fr.kept += len(out)
    return out


# ---------------------------------------------------------------- all three

def build_tmdb_movies(raw: RawSource, report: PrepareReport) -> pd.DataFrame:
    """Metadata rows with cast/director/writers and keywords joined on by tmdb_id."""
    meta = read_metadata(raw, report)
    credits = read_credits(raw, report)
    keywords = read_keywords(raw, report)
    return join_tmdb(meta, credits, keywords, report)


def join_tmdb(meta: pd.DataFrame, credits: pd.DataFrame, keywords: pd.DataFrame,
              report: PrepareReport | None = None) -> pd.DataFrame:
    """Left-join credits and keywords onto metadata rows (ids must be unique in each)."""
    frame = meta.drop(columns=["cast", "director", "writers", "keywords"])
    for part in (credits, keywords):
        part = part.astype({"tmdb_id": "Int64"})
        frame = frame.merge(part, on="tmdb_id", how="left", validate="one_to_one")
    if report is not None and len(meta):
        has_credits = int(meta["tmdb_id"].isin(credits["tmdb_id"]).sum())
        has_keywords = int(meta["tmdb_id"].isin(keywords["tmdb_id"]).sum())
        report.note(f"TMDb metadata: {len(meta)} movies, {has_credits} with credits, "
                    f"{has_keywords} with keywords")
    extra = tuple(c for c in frame.columns if c not in CATALOG_COLUMNS)
    return conform(frame, extra=extra).reset_index(drop=True)
