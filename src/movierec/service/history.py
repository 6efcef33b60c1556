"""Bring your history: Letterboxd, IMDb and MovieLens exports, or a plain title list.

`read_history` recognises the export by its columns (and a Letterboxd zip by its members):

==========================  ============================================================
Letterboxd ``ratings.csv``   ``Date,Name,Year,Letterboxd URI,Rating`` (0.5-5 stars)
Letterboxd ``diary.csv``     ``...,Rating,Rewatch,Tags,Watched Date``
Letterboxd ``watched.csv``   ``Date,Name,Year,Letterboxd URI`` (seen, no rating)
Letterboxd zip               its ``ratings.csv``, ``diary.csv`` and ``watched.csv`` together
IMDb ratings (2023-)         ``Const,Your Rating,Date Rated,Title,Original Title,URL,Title
                             Type,...,Year,...`` (1-10 stars)
IMDb ratings (older)         the same without ``Original Title``; the list layout
                             ``position,const,created,...,Title,Title type,...,You rated``
MovieLens website export     ``movie_id,imdb_id,tmdb_id,rating,average_rating,title``
MovieLens ratings file       ``userId,movieId,rating,timestamp``
plain CSV                    ``title[,year][,rating]``, with or without a header
==========================  ============================================================

UTF-8 (with or without BOM) and Latin-1/Windows-1252 files are read. `match_history`
then finds each row's movie -- by IMDb, TMDb or MovieLens id first, then by exact title and
year through the `TitleIndex`, then within a typo among that year's titles, then by the
typo-tolerant search for what is left -- and
reports every row: matched, ambiguous (with the choice made) or unmatched (with the
reason). Ratings become ratings on the 5-star scale (low ones push recommendations away);
every movie in the history, rated or not, is excluded from the answer.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from movierec.data.catalog import Catalog
from movierec.service.errors import ServiceError, neutral

MAX_BYTES = 50 * 1024 * 1024        # an export larger than this is not a history
MAX_ROWS = 100_000
FUZZY_LIMIT = 100                   # rows left for the slow typo-tolerant search
TIE = 0.03                          # a typo match this much better than the next one wins
LETTERBOXD_FILES = ("ratings.csv", "diary.csv", "watched.csv")
MOVIE_TYPES = {"movie", "feature film", "tv movie", "tvmovie", "video", "film", "documentary",
               "short", "short film", ""}


@dataclass(frozen=True)
class HistoryRow:
    """One row of an export: where it was, what it names, and the person's stars (0.5-5)."""

    line: int
    title: str = ""
    year: int | None = None
    rating: float | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    movielens_id: int | None = None
    kind: str = ""                   # IMDb's title type ("movie", "tvSeries", ...)
    problem: str = ""                # why the row cannot be used as it is

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else (self.title or "(no title)")


@dataclass
class History:
    """An imported history: its format and rows, before matching."""

    format: str
    rows: list[HistoryRow]
    source: str = ""


@dataclass
class ImportedHistory:
    """Matched rows: rated movies for the profile, every matched movie to exclude, a report."""

    format: str
    rows: int
    rated: list[tuple[int, float]] = field(default_factory=list)    # (movie, stars)
    seen: list[int] = field(default_factory=list)                   # every matched movie
    ambiguous: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    matched: int = 0
    seconds: float = 0.0
    lines: dict[int, int] = field(default_factory=dict)             # row's line -> movie

    def to_json(self) -> dict:
        return {"format": self.format, "rows": self.rows, "matched": self.matched,
                "rated": len(self.rated), "excluded": len(set(self.seen)),
                "ambiguous": self.ambiguous, "unmatched": self.unmatched,
                "seconds": round(self.seconds, 3)}

    def summary(self) -> str:
        return (f"{self.matched:,} of {self.rows:,} rows matched ({len(self.rated):,} rated); "
                f"{len(self.ambiguous):,} ambiguous (best guess used), {len(self.unmatched):,} "
                "unmatched")


# --- reading ---------------------------------------------------------------------------------
def _text(data: bytes, name: str) -> str:
    if b"\x00" in data[:65536]:
        raise ServiceError("bad_import", f"{neutral(name)} is not a CSV export (it holds "
                           "binary bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")      # older IMDb exports: Latin-1


def read_history(data: bytes, name: str = "history.csv") -> History:
    """Recognise and read an export given as bytes (a CSV file or a Letterboxd zip)."""
    if len(data) > MAX_BYTES:
        raise ServiceError("bad_import", f"{neutral(name)} is {len(data) / 1e6:.0f} MB; an "
                           f"export of ratings is far smaller (at most {MAX_BYTES // 2**20} MB)")
    if data[:4] == b"PK\x03\x04":
        return _read_zip(data, name)
    return _read_csv(_text(data, name), name)


def read_history_file(path: str | Path) -> History:
    path = Path(path).expanduser()
    if not path.is_file():
        raise ServiceError("not_found", f"no file at {neutral(str(path))}")
    if path.stat().st_size > MAX_BYTES:
        raise ServiceError("bad_import", f"{neutral(path.name)} is too large to be an export")
    return read_history(path.read_bytes(), path.name)


def _read_zip(data: bytes, name: str) -> History:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {Path(i.filename).name: i for i in zf.infolist() if not i.is_dir()}
            found = [m for m in LETTERBOXD_FILES if m in members]
            if not found:
                raise ServiceError("bad_import", f"{neutral(name)} holds none of Letterboxd's "
                                   f"{', '.join(LETTERBOXD_FILES)}")
            parts = [_read_csv(_text(zf.read(members[m]), m), m) for m in found]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ServiceError("bad_import", f"{neutral(name)} is not a readable zip ({exc})")
    rows: dict[tuple, HistoryRow] = {}
    for part in parts:   # ratings first: a film rated and watched keeps its rating
        for row in part.rows:
            key = (row.title.casefold(), row.year)
            if key not in rows or (rows[key].rating is None and row.rating is not None):
                rows[key] = row
    return History("letterboxd zip (" + ", ".join(found) + ")", list(rows.values()), name)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.strip().lower()).strip()


def _read_csv(text: str, name: str) -> History:
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ServiceError("bad_import", f"{neutral(name)} is empty")
    try:
        rows = list(csv.reader(lines))
    except csv.Error as exc:
        raise ServiceError("bad_import", f"{neutral(name)} is not valid CSV ({exc})")
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) > MAX_ROWS + 1:
        raise ServiceError("bad_import", f"{neutral(name)} has {len(rows):,} rows; a history "
                           f"of at most {MAX_ROWS:,} is read")
    header = [_norm(h) for h in rows[0]]
    for fmt, needed, reader in _FORMATS:
        if all(h in header for h in needed):
            col = {h: i for i, h in reversed(list(enumerate(header)))}
            out = [reader(col, r, n + 2) for n, r in enumerate(rows[1:])]
            return History(fmt, out, name)
    if "title" in header or "name" in header:       # a plain list with a header
        col = {h: i for i, h in reversed(list(enumerate(header)))}
        return History("title list", [_plain(col, r, n + 2) for n, r in enumerate(rows[1:])],
                       name)
    if _looks_plain(rows):
        col = {"title": 0, "year": 1, "rating": 2}
        return History("title list", [_plain(col, r, n + 1) for n, r in enumerate(rows)], name)
    raise ServiceError("bad_import", f"{neutral(name)} is not a Letterboxd, IMDb or MovieLens "
                       "export, nor a title[,year][,rating] list: its first line is "
                       f"{neutral(','.join(rows[0])[:120])!r}", list(_FORMAT_NAMES))


def _cell(col: dict, row: list[str], *names: str) -> str:
    for n in names:
        i = col.get(n)
        if i is not None and i < len(row):
            return row[i].strip()
    return ""


def _year(text: str) -> int | None:
    m = re.match(r"^\s*(\d{4})", text or "")
    return int(m.group(1)) if m else None


def _stars(text: str, scale: float) -> tuple[float | None, str]:
    """Stars on the 0.5-5 scale from a rating out of ``scale``; (None, why) when unusable."""
    if not text:
        return None, ""
    try:
        value = float(text) * 5.0 / scale
    except ValueError:
        return None, f"its rating {neutral(text[:20])!r} is not a number"
    if not 0 < value <= 5.0001:
        return None, f"its rating {neutral(text[:20])} is outside the 1-{scale:g} scale"
    return max(0.5, min(5.0, round(value * 2) / 2)), ""


def _letterboxd(col, row, line) -> HistoryRow:
    rating, problem = _stars(_cell(col, row, "rating"), 5)
    return HistoryRow(line, _cell(col, row, "name"), _year(_cell(col, row, "year")), rating,
                      problem=problem)


def _imdb(col, row, line) -> HistoryRow:
    rating, problem = _stars(_cell(col, row, "your rating", "you rated"), 10)
    const = _cell(col, row, "const")
    return HistoryRow(line, _cell(col, row, "title", "original title"),
                      _year(_cell(col, row, "year")), rating,
                      imdb_id=const if re.fullmatch(r"tt\d{7,10}", const) else None,
                      kind=_cell(col, row, "title type").lower(), problem=problem)


def _int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-9]{1,10}", text or "") and int(text) > 0 else None


def _movielens_site(col, row, line) -> HistoryRow:
    rating, problem = _stars(_cell(col, row, "rating"), 5)
    imdb = _cell(col, row, "imdb id")
    title = _cell(col, row, "title")
    m = re.match(r"^(.*?)\s*\((\d{4})\)\s*$", title)
    return HistoryRow(line, m.group(1) if m else title, int(m.group(2)) if m else None, rating,
                      imdb_id=f"tt{int(imdb):07d}" if _int(imdb.removeprefix("tt")) else None,
                      tmdb_id=_int(_cell(col, row, "tmdb id")),
                      movielens_id=_int(_cell(col, row, "movie id")), problem=problem)


def _movielens_file(col, row, line) -> HistoryRow:
    rating, problem = _stars(_cell(col, row, "rating"), 5)
    return HistoryRow(line, "", None, rating, movielens_id=_int(_cell(col, row, "movieid")),
                      problem=problem)


def _plain(col, row, line) -> HistoryRow:
    year_text = _cell(col, row, "year")
    rating, problem = _stars(_cell(col, row, "rating", "stars"), 5)
    return HistoryRow(line, _cell(col, row, "title", "name"), _year(year_text), rating,
                      problem=problem if not year_text or _year(year_text) else
                      f"its year {neutral(year_text[:10])!r} is not a year")


def _looks_plain(rows: list[list[str]]) -> bool:
    """Header-less ``title[,year][,rating]``: a title, then a year and stars when given."""
    sample = rows[:50]
    return all(r and r[0].strip() and len(r) <= 3
               and (len(r) < 2 or not r[1].strip() or _year(r[1]) is not None)
               for r in sample)


_FORMATS = (
    ("imdb ratings", ("const", "your rating"), _imdb),
    ("imdb list", ("const", "you rated"), _imdb),
    ("letterboxd", ("name", "year", "letterboxd uri"), _letterboxd),
    ("movielens website export", ("movie id", "imdb id", "tmdb id", "rating"), _movielens_site),
    ("movielens ratings", ("userid", "movieid", "rating"), _movielens_file),
)
_FORMAT_NAMES = ("Letterboxd ratings/diary/watched or zip", "IMDb ratings",
                 "MovieLens export", "title,year,rating")


# --- matching ---------------------------------------------------------------------------------
def match_history(history: History, catalog: Catalog, index) -> ImportedHistory:
    """Find every row's movie (see the module docstring) within a couple of seconds even for
    thousands of rows: ids and exact titles are dictionary lookups; only what is left (at
    most `FUZZY_LIMIT` rows) goes through the typo-tolerant search."""
    t0 = time.perf_counter()
    out = ImportedHistory(history.format, len(history.rows))
    left: list[HistoryRow] = []
    for row in history.rows:
        if row.problem:
            out.unmatched.append(_miss(row, row.problem))
        elif row.kind and row.kind not in MOVIE_TYPES:
            out.unmatched.append(_miss(row, f"not a movie ({row.kind})"))
        elif (found := _by_id(row, catalog)) is not None:
            _take(out, row, found)
        elif not row.title:
            out.unmatched.append(_miss(row, "no title, and its id is not in this dataset"))
        else:
            exact = index.exact(row.title, row.year)
            if len(exact) == 1:
                _take(out, row, exact[0])
            elif len(exact) > 1:
                _take(out, row, exact[0], [catalog.label(i) for i in exact[1:4]], catalog)
            else:
                left.append(row)
    rest: list[HistoryRow] = []
    for row in left:      # a typo in a title of a known year: that year's titles only
        near = index.close(row.title, row.year) if row.year else []
        if len(near) == 1 or (len(near) > 1 and near[0][1] - near[1][1] >= TIE):
            _take(out, row, near[0][0])
        elif near:
            _take(out, row, near[0][0], [catalog.label(m) for m, _ in near[1:4]], catalog)
        else:
            rest.append(row)
    for n, row in enumerate(rest):
        if n >= FUZZY_LIMIT:
            out.unmatched.append(_miss(row, f"no exact title match (typo-tolerant search is "
                                            f"kept for the first {FUZZY_LIMIT} such rows)"))
            continue
        query = f"{row.title} ({row.year})" if row.year else row.title
        match = index.search(query, limit=4)
        if match.status in ("exact", "confident") and match.best is not None:
            _take(out, row, match.best.index)
        elif match.status == "ambiguous" and match.best is not None:
            _take(out, row, match.best.index,
                  [catalog.label(c.index) for c in match.candidates[1:4]], catalog)
        else:
            out.unmatched.append(_miss(row, "not in this dataset" + (
                f" (closest: {', '.join(catalog.label(c.index) for c in match.candidates[:2])})"
                if match.candidates else "")))
    out.seconds = time.perf_counter() - t0
    return out


def _by_id(row: HistoryRow, catalog: Catalog) -> int | None:
    for column, value in (("imdb_id", row.imdb_id), ("tmdb_id", row.tmdb_id),
                          ("movielens_id", row.movielens_id)):
        if value is not None:
            found = catalog.index_of(column, value)
            if found is not None:
                return found
    return None


def _take(out: ImportedHistory, row: HistoryRow, movie: int, others: list[str] | None = None,
          catalog: Catalog | None = None) -> None:
    out.matched += 1
    out.seen.append(int(movie))
    out.lines[row.line] = int(movie)
    if row.rating is not None:
        out.rated.append((int(movie), float(row.rating)))
    if others:
        out.ambiguous.append({"line": row.line, "title": row.label,
                              "chosen": catalog.label(movie), "others": others})


def _miss(row: HistoryRow, reason: str) -> dict:
    return {"line": row.line, "title": row.label, "reason": reason}
