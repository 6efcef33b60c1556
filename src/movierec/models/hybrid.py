"""Hybrid: collaborative and content scores fused, with the weight chosen on held-out people.

Collaborative filtering knows what people *do* like but is blind to movies nobody rated;
content similarity covers every movie with metadata but is blind to taste. The hybrid
z-normalises both per person and mixes them with a weight picked at fit time by NDCG@10 on
validation people (3 picks in, or ``validation_fold_in`` of their liked movies; the rest as
truth), then refits on all data. Movies the collaborative model cannot score (cold) get its
median, so a strongly similar new movie can still surface. If no pick has ratings, content
carries it alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.models.base import ModelConfig, Recommender
from movierec.models.filters import Filter, top_k
from movierec.models.persist import nest, unnest
from movierec.models.profile import Profile
from movierec.models.recommendations import Recommendations
from movierec.models.registry import create
from movierec.models.standard_scores import zscores
from movierec.models.validation import best_of_grid, carve, folded_in

LIKED = LIKED_AT


@dataclass(frozen=True)
class HybridConfig(ModelConfig):
    collaborative: str = "ease"
    content: str = "content"
    cf_weight: float = -1.0            # < 0: choose on validation people; else use as given
    weight_grid: tuple = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    validation_users: int = 150
    validation_picks: int = 3
    validation_fold_in: float = 0.0    # in (0, 1): validation people fold in this share of
                                       # their liked movies (rated) instead of the picks
    cold_quantile: float = 0.5         # cold movies get this quantile of the CF z-scores
    cf_options: str = ""               # JSON settings of the collaborative part (`movierec
                                       # tune` fills them with what that method won)
    cold_neighbours: int = 0           # > 0: a movie nobody rated gets the collaborative
                                       # z-score of its most similar rated movies (by content),
                                       # averaged by similarity; 0: the cold_quantile fill


def _z(scores: np.ndarray) -> np.ndarray:
    """Per-person z-score over the movies a component could score (NaN stays NaN); all NaN
    when it has no signal (e.g. no pick has ratings), so the other component decides."""
    return zscores(scores, missing=np.nan, no_spread=np.nan)


def fuse(cf: np.ndarray, content: np.ndarray, weight: float, cold_quantile: float,
         transfer: sp.csr_matrix | None = None) -> np.ndarray:
    """``weight`` x the collaborative z-scores + the rest x content's. A movie the
    collaborative part cannot score gets its ``cold_quantile``, or, with ``transfer`` (cold x
    movies, rows summing to 1), the average z-score of its rated content neighbours."""
    cz, tz = _z(cf), _z(content)
    if not np.isfinite(cz).any():
        return tz
    if not np.isfinite(tz).any():
        return cz
    fill = np.nanquantile(cz, cold_quantile)
    if transfer is not None and transfer.nnz:
        known = np.isfinite(cz)
        moved = transfer @ np.where(known, cz, 0.0)
        reached = np.asarray(transfer @ known.astype(np.float64)).ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            moved = np.where(reached > 0, moved / np.maximum(reached, 1e-12), fill)
        cz = np.where(known, cz, moved)
    cz = np.where(np.isfinite(cz), cz, fill)
    tz = np.where(np.isfinite(tz), tz, np.nanmin(tz))
    return weight * cz + (1.0 - weight) * tz


def cold_transfer(vectors: sp.csr_matrix, rated: np.ndarray, k: int,
                  chunk: int = 2000) -> sp.csr_matrix:
    """movies x movies: each movie nobody rated -> its ``k`` most content-similar rated
    movies, weighted by cosine (rated movies' rows are empty)."""
    n = vectors.shape[0]
    cold, warm = np.flatnonzero(~rated), np.flatnonzero(rated)
    rows, cols, vals = [], [], []
    if len(cold) and len(warm):
        warm_t = vectors[warm].T.tocsc()
        k = min(k, len(warm))
        for start in range(0, len(cold), chunk):
            part = cold[start:start + chunk]
            sims = (vectors[part] @ warm_t).toarray()
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            picked = np.take_along_axis(sims, top, axis=1)
            keep = picked > 0
            rows.append(np.repeat(part, k)[keep.ravel()])
            cols.append(warm[top][keep])
            vals.append(picked[keep])
    if not rows:
        return sp.csr_matrix((n, n), dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals).astype(np.float32),
                          (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


class HybridRecommender(Recommender):
    name = "hybrid"
    Config = HybridConfig

    def _components(self):
        cfg = self.config
        options = json.loads(cfg.cf_options) if cfg.cf_options else {}
        return (create(cfg.collaborative, seed=cfg.seed, **options),
                create(cfg.content, seed=cfg.seed))

    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        self.selection: dict = {}
        weight = cfg.cf_weight
        if weight < 0:
            weight = self._choose_weight(dataset)
        self.weight = float(weight)
        self.cf, self.content = self._components()
        self.cf.fit(dataset)
        self.content.fit(dataset)
        self._transfer = (cold_transfer(self.content.item_vectors(),
                                        dataset.ratings.counts_per_movie() > 0,
                                        cfg.cold_neighbours)
                          if cfg.cold_neighbours > 0 else None)

    def _choose_weight(self, dataset: Dataset) -> float:
        """NDCG@10 of each weight on validation people the components never saw."""
        cfg = self.config
        carved = carve(dataset, cfg.validation_users, cfg.validation_picks, cfg.seed,
                       "-hybrid-train", cfg.validation_fold_in)
        if carved is None:
            self.selection = {"note": "too few people to validate; equal weights", "weight": 0.5}
            return 0.5
        train, cases = carved
        cf, content = self._components()
        cf.fit(train)
        content.fit(train)
        grid = list(cfg.weight_grid)
        scores = best_of_grid(cases, lambda p: [cf.score(p), content.score(p)],
                              lambda parts, w: fuse(parts[0], parts[1], w, cfg.cold_quantile),
                              grid)
        best = int(np.argmax(scores))
        self.selection = {"metric": "ndcg@10", "validation_users": len(cases),
                          "folded_in": folded_in(cfg.validation_picks, cfg.validation_fold_in),
                          "grid": [float(w) for w in grid], "scores": [float(s) for s in scores],
                          "weight": float(grid[best])}
        return float(grid[best])

    def _parts(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        return self.cf.score(profile), self.content.score(profile)

    def score(self, profile: Profile) -> np.ndarray:
        cs, ts = self._parts(profile)
        return fuse(cs, ts, self.weight, self.config.cold_quantile,
                    self._transfer).astype(np.float32)

    def recommend(self, profile: Profile, k: int = 10, candidates: Filter | None = None,
                  *, min_picks: int | None = None) -> Recommendations:
        dataset = self._checked(profile, min_picks)
        cs, ts = self._parts(profile)
        fused = fuse(cs, ts, self.weight, self.config.cold_quantile,
                     self._transfer).astype(np.float32)
        allowed = (candidates or Filter()).mask(dataset.catalog, profile.items)
        items = top_k(fused, k, allowed)
        return Recommendations(items, fused[items], tuple(self._explain(profile, items, cs, ts)), self.name)

    def _explain(self, profile, items, cs, ts) -> list[str]:
        """Each movie explained by the component that contributed more to its place."""
        cz, tz = _z(cs), _z(ts)
        cf_part = np.where(np.isfinite(cz[items]), self.weight * cz[items], -np.inf)
        ct_part = np.where(np.isfinite(tz[items]), (1 - self.weight) * tz[items], -np.inf)
        use_cf = cf_part >= ct_part
        reasons = [""] * len(items)
        for flag, model, scores in ((True, self.cf, cs), (False, self.content, ts)):
            sel = np.flatnonzero(use_cf == flag)
            if len(sel):
                for pos, text in zip(sel, model.explain(profile, items[sel], scores)):
                    reasons[pos] = text
        for pos, item in enumerate(items):
            if not np.isfinite(cs[item]):
                reasons[pos] += " · new to our ratings: found by its story and people"
        return reasons

    def explain(self, profile, items, scores):
        cs, ts = self._parts(profile)
        return self._explain(profile, np.asarray(items), cs, ts)

    def state(self):
        out = {"weight": np.array([self.weight]),
               "selection_scores": np.array(self.selection.get("scores", []), dtype=np.float64)}
        if self._transfer is not None:
            out.update({"transfer_indptr": self._transfer.indptr,
                        "transfer_indices": self._transfer.indices,
                        "transfer_data": self._transfer.data})
        out.update(nest("cf", self.cf.state()))
        out.update(nest("content", self.content.state()))
        return out

    def _restore(self, state, dataset):
        self.weight = float(state["weight"][0])
        grid = list(self.config.weight_grid)
        scores = state.get("selection_scores", np.array([])).tolist()
        self.selection = {"grid": grid, "scores": scores, "weight": self.weight} if scores else {}
        n = len(dataset.catalog)
        self._transfer = (sp.csr_matrix((state["transfer_data"], state["transfer_indices"],
                                         state["transfer_indptr"]), shape=(n, n))
                          if "transfer_indptr" in state else None)
        self.cf, self.content = self._components()
        self.cf.restore(unnest("cf", state), dataset)
        self.content.restore(unnest("content", state), dataset)
