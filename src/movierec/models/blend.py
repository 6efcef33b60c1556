"""Blend: several collaborative methods' scores fused, with weights learnt on held-out people.

Each member (EASE, user-kNN and RP3beta by default) sees taste through a different lens:
item-item regression, people like you, random walks. The blend z-normalises each member's
scores per person and adds them with weights chosen at fit time by NDCG@10 on validation
people carved from the training people (3 picks in, or ``validation_fold_in`` of their
liked movies; the rest of their liked movies as truth), over a grid on the simplex; then
the members are refitted on all the data. ``member_options`` carries each member's own
settings (`movierec tune` fills it with what each member won on validation people). A movie
is explained by the member that put it highest.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import numpy as np

from movierec.data.dataset import Dataset
from movierec.models.base import ModelConfig, Recommender
from movierec.models.persist import nest, unnest
from movierec.models.profile import LastPerson, Profile
from movierec.models.registry import create
from movierec.models.standard_scores import zscores
from movierec.models.validation import best_of_grid, carve, folded_in


@dataclass(frozen=True)
class BlendConfig(ModelConfig):
    members: str = "ease,user_knn,graph"   # comma-separated registry names
    member_options: str = ""               # JSON {member: {option: value}}
    weights: str = ""                      # JSON list, one per member; "": learn on validation
    grid_step: float = 0.25                # the simplex grid the weights are chosen from
    validation_users: int = 200
    validation_picks: int = 3
    validation_fold_in: float = 0.0    # in (0, 1): validation people fold in this share of
                                       # their liked movies (rated) instead of the picks


def simplex_grid(n: int, step: float) -> list[tuple[float, ...]]:
    """Every weight vector of ``n`` non-negative multiples of ``step`` summing to 1."""
    units = int(round(1 / step))
    return [tuple(c / units for c in combo)
            for combo in itertools.product(range(units + 1), repeat=n) if sum(combo) == units]


def standardise(parts: list[np.ndarray]) -> list[np.ndarray]:
    """Each member's scores as per-person z-scores; NaN where it has no score, or no signal
    for this person at all (then the member counts 0 in `fused`)."""
    return [zscores(scores, no_spread=np.nan) for scores in parts]


def fused(zs: list[np.ndarray], weights) -> np.ndarray:
    """Weighted sum of standardised member scores; a movie no member can score is -inf."""
    total = np.zeros(len(zs[0]))
    seen = np.zeros(len(zs[0]), dtype=bool)
    for z, w in zip(zs, weights):
        ok = np.isfinite(z)
        np.add(total, w * z, out=total, where=ok)
        seen |= ok
    total[~seen] = -np.inf
    return total


class BlendRecommender(Recommender):
    name = "blend"
    Config = BlendConfig

    def _names(self) -> list[str]:
        return [m.strip() for m in self.config.members.split(",") if m.strip()]

    def _members(self) -> list[Recommender]:
        options = json.loads(self.config.member_options) if self.config.member_options else {}
        return [create(m, seed=self.config.seed, **options.get(m, {})) for m in self._names()]

    def _fit(self, dataset: Dataset) -> None:
        names = self._names()
        if not names:
            raise ValueError("a blend needs at least one member")
        self.selection: dict = {}
        weights = json.loads(self.config.weights) if self.config.weights else None
        if weights is None:
            weights = self._choose_weights(dataset)
        if len(weights) != len(names):
            raise ValueError(f"{len(weights)} weights for {len(names)} members")
        self.weights = np.asarray(weights, dtype=np.float64)
        self.members = [m.fit(dataset) for m in self._members()]
        self._last = LastPerson()

    def _choose_weights(self, dataset: Dataset) -> list[float]:
        """NDCG@10 of each grid point on validation people the members never saw."""
        cfg, n = self.config, len(self._names())
        if n == 1:
            return [1.0]
        carved = carve(dataset, cfg.validation_users, cfg.validation_picks, cfg.seed,
                       "-blend-train", cfg.validation_fold_in)
        if carved is None:
            self.selection = {"note": "too few people to validate; equal weights"}
            return [1.0 / n] * n
        train, cases = carved
        members = [mm.fit(train) for mm in self._members()]
        grid = simplex_grid(n, cfg.grid_step)
        scores = best_of_grid(cases, lambda p: standardise([mm.score(p) for mm in members]),
                              fused, grid)
        best = int(np.argmax(scores))
        self.selection = {"metric": "ndcg@10", "validation_users": len(cases),
                          "folded_in": folded_in(cfg.validation_picks, cfg.validation_fold_in),
                          "members": self._names(), "weights": list(grid[best]),
                          "best_score": float(scores[best])}
        return list(grid[best])

    def _parts(self, profile: Profile) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each member's scores for ``profile`` and their z-scores. The last person's are
        kept, since `recommend` scores and then explains the same person: one pass over the
        members and one standardisation per request (at 26M the z-scores of 3 x 45k
        scores cost as much as a member's answer)."""
        def compute(p):
            parts = [m.score(p) for m in self.members]
            return parts, standardise(parts)
        return self._last.get(profile, compute)

    def score(self, profile: Profile) -> np.ndarray:
        return fused(self._parts(profile)[1], self.weights).astype(np.float32)

    def explain(self, profile, items, scores):
        items = np.asarray(items)
        parts, zs = self._parts(profile)
        share = np.vstack([np.where(np.isfinite(z[items]), w * z[items], -np.inf)
                           for z, w in zip(zs, self.weights)])
        lead = np.argmax(share, axis=0)
        reasons = [""] * len(items)
        for j, (member, scores_j) in enumerate(zip(self.members, parts)):
            sel = np.flatnonzero(lead == j)
            if len(sel):
                for pos, text in zip(sel, member.explain(profile, items[sel], scores_j)):
                    reasons[pos] = text
        return reasons

    def state(self):
        out = {"weights": self.weights}
        for name, member in zip(self._names(), self.members):
            out.update(nest(name, member.state()))
        return out

    def _restore(self, state, dataset):
        self.weights = np.asarray(state["weights"], dtype=np.float64)
        self.selection = {}
        self.members = [m.restore(unnest(name, state), dataset)
                        for name, m in zip(self._names(), self._members())]
        self._last = LastPerson()
