"""The standard evaluation suite behind the report, and the quality targets it is judged by.

`STANDARD_RUNS` is the documented full evaluation (`movierec report --run`): rating
prediction on ML-100k's u1..u5 folds, and held-out people with 3 picks and with 80% fold-in
on ML-100k and on The Movies Dataset's ``ratings_small``. `check_targets` turns those
results into met / missed lines, computed from the numbers, so the report can never claim a
target its own tables contradict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from movierec.evaluation.results import EvaluationResult, load_results
from movierec.evaluation.runner import protocol_tag, run_evaluation
from movierec.evaluation.stats import paired_comparison
from movierec.models.registry import NEURAL
from movierec.paths import evaluations_dir

RMSE_TARGET = 0.905          # our best rating model on ML-100k u1..u5
MLP_RMSE_TARGET = 0.92       # embedding + MLP on ML-100k u1..u5
LIFT_TARGET = 1.10           # best NDCG@10 vs the better of implicit ALS and popularity
BASELINES = ("peer:implicit-als", "peer:popular")


@dataclass(frozen=True)
class RunSpec:
    dataset: str
    protocol: str
    picks: int | None = 3
    fold_in: float | None = None
    folds: int | None = None          # heldout-users: test everyone over this many splits
    tune: int | None = None           # nested tuning: trials per method on each split
    models: str = "all"
    peers: str = "all"

    @property
    def tag(self) -> str:
        tag = protocol_tag(self.protocol, self.picks, self.fold_in)
        return f"{tag}-tuned{self.tune}" if self.tune else tag

    @property
    def folder_name(self) -> str:
        return f"{self.dataset}-{self.tag}"

    @property
    def title(self) -> str:
        data = {"ml-100k": "ML-100k", "the-movies-dataset": "The Movies Dataset (ratings_small)"}
        name = data.get(self.dataset, self.dataset)
        if self.protocol == "ratings":
            return f"{name}: rating prediction"
        how = f"{self.picks} picks" if self.fold_in is None else f"{self.fold_in:.0%} fold-in"
        tuned = f", {self.folds} folds, tuned against tuned" if self.tune else ""
        return f"{name}: held-out people, {how}{tuned}"

    def command(self) -> str:
        extra = "" if self.protocol == "ratings" else (
            f" --picks {self.picks}" if self.fold_in is None else f" --fold-in {self.fold_in}")
        if self.folds:
            extra += f" --folds {self.folds}"
        if self.tune:
            extra += f" --tune {self.tune} --models {self.models} --peers {self.peers}"
        return f"movierec evaluate --data {self.dataset} --protocol {self.protocol}{extra}"


STANDARD_RUNS = (
    RunSpec("ml-100k", "ratings", None),
    RunSpec("ml-100k", "heldout-users", 3),
    RunSpec("ml-100k", "heldout-users", None, 0.8),
    RunSpec("the-movies-dataset", "heldout-users", 3),
    RunSpec("the-movies-dataset", "heldout-users", None, 0.8),
)
TUNE_TRIALS = 10
TUNED_MODELS = "ease,graph,user_knn,item_knn,als,content,embeddings,cluster,hybrid,blend,popularity"
TUNED_PEERS = "implicit-als,implicit-bpr,implicit-lmf,cornac-ease,popular"
TUNED_RUNS = tuple(
    RunSpec(name, "heldout-users", picks, fold_in, 5, TUNE_TRIALS, TUNED_MODELS, TUNED_PEERS)
    for name in ("ml-100k", "the-movies-dataset") for picks, fold_in in ((3, None), (None, 0.8)))


def find_result(spec: RunSpec, root: Path | None = None) -> EvaluationResult | None:
    folder = (root or evaluations_dir()) / spec.folder_name
    try:
        return load_results(folder)
    except (OSError, ValueError, KeyError):
        return None


def run_suite(runs=STANDARD_RUNS, root: Path | None = None, rerun: bool = False,
              models: str = "all", peers: str = "all", max_users: int | None = None,
              say: Callable[[str], None] = print) -> dict[RunSpec, EvaluationResult]:
    """Run (or reuse) every evaluation of the suite; results land in ``root``/<run>."""
    from movierec.data import load_dataset

    out: dict[RunSpec, EvaluationResult] = {}
    for spec in runs:
        found = None if rerun else find_result(spec, root)
        if found is not None:
            say(f"reusing {spec.title} from {found.folder}")
            out[spec] = found
            continue
        say(f"running {spec.title}: {spec.command()}")
        dataset = load_dataset(spec.dataset)
        result = run_evaluation(dataset, spec.protocol,
                                models=spec.models if spec.tune else models,
                                peers=spec.peers if spec.tune else peers, picks=spec.picks,
                                fold_in=spec.fold_in, folds=spec.folds, max_users=max_users,
                                tune_trials=spec.tune)
        result.write((root or evaluations_dir()) / spec.folder_name)
        out[spec] = result
    _run_studies(root, rerun, say)
    return out


def _run_studies(root: Path | None, rerun: bool, say: Callable[[str], None]) -> None:
    """The groups and mood studies of the report (`studies.STANDARD_STUDIES`)."""
    from movierec.data import load_dataset
    from movierec.evaluation.studies import (STANDARD_STUDIES, command, folder, load_study,
                                             run_study, write_study)

    for study, name in STANDARD_STUDIES:
        if not rerun and load_study(study, name, root) is not None:
            say(f"reusing the {study} study of {name}")
            continue
        say(f"running {command(study, name)}")
        write_study(run_study(study, load_dataset(name), say=say), folder(study, name, root))


# --- targets ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    name: str
    met: bool | None          # None: could not be judged (run missing)
    detail: str


def _num(row: dict | None, key: str) -> float:
    value = None if row is None else row.get(key)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else math.nan


def _ok_rows(result: EvaluationResult, kind: str | None = None) -> list[dict]:
    return [r for r in result.rows if r.get("status") == "ok" and (kind is None or r.get("kind") == kind)]


def rmse_target(result: EvaluationResult | None) -> Target:
    name = f"ML-100k u1..u5: our best RMSE <= {RMSE_TARGET}"
    if result is None:
        return Target(name, None, "rating-prediction run missing")
    ours = [r for r in _ok_rows(result, "ours") if math.isfinite(_num(r, "rmse"))]
    if not ours:
        return Target(name, None, "no rating model finished")
    best = min(ours, key=lambda r: r["rmse"])
    peers = ", ".join(f"{r['model']} {r['rmse']:.3f}" for r in _ok_rows(result, "peer")
                      if math.isfinite(_num(r, "rmse")))
    return Target(name, best["rmse"] <= RMSE_TARGET,
                  f"{best['model']} {best['rmse']:.3f}" + (f" (same folds: {peers})" if peers else ""))


def mlp_target(result: EvaluationResult | None) -> Target:
    name = f"ML-100k u1..u5: embedding+MLP RMSE <= {MLP_RMSE_TARGET} (published 0.9834)"
    row = None if result is None else result.row("mlp")
    value = _num(row, "rmse")
    if not math.isfinite(value):
        return Target(name, None, "mlp not in the rating-prediction run")
    return Target(name, value <= MLP_RMSE_TARGET, f"mlp {value:.3f}")


def _per_person(result: EvaluationResult, model: str, metric: str):
    p = result.per_person
    if p.empty or metric not in p.columns:
        return None
    return p.loc[p["model"] == model, ["split", "user", metric]]


def lift_target(spec: RunSpec, result: EvaluationResult | None, metric: str = "ndcg@10") -> Target:
    name = f"{spec.title}: best NDCG@10 >= {LIFT_TARGET:.2f} x better of implicit ALS and popularity"
    if result is None:
        return Target(name, None, "run missing")
    ours = [r for r in _ok_rows(result, "ours") if math.isfinite(_num(r, metric))]
    base = [result.row(b) for b in BASELINES if math.isfinite(_num(result.row(b), metric))]
    if not ours or not base:
        return Target(name, None, "our models or the baselines did not finish")
    best = max(ours, key=lambda r: r[metric])
    baseline = max(base, key=lambda r: r[metric])
    ratio = best[metric] / baseline[metric] if baseline[metric] > 0 else math.inf
    separate = _num(best, f"{metric}_low") > _num(baseline, f"{metric}_high")
    a, b = _per_person(result, best["model"], metric), _per_person(result, baseline["model"], metric)
    significant, p_text = False, ""
    if a is not None and b is not None:
        both = a.merge(b, on=["split", "user"], suffixes=("_a", "_b"))
        if len(both) > 1:
            paired = paired_comparison(both[f"{metric}_a"].to_numpy(np.float64),
                                       both[f"{metric}_b"].to_numpy(np.float64))
            significant = paired.diff > 0 and paired.p_value < 0.05
            p_text = f", paired diff {paired.diff:+.4f} [{paired.low:+.4f}, {paired.high:+.4f}], p={paired.p_value:.2g}"
    met = ratio >= LIFT_TARGET and (separate or significant)
    detail = (f"{best['model']} {best[metric]:.4f} vs {baseline['model']} {baseline[metric]:.4f}: "
              f"x{ratio:.2f}; CIs {'do not overlap' if separate else 'overlap'}{p_text}")
    return Target(name, met, detail)


def neural_target(results: dict[RunSpec, EvaluationResult], metric: str = "ndcg@10") -> Target:
    name = "best neural top-N model beats our best non-neural model on a held-out-people protocol"
    lines, met = [], None
    for spec, result in results.items():
        if spec.protocol != "heldout-users" or result is None:
            continue
        rows = [r for r in _ok_rows(result, "ours") if math.isfinite(_num(r, metric))]
        neural = [r for r in rows if r["model"] in NEURAL]
        other = [r for r in rows if r["model"] not in NEURAL]
        if not neural or not other:
            continue
        bn, bo = max(neural, key=lambda r: r[metric]), max(other, key=lambda r: r[metric])
        wins = bn[metric] > bo[metric]
        met = bool(met) or wins
        lines.append(f"{spec.title}: {bn['model']} {bn[metric]:.4f} vs {bo['model']} "
                     f"{bo[metric]:.4f} ({(bn[metric] / bo[metric] - 1) * 100:+.1f}%)")
    return Target(name, met, "; ".join(lines) if lines else "no held-out run with neural models")


def check_targets(results: dict[RunSpec, EvaluationResult | None]) -> list[Target]:
    rating = next((r for s, r in results.items() if s.protocol == "ratings"
                   and s.dataset == "ml-100k"), None)
    targets = [rmse_target(rating), mlp_target(rating)]
    targets += [lift_target(s, r) for s, r in results.items() if s.protocol == "heldout-users"]
    targets.append(neural_target(results))
    return targets
