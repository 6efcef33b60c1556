"""`run_evaluation`: protocol -> splits -> fit every model once per split -> score -> table.

Protocols
- ``ratings``: rating prediction. ML-100k's own u1..u5 folds when the dataset ships them,
  otherwise seeded k-fold; rating models (and the Surprise peers) predict every held-out
  rating -> RMSE, MAE.
- ``heldout-users``: new people, as the app sees them. Test people are removed from
  training and folded in from ``picks`` liked movies (or a ``fold_in`` share of them);
  their other liked movies are the truth. One split (20% of people) or ``folds`` splits
  that together test everyone.
- ``per-user`` / ``temporal``: people stay in training with 80% of their ratings (random,
  or their earliest); the rest is what they went on to like.

Every model is fitted once per split and asked through the same ``recommend(profile, k)``
the app calls. On large data (`at_scale`) the default sets leave out what is slow to fit
there, and the ratings protocol makes one split, each said in a note. A model that fails
to import, fit or recommend becomes an error row; the run goes on. Means come with
bootstrap confidence intervals over people, and the best of our models is compared with
the best peer by a paired test on the same people.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.evaluation import at_scale
from movierec.evaluation.choice import chosen_names
from movierec.evaluation import peers as peer_lib
from movierec.evaluation import splitters
from movierec.evaluation.results import EvaluationResult
from movierec.evaluation.scoring import ListContext, Outcome, score_people, score_ratings
from movierec.evaluation.summary import compare_best, environment, summarise

PROTOCOLS = ("ratings", "heldout-users", "per-user", "temporal")
KS = (5, 10, 20)
TEST_SHARE = 0.2          # share of people (heldout-users) or of each person's ratings held out
Progress = Callable[[str, float], None]   # (what is happening, overall fraction done)


@dataclass(frozen=True)
class Contender:
    """A model or peer to evaluate: its table name, 'ours' or 'peer', and how to make it."""

    name: str
    kind: str
    make: Callable[[], Any] | None = None   # peers only; our models come from the registry


# --- settings ----------------------------------------------------------------------------------
def protocol_tag(protocol: str, picks: int | None = 3, fold_in: float | None = None) -> str:
    """Short name of a protocol and its fold-in, for folder names: heldout-users-picks3."""
    if protocol == "heldout-users":
        return f"{protocol}-foldin{fold_in:g}" if fold_in is not None \
            else f"{protocol}-picks{picks}"
    return protocol


def _rating_model(name: str) -> bool:
    from movierec.models.registry import model_class

    return bool(getattr(model_class(name), "rating_model", False))


def resolve_models(spec, protocol: str, skip: Sequence[str] = ()
                   ) -> tuple[list[Contender], list[dict], list[str]]:
    """Our models for this protocol -> (contenders, error rows, notes); "all" less
    ``skip``."""
    from movierec.models import registry

    names = chosen_names(spec)
    explicit = names is not None
    names = [n for n in registry.available() if n not in skip] if names is None else names
    contenders, errors, notes = [], [], []
    for raw in names:
        key = raw.strip().lower().replace("-", "_")
        if key not in registry.MODELS:
            raise KeyError(f"unknown model {raw!r}; choose from: {', '.join(registry.MODELS)}")
        if protocol == "ratings":
            try:
                if not _rating_model(key):
                    if explicit:
                        notes.append(f"{key} does not predict ratings; left out of the "
                                     "ratings protocol")
                    continue
            except Exception as exc:   # the model's module does not import
                errors.append(error_row(key, "ours", exc))
                continue
        contenders.append(Contender(key, "ours"))
    return contenders, errors, notes


def resolve_peers(spec, protocol: str, seed: int, skip: Sequence[str] = (), threads: int = 1
                  ) -> tuple[list[Contender], list[str]]:
    """Peers that fit this protocol -> (contenders, notes); "all" less ``skip``; Surprise
    is optional; ``threads`` for the libraries that take it (1: reproducible)."""
    names = chosen_names(spec)
    wanted = [p for p in peer_lib.ALL_PEERS if p not in skip and p not in peer_lib.OPT_IN_PEERS
              ] if names is None else [peer_lib.peer_key(n) for n in names]
    fits = peer_lib.RATING_PEERS if protocol == "ratings" else tuple(peer_lib.TOPN_PEERS)
    notes = [f"{n} does not apply to the {protocol} protocol" for n in wanted
             if n not in fits and names is not None]
    if names is None and protocol != "ratings" and peer_lib.cornac_available():
        notes.append(f"'all' leaves out {', '.join(peer_lib.OPT_IN_PEERS)}, whose fits take "
                     "minutes even on ML-100k; name it with --peers to include it")
    wanted = [n for n in wanted if n in fits]
    out: list[Contender] = []
    surprise = peer_lib.surprise_peers(seed)
    if any(n in peer_lib.RATING_PEERS for n in wanted) and not surprise:
        notes.append(peer_lib.SURPRISE_MISSING)
    if any(n in peer_lib.CORNAC_PEERS for n in wanted) and not peer_lib.cornac_available():
        wanted = [n for n in wanted if n not in peer_lib.CORNAC_PEERS]
        notes.append(peer_lib.CORNAC_MISSING)
    for n in wanted:
        if n in peer_lib.TOPN_PEERS:
            out.append(Contender(n, "peer",
                                 lambda c=peer_lib.TOPN_PEERS[n]: c(seed, threads=threads)))
        elif n in surprise:
            out.append(Contender(n, "peer", surprise[n]))
    return out, notes


def make_splits(dataset: Dataset, protocol: str, picks: int | None = 3,
                fold_in: float | None = None, folds: int | None = None,
                max_users: int | None = None, seed: int = 0) -> tuple[list, list[str]]:
    """The protocol's splits (people splits limited to about ``max_users`` cases in all)."""
    notes: list[str] = []
    if protocol == "ratings":
        if dataset.ratings.folds is not None and np.any(dataset.ratings.folds):
            if folds not in (None, 5):
                notes.append("this dataset ships its own 5 folds (u1..u5); --folds is ignored")
            return splitters.predefined_folds(dataset), notes
        k = 5 if folds is None else int(folds)
        if k <= 1:
            return [splitters.random_split(dataset, TEST_SHARE, seed)], notes
        return splitters.kfold(dataset, k, seed), notes
    if protocol == "heldout-users":
        if folds is None or int(folds) <= 1:
            # max_users samples the standard split's people, so training data (and saved
            # fits) stay the same as in the full run
            split = splitters.heldout_users(dataset, picks, fold_in, test_users=TEST_SHARE,
                                            seed=seed)
            return [_limit(split, int(max_users), seed) if max_users else split], notes
        found = splitters.heldout_user_folds(dataset, int(folds), picks, fold_in, seed=seed)
        return [_limit(s, math.ceil(max_users / len(found)), seed) if max_users else s
                for s in found], notes
    if picks not in (None, 3) or fold_in is not None:
        notes.append(f"--picks/--fold-in do not apply to {protocol}: profiles are "
                     f"{1 - TEST_SHARE:.0%} of each person's ratings")
    if folds not in (None, 1):
        notes.append(f"{protocol} is a single split; --folds is ignored")
    if protocol == "per-user":
        return [splitters.per_user_holdout(dataset, TEST_SHARE, seed=seed,
                                           max_cases=max_users)], notes
    if protocol == "temporal":
        return [splitters.temporal(dataset, TEST_SHARE, seed=seed, max_cases=max_users)], notes
    raise ValueError(f"unknown protocol {protocol!r}; choose one of: {', '.join(PROTOCOLS)}")


def _limit(split: splitters.PeopleSplit, n: int, seed: int) -> splitters.PeopleSplit:
    """A seeded sample of ``n`` of the split's cases (training data unchanged)."""
    if len(split.cases) <= n:
        return split
    keep = np.sort(np.random.default_rng((seed, 7)).choice(len(split.cases), n, replace=False))
    rows = None if split.train_rows is None else np.asarray(split.train_rows)[keep]
    return replace(split, cases=tuple(split.cases[i] for i in keep), train_rows=rows)


def error_row(name: str, kind: str, exc: BaseException) -> dict:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return {"model": name, "kind": kind, "status": "error",
            "error": f"{type(exc).__name__}: {message}"[:300]}


# --- one contender on one split ----------------------------------------------------------------
def _fit(c: Contender, split, reuse: bool, options: dict | None = None
         ) -> tuple[Any, float, bool]:
    """(fitted model or peer, fit seconds, reused a saved fit) on the split's training part;
    ``options``: settings tuned for this split (on validation people of its training part)."""
    if c.kind == "ours":
        from movierec.models.trained import fit

        fitted = fit(c.name, split.train, options or None, reuse=reuse, save=reuse)
        return fitted.model, fitted.fit_seconds, fitted.reused
    obj = peer_lib.TOPN_PEERS[c.name](c.make().seed, **options) if options else c.make()
    t0 = time.perf_counter()
    if isinstance(split, splitters.RatingSplit):
        obj.fit(split.train)
    else:   # peers see the test people's profiles, as these libraries are normally used
        obj.fit(split.train, [case.profile for case in split.cases], split.train_rows)
    return obj, time.perf_counter() - t0, False


def _score(c: Contender, obj, split, ctx: ListContext | None, keep_users: np.ndarray | None,
           tick: Callable[[float], None]) -> Outcome:
    """Ask the fitted ``obj`` about every test person of the split."""
    if isinstance(split, splitters.RatingSplit):
        if not hasattr(obj, "predict"):
            raise TypeError(f"{c.name} does not predict ratings")
        return score_ratings(obj.predict, split, keep_users, tick)
    assert ctx is not None
    cases = list(range(len(split.cases)))
    if c.kind == "peer":
        return score_people(lambda i, case: obj.recommend(i, ctx.depth), split, cases, ctx, tick)
    # exactly what the app calls
    return score_people(lambda i, case: obj.recommend(case.profile, ctx.depth).items,
                        split, cases, ctx, tick)


def _tune_split(split, contenders: list[Contender], picks, fold_in, trials: int, seed: int,
                say: Callable[[str, float], None]) -> dict[str, dict]:
    """Each tunable contender tuned on validation people of ``split``'s training part."""
    from movierec.evaluation.tuning import PEER_SPACES, TUNABLE, tune

    ours = [c.name for c in contenders if c.kind == "ours" and c.name in TUNABLE]
    theirs = [c.name for c in contenders if c.kind == "peer" and c.name in PEER_SPACES]
    return tune(split.train, ours, theirs, None if fold_in else picks, fold_in, trials,
                seed=seed, say=say, save=False)


def _rating_users(splits: list, max_users: int | None, seed: int) -> np.ndarray | None:
    if not max_users:
        return None
    users = np.unique(np.concatenate([s.users for s in splits]))
    if len(users) <= max_users:
        return None
    return np.sort(np.random.default_rng(seed).choice(users, int(max_users), replace=False))


# --- the whole evaluation ----------------------------------------------------------------------
def run_evaluation(dataset: Dataset, protocol: str = "heldout-users",
                   models: str | Sequence[str] | None = "all",
                   peers: str | Sequence[str] | None = "all", picks: int | None = 3,
                   fold_in: float | None = None, k: int = 10, folds: int | None = None,
                   max_users: int | None = None, seed: int = 0,
                   progress: Progress | None = None, reuse_fits: bool = True,
                   tune_trials: int | None = None) -> EvaluationResult:
    """Evaluate ``models`` and ``peers`` on ``dataset`` under ``protocol`` (see module doc).

    With ``reuse_fits`` our models fitted on exactly the same training data before (the
    other fold-in of the same held-out people, or an earlier run) are loaded, not refitted;
    their table row keeps the original fit time and meta["reused_fits"] names them.

    With ``tune_trials`` (heldout-users only) every tunable method and peer is first tuned
    on each split separately (`evaluation.tuning`: that many trials each, on validation
    people carved from the split's *training* people), then fitted with what won: nested,
    so no setting is ever chosen by looking at the people it is judged on.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of: {', '.join(PROTOCOLS)}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    say = progress or (lambda _m, _f: None)
    started = time.time()
    plan = at_scale.plan_for(dataset.ratings.nnz, protocol, models, peers, folds,
                             large=at_scale.LARGE)
    folds = plan.folds
    ours, errors, notes = resolve_models(models, protocol, plan.skip_models)
    theirs, peer_notes = resolve_peers(peers, protocol, seed, plan.skip_peers,
                                       plan.peer_threads)
    notes += plan.notes + peer_notes
    contenders = ours + theirs
    say("making splits", 0.0)
    splits, split_notes = make_splits(dataset, protocol, picks, fold_in, folds, max_users, seed)
    notes += split_notes
    ks = tuple(sorted(set(KS) | {k}))
    keep_users = _rating_users(splits, max_users, seed) if protocol == "ratings" else None

    per_person: list[dict] = []
    fit_seconds: dict[str, list[float]] = {c.name: [] for c in contenders}
    latencies: dict[str, list[float]] = {c.name: [] for c in contenders}
    lists: dict[str, list[np.ndarray]] = {c.name: [] for c in contenders}
    failed: dict[str, dict] = {}
    reused: set[str] = set()
    if tune_trials and protocol != "heldout-users":
        raise ValueError("tuning is nested in the heldout-users protocol only")
    units, done = max(1, len(contenders) * len(splits)), 0
    tuned: dict[str, dict] = {}
    for s, split in enumerate(splits):
        ctx = None if protocol == "ratings" else ListContext.of(split, k, ks)
        chosen = _tune_split(split, contenders, picks, fold_in, tune_trials, seed,
                             lambda m, f, s=s: say(f"{m} (split {s + 1}/{len(splits)})",
                                                   (done + f * len(contenders)) / units)) \
            if tune_trials else {}
        if chosen:
            tuned[split.name] = {name: {"options": rec["options"],
                                        "validation_ndcg@10": rec["validation_ndcg@10"]}
                                 for name, rec in chosen.items()}
        for c in contenders:
            where = f"{c.name} on {split.name} ({s + 1}/{len(splits)})"
            if c.name in failed:
                done += 1
                continue
            say(f"fitting (or loading) {where}" if c.kind == "ours" and reuse_fits
                else f"fitting {where}", done / units)

            def tick(f: float, base=done, where=where) -> None:
                say(f"evaluating {where}", (base + f) / units)

            try:
                opts = chosen[c.name]["options"] if c.name in chosen else None
                obj, seconds, was_saved = _fit(c, split, reuse_fits, opts)
                if was_saved:
                    reused.add(c.name)
                outcome = _score(c, obj, split, ctx, keep_users, tick)
            except Exception as exc:   # one broken model never ends the run
                failed[c.name] = error_row(c.name, c.kind, exc)
                done += 1
                continue
            finally:
                obj = None        # free the model before the next one is fitted
            fit_seconds[c.name].append(seconds)
            latencies[c.name].extend(outcome.latencies)
            lists[c.name].extend(outcome.lists)
            per_person.extend({"model": c.name, "kind": c.kind, **row} for row in outcome.rows)
            done += 1

    say("summarising", 1.0)
    people = pd.DataFrame(per_person)
    main = "rmse" if protocol == "ratings" else f"ndcg@{k}"
    n_movies = len(dataset.catalog)
    rows = [failed.get(c.name) or summarise(c.name, c.kind, people, fit_seconds[c.name],
                                            latencies[c.name], lists[c.name], protocol, k,
                                            n_movies, seed)
            for c in contenders] + errors
    best, comparison = compare_best(rows, people, protocol, main, seed)
    meta = {
        "dataset": dataset.name, "fingerprint": dataset.fingerprint, "protocol": protocol,
        "tag": protocol_tag(protocol, picks, fold_in),
        "picks": picks if protocol == "heldout-users" and fold_in is None else None,
        "fold_in": fold_in if protocol == "heldout-users" else None,
        "k": k, "ks": list(ks), "folds": folds,
        "splits": [sp.name for sp in splits], "max_users": max_users, "seed": seed,
        "test_share": TEST_SHARE, "like_threshold": LIKED_AT, "main_metric": main,
        "lower_is_better": protocol == "ratings",
        "models": [c.name for c in ours] + [e["model"] for e in errors],
        "peers": [c.name for c in theirs], "notes": notes, "reused_fits": sorted(reused),
        "tuning": None if not tune_trials else {
            "trials": tune_trials, "where": "validation people carved from each split's "
            "training people (never its test people)", "chosen": tuned},
        "people": int(people[["split", "user"]].drop_duplicates().shape[0]) if len(people) else 0,
        "ratings": int(people.groupby("model")["n_ratings"].sum().max())
        if protocol == "ratings" and len(people) else None,
        "latency": ("one predict() call for a person's held-out ratings" if protocol == "ratings"
                    else "one recommend(profile, k) call"),
        "seconds": round(time.time() - started, 1), **environment(),
    }
    return EvaluationResult(rows, people, meta, comparison, best)
