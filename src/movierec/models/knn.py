"""Shared machinery of the neighbourhood and walk models (`item_knn`, `user_knn`, `ease`, `graph`).

They all answer for a *new* person straight from their `Profile` (no retraining), most of
them as ``x @ W``: ``x`` the person's signed preference over their picks, ``W`` a sparse
movies x movies matrix kept to each movie's strongest links. Here: the block-wise top-k
builder for such matrices, the fold-in and per-pick contributions (for explanations), and
the final step every collaborative score takes -- NaN for movies nobody rated, so the
hybrid can fall back to content, and a tiny popularity tie-break.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.models import explain as ex
from movierec.models.persist import pack_sparse, unpack_sparse
from movierec.models.profile import Profile

# Dense cells computed at once when building a similarity matrix block by block (float32:
# 4 bytes each, so ~32 MB per block whatever the catalog size).
BLOCK_CELLS = 8_000_000
# Scale of the popularity tie-break added to collaborative scores: far below any real
# similarity, it only orders movies whose scores are otherwise equal (typically 0: no pick
# is a neighbour), so those fall back to the better-known movies instead of index order.
TIE_BREAK = 1e-6
# A neighbour "loved" a movie when they liked it (the project's one definition).
LOVED_AT = LIKED_AT


# --- shared helpers (also used by ease.py and graph.py) ----------------------------------------
def rated_columns(matrix: sp.csr_matrix) -> np.ndarray:
    """Catalog indices of movies with at least one rating, ascending."""
    counts = np.bincount(matrix.indices, minlength=matrix.shape[1])
    return np.flatnonzero(counts > 0)


def popularity_tie_break(matrix: sp.csr_matrix) -> np.ndarray:
    """A tiny per-movie bonus in [0, TIE_BREAK] growing with the number of ratings."""
    counts = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
    top = np.log1p(counts.max()) if len(counts) and counts.max() > 0 else 1.0
    return TIE_BREAK * np.log1p(counts) / top


def topk_rows(block: Callable[[int, int], np.ndarray | sp.spmatrix], n_rows: int, n_cols: int,
              k: int, block_rows: int | None = None, zero_diagonal: bool = True) -> sp.csr_matrix:
    """Sparse (n_rows x n_cols) keeping each row's ``k`` largest *positive* values.

    ``block(start, stop)`` returns rows ``start:stop`` (dense or sparse); only one block
    exists at a time, so this scales to catalogs where a dense n x n would not fit. With
    ``zero_diagonal`` the cell (i, i) is dropped (a movie is not its own neighbour). Rows
    with at most ``k`` positive cells are kept whole; only longer rows are partitioned.
    """
    if block_rows is None:
        block_rows = max(1, min(n_rows, BLOCK_CELLS // max(n_cols, 1)))
    k = max(int(min(k, n_cols)), 0)
    rows_out, cols_out, vals_out = [], [], []
    for start in range(0, n_rows, block_rows):
        stop = min(start + block_rows, n_rows)
        part = block(start, stop)
        # (sparse blocks must hold no duplicate cells -- true of products -- but may be unsorted)
        part = part.tocsr() if sp.issparse(part) else sp.csr_matrix(np.asarray(part, np.float32))
        lengths = np.diff(part.indptr)
        rows = np.repeat(np.arange(start, stop), lengths)
        cols, vals = part.indices.astype(np.int64), part.data.astype(np.float32)
        keep = vals > 0
        if zero_diagonal:
            keep &= cols != rows
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        counts = np.bincount(rows - start, minlength=stop - start)
        if k == 0:
            continue
        heavy = np.flatnonzero(counts > k)
        if len(heavy):
            ptr = np.concatenate(([0], np.cumsum(counts)))
            chosen = np.ones(len(vals), dtype=bool)
            for r in heavy:                       # only rows with more than k candidates
                lo, hi = ptr[r], ptr[r + 1]
                best = np.argpartition(-vals[lo:hi], k - 1)[:k]
                chosen[lo:hi] = False
                chosen[lo + best] = True
            rows, cols, vals = rows[chosen], cols[chosen], vals[chosen]
        rows_out.append(rows)
        cols_out.append(cols)
        vals_out.append(vals)
    if rows_out:
        rows, cols, vals = (np.concatenate(a) for a in (rows_out, cols_out, vals_out))
    else:
        rows = cols = np.zeros(0, np.int64)
        vals = np.zeros(0, np.float32)
    out = sp.csr_matrix((vals.astype(np.float32), (rows, cols)), shape=(n_rows, n_cols))
    out.sort_indices()
    return out


def expand(sub: sp.csr_matrix, index: np.ndarray, n: int) -> sp.csr_matrix:
    """Map a matrix over a subset of movies (``index[i]`` = catalog index) to catalog size."""
    coo = sub.tocoo()
    out = sp.csr_matrix((coo.data.astype(np.float32), (index[coo.row], index[coo.col])),
                        shape=(n, n))
    out.sort_indices()
    return out


def picks(profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """(movie indices, signed preference in [-1, 1]) of the person's picks."""
    return profile.items, profile.preference().astype(np.float32)


def fold_in(weights: sp.csr_matrix, items: np.ndarray, pref: np.ndarray) -> np.ndarray:
    """``x @ W`` for the sparse preference vector ``x`` (only the picked rows of W are read)."""
    rows = weights[items]
    return np.asarray(rows.T @ pref.astype(np.float32), dtype=np.float64).ravel()


def finish(raw: np.ndarray, scorable: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """Scores with NaN where the model can't score, plus the popularity tie-break.

    When the picks give no evidence at all (every raw score is 0: no pick has ratings or
    neighbours), *everything* is NaN: the model has nothing to say about this person, and a
    hybrid must fall back to content rather than rank by the tie-break alone.
    """
    ok = scorable & np.isfinite(raw)
    if not np.any(raw[ok] != 0):
        return np.full(len(raw), np.nan)
    out = raw + tie_break
    out[~ok] = np.nan
    return out


def contributions(weights: sp.csr_matrix, items: np.ndarray, pref: np.ndarray,
                  recommended: np.ndarray) -> np.ndarray:
    """(recommended x picks) share of each pick in each recommended movie's score."""
    part = weights[items][:, recommended].toarray()           # picks x recommended
    return (part * pref[:, None]).T


def normalise_columns(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each column scaled to unit L2 norm (all-zero columns stay zero)."""
    sq = np.bincount(matrix.indices, weights=np.square(matrix.data, dtype=np.float64),
                     minlength=matrix.shape[1])
    inv = np.zeros_like(sq)
    np.divide(1.0, np.sqrt(sq), out=inv, where=sq > 0)
    out = matrix.copy().astype(np.float32)
    out.data = (out.data * inv[out.indices]).astype(np.float32)
    return out


def binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Same structure, every stored cell 1 (a stored 0 still counts as rated)."""
    out = matrix.copy().astype(np.float32)
    out.data = np.ones_like(out.data)
    return out


def centre(matrix: sp.csr_matrix, how: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """Ratings minus each user's ("user") or movie's ("item") mean; structure kept."""
    m = matrix.astype(np.float32).tocsr(copy=True)
    if how == "none":
        return m, np.zeros(0, np.float32)
    if how == "user":
        counts = np.diff(m.indptr)
        rows = np.repeat(np.arange(m.shape[0]), counts)
        sums = np.bincount(rows, weights=m.data, minlength=m.shape[0])
        means = (sums / np.maximum(counts, 1)).astype(np.float32)
        m.data = m.data - np.repeat(means, counts)
        return m, means
    if how == "item":
        counts = np.bincount(m.indices, minlength=m.shape[1])
        sums = np.bincount(m.indices, weights=m.data, minlength=m.shape[1])
        means = (sums / np.maximum(counts, 1)).astype(np.float32)
        m.data = m.data - means[m.indices]
        return m, means
    raise ValueError(f"centering must be 'none', 'user' or 'item', not {how!r}")


class MovieLinks:
    """Scoring, explaining and saving shared by the ``x @ W`` models (`item_knn`, `graph`).

    ``W`` (sparse movies x movies, kept in the attribute named by ``LINKS``) is all such a
    model learns; a person's scores are their signed preference over the picks times ``W``,
    and each recommendation is explained by the pick that contributed most, in the words of
    ``EVIDENCE``.
    """

    LINKS = "weights"
    EVIDENCE = ""

    def _set(self, links: sp.csr_matrix, X: sp.csr_matrix) -> None:
        setattr(self, self.LINKS, links.tocsr())
        self._scorable = np.bincount(X.indices, minlength=X.shape[1]) > 0
        self._tie = popularity_tie_break(X)

    def _links(self) -> sp.csr_matrix:
        return getattr(self, self.LINKS)

    def score(self, profile: Profile) -> np.ndarray:
        items, pref = picks(profile)
        return finish(fold_in(self._links(), items, pref), self._scorable, self._tie)

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        picked, pref = picks(profile)
        contrib = contributions(self._links(), picked, pref, items)
        return ex.explain_by_contribution(self._need().catalog, items, picked, contrib,
                                          self.EVIDENCE)

    def state(self) -> dict[str, np.ndarray]:
        return pack_sparse(self.LINKS, self._links())

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        self._set(unpack_sparse(self.LINKS, state), dataset.ratings.matrix)
