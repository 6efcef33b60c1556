"""`Ratings`: who rated what, as one users x movies CSR matrix (always this orientation).

Timestamps (and, for ML-100k, the predefined u1..u5 test fold of each rating) are arrays
aligned with ``matrix.data``, so any row slice of the matrix can carry them along.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass(frozen=True)
class Ratings:
    """users x movies ratings. Columns are catalog movie indices; rows are dense user indices."""

    matrix: sp.csr_matrix
    user_ids: np.ndarray                 # external user id of each row
    timestamps: np.ndarray | None = None  # int64 seconds, aligned with matrix.data
    folds: np.ndarray | None = None       # int8 predefined test fold per rating (0 = none)
    users: pd.DataFrame | None = None     # side information per row (age, gender, ...)

    def __post_init__(self):
        m = self.matrix
        if not sp.isspmatrix_csr(m):
            raise TypeError("Ratings.matrix must be a scipy CSR matrix (users x movies)")
        if len(self.user_ids) != m.shape[0]:
            raise ValueError("one user id per matrix row is required")
        for name in ("timestamps", "folds"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != m.nnz:
                raise ValueError(f"{name} must align with matrix.data")

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_movies(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        return self.matrix.nnz

    @property
    def density(self) -> float:
        cells = self.n_users * self.n_movies
        return self.nnz / cells if cells else 0.0

    def counts_per_movie(self) -> np.ndarray:
        return np.bincount(self.matrix.indices, minlength=self.n_movies).astype(np.int64)

    def mean_per_movie(self) -> np.ndarray:
        """Mean rating per movie (NaN for movies nobody rated)."""
        sums = np.bincount(self.matrix.indices, weights=self.matrix.data, minlength=self.n_movies)
        counts = self.counts_per_movie()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def user_row(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        """(movie indices, ratings) of one user."""
        start, end = self.matrix.indptr[user], self.matrix.indptr[user + 1]
        return self.matrix.indices[start:end], self.matrix.data[start:end]

    def to_frame(self) -> pd.DataFrame:
        """Long format: user (row index), movie, rating, timestamp[, fold]."""
        coo = self.matrix.tocoo()
        frame = pd.DataFrame({"user": coo.row.astype(np.int64), "movie": coo.col.astype(np.int64),
                              "rating": coo.data.astype(np.float32)})
        if self.timestamps is not None:
            frame["timestamp"] = self.timestamps
        if self.folds is not None:
            frame["fold"] = self.folds
        return frame

    def select_users(self, rows: np.ndarray) -> "Ratings":
        """The ratings of a subset of users (row order as given), extras carried along."""
        rows = np.asarray(rows, dtype=np.int64)
        m = self.matrix
        sub = m[rows]
        positions = np.concatenate([np.arange(m.indptr[r], m.indptr[r + 1]) for r in rows]) \
            if len(rows) else np.zeros(0, dtype=np.int64)
        users = None if self.users is None else self.users.iloc[rows].reset_index(drop=True)
        return Ratings(
            sub.tocsr(), self.user_ids[rows],
            None if self.timestamps is None else self.timestamps[positions],
            None if self.folds is None else self.folds[positions],
            users,
        )


def build_ratings(user_idx: np.ndarray, movie_idx: np.ndarray, values: np.ndarray,
                  timestamps: np.ndarray, n_users: int, n_movies: int,
                  folds: np.ndarray | None = None,
                  ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray | None]:
    """Assemble canonical CSR (sorted columns, one entry per cell) with aligned extras.

    Callers dedupe (user, movie) first; this only orders and packs, in O(nnz log nnz).
    """
    order = np.lexsort((movie_idx, user_idx))
    rows = user_idx[order]
    cols = movie_idx[order].astype(np.int32)
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_users), out=indptr[1:])
    index_dtype = np.int32 if indptr[-1] < np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_matrix(
        (values[order].astype(np.float32), cols, indptr.astype(index_dtype)),
        shape=(n_users, n_movies),
    )
    matrix.has_sorted_indices = True
    return matrix, timestamps[order].astype(np.int64), None if folds is None else folds[order].astype(np.int8)
