"""EASE (Steck 2019): a closed-form item-to-item linear model over who rated what.

    P = (X^T X + Λ)^-1,    B = I - P / diag(P)   (so diag(B) = 0),
    Λ = l2 * I + emphasis * diag(X^T X)

The second term of ``Λ`` is the dropout emphasis of Steck's EDLAE ("Autoencoders that don't
overfit towards the identity", NeurIPS 2020): training as a denoising autoencoder that drops
each input with probability p adds p/(1-p) * diag(X^T X) to the ridge, so a movie many people
rated pays more for weights that merely echo its own co-raters (``emphasis`` = p/(1-p);
0 is plain EASE).

``X`` is the users x movies matrix (binarised by default), ``B`` a dense movies x movies
weight matrix; a new person's scores are ``x @ B`` with ``x`` their signed preference over
the picks -- the fold-in is exact, no retraining. The inverse is dense (O(m^2) memory,
O(m^3) time), so only the ``max_items`` most-rated movies are modelled; every other movie
scores NaN and the hybrid falls back to content for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.data.liking import preference
from movierec.models import explain as ex
from movierec.models.base import ModelConfig, Recommender
from movierec.models.knn import binary, picks, popularity_tie_break
from movierec.models.profile import Profile
from movierec.models.scaling import setting

WEIGHTINGS = ("binary", "rating", "preference")


@dataclass(frozen=True)
class EASEConfig(ModelConfig):
    """``l2`` 0 scales with the data (`models.scaling`: 16 x the ratings per rated movie)."""

    l2: float = 0.0            # ridge on the item-item regression (larger = smoother, more
                               # popular); 0: scaled with the data
    max_items: int = 6000      # most-rated movies kept (B is max_items^2 float32: 144 MB)
    weighting: str = "rating"  # X cells: "rating" (stars / 5), "binary" (1) or
                               # "preference" ((stars - 3) / 2, like a profile)
    emphasis: float = 0.0      # EDLAE dropout emphasis p/(1-p): ridge += emphasis * diag(X^T X)


def ease_weights(gram: np.ndarray, l2: float, emphasis: float = 0.0) -> np.ndarray:
    """``B = I - P / diag(P)`` with ``P = (gram + Λ)^-1``, ``Λ = l2 I + emphasis diag(gram)``,
    float32, diag(B) = 0.

    Cholesky inversion in LAPACK (potrf + potri: ~n^3 flops, half of a general inverse),
    done in place on ``gram``'s float32 copy.
    """
    g = np.array(gram, dtype=np.float32, order="F", copy=True)
    g[np.diag_indices_from(g)] *= np.float32(1.0 + emphasis)
    g[np.diag_indices_from(g)] += np.float32(l2)
    potrf, potri = scipy.linalg.lapack.get_lapack_funcs(("potrf", "potri"), (g,))
    c, info = potrf(g, lower=False, overwrite_a=True, clean=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: X^T X + l2 I is not positive definite (info={info}); "
                                    "increase l2")
    p, info = potri(c, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: inverse failed (info={info})")
    p = np.triu(p)
    p += np.triu(p, 1).T                      # potri fills the upper triangle only
    diag = np.diag(p).copy()
    p /= -diag[None, :]                       # B_ij = -P_ij / P_jj
    p[np.diag_indices_from(p)] = 0.0
    return np.ascontiguousarray(p, dtype=np.float32)


def ease_weights_dual(X: sp.csr_matrix, l2: float, emphasis: float = 0.0) -> np.ndarray:
    """The same ``B`` through the people side, for fewer people than movies (Woodbury).

    ``(l2 I + X^T X)^-1 = (I - X^T K^-1 X) / l2`` with ``K = l2 I + X X^T`` (people x
    people). Writing ``M = X^T K^-1 X``: ``B_ij = M_ij / (1 - M_jj)``. Costs a people-sized
    Cholesky solve and one movies x movies product instead of a movies-sized inverse: on
    The Movies Dataset's 671 people and 6,000 movies, ~2 s instead of 15-30 s on 2 cores.
    ``1 - M_jj = l2 P_jj >= l2 / (l2 + G_jj)`` is computed in float64, so no cancellation.

    With emphasis the ridge is a diagonal ``D`` (``d_j = l2 + emphasis G_jj``): solving for
    ``X D^-1/2`` with unit ridge gives ``P~``, and ``B_ij = B~_ij sqrt(d_j / d_i)``.
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    if emphasis:
        d = float(l2) + float(emphasis) * np.asarray(X.multiply(X).sum(axis=0)).ravel()
        root = np.sqrt(d)
        B = ease_weights_dual(X @ sp.diags(1.0 / root), 1.0)
        B *= root.astype(np.float32)[None, :]
        B /= root.astype(np.float32)[:, None]
        return B
    K = (X @ X.T).toarray()
    K[np.diag_indices_from(K)] += float(l2)
    K_inv = scipy.linalg.cho_solve(scipy.linalg.cho_factor(K, lower=True, check_finite=False),
                                   np.eye(K.shape[0]), check_finite=False)
    XT = X.T.tocsr()
    Y = np.asarray(XT @ K_inv)                                          # X^T K^-1, movies x people
    denom = 1.0 - np.asarray(XT.multiply(Y).sum(axis=1)).ravel()        # 1 - M_jj (float64)
    M = np.asarray(XT.astype(np.float32) @ np.ascontiguousarray(Y.T, dtype=np.float32)).T
    M = np.array(M, dtype=np.float32, order="C")                        # M = (X^T K^-1) X
    M /= denom.astype(np.float32)[None, :]
    M[np.diag_indices_from(M)] = 0.0
    return np.ascontiguousarray(M, dtype=np.float32)


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder: movies predicted from all the person's picks at once.

    Unlike item-kNN the weights are learned jointly (a ridge regression of each movie's
    column on all others), so two near-duplicate picks don't double-count, and negative
    weights let a pick argue *against* a movie.

    Tuning (ML-100k, 20% of users held out and folded in; recall@10 / nDCG@10 on their loved
    held-out movies, from half their ratings | from 3 loved picks): stars/5 weighting beats
    binary at every l2 (l2=500: 0.466/0.496 | 0.427/0.446 vs binary 0.452/0.485 |
    0.406/0.426), and l2 in 500..1000 is best (200: 0.455 | 0.408; 2000: 0.462 | 0.465 -- a
    large l2 drifts towards popularity, which helps the 3-pick case and hurts the other).
    Popularity alone scores 0.273 | 0.329. A larger dataset wants a larger l2 (Steck used
    500 on ML-20M binarised), so the default scales with the ratings per movie
    (`models.scaling`; ML-100k: 951).
    """

    name = "ease"
    Config = EASEConfig

    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        if cfg.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {cfg.weighting!r}")
        if not cfg.emphasis >= 0:
            raise ValueError(f"emphasis must be 0 or more, not {cfg.emphasis!r}")
        if not cfg.l2 >= 0:
            raise ValueError(f"l2 must be more than 0 (or 0 to scale with the data), "
                             f"not {cfg.l2!r}")
        l2 = float(cfg.l2) or max(1.0, float(setting(self.name, cfg, "l2",
                                                      dataset.ratings.matrix)))   # no data: 1
        X = dataset.ratings.matrix.tocsr()
        counts = np.bincount(X.indices, minlength=X.shape[1])
        rated = np.flatnonzero(counts > 0)
        top = rated[np.argsort(-counts[rated], kind="stable")][: max(int(cfg.max_items), 0)]
        kept = np.sort(top).astype(np.int64)
        Xk = X[:, kept].astype(np.float32)
        if cfg.weighting == "binary":
            Xk = binary(Xk)
        elif cfg.weighting == "rating":
            Xk.data = Xk.data / np.float32(5.0)
        else:
            Xk.data = preference(Xk.data)
        if len(kept) == 0:
            weights = np.zeros((0, 0), np.float32)
        elif Xk.shape[0] < len(kept):        # fewer people than movies: invert people-side
            weights = ease_weights_dual(Xk, l2, cfg.emphasis)
        else:
            weights = ease_weights((Xk.T @ Xk).toarray(), l2, cfg.emphasis)
        self._set(weights, kept, X)

    def _set(self, weights: np.ndarray, kept: np.ndarray, X: sp.csr_matrix) -> None:
        n = X.shape[1]
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.kept = np.asarray(kept, dtype=np.int64)
        self._pos = np.full(n, -1, dtype=np.int64)
        self._pos[self.kept] = np.arange(len(self.kept))
        self._tie = popularity_tie_break(X)[self.kept]
        self._n = n

    def _picked(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        items, pref = picks(profile)
        pos = self._pos[items]
        return items, pref, pos

    def score(self, profile: Profile) -> np.ndarray:
        _, pref, pos = self._picked(profile)
        inside = pos >= 0
        out = np.full(self._n, np.nan)
        if not inside.any():
            return out                        # no pick is modelled: nothing to say (all NaN)
        kept_scores = pref[inside].astype(np.float32) @ self.weights[pos[inside]]
        if not np.any(kept_scores != 0):
            return out
        out[self.kept] = kept_scores.astype(np.float64) + self._tie
        return out

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        picked, pref, pos = self._picked(profile)
        contrib = np.zeros((len(items), len(picked)))
        inside = pos >= 0
        target = self._pos[items]
        ok = target >= 0
        if inside.any() and ok.any():
            part = self.weights[np.ix_(pos[inside], target[ok])] * pref[inside][:, None]
            contrib[np.ix_(np.flatnonzero(ok), np.flatnonzero(inside))] = part.T
        return ex.explain_by_contribution(self._need().catalog, items, picked, contrib, "")

    def state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "kept": self.kept}

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        self._set(state["weights"], state["kept"], dataset.ratings.matrix)
