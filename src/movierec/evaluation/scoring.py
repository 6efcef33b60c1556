"""Scoring one fitted model (or peer) on one split: per-person metric rows and latencies.

The runner fits; this module only asks. For people splits every case goes through one
``recommend`` call (for our models the very ``Recommender.recommend(profile, k)`` the app
uses), timed, and the list is scored against the case's truth. For rating splits every test
person's held-out ratings are predicted in one timed call and their errors summed, so RMSE,
MAE and paired tests can all be computed from the per-person rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from movierec.evaluation import metrics
from movierec.evaluation.splitters import Case, PeopleSplit, RatingSplit

Tick = Callable[[float], None]           # fraction of this split's work done
Recommend = Callable[[int, Case], np.ndarray]
Predict = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Outcome:
    """Per-person rows of one model on one split, the timed calls, and the top-k lists."""

    rows: list[dict] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)   # seconds per call
    lists: list[np.ndarray] = field(default_factory=list)  # top-k per case (coverage)


@dataclass(frozen=True)
class ListContext:
    """What beyond-accuracy metrics need about a split: catalog size, genres, popularity."""

    k: int
    ks: tuple[int, ...]
    n_movies: int
    genres: object           # movies x genres (sparse) for intra-list diversity
    counts: np.ndarray       # ratings per movie in the split's training data
    popularity: np.ndarray   # share of training people who rated each movie

    @classmethod
    def of(cls, split: PeopleSplit, k: int, ks: tuple[int, ...]) -> "ListContext":
        train = split.train
        counts = train.ratings.counts_per_movie().astype(np.float64)
        people = max(1, train.ratings.n_users)
        return cls(k, ks, len(train.catalog), train.catalog.genre_matrix, counts, counts / people)

    @property
    def depth(self) -> int:
        """How many movies to ask for: enough for every cut-off."""
        return max(self.ks + (self.k,))


def list_metrics(items: np.ndarray, truth: np.ndarray, ctx: ListContext) -> dict[str, float]:
    """Accuracy at every cut-off plus genre diversity, novelty, popularity (ARP) and long-tail
    share of the top-k."""
    out = dict(metrics.ranking_metrics(items, truth, ks=ctx.ks))
    top = np.asarray(items, dtype=np.int64)[: ctx.k]
    out[f"diversity@{ctx.k}"] = metrics.intra_list_diversity(top, ctx.genres)
    out[f"novelty@{ctx.k}"] = metrics.novelty(top, ctx.popularity)
    out[f"arp@{ctx.k}"] = metrics.average_popularity(top, ctx.counts)
    out[f"long_tail@{ctx.k}"] = metrics.long_tail_share(top, ctx.counts)
    return out


def score_people(recommend: Recommend, split: PeopleSplit, cases: list[int], ctx: ListContext,
                 tick: Tick | None = None) -> Outcome:
    """Ask ``recommend`` once per case (timed) and score each list against its truth."""
    out = Outcome()
    n = len(cases)
    step = max(1, n // 20)
    for done, i in enumerate(cases):
        case = split.cases[i]
        t0 = time.perf_counter()
        items = np.asarray(recommend(i, case), dtype=np.int64)
        out.latencies.append(time.perf_counter() - t0)
        row = {"split": split.name, "user": int(case.user), "n_profile": len(case.profile),
               "n_truth": len(case.truth), "n_recommended": int(min(len(items), ctx.k)),
               "latency_ms": out.latencies[-1] * 1000.0}
        row.update(list_metrics(items, case.truth, ctx))
        out.rows.append(row)
        out.lists.append(items[: ctx.k])
        if tick is not None and (done + 1) % step == 0:
            tick((done + 1) / n)
    return out


def score_ratings(predict: Predict, split: RatingSplit, keep_users: np.ndarray | None = None,
                  tick: Tick | None = None) -> Outcome:
    """Predict each test person's held-out ratings in one timed call; sum their errors.

    A prediction that is not a number (a model that cannot rate that movie) is counted as
    missing and replaced by the training mean, so it costs what a blind guess costs.
    """
    out = Outcome()
    users = np.asarray(split.users, dtype=np.int64)
    chosen = np.ones(len(users), dtype=bool) if keep_users is None else np.isin(users, keep_users)
    order = np.flatnonzero(chosen)[np.argsort(users[chosen], kind="stable")]
    bounds = np.flatnonzero(np.diff(users[order])) + 1
    groups = np.split(order, bounds) if len(order) else []
    fallback = float(np.mean(split.train.ratings.matrix.data)) if split.train.ratings.nnz else 3.0
    step = max(1, len(groups) // 20)
    for done, idx in enumerate(groups):
        u, m, truth = users[idx], split.movies[idx], split.ratings[idx].astype(np.float64)
        t0 = time.perf_counter()
        pred = np.asarray(predict(u, m), dtype=np.float64).ravel()
        out.latencies.append(time.perf_counter() - t0)
        missing = ~np.isfinite(pred)
        pred = np.where(missing, fallback, pred)
        err = pred - truth
        out.rows.append({"split": split.name, "user": int(u[0]), "n_ratings": len(idx),
                         "sse": float(np.sum(err ** 2)), "sae": float(np.sum(np.abs(err))),
                         "mse": float(np.mean(err ** 2)), "n_missing": int(missing.sum()),
                         "latency_ms": out.latencies[-1] * 1000.0})
        if tick is not None and (done + 1) % step == 0:
            tick((done + 1) / len(groups))
    return out
