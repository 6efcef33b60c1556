"""Validation people carved out inside a fit, for models that choose a weight themselves.

The hybrid (content vs collaborative) and the blend (several collaborative methods) pick
their fusion weights by NDCG@10 on people held out from the data they are fitted on: each
such person names ``picks`` liked movies, the rest of their liked movies are the truth,
exactly as the evaluation folds new people in. `carve` makes those people once (seeded, in
one random order, so a fit is reproducible); `best_of_grid` scores a grid of fusions on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.evaluation.metrics import ndcg_at_k
from movierec.models.filters import top_k
from movierec.models.profile import Profile

MIN_PEOPLE = 10


@dataclass(frozen=True)
class Case:
    profile: Profile
    truth: np.ndarray
    allowed: np.ndarray      # every movie but the picks


def carve(dataset: Dataset, people: int, picks: int, seed: int, suffix: str,
          fold_in: float = 0.0) -> tuple[Dataset, list[Case]] | None:
    """(the data without the validation people, their cases), or None when fewer than
    `MIN_PEOPLE` are eligible.

    Each validation person names ``picks`` liked movies as loved picks (eligible with
    ``picks`` + 2 liked movies) or, with ``fold_in`` in (0, 1), that share of their liked
    movies with their real ratings, as the evaluation's fold-in protocol does (the sizes and
    eligibility are the splitter's own, `fold_in_sizes`): a fusion judged by 80% fold-in
    should choose its weight on people folded in the same way.
    """
    from movierec.evaluation.splitters import fold_in_sizes

    rng = np.random.default_rng(seed)
    m = dataset.ratings.matrix
    liked_counts = np.asarray((m >= LIKED_AT).sum(axis=1)).ravel()
    if fold_in:
        sizes = fold_in_sizes(liked_counts, None, float(fold_in))
    else:
        sizes = np.where(liked_counts >= picks + 2, int(picks), 0)
    eligible = np.flatnonzero(sizes > 0)
    if len(eligible) < MIN_PEOPLE:
        return None
    val = rng.choice(eligible, size=min(people, len(eligible) // 5 or 1), replace=False)
    train = dataset.with_ratings(dataset.ratings.select_users(
        np.setdiff1d(np.arange(m.shape[0]), val)), suffix=suffix)
    cases = []
    for u in val:
        items, values = dataset.ratings.user_row(int(u))
        at = np.flatnonzero(values >= LIKED_AT)            # the liked movies' positions
        drawn = rng.choice(len(at), size=int(sizes[u]), replace=False)
        chosen = items[at[drawn]]
        allowed = np.ones(m.shape[1], dtype=bool)
        allowed[chosen] = False
        profile = (Profile(chosen, values[at[drawn]]) if fold_in
                   else Profile.from_picks(chosen))
        cases.append(Case(profile, np.setdiff1d(items[at], chosen), allowed))
    return train, cases


def folded_in(picks: int, fold_in: float = 0.0) -> str:
    """How `carve`'s validation people were folded in, for a fit's ``selection`` record."""
    return f"{fold_in:.0%} of their liked movies" if fold_in else f"{picks} loved picks"


def best_of_grid(cases: Sequence[Case], parts: Callable[[Profile], list[np.ndarray]],
                 fuse: Callable[[list[np.ndarray], object], np.ndarray], grid: Sequence
                 ) -> np.ndarray:
    """Mean NDCG@10 of ``fuse(parts(profile), point)`` for every grid point."""
    totals = np.zeros(len(grid))
    for case in cases:
        scored = parts(case.profile)
        for j, point in enumerate(grid):
            totals[j] += ndcg_at_k(top_k(fuse(scored, point), 10, case.allowed), case.truth, 10)
    return totals / max(1, len(cases))
