"""An exploring session: a posterior over one person's taste, updated by every reaction.

The collaborative model says what a person probably likes from their picks (its fold-in
scores); a session then learns a correction from how they react to what they are shown.
Each movie has a vector in a latent space of the catalog (`item_space`: the top singular
vectors of who-rated-what, so any method can use it). The correction is a Bayesian linear
regression of reactions on those vectors (`TastePosterior`: w ~ N(mu, Sigma)); a shown
movie's reward is +1 when liked, -1 when disliked, and a small negative ``silence`` when it
was passed over. The next list ranks by the model's z-scored fold-in plus ``x . w`` with
``w`` *sampled* from the posterior (Thompson sampling, Russo et al. 2018, "A Tutorial on
Thompson Sampling"): where the posterior is unsure, the sample varies, so the list mixes
what the person will surely like with what would teach the most. ``strength`` scales the
posterior's spread (0: no exploration, only the posterior mean).

Why Thompson sampling over LinUCB: it needs no confidence-width constant per data set
beyond one scale, and sampling gives varied lists across sessions for free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

REWARDS = {"liked": 1.0, "disliked": -1.0}   # a reaction's reward; silence: `silence`


class TastePosterior:
    """w ~ N(mean, cov) for rewards r = x . w + noise; prior N(0, prior_var I)."""

    def __init__(self, dim: int, prior_var: float = 1.0, noise_var: float = 1.0):
        self.precision = np.eye(dim) / prior_var
        self.weighted = np.zeros(dim)
        self.noise_var = noise_var

    def update(self, x: np.ndarray, reward: float) -> None:
        x = np.asarray(x, dtype=np.float64)
        self.precision += np.outer(x, x) / self.noise_var
        self.weighted += reward * x / self.noise_var

    @property
    def cov(self) -> np.ndarray:
        return np.linalg.inv(self.precision)

    @property
    def mean(self) -> np.ndarray:
        return np.linalg.solve(self.precision, self.weighted)

    def sample(self, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
        """A draw from N(mean, strength^2 cov) (the mean itself when strength is 0)."""
        if strength <= 0:
            return self.mean
        chol = np.linalg.cholesky(self.cov)
        return self.mean + strength * chol @ rng.standard_normal(len(self.weighted))


def item_space(matrix: sp.csr_matrix, dim: int = 32, seed: int = 0) -> np.ndarray:
    """movies x dim unit vectors: the top right singular vectors of the binary users x
    movies matrix, scaled by the singular values (movies nobody rated get zero rows)."""
    from sklearn.utils.extmath import randomized_svd

    binary = matrix.copy().astype(np.float32)
    binary.data[:] = 1.0
    dim = max(1, min(dim, min(binary.shape) - 1))
    _, s, vt = randomized_svd(binary, dim, random_state=seed)
    vectors = vt.T * np.sqrt(s)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def zscore(scores: np.ndarray) -> np.ndarray:
    """Finite scores as z-scores; -inf (not recommendable) stays -inf."""
    s = np.asarray(scores, dtype=np.float64)
    ok = np.isfinite(s)
    out = np.full(len(s), -np.inf)
    if ok.any():
        out[ok] = (s[ok] - s[ok].mean()) / (s[ok].std() + 1e-9)
    return out


@dataclass
class ExploringSession:
    """One person's session: reactions update the posterior; `rank` gives the next scores.

    ``silence``: the reward of a movie shown and passed over (replays: unrated); 0 in the
    app, where not reacting says nothing. ``strength``: how much the list explores.
    """

    vectors: np.ndarray
    strength: float = 0.5
    silence: float = 0.0
    weight: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        self.posterior = TastePosterior(self.vectors.shape[1])
        self.rng = np.random.default_rng(self.seed)

    def observe(self, movie: int, reaction: str | None) -> None:
        reward = self.silence if reaction is None else REWARDS[reaction]
        if reward != 0.0:
            self.posterior.update(self.vectors[int(movie)], reward)

    def rank(self, base_scores: np.ndarray) -> np.ndarray:
        """The model's z-scored fold-in plus the sampled correction (higher is better)."""
        w = self.posterior.sample(self.rng, self.strength)
        return zscore(base_scores) + self.weight * (self.vectors @ w)
