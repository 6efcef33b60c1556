"""Which movies may be recommended, and top-k selection: one shared step for every model.

Models only score; `Filter` decides what is allowed (not already picked, year range or era,
genres in/out, language, minimum votes) and `top_k` picks the best allowed scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from movierec.data.catalog import Catalog

ERAS = ("any", "old", "new")
NEW_SPAN = 10   # "new": released within this many years of the newest movie in the catalog
OLD_SPAN = 30   # "old": released at least this many years before the newest movie


@dataclass(frozen=True)
class Filter:
    exclude_picks: bool = True
    year_min: int | None = None
    year_max: int | None = None
    era: str = "any"
    genres_in: tuple[str, ...] = ()     # at least one of these
    genres_out: tuple[str, ...] = ()    # none of these
    language: str | None = None         # ISO 639-1 original language
    min_votes: int = 0
    exclude: tuple[int, ...] = ()       # extra movie indices never to show
    genres_all: tuple[str, ...] = ()    # every one of these (a mood's "romantic comedy")
    runtime_min: int | None = None      # minutes; an unknown runtime passes
    runtime_max: int | None = None

    def __post_init__(self):
        if self.era not in ERAS:
            raise ValueError(f"era must be one of {ERAS}, not {self.era!r}")

    def year_bounds(self, catalog: Catalog) -> tuple[float, float]:
        lo = -np.inf if self.year_min is None else float(self.year_min)
        hi = np.inf if self.year_max is None else float(self.year_max)
        years = catalog.year_array
        newest = float(np.nanmax(years)) if np.isfinite(years).any() else 2100.0
        if self.era == "new":
            lo = max(lo, newest - NEW_SPAN)
        elif self.era == "old":
            hi = min(hi, newest - OLD_SPAN)
        return lo, hi

    def mask(self, catalog: Catalog, picks: np.ndarray | None = None) -> np.ndarray:
        """Boolean array: True where a movie may be recommended."""
        n = len(catalog)
        allowed = np.ones(n, dtype=bool)
        lo, hi = self.year_bounds(catalog)
        if np.isfinite(lo) or np.isfinite(hi):
            years = catalog.year_array
            allowed &= (years >= lo) & (years <= hi)  # unknown year (NaN) is excluded
        if self.genres_in or self.genres_out:
            vocab = {g.lower(): j for j, g in enumerate(catalog.genre_vocabulary)}
            gm = catalog.genre_matrix
            if self.genres_in:
                cols = [vocab[g.lower()] for g in self.genres_in if g.lower() in vocab]
                allowed &= np.asarray(gm[:, cols].sum(axis=1)).ravel() > 0 if cols else False
            if self.genres_out:
                cols = [vocab[g.lower()] for g in self.genres_out if g.lower() in vocab]
                if cols:
                    allowed &= np.asarray(gm[:, cols].sum(axis=1)).ravel() == 0
        if self.genres_all:
            vocab = {g.lower(): j for j, g in enumerate(catalog.genre_vocabulary)}
            cols = [vocab.get(g.lower()) for g in self.genres_all]
            if any(c is None for c in cols):
                allowed &= False
            else:
                allowed &= np.asarray(catalog.genre_matrix[:, cols].sum(axis=1)).ravel() == len(cols)
        if self.runtime_min is not None or self.runtime_max is not None:
            runtime = catalog.frame["runtime"].astype("float64").to_numpy()
            known = np.isfinite(runtime) & (runtime > 0)
            lo = -np.inf if self.runtime_min is None else self.runtime_min
            hi = np.inf if self.runtime_max is None else self.runtime_max
            allowed &= ~known | ((runtime >= lo) & (runtime <= hi))
        if self.language:
            allowed &= catalog.language_array == self.language.lower()
        if self.min_votes:
            allowed &= catalog.votes >= self.min_votes
        if self.exclude:
            allowed[np.asarray(self.exclude, dtype=np.int64)] = False
        if self.exclude_picks and picks is not None and len(picks):
            allowed[picks] = False
        return allowed


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` highest finite allowed scores, best first (ties: lower index first)."""
    s = np.asarray(scores, dtype=np.float64)
    ok = np.isfinite(s)
    if allowed is not None:
        ok &= allowed
    candidates = np.flatnonzero(ok)
    if len(candidates) == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    vals = s[candidates]
    if len(candidates) > k:
        part = np.argpartition(-vals, k - 1)[:k]
        candidates, vals = candidates[part], vals[part]
    order = np.lexsort((candidates, -vals))
    return candidates[order].astype(np.int64)
