"""What the rating models (`svd`, `nmf`, and the neural `mlp`) share.

Both matrix factorisations predict star ratings (for RMSE/MAE) and fold a *new* person in
from the ratings of their picks, without retraining. Ranked by predicted stars, a rating
model offers the same acclaimed movies to everyone who names a few loved films, so by
default they rank a top-N list by similarity to the picks in their learnt taste space
(`TasteRanking`, see `movierec.models.latent_taste`) and report the predicted stars.
Movies nobody rated cannot be scored: `score` gives NaN there (the hybrid falls back to
content); `predict` / `predict_profile` return the person's baseline for them instead, so
an RMSE over any test set is defined.

Here: BLAS thread control (the fold-in solves are tiny; threads only cost), the rows that
map catalog indices to factor rows, the Gram-matrix helpers of alternating least squares,
the explanation sentences, and the save/restore-from-arrays mixin.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from movierec.data.dataset import Dataset
from movierec.models.explain import shared_traits
from movierec.models.profile import Profile

SCALE = (0.5, 5.0)  # fallback rating scale when the training data is empty



# ------------------------------------------------------------------------------------------
# shared helpers
# ------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread():
    """Context: BLAS on one thread. These models do many small products and solves, where
    OpenBLAS's thread pool costs far more than it saves (a 9k x 64 product: 0.1 ms on one
    thread, several ms with two on a busy machine)."""
    return _blas().limit(limits=1, user_api="blas")


def single_threaded(method):
    """Run a model method under `one_blas_thread`."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return method(*args, **kwargs)
    return wrapper


def on_two_threads(first, second):
    """``(first(), second())``, the first on a helper thread while this one runs the second.

    For the big array steps of a fit: numpy's gathers, LAPACK and scipy's sparse products
    release the GIL, so the two halves of a step use both cores.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(first)
        other = second()
        return pending.result(), other


def rated_movies(dataset: Dataset) -> np.ndarray:
    return np.flatnonzero(dataset.ratings.counts_per_movie() > 0).astype(np.int64)


def catalog_rows(n: int, rated: np.ndarray) -> np.ndarray:
    rows = np.full(n, -1, dtype=np.int64)
    rows[rated] = np.arange(len(rated))
    return rows


def grams(indicator: sp.csr_matrix, targets: sp.csr_matrix, f: np.ndarray,
          out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row u of the sparse matrices: (Σᵢ fᵢfᵢᵀ, Σᵢ fᵢ tᵤᵢ) over the row's entries.

    The Gram matrices are batched dense products: rows of similar length (within 25%) are
    gathered into padded ``(rows, length, d)`` blocks and multiplied by BLAS, on two threads.
    That is 2-3x faster than one sparse pass over ``d(d+1)/2`` product columns, and it is
    what lets `svd` fit the full 26M ratings within its bound. ``out`` (rows x d x d) is
    written instead of a new array (see `Side`).
    """
    n, d = indicator.shape[0], f.shape[1]
    f = np.ascontiguousarray(f, dtype=np.float64)
    counts = np.diff(indicator.indptr)
    a = np.empty((n, d, d)) if out is None else out
    a[counts == 0] = 0.0
    b = np.asarray(targets @ f)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda block: _gram_block(indicator, f, block, a),
                      _length_blocks(counts, d)))
    return a, b


class Side:
    """One side of an alternating fit (the people, or the movies) and its working arrays.

    A sweep solves, for every row, normal equations built from the row's ratings shifted by
    the global mean and the other side's biases, and from the Gram matrix of the other side's
    factors over the row's entries. The Gram matrices (1 GB for 270k people at d = 21) and
    the shifted ratings are rewritten in place every sweep instead of allocated anew: on
    this project's 2-core VMs a freshly allocated gigabyte cost 1-7 s just to touch (freed
    memory goes back to the host within seconds), more than the arithmetic on it
    (docs/SCALE.md).
    """

    def __init__(self, ratings: sp.csr_matrix, d: int):
        self.ratings = ratings
        pattern = (ratings.indices, ratings.indptr)      # shared, not copied
        self.indicator = sp.csr_matrix((np.ones_like(ratings.data), *pattern), ratings.shape)
        self.shifted = sp.csr_matrix((np.empty_like(ratings.data), *pattern), ratings.shape)
        self.gram = np.empty((ratings.shape[0], d, d))

    def normal_equations(self, mu: float, other_bias: np.ndarray, f: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
        """(Σᵢ fᵢfᵢᵀ, Σᵢ fᵢ (rᵤᵢ - μ - bᵢ)) per row; the first is this side's own buffer,
        valid until the next call (callers add their prior to it in place)."""
        data = self.shifted.data
        np.take(other_bias, self.ratings.indices, out=data, mode="clip")  # "raise" buffers
        data += mu
        np.subtract(self.ratings.data, data, out=data)
        return grams(self.indicator, self.shifted, f, out=self.gram)


def _length_blocks(counts: np.ndarray, d: int, chunk_bytes: int = 32 << 20):
    """Row groups of similar length (max <= 1.25 x min), each padded block <= chunk_bytes."""
    order = np.argsort(counts, kind="stable")
    ordered = counts[order]
    start = int(np.searchsorted(ordered, 1))
    while start < len(order):
        width = max(int(ordered[start]), int(np.ceil(ordered[start] * 1.25)))
        stop = int(np.searchsorted(ordered, width, side="right"))
        stop = min(stop, start + max(1, chunk_bytes // (width * d * 8)))
        yield order[start:stop], width
        start = stop


def _gram_block(indicator: sp.csr_matrix, f: np.ndarray, block, out: np.ndarray) -> None:
    rows, width = block
    lengths = np.diff(indicator.indptr)[rows]
    pos = np.arange(width)[None, :]
    valid = pos < lengths[:, None]
    cols = np.zeros((len(rows), width), dtype=np.int64)
    cols[valid] = indicator.indices[(indicator.indptr[rows][:, None] + pos)[valid]]
    g = f[cols]
    g[~valid] = 0.0
    out[rows] = np.matmul(np.swapaxes(g, 1, 2), g)


def rating_sentence(pred: float, lo: float, hi: float) -> str:
    return f"Predicted {min(max(pred, lo), hi):.1f}/5 for you"


def closest_reason(dataset: Dataset, item: int, pred: float, lo: float, hi: float,
                    pick: int | None) -> str:
    text = rating_sentence(pred, lo, hi)
    if pick is None:
        return text
    text += f"; closest to your pick {dataset.catalog.label(pick)}"
    traits = shared_traits(dataset.catalog, pick, item)
    if traits:
        text += f" ({' · '.join(traits)})"
    return text



class TasteRanking:
    """``score`` by latent taste similarity (see `movierec.models.latent_taste`), or by the
    predicted stars a subclass gives in ``_rating_scores`` (one per rated movie)."""

    @single_threaded
    def score(self, profile: Profile) -> np.ndarray:
        scores = np.full(len(self._need().catalog), np.nan, dtype=np.float32)
        taste = self._taste_scores(profile)
        scores[self._rated] = taste if taste is not None else self._rating_scores(profile)
        return scores

    def _taste_scores(self, profile: Profile) -> np.ndarray | None:
        """Similarity of every rated movie to the picks, or None to rank by predicted stars
        (``rank_by="rating"``, or no liked pick has ratings to place it in the space)."""
        if self.config.rank_by != "taste":
            return None
        rows = self._row[profile.items]
        known = rows >= 0
        weights = profile.preference()[known]
        if not (weights > 0).any():
            return None
        return self._taste.scores(rows[known], weights)

    def _taste_picks(self, profile: Profile, items: np.ndarray) -> list[int | None]:
        """The liked pick closest in taste to each item (None when there is none)."""
        liked = profile.items[(profile.preference() > 0) & (self._row[profile.items] >= 0)]
        rows = self._row[np.asarray(items, np.int64)]
        out: list[int | None] = [None] * len(rows)
        if len(liked) and (rows >= 0).any():
            best = self._taste.closest(np.maximum(rows, 0), self._row[liked])
            out = [int(liked[b]) if r >= 0 else None for b, r in zip(best, rows)]
        return out


class ArrayState:
    """Fitted state kept as the arrays it is saved as (``self._st``), rebuilt without refitting."""

    def state(self) -> dict[str, np.ndarray]:
        self._need()
        return dict(self._st)

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        self._restore_arrays(dict(state))
