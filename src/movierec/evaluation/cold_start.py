"""Movies nobody has rated yet: which method finds the ones a person will like?

The cold-start-movies protocol: a seeded 20% of the rated movies become *cold* -- every rating
of them is removed from training, their metadata stays in the catalog -- and 20% of the people
are held out. A held-out person is folded in from their liked *warm* movies (all of them, as
an imported history would be) and ranks the cold movies only; the truth is the cold movies
they liked. So a collaborative method has no evidence about any candidate, content has only
metadata, and the hybrid is asked to do better than both: ``hybrid (transfer)`` gives each
cold movie the collaborative z-score of its most content-similar rated movies
(`models.hybrid.cold_transfer`) instead of a constant fill.

Reported: NDCG@10 and recall@10 per method with bootstrap intervals, and paired tests of
each hybrid against the best pure-collaborative and the pure-content method.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.evaluation.metrics import ndcg_at_k, recall_at_k
from movierec.evaluation.splitters import _keep_ratings, _row_of_rating
from movierec.evaluation.stats import bootstrap_ci, paired_comparison
from movierec.models.filters import top_k
from movierec.models.profile import Profile

COLD_SHARE, TEST_PEOPLE, K = 0.2, 0.2, 10
COLLABORATIVE = ("ease", "graph", "user_knn", "item_knn")
CONTENT = ("content", "popularity")
HYBRIDS = {"hybrid": {}, "hybrid (transfer)": {"cold_neighbours": 20}}


def cold_split(dataset: Dataset, seed: int = 0):
    """(training data, cold mask, cases): cases are (user row, warm profile, liked cold)."""
    rng = np.random.default_rng((seed, 31))
    r = dataset.ratings
    rated = np.flatnonzero(r.counts_per_movie() > 0)
    cold = np.zeros(r.n_movies, dtype=bool)
    cold[rng.choice(rated, size=max(1, int(COLD_SHARE * len(rated))), replace=False)] = True
    people = rng.permutation(r.n_users)
    test = np.zeros(r.n_users, dtype=bool)
    test[people[: max(1, int(TEST_PEOPLE * r.n_users))]] = True
    rows = _row_of_rating(r)
    keep = ~cold[r.matrix.indices] & ~test[rows]
    train = dataset.with_ratings(_keep_ratings(r, keep), suffix=f"-cold{seed}")
    cases = []
    for user in np.flatnonzero(test):
        items, values = r.user_row(int(user))
        liked = values >= LIKED_AT
        warm_liked = items[liked & ~cold[items]]
        truth = items[liked & cold[items]]
        if len(warm_liked) >= 3 and len(truth):
            cases.append((int(user), Profile.from_picks(warm_liked.tolist()), truth))
    return train, cold, cases


def evaluate_cold_start(dataset: Dataset, seed: int = 0,
                        say: Callable[[str], None] | None = None) -> dict:
    """The cold-start table (see the module docstring)."""
    from movierec.models.registry import create

    say = say or (lambda _m: None)
    t0 = time.perf_counter()
    train, cold, cases = cold_split(dataset, seed)
    methods = {**{m: (m, {}) for m in COLLABORATIVE + CONTENT},
               **{name: ("hybrid", opts) for name, opts in HYBRIDS.items()}}
    ndcg, recall = {}, {}
    for name, (method, options) in methods.items():
        say(f"cold-start movies: fitting {name}")
        model = create(method, **options).fit(train)
        say(f"cold-start movies: {name} ranks the cold movies for {len(cases)} people")
        lists = [top_k(np.asarray(model.score(p), dtype=np.float64), K, cold)
                 for _, p, _ in cases]
        ndcg[name] = np.array([ndcg_at_k(li, t, K) for li, (_, _, t) in zip(lists, cases)])
        recall[name] = np.array([recall_at_k(li, t, K) for li, (_, _, t) in zip(lists, cases)])
    rows = []
    for name in methods:
        ci = bootstrap_ci(ndcg[name], seed=seed)
        rows.append({"model": name, "kind": _kind(name),
                     "ndcg@10": round(float(ndcg[name].mean()), 4),
                     "ndcg@10_low": round(float(ci.low), 4),
                     "ndcg@10_high": round(float(ci.high), 4),
                     "recall@10": round(float(recall[name].mean()), 4)})
    best_cf = max(COLLABORATIVE, key=lambda m: ndcg[m].mean())
    comparisons = []
    for hybrid in HYBRIDS:
        for other in (best_cf, "content"):
            c = paired_comparison(ndcg[hybrid], ndcg[other], seed=seed)
            comparisons.append({"a": hybrid, "b": other, "diff": round(float(c.diff), 4),
                                "low": round(float(c.low), 4), "high": round(float(c.high), 4),
                                "p_value": float(c.p_value)})
    return {"study": "cold-start", "dataset": dataset.name, "people": len(cases),
            "cold_movies": int(cold.sum()), "cold_share": COLD_SHARE, "seed": seed,
            "like_threshold": LIKED_AT, "best_collaborative": best_cf, "rows": rows,
            "comparisons": comparisons, "seconds": round(time.perf_counter() - t0, 1)}


def _kind(name: str) -> str:
    if name == "popularity":
        return "popularity (TMDb votes)"
    return ("collaborative" if name in COLLABORATIVE else "hybrid" if name in HYBRIDS
            else "content")
