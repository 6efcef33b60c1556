"""Popularity: movies many people know and love, the baseline every method must beat.

Two scores, chosen by ``kind``:
- ``weighted``: the IMDb weighted rating WR = v/(v+m)·R + m/(v+m)·C, where R and v are a
  movie's mean vote and vote count, C the mean vote over all movies and m the vote count at
  the ``min_votes_percentile`` -- so a 9.0 from 3 voters doesn't beat 8.3 from 8,000. TMDb
  votes are used where the catalog has them, our own ratings (rescaled to 0-10) elsewhere.
- ``count``: how many people rated the movie in the training ratings.
The same list for everyone, except that movies like the person's dislikes are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from movierec.data.dataset import Dataset
from movierec.models.base import ModelConfig, Recommender
from movierec.models.explain import popularity_evidence
from movierec.models.profile import Profile


@dataclass(frozen=True)
class PopularityConfig(ModelConfig):
    kind: str = "weighted"              # "weighted" (IMDb formula) or "count"
    min_votes_percentile: float = 90.0  # m in the IMDb formula, as a percentile of vote counts
    source: str = "auto"                # "auto" (TMDb votes where known), "tmdb", "ratings"


def weighted_rating(mean: np.ndarray, votes: np.ndarray, percentile: float) -> np.ndarray:
    """IMDb weighted rating; NaN where a movie has no votes at all."""
    has = votes > 0
    if not has.any():
        return np.full(len(mean), np.nan)
    c = float(np.average(mean[has], weights=None))
    m = float(np.percentile(votes[has], percentile))
    with np.errstate(invalid="ignore", divide="ignore"):
        wr = votes / (votes + m) * mean + m / (votes + m) * c
    return np.where(has, wr, np.nan)


class PopularityRecommender(Recommender):
    name = "popularity"
    Config = PopularityConfig

    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        if cfg.kind not in ("weighted", "count"):
            raise ValueError(f"popularity kind must be 'weighted' or 'count', not {cfg.kind!r}")
        counts = dataset.ratings.counts_per_movie().astype(np.float64)
        if cfg.kind == "count":
            self._scores = np.where(counts > 0, counts, np.nan)
            return
        frame = dataset.catalog.frame
        own_mean = dataset.ratings.mean_per_movie() * 2.0  # 5 stars -> 10-point scale
        own = weighted_rating(np.nan_to_num(own_mean), counts, cfg.min_votes_percentile)
        tmdb_votes = frame["vote_count"].astype("float64").fillna(0).to_numpy()
        tmdb_mean = frame["vote_average"].astype("float64").fillna(0).to_numpy()
        tmdb = weighted_rating(tmdb_mean, tmdb_votes, cfg.min_votes_percentile)
        if cfg.source == "tmdb":
            self._scores = tmdb
        elif cfg.source == "ratings":
            self._scores = own
        else:
            self._scores = np.where(np.isfinite(tmdb), tmdb, own)

    def score(self, profile: Profile) -> np.ndarray:
        return self._scores.astype(np.float32)

    def explain(self, profile, items, scores):
        catalog = self._need().catalog
        return [popularity_evidence(catalog, int(i)) for i in items]

    def state(self):
        # saved arrays must be finite (damage is detected that way): NaN (no votes at all)
        # travels as a mask beside the scores
        scored = np.isfinite(self._scores)
        return {"scores": np.where(scored, self._scores, 0.0), "scored": scored.astype(np.uint8)}

    def _restore(self, state, dataset):
        scores = np.asarray(state["scores"], dtype=np.float64)
        scored = state.get("scored")
        self._scores = scores if scored is None else np.where(scored.astype(bool), scores, np.nan)
