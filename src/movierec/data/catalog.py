"""`Catalog`: one row per movie, addressed by a dense index ``0..n-1``.

The catalog is the single place that knows what a movie *is* (ids in every outside system,
title, year, genres, people, words). Models and the app only pass movie indices around and
ask the catalog for anything human-readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from movierec.data.schema import CATALOG_COLUMNS

# Computed by prepare from the dataset's own ratings (not part of any raw file).
RATING_STATS = ("n_ratings", "mean_rating")
ID_COLUMNS = ("tmdb_id", "imdb_id", "movielens_id")
# TMDb's public image CDN; a poster path is "/<letters, digits, - and _>.<ext>", anything
# else is never put in a URL.
IMAGE_BASE = "https://image.tmdb.org/t/p/"
SIZES = ("w92", "w154", "w185", "w342", "w500", "w780", "original")
_POSTER_PATH = re.compile(r"^/[A-Za-z0-9_\-]+\.(?:jpg|jpeg|png|webp)$")


def poster_url(poster_path: object, size: str = "w342") -> str | None:
    """The public TMDb URL of a poster path, or None when the path is missing or malformed."""
    if size not in SIZES:
        raise ValueError(f"poster size must be one of {', '.join(SIZES)}, not {size!r}")
    if not isinstance(poster_path, str) or not _POSTER_PATH.match(poster_path.strip()):
        return None
    return f"{IMAGE_BASE}{size}{poster_path.strip()}"


def _scalar(value):
    """A JSON-friendly Python value: pandas/numpy missing -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_scalar(v) for v in value]
    return value


def as_list(value) -> list[str]:
    """A list column's cell as a plain list ([] when missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return []
    return [str(v) for v in value]


@dataclass(frozen=True)
class Catalog:
    """Movies of one dataset. ``frame`` row ``i`` is movie index ``i``."""

    frame: pd.DataFrame

    def __post_init__(self):
        missing = [c for c in CATALOG_COLUMNS if c not in self.frame.columns]
        if missing:
            raise ValueError(f"catalog frame lacks columns: {missing}")
        if not self.frame.index.equals(pd.RangeIndex(len(self.frame))):
            raise ValueError("catalog frame must have a RangeIndex 0..n-1 (the movie index)")

    def __len__(self) -> int:
        return len(self.frame)

    # --- single movies ---------------------------------------------------------------
    def title(self, index: int) -> str:
        return str(self.frame.at[index, "title"])

    def year(self, index: int) -> int | None:
        return _scalar(self.frame.at[index, "year"])

    def label(self, index: int) -> str:
        """'Title (year)' -- how a person recognises a movie."""
        return self.labels[int(index)]

    def genres(self, index: int) -> list[str]:
        return as_list(self.frame.at[index, "genres"])

    def record(self, index: int, fields: Sequence[str] | None = None) -> dict:
        """One movie as a JSON-ready dict: title, year, genres and external ids at least."""
        fields = fields or ("title", "year", "genres") + ID_COLUMNS
        row = self.frame.iloc[index]
        out = {"index": int(index)}
        for name in fields:
            value = row[name] if name in row.index else None
            if CATALOG_COLUMNS.get(name) == "list":
                out[name] = as_list(value)
            else:
                out[name] = _scalar(value)
        return out

    def records(self, indices: Iterable[int], fields: Sequence[str] | None = None) -> list[dict]:
        return [self.record(int(i), fields) for i in indices]

    # --- whole-catalog views ---------------------------------------------------------
    def years(self) -> np.ndarray:
        """Release year per movie as float (NaN when unknown), for fast filtering."""
        return self.frame["year"].astype("float64").to_numpy()

    def n_ratings(self) -> np.ndarray:
        if "n_ratings" in self.frame.columns:
            return self.frame["n_ratings"].to_numpy(dtype=np.int64)
        return np.zeros(len(self), dtype=np.int64)

    def popularity(self) -> np.ndarray:
        """How well known each movie is (higher = more), from TMDb votes and our own ratings.

        Used to rank ties (title search, cold-start fallbacks); not a quality score.
        """
        votes = self.frame["vote_count"].astype("float64").fillna(0.0).to_numpy()
        tmdb_pop = self.frame["popularity"].astype("float64").fillna(0.0).to_numpy()
        return np.log1p(votes) + np.log1p(self.n_ratings().astype(np.float64)) + 0.1 * np.log1p(tmdb_pop)

    def has_field(self, name: str) -> np.ndarray:
        """Boolean mask of movies whose ``name`` is known."""
        col = self.frame[name]
        if CATALOG_COLUMNS.get(name) == "list":
            return np.array([v is not None and len(v) > 0 for v in col], dtype=bool)
        return col.notna().to_numpy()

    def field_coverage(self) -> dict[str, float]:
        """Share of movies with each catalog field present (reported by prepare and info)."""
        n = max(len(self), 1)
        return {name: float(self.has_field(name).sum()) / n for name in CATALOG_COLUMNS}

    def all_genres(self) -> list[str]:
        seen: dict[str, int] = {}
        for cell in self.frame["genres"]:
            for g in as_list(cell):
                seen[g] = seen.get(g, 0) + 1
        return sorted(seen, key=lambda g: (-seen[g], g))

    def index_of(self, column: str, value) -> int | None:
        """Movie index with ``column == value`` (e.g. tmdb_id 862), or None (the first such
        movie). Id columns are looked up in a dictionary built once per column."""
        if column in ID_COLUMNS:
            return self._lookup(column).get(value)
        hits = np.flatnonzero((self.frame[column] == value).fillna(False).to_numpy())
        return int(hits[0]) if len(hits) else None

    def _lookup(self, column: str) -> dict:
        cache = self._value_lists
        key = f"lookup:{column}"
        if key not in cache:
            table: dict = {}
            for i, value in enumerate(self.values(column)):
                if value is not None:
                    table.setdefault(value, i)
            cache[key] = table
        return cache[key]

    # --- cached arrays for fast filtering and features -------------------------------------
    @cached_property
    def genre_vocabulary(self) -> list[str]:
        return sorted(self.all_genres())

    @cached_property
    def genre_matrix(self) -> sp.csr_matrix:
        """movies x genres 0/1 matrix (columns in `genre_vocabulary` order)."""
        vocab = {g: j for j, g in enumerate(self.genre_vocabulary)}
        rows, cols = [], []
        for i, cell in enumerate(self.frame["genres"]):
            for g in as_list(cell):
                rows.append(i)
                cols.append(vocab[g])
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(self), len(vocab)))

    @cached_property
    def year_array(self) -> np.ndarray:
        return self.years()

    @cached_property
    def votes(self) -> np.ndarray:
        """Number of votes behind a movie: TMDb vote count where known, else our rating count."""
        tmdb = self.frame["vote_count"].astype("float64").to_numpy()
        return np.where(np.isnan(tmdb), self.n_ratings().astype(np.float64), tmdb)

    @cached_property
    def language_array(self) -> np.ndarray:
        return self.frame["language"].to_numpy(dtype=object)

    @cached_property
    def labels(self) -> list[str]:
        """'Title (year)' for every movie, computed once."""
        titles = self.frame["title"].tolist()
        years = self.frame["year"].tolist()
        return [f"{t} ({y})" if _scalar(y) is not None else str(t) for t, y in zip(titles, years)]

    @cached_property
    def _value_lists(self) -> dict[str, list]:
        return {}

    def values(self, name: str) -> list:
        """Column ``name`` as a plain Python list (None for missing, lists for list fields),
        built once per catalog: per-movie reads then cost a list index, not a pandas row."""
        cache = self._value_lists
        if name not in cache:
            raw = self.frame[name].tolist()
            if CATALOG_COLUMNS.get(name) == "list":
                cache[name] = [as_list(v) for v in raw]
            else:
                cache[name] = [_scalar(v) for v in raw]
        return cache[name]

    @cached_property
    def columns(self) -> dict[str, list]:
        """Plain Python lists of the fields explanations read, for fast per-movie access."""
        out = {}
        for name in ("title", "collection", "director", "cast", "genres", "keywords"):
            values = self.frame[name].tolist()
            if CATALOG_COLUMNS[name] == "list":
                out[name] = [as_list(v) for v in values]
            else:
                out[name] = [None if _scalar(v) is None else str(v) for v in values]
        return out
