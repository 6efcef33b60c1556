"""Non-negative matrix factorisation (`nmf`): ``r̂ = p_u·q_i`` with p, q ≥ 0.

Learnt by regularised multiplicative updates (as Surprise's NMF, vectorised); a new person
is folded in by non-negative least squares (`scipy.optimize.nnls`) on their picks'
ratings. Its factors are parts-based (each movie a sum of non-negative "tastes"), easier
to read than signed SVD factors. Mean RMSE on ML-100k's u1..u5 folds: 0.922 (Surprise
reports 0.963 for its NMF on ML-100k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls

from movierec.data.dataset import Dataset
from movierec.models.base import ModelConfig, RatingModel
from movierec.models.matrix_factorization import (SCALE, ArrayState, TasteRanking, catalog_rows,
                                                  closest_reason, on_two_threads, one_blas_thread,
                                                  rated_movies, single_threaded)
from movierec.models.latent_taste import LatentTaste, check_ranking
from movierec.models.profile import Profile


@dataclass(frozen=True)
class NMFConfig(ModelConfig):
    factors: int = 30
    epochs: int = 200              # multiplicative updates converge slowly: 50 is ~0.03 worse
    reg_user: float = 0.1
    reg_item: float = 0.1
    init_low: float = 0.0
    init_high: float = 1.0
    rank_by: str = "taste"         # top-N order: "taste" similarity to the picks, or "rating"
    taste_shrink: float = 10.0     # similarity of a movie with n ratings x n / (n + shrink)


class NMFRecommender(TasteRanking, ArrayState, RatingModel):
    """``r̂ = p_u·q_i`` with p, q ≥ 0. ``predict`` gives stars; ``score`` ranks by taste
    similarity to the picks (or by predicted stars with ``rank_by="rating"``).

    ``taste_shrink`` is 10, not svd's 20: NMF's parts-based factors of a movie with a few
    dozen ratings already place it well, and at 20 the best-known films crowd out the picks'
    own kind (three animated favourites on ML-100k: 1 family film in 10 at 20, 2 at 10).
    The price, measured on held-out people (3 picks, NDCG@10, ML-100k | ratings_small):
    0.263 | 0.235 at 20, 0.243 | 0.208 at 10 -- nmf is here for its readable factors and
    ratings; the top-N lists of `svd`, `graph` and `ease` are far stronger.
    """

    name = "nmf"
    Config = NMFConfig
    EPS = 1e-12

    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        check_ranking(cfg.rank_by)
        rng = np.random.default_rng(cfg.seed)
        rated = rated_movies(dataset)
        # float32 throughout: half the memory traffic of the gathers and sparse products
        # that are all of an epoch's time; ML-100k's RMSE is the same to 7 digits as in
        # float64 (u1 0.92758, u2 0.92233)
        by_user = dataset.ratings.matrix[:, rated].tocsr().astype(np.float32)
        by_user.sort_indices()
        n_users, n_items = by_user.shape
        values = by_user.data
        row = np.repeat(np.arange(n_users), np.diff(by_user.indptr))
        col = by_user.indices
        by_movie = by_user.T      # CSC view, no copy: ``by_movie @ p`` reads p in row order
        n_u = np.bincount(row, minlength=n_users).astype(np.float32)[:, None]
        n_i = np.bincount(col, minlength=n_items).astype(np.float32)[:, None]
        p = rng.uniform(cfg.init_low, cfg.init_high, (n_users, cfg.factors)).astype(np.float32)
        q = rng.uniform(cfg.init_low, cfg.init_high, (n_items, cfg.factors)).astype(np.float32)

        cells = np.empty_like(values)

        def estimates() -> sp.csr_matrix:
            """r̂ on the rated cells, in the ratings' own structure (nothing re-sorted), into
            the same buffer every time (a fresh 100 MB per step is slow to touch on a VM)."""
            return sp.csr_matrix((_dots(p, q, row, col, out=cells), by_user.indices,
                                  by_user.indptr), shape=by_user.shape)

        work_p, work_q = np.empty_like(p), np.empty_like(q)   # the updates' scratch
        reg_u, reg_i = np.float32(cfg.reg_user) * n_u, np.float32(cfg.reg_item) * n_i

        # Each step on two threads (`on_two_threads`). Both halves of an epoch walk the
        # cells in person order: on 26M ratings a movie-ordered pass reads the 270k
        # people's factors at random and is several times slower.
        with one_blas_thread():
            for _ in range(cfg.epochs):
                est = estimates()
                num, den = on_two_threads(lambda: by_user @ q, lambda: est @ q)
                _step(p, num, den, reg_u, self.EPS, work_p)
                est = estimates()
                num, den = on_two_threads(lambda: by_movie @ p, lambda: est.T @ p)
                _step(q, num, den, reg_i, self.EPS, work_q)
        scale = (float(values.min()), float(values.max())) if len(values) else SCALE
        self._restore_arrays(dict(rated=rated, item_factors=q.astype(np.float32),
                                  user_factors=p.astype(np.float32),
                                  scale=np.asarray(scale, dtype=np.float64)))

    def _restore_arrays(self, st: dict[str, np.ndarray]) -> None:
        self._st = st
        self._rated = st["rated"].astype(np.int64)
        self._q = st["item_factors"]
        self._p = st["user_factors"]
        self._scale = (float(st["scale"][0]), float(st["scale"][1]))
        self._row = catalog_rows(len(self._need().catalog), self._rated)
        q = self._q.astype(np.float64)
        counts = self._need().ratings.counts_per_movie()[self._rated]
        self._taste = LatentTaste.from_factors(q, counts, self.config.taste_shrink)

    def user_vector(self, profile: Profile) -> np.ndarray:
        """Non-negative least squares of the picks' ratings on their item factors (+ L2)."""
        self._need()
        rows = self._row[profile.items]
        known = rows >= 0
        r = profile.effective_ratings()[known].astype(np.float64)
        q = self._q[rows[known]].astype(np.float64)
        k = self.config.factors
        lam = np.sqrt(self.config.reg_user * max(len(r), 1))
        a = np.vstack([q, lam * np.eye(k)])
        b = np.concatenate([r, np.zeros(k)])
        x, _ = nnls(a, b)
        return x

    def _rating_scores(self, profile: Profile) -> np.ndarray:
        return self._q @ self.user_vector(profile).astype(np.float32)

    def _predict(self, vectors: np.ndarray, movies: np.ndarray) -> np.ndarray:
        rows = self._row[movies]
        pred = np.einsum("nk,nk->n", vectors.astype(np.float64),
                         self._q[np.maximum(rows, 0)].astype(np.float64))
        # A movie nobody rated: the person's mean predicted rating over rated movies.
        if (rows < 0).any():
            fallback = vectors.astype(np.float64) @ self._q.mean(axis=0).astype(np.float64)
            pred = np.where(rows >= 0, pred, fallback)
        return np.clip(pred, *self._scale)

    @single_threaded
    def predict(self, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        self._need()
        users, movies = np.broadcast_arrays(np.asarray(users, np.int64),
                                            np.asarray(movies, np.int64))
        return self._predict(self._p[users.ravel()], movies.ravel()).reshape(users.shape)

    @single_threaded
    def predict_profile(self, profile: Profile, movies: np.ndarray | None = None) -> np.ndarray:
        dataset = self._need()
        movies = np.arange(len(dataset.catalog)) if movies is None else np.asarray(movies, np.int64)
        x = self.user_vector(profile)
        return self._predict(np.broadcast_to(x, (len(movies), len(x))), movies)

    @single_threaded
    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        dataset = self._need()
        lo, hi = self._scale
        pred = self.predict_profile(profile, np.asarray(items, np.int64))
        return [closest_reason(dataset, int(item), float(p), lo, hi, pick)
                for item, p, pick in zip(items, pred, self._taste_picks(profile, items))]


def _step(x: np.ndarray, num: np.ndarray, den: np.ndarray, reg: np.ndarray, eps: float,
          work: np.ndarray) -> None:
    """The multiplicative update ``x *= num / (den + reg * x + eps)``, in place through
    ``work``: the same float32 arithmetic as the expression, without its four temporaries
    the size of ``x`` (32 MB each for 270k people, slow to touch afresh on a VM)."""
    np.multiply(reg, x, out=work)
    work += den
    work += eps
    np.divide(num, work, out=work)
    x *= work


def _dots(p: np.ndarray, q: np.ndarray, row: np.ndarray, col: np.ndarray,
          chunk: int = 1 << 13, out: np.ndarray | None = None) -> np.ndarray:
    """``p[row] · q[col]`` per rated cell (into ``out`` when given), a chunk of cells at a
    time (26M cells x 30 factors would otherwise gather two 6 GB arrays; small chunks stay
    in cache), the two halves of the cells on two threads."""
    out = np.empty(len(row), dtype=p.dtype) if out is None else out

    def cells(lo: int, hi: int) -> None:
        for start in range(lo, hi, chunk):
            stop = min(start + chunk, hi)
            out[start:stop] = np.einsum("nk,nk->n", p[row[start:stop]], q[col[start:stop]])

    half = (len(row) // 2 // chunk) * chunk
    on_two_threads(lambda: cells(0, half), lambda: cells(half, len(row)))
    return out
