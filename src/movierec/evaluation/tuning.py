"""`movierec tune`: each method's settings searched on validation people, never test people.

The people of ``dataset`` (pass the *training* part of a split when the result will be
judged on that split's test people) are split once more (`heldout_users`, another seed):
validation people are folded in from their picks exactly as the evaluation folds test people
in, and the search maximises their mean NDCG@10. The optimizer is optuna's TPE sampler
(seeded), one study per method kept in SQLite under ``MOVIEREC_HOME/tuning/<dataset>-
<fingerprint>/<protocol>/``, so an interrupted search resumes where it stopped and a second
run with nothing changed reuses every finished trial at once. What won is written to that
folder's ``tuned.json`` (`models.tuned`), which every later fit of that exact data uses.

Peers get the same budget, the same validation people and the same fold-in rule as ours
(`evaluation.peers`: implicit's ALS folds a person in with ``recalculate_user``; BPR and LMF
have no fold-in and train with the validation profiles inside, as the evaluation does).
The spaces (`SPACES`) scale with the data where a setting's sensible range does (neighbours
with the number of people or movies, ridge strength with the ratings per movie).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from movierec.data.dataset import Dataset
from movierec.evaluation import peers as peer_lib
from movierec.evaluation.metrics import ndcg_at_k
from movierec.evaluation.splitters import PeopleSplit, heldout_users
from movierec.models.scaling import NEIGHBOURS_CAP
from movierec.models.tuned import tuning_dir, write_tuned

VALIDATION_PEOPLE = 300    # validation people scored per trial (a seeded sample when more)
K = 10
Space = Callable[[Any, Dataset], dict]   # (optuna trial, training data) -> options


def _per_movie(data: Dataset) -> float:
    """Ratings per *catalog* movie: the ridge ranges' scale since the first searches (kept so
    the report's searches reproduce; the defaults' rules scale with rated movies instead,
    `models.scaling`, which is the same on a catalog whose every movie has ratings)."""
    return data.ratings.nnz / max(1, data.ratings.n_movies)


def _most(population: int) -> int:
    """The largest neighbour count searched: half of everyone, within [20, NEIGHBOURS_CAP]."""
    return max(20, min(NEIGHBOURS_CAP, population // 2))


SPACES: dict[str, Space] = {
    "ease": lambda t, d: {
        "l2": t.suggest_float("l2", 0.5 * _per_movie(d), 200 * _per_movie(d), log=True),
        "weighting": t.suggest_categorical("weighting", ["rating", "binary", "preference"]),
        "emphasis": t.suggest_float("emphasis", 0.0, 4.0)},
    "graph": lambda t, d: {
        "alpha": t.suggest_float("alpha", 0.1, 1.5),
        "beta": t.suggest_float("beta", 0.0, 1.0),
        "neighbours": t.suggest_int("neighbours", 10, _most(d.ratings.n_movies), log=True)},
    "user_knn": lambda t, d: {
        "neighbours": t.suggest_int("neighbours", 10, _most(d.ratings.n_users), log=True),
        "shrink": t.suggest_float("shrink", 0.0, 100.0),
        "lift": t.suggest_float("lift", 0.0, 1.5),
        "prior": t.suggest_float("prior", 0.0, 30.0)},
    "item_knn": lambda t, d: {
        "neighbours": t.suggest_int("neighbours", 10, _most(d.ratings.n_movies), log=True),
        "shrink": t.suggest_float("shrink", 0.0, 100.0),
        "centering": t.suggest_categorical("centering", ["none", "user", "item"])},
    "als": lambda t, d: {
        "factors": t.suggest_categorical("factors", [16, 32, 64, 128]),
        "regularization": t.suggest_float("regularization", 0.05 * _per_movie(d),
                                          5 * _per_movie(d), log=True),
        "alpha": t.suggest_float("alpha", 0.5, 20.0, log=True),
        "iterations": t.suggest_int("iterations", 5, 30)},
    # the content methods: how far to lean on popularity among the similar movies
    "content": lambda t, d: {"popular": t.suggest_float("popular", 0.0, 20.0)},
    "embeddings": lambda t, d: {"popular": t.suggest_float("popular", 0.0, 20.0)},
    "cluster": lambda t, d: {"popular": t.suggest_float("popular", 0.0, 20.0)},
}
PEER_SPACES: dict[str, Space] = {
    peer_lib.PREFIX + "implicit-als": lambda t, d: {
        "factors": t.suggest_categorical("factors", [16, 32, 64, 128]),
        "regularization": t.suggest_float("regularization", 1e-3, 100.0, log=True),
        "alpha": t.suggest_float("alpha", 0.1, 20.0, log=True),
        "iterations": t.suggest_int("iterations", 5, 30)},
    peer_lib.PREFIX + "implicit-bpr": lambda t, d: {
        "factors": t.suggest_categorical("factors", [16, 32, 64, 128]),
        "learning_rate": t.suggest_float("learning_rate", 1e-3, 0.2, log=True),
        "regularization": t.suggest_float("regularization", 1e-5, 0.1, log=True),
        "iterations": t.suggest_int("iterations", 20, 300, log=True)},
    peer_lib.PREFIX + "cornac-ease": lambda t, d: {
        "lamb": t.suggest_float("lamb", 0.5 * _per_movie(d), 200 * _per_movie(d), log=True),
        "posB": t.suggest_categorical("posB", [True, False])},
    peer_lib.PREFIX + "cornac-recvae": lambda t, d: {
        "n_epochs": t.suggest_int("n_epochs", 5, 50, log=True),
        "lr": t.suggest_float("lr", 1e-4, 3e-3, log=True),
        "gamma": t.suggest_float("gamma", 1e-3, 2e-2, log=True),
        "hidden_dim": t.suggest_categorical("hidden_dim", [200, 600]),
        "latent_dim": t.suggest_categorical("latent_dim", [100, 200])},
    peer_lib.PREFIX + "implicit-lmf": lambda t, d: {
        "factors": t.suggest_categorical("factors", [16, 32, 64]),
        "learning_rate": t.suggest_float("learning_rate", 0.05, 3.0, log=True),
        "regularization": t.suggest_float("regularization", 0.01, 5.0, log=True),
        "iterations": t.suggest_int("iterations", 10, 60)},
}
# what the composites may fuse (the content methods are the hybrid's other half already)
COLLABORATIVE = ("ease", "graph", "user_knn", "item_knn", "als")
HYBRID = "hybrid"          # tuned after its candidates: which tuned method it fuses with content
BLEND = "blend"            # tuned after its members: the best tuned methods, fused
COMPOSITES = (BLEND, HYBRID)   # in this order: the hybrid may fuse content with the blend
TUNABLE = tuple(SPACES) + COMPOSITES
TUNABLE_PEERS = tuple(PEER_SPACES)
# tuned only when named, as evaluated only when named: 30 RecVAE trials would be most of
# an hour on ML-100k beside the others' 4 minutes
DEFAULT_PEERS = tuple(p for p in TUNABLE_PEERS if p not in peer_lib.OPT_IN_PEERS)


class TuneError(ValueError):
    """A method or peer with no search space (the message lists those that have one)."""


def validation_split(train: Dataset, picks: int | None = 3, fold_in: float | None = None,
                     seed: int = 0, people: int = VALIDATION_PEOPLE) -> PeopleSplit:
    """Validation people carved from ``train``'s people (seed + 1: never the outer split)."""
    split = heldout_users(train, picks, fold_in, seed=seed + 1)
    if len(split.cases) > people:
        keep = np.sort(np.random.default_rng((seed, 11)).choice(len(split.cases), people,
                                                                replace=False))
        split = replace(split, cases=tuple(split.cases[i] for i in keep))
    return split


def validation_ndcg(name: str, options: dict, split: PeopleSplit, seed: int = 0) -> float:
    """Mean NDCG@10 of ``name`` (ours or a peer) with ``options`` on the validation people,
    asked exactly as the evaluation asks (ours: ``recommend(profile)``)."""
    cases = split.cases
    if name.startswith(peer_lib.PREFIX):
        peer = peer_lib.TOPN_PEERS[name](seed, **options)
        peer.fit(split.train, [c.profile for c in cases], split.train_rows)
        lists = [peer.recommend(i, K) for i in range(len(cases))]
    else:
        from movierec.models.registry import create

        model = create(name, seed=seed, **options).fit(split.train)
        lists = [model.recommend(c.profile, K, min_picks=1).items for c in cases]
    return float(np.mean([ndcg_at_k(items, c.truth, K) for items, c in zip(lists, cases)]))


class _Probe:
    """Stands in for an optuna trial to write down a space: every suggestion asked (name,
    kind, bounds or choices), answering each with its lowest value or first choice."""

    def __init__(self) -> None:
        self.asked: list = []

    def suggest_float(self, name, low, high, log=False, step=None):
        self.asked.append(["float", name, low, high, log, step])
        return low

    def suggest_int(self, name, low, high, log=False, step=1):
        self.asked.append(["int", name, low, high, log, step])
        return low

    def suggest_categorical(self, name, choices):
        self.asked.append(["categorical", name, list(choices)])
        return choices[0]


def space_key(space: Space, data: Dataset) -> str:
    """A digest of what ``space`` asks on ``data`` (and, for a composite, the tuned options it
    passes on): a study is resumed only while its space is the same, so a widened space or a
    composite whose members were tuned anew starts a fresh search instead of reusing trials
    drawn from the old one."""
    import hashlib
    import json as _json

    probe = _Probe()
    options = space(probe, data)
    passed_on = getattr(space, "passes_on", None)    # a composite: every candidate's options
    text = _json.dumps([probe.asked, options, passed_on], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _study(name: str, folder, seed: int):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    folder.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{folder / 'search.sqlite'}"
    return optuna.create_study(study_name=name, storage=storage, direction="maximize",
                               sampler=optuna.samplers.TPESampler(seed=seed),
                               load_if_exists=True)


def tune_one(name: str, train: Dataset, split: PeopleSplit, folder, trials: int,
             seconds: float | None, seed: int = 0,
             tick: Callable[[int, int], None] | None = None,
             enqueue: tuple[dict, ...] = (), space: Space | None = None) -> dict:
    """Search ``name``'s space until ``trials`` trials are finished (earlier runs count) or
    ``seconds`` pass; the defaults are always trial 0, so tuning never does worse than them
    on validation people."""
    import optuna

    space = space or SPACES.get(name) or PEER_SPACES.get(name)
    if not space:
        raise TuneError(f"{name} has no search space; tunable: "
                        f"{', '.join(TUNABLE + TUNABLE_PEERS)}")
    study = _study(f"{name}@{space_key(space, train)}", folder, seed)
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not finished:   # the defaults first, so "tuned" can only match or beat them
        study.enqueue_trial({}, user_attrs={"defaults": True}, skip_if_exists=True)
        for params in enqueue:
            study.enqueue_trial(params, skip_if_exists=True)
    started = time.perf_counter()

    def objective(trial) -> float:
        options = {} if trial.user_attrs.get("defaults") else space(trial, train)
        trial.set_user_attr("options", options)
        return validation_ndcg(name, options, split, seed)

    while len(finished) < trials:
        if seconds is not None and time.perf_counter() - started > seconds:
            break
        study.optimize(objective, n_trials=1, catch=(ValueError, RuntimeError, MemoryError))
        finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        if tick is not None:
            tick(len(finished), trials)
    if not finished:
        raise TuneError(f"no trial of {name} finished")
    best = max(finished, key=lambda t: t.value)
    defaults = next((t.value for t in finished if t.user_attrs.get("defaults")), math.nan)
    table = [{"trial": t.number, "validation_ndcg@10": round(float(t.value), 5),
              **{k: v for k, v in t.user_attrs.get("options", {}).items()}} for t in finished]
    return {"kind": "peer" if name.startswith(peer_lib.PREFIX) else "ours",
            "options": best.user_attrs.get("options", {}),
            "validation_ndcg@10": round(float(best.value), 5),
            "defaults_ndcg@10": round(float(defaults), 5), "trials": len(finished),
            "people": len(split.cases), "search": table}


def _composite_space(name: str, candidates: dict[str, str], fold_in: float | None) -> Space:
    """The hybrid fuses content with one of the tuned ``candidates`` (method -> its tuned
    options, JSON), in its tuned settings; the blend fuses all of them. Their weights are
    chosen inside their own fits, on their own validation people, folded in as the protocol
    being tuned for folds people in (``fold_in``, else 3 picks)."""
    import json as _json

    names = sorted(candidates)
    protocol = {"validation_fold_in": float(fold_in)} if fold_in else {}

    def hybrid(trial, data: Dataset) -> dict:
        choice = trial.suggest_categorical("collaborative", names)
        return {"collaborative": choice, "cf_options": candidates[choice], **protocol}

    def blend(trial, data: Dataset) -> dict:
        trial.suggest_categorical("members", [",".join(names)])
        return {"members": ",".join(names), "member_options": _json.dumps(
            {n: _json.loads(candidates[n]) for n in names}, sort_keys=True), **protocol}

    space = hybrid if name == HYBRID else blend
    space.passes_on = {"candidates": candidates, **protocol}   # read by `space_key`
    return space


def _tune_composite(name, train, split, folder, results: dict, seconds, seed, tick,
                    fold_in: float | None = None) -> dict:
    """The hybrid with each of the (at most three) best tuned collaborative methods (and
    with their blend, when it was tuned), or the blend of them: each tried once, after the
    defaults."""
    import json as _json

    best = sorted((n for n, r in results.items() if r["kind"] == "ours" and n in COLLABORATIVE),
                  key=lambda n: -results[n]["validation_ndcg@10"])[:3]
    candidates = {n: _json.dumps(results[n]["options"], sort_keys=True) for n in best}
    if name == HYBRID and BLEND in results:   # content with the blend of the best
        best.append(BLEND)
        candidates[BLEND] = _json.dumps(results[BLEND]["options"], sort_keys=True)
    if not candidates:
        raise TuneError(f"tuning {name} needs at least one collaborative method tuned with it "
                        f"(one of {', '.join(COLLABORATIVE)})")
    if name == HYBRID:
        enqueue = tuple({"collaborative": n} for n in best)
    else:
        enqueue = ({"members": ",".join(sorted(candidates))},)
    return tune_one(name, train, split, folder, len(enqueue) + 1, seconds, seed, tick, enqueue,
                    space=_composite_space(name, candidates, fold_in))


def tune(train: Dataset, models: list[str], peers: list[str], picks: int | None = 3,
         fold_in: float | None = None, trials: int = 30, minutes: float | None = None,
         seed: int = 0, say: Callable[[str, float], None] | None = None,
         save: bool = True) -> dict:
    """Tune every named method and peer on ``train``'s validation people (equal budgets:
    ``trials`` each, and an equal share of ``minutes``); returns {name: record}. With
    ``save`` what won goes to tuned.json, where every later fit of ``train`` finds it (the
    evaluation's nested tuning passes its choices explicitly instead)."""
    from movierec.evaluation.runner import protocol_tag

    say = say or (lambda _m, _f: None)
    names = [n for n in models if n not in COMPOSITES] + list(peers) + \
        [n for n in COMPOSITES if n in models]        # composites last: they use the others
    unknown = [n for n in names if n not in TUNABLE and n not in PEER_SPACES]
    if unknown:
        raise TuneError(f"no search space for {', '.join(unknown)}; tunable: "
                        f"{', '.join(TUNABLE + TUNABLE_PEERS)}")
    protocol = protocol_tag("heldout-users", picks, fold_in)
    folder = tuning_dir(train.name, train.fingerprint, protocol)
    split = validation_split(train, picks, fold_in, seed)
    each = None if minutes is None else 60.0 * minutes / max(1, len(names))
    out: dict[str, dict] = {}
    for i, name in enumerate(names):
        def tick(done: int, total: int, i=i, name=name) -> None:
            say(f"tuning {name}: trial {done}/{total}", (i + done / max(1, total)) / len(names))

        say(f"tuning {name}", i / len(names))
        if name in COMPOSITES:
            out[name] = _tune_composite(name, train, split, folder, out, each, seed, tick,
                                        fold_in)
        else:
            out[name] = tune_one(name, train, split, folder, trials, each, seed, tick)
        if save:
            write_tuned(train.name, train.fingerprint, protocol, {name: out[name]},
                        validation_people=len(split.cases), seed=seed)
    say("tuned", 1.0)
    return out
