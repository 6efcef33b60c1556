"""An exploring session: a posterior over one person's taste, updated by every reaction.

The collaborative model says what a person probably likes from their picks (its fold-in
scores); a session then learns a correction from how they react to what they are shown.
Each movie has a vector in a latent space of the catalog (`item_space`: the top singular
vectors of who-rated-what, so any method can use it). The correction is a Bayesian linear
regression of reactions on those vectors (`TastePosterior`: w ~ N(mu, Sigma)); a shown
movie's reward is +1 when liked, ``disliked`` (at most 0) when disliked, -1 when the person is
not interested, 0 when they have seen it, and ``silence`` (a small negative) when it was
passed over. The next list ranks by the model's z-scored fold-in plus ``x . w`` with
``w`` *sampled* from the posterior (Thompson sampling, Russo et al. 2018, "A Tutorial on
Thompson Sampling"): where the posterior is unsure, the sample varies, so the list mixes
what the person will surely like with what would teach the most. ``strength`` scales the
posterior's spread (0: no exploration, only the posterior mean).

What the fold-in is told (`fold_reactions`): a liked movie joins the picks at 5 stars; a
movie the person *watched* -- disliked or just seen -- joins at `SEEN_STARS`, a weak positive,
because choosing to watch something says what a person watches even when it disappointed
(on validation people, folding a dislike in at 1 star lost about one liked movie in five
rounds); what they did not like is the posterior's to learn, in the latent space. A movie
they are not interested in stays out of the fold-in and out of every later list.

Why Thompson sampling over LinUCB: it needs no confidence-width constant per data set
beyond one scale, and sampling gives varied lists across sessions for free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import scipy.sparse as sp

from movierec.models.profile import LIKE, Profile
from movierec.models.standard_scores import zscores

REACTIONS = ("liked", "disliked", "seen", "not_interested")
SEEN_STARS = 3.5          # the fold-in's rating for a movie watched but not liked (weak +)
FIXED_REWARDS = {"liked": 1.0, "seen": 0.0, "not_interested": -1.0}   # disliked: a setting


class ReactionError(ValueError):
    """A reaction that is not one of `REACTIONS` (the message names it)."""


def reaction_of(value: object) -> str:
    """One of `REACTIONS` from a reaction name or a thumb (True: liked, False: disliked)."""
    if isinstance(value, bool):
        return "liked" if value else "disliked"
    if isinstance(value, str):
        name = value.strip().lower().replace(" ", "_").replace("-", "_")
        if name in REACTIONS:
            return name
    raise ReactionError(f"a reaction is one of {', '.join(REACTIONS)}, not {value!r}"[:160])


def fold_reactions(profile: Profile, reactions: Iterable[tuple[int, str]]) -> Profile:
    """``profile`` with each reaction folded in (see the module docstring): liked as a 👍,
    disliked and seen at `SEEN_STARS`, not interested left out. A reaction to a movie already
    in the profile replaces what the profile said about it."""
    items = profile.items.tolist()
    ratings = profile.rating_array().tolist()
    flags = profile.feedback_array().tolist()
    for movie, reaction in reactions:
        movie, reaction = int(movie), reaction_of(reaction)
        if movie in items:
            at = items.index(movie)
            del items[at], ratings[at], flags[at]
        if reaction == "not_interested":
            continue
        items.append(movie)
        ratings.append(np.nan if reaction == "liked" else SEEN_STARS)
        flags.append(LIKE if reaction == "liked" else 0)
    return Profile(np.asarray(items, dtype=np.int64), np.asarray(ratings, dtype=np.float32),
                   np.asarray(flags, dtype=np.int8), labels=profile.labels)


@dataclass(frozen=True)
class SessionSettings:
    """How a session learns: ``strength`` scales the posterior's spread when sampling (0:
    the posterior mean, no exploration); ``weight`` the correction against the z-scored
    fold-in; ``disliked`` and ``silence`` the rewards of a disliked and a passed-over movie.

    The defaults follow what validation people chose (`evaluation.sessions.tune_exploring`,
    docs/REPORT.md section 11): ``disliked`` -0.3 on both report data sets, ``weight`` 3 on
    ML-100k (5 on ratings_small, where 3 came close). Sampling did not pay within five rounds
    (strength 0 on ML-100k; 0.25 on ratings_small, no better than its mean there); the app
    keeps a little (0.1) so a long session is not stuck in one corner. ``silence`` is 0 in
    the app, where not reacting says nothing."""

    strength: float = 0.1
    weight: float = 3.0
    disliked: float = -0.3
    silence: float = 0.0

    def reward(self, reaction: str | None) -> float:
        if reaction is None:
            return self.silence
        return self.disliked if reaction == "disliked" else FIXED_REWARDS[reaction]


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


@dataclass
class ExploringSession:
    """One person's session: reactions update the posterior; `rank` gives the next scores.

    ``vectors``: `item_space` of the catalog; ``seed``: the sampling's random stream (the
    app seeds it with the session's reactions, so the same state gives the same list).
    """

    vectors: np.ndarray
    settings: SessionSettings = SessionSettings()
    seed: int = 0

    def __post_init__(self) -> None:
        self.posterior = TastePosterior(self.vectors.shape[1])
        self.rng = np.random.default_rng(self.seed)

    def observe(self, movie: int, reaction: str | None) -> None:
        """Learn from one reaction (one of `REACTIONS`; None: shown and passed over)."""
        reward = self.settings.reward(None if reaction is None else reaction_of(reaction))
        if reward != 0.0:
            self.posterior.update(self.vectors[int(movie)], reward)

    def rank(self, base_scores: np.ndarray) -> np.ndarray:
        """The model's z-scored fold-in plus the sampled correction (higher is better)."""
        w = self.posterior.sample(self.rng, self.settings.strength)
        return zscores(base_scores, missing=-np.inf) + self.settings.weight * (self.vectors @ w)
