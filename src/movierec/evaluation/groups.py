"""Watch together, evaluated: synthetic groups of held-out people, each member judged alone.

Held-out people (removed from training, 3 picks each, the rest of their liked movies as
truth; `splitters.heldout_users`) are put in groups of 2, 4 and 6 -- at random, and of
similar taste (a random person and the others whose predicted scores are most alike, by
cosine; picks only, never their truth). Each group gets one list of 10 by every strategy
of `movierec.service.groups`, built exactly as `Service.together` builds it; each member's
NDCG@10 of that list against their own truth is computed. Per group: the members' mean and
the worst member's (minimum). Reported per strategy, kind and size: both averaged over
groups with a bootstrap interval, the paired difference from plain averaging with its
p-value, and, as a ceiling, each member's NDCG of their own individual list.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from movierec.data.dataset import Dataset
from movierec.evaluation.metrics import ndcg_at_k
from movierec.evaluation.splitters import heldout_users
from movierec.evaluation.stats import bootstrap_ci, paired_comparison
from movierec.models.filters import Filter, top_k
from movierec.service.groups import STRATEGIES, candidates, combine, satisfaction

SIZES = (2, 4, 6)
KINDS = ("random", "similar")
K = 10


def _similar_groups(vectors: np.ndarray, size: int, n: int, rng) -> list[np.ndarray]:
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = unit @ unit.T
    out = []
    for seed_person in rng.choice(len(unit), size=n, replace=len(unit) < n):
        order = np.argsort(-sims[seed_person], kind="stable")
        others = [int(o) for o in order if o != seed_person][: size - 1]
        out.append(np.asarray([int(seed_person), *others]))
    return out


def evaluate_groups(dataset: Dataset, method: str, sizes=SIZES, groups: int = 200,
                    test_users: float = 0.2, seed: int = 0,
                    say: Callable[[str], None] | None = None) -> dict:
    """The group table for ``method`` on ``dataset`` (see the module docstring)."""
    from movierec.models.trained import fit

    say = say or (lambda _m: None)
    t0 = time.perf_counter()
    split = heldout_users(dataset, picks=3, test_users=test_users, seed=seed)
    say(f"fitting {method} on {split.name}")
    model = fit(method, split.train).model
    cases = split.cases
    say(f"scoring {len(cases)} held-out people")
    scores = np.vstack([np.asarray(model.score(c.profile), dtype=np.float32) for c in cases])
    finite = np.where(np.isfinite(scores), scores, 0.0)
    base = Filter().mask(split.train.catalog)
    alone = np.asarray([ndcg_at_k(top_k(scores[i], K, base & ~np.isin(
        np.arange(scores.shape[1]), c.profile.items)), c.truth, K) for i, c in enumerate(cases)])
    rng = np.random.default_rng(seed)
    rows = []
    for kind in KINDS:
        for size in sizes:
            say(f"{kind} groups of {size}")
            members = ([rng.choice(len(cases), size=size, replace=False) for _ in range(groups)]
                       if kind == "random" else _similar_groups(finite, size, groups, rng))
            per = {s: ([], []) for s in STRATEGIES}
            for group in members:
                allowed = base.copy()
                for i in group:
                    allowed[cases[i].profile.items] = False
                pool = candidates([scores[i] for i in group], allowed)
                sat = np.vstack([satisfaction(scores[i], pool) for i in group])
                for strategy in STRATEGIES:
                    shown = combine(sat, pool, K, strategy)
                    values = [ndcg_at_k(shown, cases[i].truth, K) for i in group]
                    per[strategy][0].append(float(np.mean(values)))
                    per[strategy][1].append(float(np.min(values)))
            ceiling = [float(np.mean(alone[g])) for g in members]
            for strategy in STRATEGIES:
                mean, low = (np.asarray(v) for v in per[strategy])
                vs_mean = paired_comparison(mean, per["average"][0], seed=seed)
                vs_min = paired_comparison(low, per["average"][1], seed=seed)
                ci_mean, ci_min = bootstrap_ci(mean, seed=seed), bootstrap_ci(low, seed=seed)
                rows.append({"kind": kind, "size": size, "strategy": strategy,
                             "groups": len(members),
                             "ndcg_mean": ci_mean.mean, "ndcg_mean_low": ci_mean.low,
                             "ndcg_mean_high": ci_mean.high,
                             "ndcg_min": ci_min.mean, "ndcg_min_low": ci_min.low,
                             "ndcg_min_high": ci_min.high,
                             "mean_vs_average": vs_mean.diff, "mean_p": vs_mean.p_value,
                             "min_vs_average": vs_min.diff, "min_p": vs_min.p_value,
                             "alone_mean": float(np.mean(ceiling))})
    return {"dataset": dataset.name, "method": method, "people": len(cases), "k": K,
            "split": split.name, "seed": seed, "rows": rows,
            "seconds": round(time.perf_counter() - t0, 1)}
