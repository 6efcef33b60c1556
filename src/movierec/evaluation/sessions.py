"""Sessions replayed offline: does reacting to lists find more liked movies, round by round?

A held-out person starts from 3 liked picks and is shown 10 movies per round for 5 rounds.
Their held-out ratings answer (`answer`): liked at the project's liked threshold or more,
disliked below it, silence when they never rated the movie. Three policies (`POLICIES`):

* ``static``: the first ranking, the next 10 not yet shown each round (no learning);
* ``refine``: today's app -- each liked / disliked movie joins the picks (5 / 1 stars) and
  the method folds the person in again;
* ``exploring``: the session of `models.exploring`: liked movies join the picks, watched
  ones (disliked) join as watched (`SEEN_STARS`), and a posterior over the person's taste in
  the catalog's latent space learns from every reaction -- a passed-over movie is weak
  negative evidence -- and is sampled each round (Thompson sampling).

Per round: the cumulative number of liked movies found (a movie counts once, when first
shown) and NDCG@10 of that round's list against the liked movies still to find. The
exploring policy's two settings (strength, silence reward) are chosen on *validation*
people carved from the training people with the same protocol; the table is computed on
test people the choice never saw, with paired bootstrap intervals at the last round. An
ablation row, ``exploring (mean)``, is the same session without sampling (strength 0), so
the report can say how much of the difference sampling itself makes.

The same run measures the diversity dial (`diversity_dial`): accuracy against intra-list
genre diversity, novelty and catalog coverage of the first list as the dial turns.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from typing import Callable

import numpy as np

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.evaluation.metrics import ndcg_at_k
from movierec.evaluation.splitters import Case, heldout_users
from movierec.evaluation.stats import bootstrap_ci, paired_comparison
from movierec.models.exploring import (ExploringSession, SessionSettings, fold_reactions,
                                       item_space)
from movierec.models.filters import top_k
from movierec.models.profile import Profile
from movierec.models.standard_scores import zscores

POLICIES = ("static", "refine", "exploring")
ABLATION = "exploring (mean)"              # the exploring session at strength 0
ROUNDS, SHOWN = 5, 10
GRID = {"strength": (0.0, 0.25, 0.5),      # the exploring session's settings, searched on
        "weight": (2.0, 3.0, 5.0),          # validation people only
        "disliked": (-1.0, -0.3),
        "silence": (-0.3, -0.6)}
VALIDATION_PEOPLE = 150
DIALS = (0.0, 0.25, 0.5, 0.75, 1.0)        # the diversity dial's settings in the report


def answer(movie: int, rated: dict[int, float]) -> str | None:
    """The replay's answer rule: ``liked`` at LIKED_AT stars or more, ``disliked`` below,
    None (silence) when the person never rated the movie."""
    stars = rated.get(int(movie))
    if stars is None:
        return None
    return "liked" if stars >= LIKED_AT else "disliked"


def replay(model, case: Case, rated: dict[int, float], policy: str, vectors: np.ndarray, *,
           rounds: int = ROUNDS, k: int = SHOWN,
           settings: SessionSettings = SessionSettings()) -> tuple[list[int], list[float]]:
    """One person's session: (cumulative liked movies per round, NDCG@k per round)."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")
    picks = case.profile.items.tolist()
    stars = case.profile.rating_array().tolist()
    n = len(vectors)
    shown = np.zeros(n, dtype=bool)
    shown[picks] = True
    liked_movies = {m for m, r in rated.items() if r >= LIKED_AT} - set(picks)
    reactions: dict[int, str] = {}
    session = ExploringSession(vectors, settings, seed=case.user)
    first = zscores(model.score(case.profile), missing=-np.inf)
    found, curve, ndcgs = 0, [], []
    for _ in range(rounds):
        if policy == "static" or not reactions:
            scores = first
        elif policy == "refine":   # the app before sessions: 👍 as 5 stars, 👎 as 1 star
            said = [5.0 if r == "liked" else 1.0 for r in reactions.values()]
            profile = Profile(np.asarray(picks + list(reactions), dtype=np.int64),
                              np.asarray(stars + said, dtype=np.float32))
            scores = zscores(model.score(profile), missing=-np.inf)
        else:
            scores = zscores(model.score(fold_reactions(case.profile, reactions.items())),
                             missing=-np.inf)
        if policy == "exploring":
            scores = session.rank(scores)
        items = top_k(scores, k, ~shown)
        to_find = np.fromiter((m for m in liked_movies if not shown[m]), dtype=np.int64)
        ndcgs.append(ndcg_at_k(items, to_find, k))
        for movie in items.tolist():
            shown[movie] = True
            said = answer(movie, rated)
            found += said == "liked"
            if said is not None and policy != "static":
                reactions[movie] = said
            session.observe(movie, said)
        curve.append(found)
    return curve, ndcgs


def _rated(dataset: Dataset, user: int) -> dict[int, float]:
    row = dataset.ratings.matrix[user]
    return dict(zip(row.indices.tolist(), row.data.tolist()))


def _replay_all(model, cases, dataset, policy, vectors, **settings) -> tuple[np.ndarray, ...]:
    runs = [replay(model, c, _rated(dataset, c.user), policy, vectors, **settings)
            for c in cases]
    return (np.asarray([r[0] for r in runs], dtype=np.float64),
            np.asarray([r[1] for r in runs], dtype=np.float64))


def tune_exploring(dataset: Dataset, method: str, picks: int = 3, seed: int = 0,
                   people: int = VALIDATION_PEOPLE,
                   say: Callable[[str], None] | None = None) -> dict:
    """The exploring settings (`GRID`) that find the most liked movies by the last round, on
    validation people held out from ``dataset`` (pass the *training* part of a split).
    Ties go to the less exploring, then the lighter-weighted setting."""
    from movierec.models.trained import fit

    say = say or (lambda _m: None)
    split = heldout_users(dataset, picks=picks, seed=seed + 1)
    model = fit(method, split.train).model
    vectors = item_space(split.train.ratings.matrix, seed=seed)
    cases = split.cases[:people]
    grid = []
    for values in itertools.product(*GRID.values()):
        chosen = dict(zip(GRID, values))
        say(f"validation sessions: {session_settings_text(chosen)}")
        liked, _ = _replay_all(model, cases, dataset, "exploring", vectors,
                               settings=SessionSettings(**chosen))
        grid.append({**chosen, "liked_last_round": round(float(liked[:, -1].mean()), 4)})
    best = max(grid, key=lambda g: (g["liked_last_round"], -g["strength"], -g["weight"]))
    return {**{k: best[k] for k in GRID}, "people": len(cases), "grid": grid}


def session_settings_text(tuned: dict) -> str:
    """'strength 0.25, weight 2, disliked -0.3, silence -0.3' (the chosen `GRID` values)."""
    return ", ".join(f"{k} {tuned[k]:g}" for k in GRID if k in tuned)


def evaluate_sessions(dataset: Dataset, method: str, picks: int = 3, seed: int = 0,
                      max_users: int | None = None,
                      say: Callable[[str], None] | None = None) -> dict:
    """The session table: each policy's liked movies and NDCG@10 by round, test people."""
    from movierec.models.trained import fit

    say = say or (lambda _m: None)
    t0 = time.perf_counter()
    split = heldout_users(dataset, picks=picks, seed=seed)
    tuned = tune_exploring(split.train, method, picks, seed, say=say)
    settings = SessionSettings(**{k: tuned[k] for k in GRID})
    say(f"fitting {method} on {split.name}")
    model = fit(method, split.train).model
    vectors = item_space(split.train.ratings.matrix, seed=seed)
    cases = split.cases[:max_users] if max_users else split.cases
    runs = {policy: (policy, settings) for policy in POLICIES}
    if settings.strength > 0:
        runs[ABLATION] = ("exploring", replace(settings, strength=0.0))
    liked, ndcg = {}, {}
    for name, (policy, chosen) in runs.items():
        say(f"replaying {len(cases)} test people: {name}")
        liked[name], ndcg[name] = _replay_all(model, cases, dataset, policy, vectors,
                                              settings=chosen)
    rows = []
    for name in runs:
        interval = bootstrap_ci(liked[name][:, -1], seed=seed)
        rows.append({"model": name,
                     "liked_by_round": liked[name].mean(axis=0).round(3).tolist(),
                     "ndcg_by_round": ndcg[name].mean(axis=0).round(4).tolist(),
                     "liked_last_low": round(float(interval.low), 3),
                     "liked_last_high": round(float(interval.high), 3)})
    pairs = [("exploring", "refine"), ("exploring", "static"), ("refine", "static")]
    if ABLATION in runs:
        pairs.append(("exploring", ABLATION))
    comparisons = []
    for a, b in pairs:
        c = paired_comparison(liked[a][:, -1], liked[b][:, -1], seed=seed)
        comparisons.append({"a": a, "b": b, "diff": round(float(c.diff), 3),
                            "low": round(float(c.low), 3), "high": round(float(c.high), 3),
                            "p_value": float(c.p_value)})
    say("the diversity dial")
    dial = diversity_dial(model, cases, split.train)
    return {"study": "session", "dataset": dataset.name, "method": method, "picks": picks,
            "rounds": ROUNDS, "shown": SHOWN, "people": len(cases), "seed": seed,
            "like_threshold": LIKED_AT, "exploring": tuned, "rows": rows,
            "comparisons": comparisons, "dial": dial,
            "seconds": round(time.perf_counter() - t0, 1)}


def diversity_dial(model, cases, train: Dataset, dials=DIALS, k: int = SHOWN) -> list[dict]:
    """NDCG@k, intra-list genre diversity, novelty and catalog coverage of the first list
    along the diversity dial (`models.diversity.mmr` over the model's top `POOL`)."""
    from movierec.evaluation import metrics
    from movierec.models.diversity import POOL, feature_vectors, mmr

    features = feature_vectors(train.catalog)
    genres = train.catalog.genre_matrix
    popularity = train.ratings.counts_per_movie() / max(1, train.ratings.n_users)
    pools = [model.recommend(c.profile, k=POOL, min_picks=1) for c in cases]
    out = []
    for dial in dials:
        lists = [r.items[mmr(r.items, r.scores, features, k, dial)] for r in pools]
        out.append({
            "diversity": dial,
            "ndcg@10": round(float(np.mean([metrics.ndcg_at_k(items, c.truth, k)
                                            for items, c in zip(lists, cases)])), 4),
            "intra_list_diversity": round(float(np.nanmean(
                [metrics.intra_list_diversity(items, genres) for items in lists])), 4),
            "novelty": round(float(np.nanmean([metrics.novelty(items, popularity)
                                               for items in lists])), 3),
            "coverage": round(metrics.catalog_coverage(lists, len(train.catalog)), 4)})
    return out
