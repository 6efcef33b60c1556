"""From per-person metric rows to one table row per model, the best models, and provenance.

Every mean comes with a bootstrap confidence interval over people (for RMSE/MAE: over
people's summed errors, so a person with many ratings weighs as much as they do in the
pooled RMSE). The best of our models is compared with the best peer on the same people by
a paired bootstrap test, which is far more sensitive than eyeballing two intervals.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
from importlib import metadata

import numpy as np
import pandas as pd

from movierec.evaluation import metrics, stats

# Per-person columns that identify or count rather than measure.
NOT_METRICS = {"model", "kind", "split", "user", "n_profile", "n_truth", "n_recommended",
               "latency_ms", "n_ratings", "sse", "sae", "mse", "n_missing"}
N_BOOT = 2000
PACKAGES = ("movierec", "numpy", "pandas", "scipy", "scikit-learn", "implicit",
            "scikit-surprise", "torch", "sentence-transformers")


def _latency(row: dict, latencies: list[float]) -> None:
    ms = np.asarray(latencies, dtype=np.float64) * 1000.0
    row["latency_p50_ms"] = float(np.percentile(ms, 50)) if len(ms) else math.nan
    row["latency_p99_ms"] = float(np.percentile(ms, 99)) if len(ms) else math.nan


def ratio_interval(num: np.ndarray, den: np.ndarray, n_boot: int = N_BOOT, seed: int = 0,
                   confidence: float = 0.95) -> tuple[float, float, float]:
    """sum(num)/sum(den) with a percentile bootstrap over units (people), in chunks."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    n = len(num)
    if n == 0 or den.sum() <= 0:
        return math.nan, math.nan, math.nan
    point = float(num.sum() / den.sum())
    rng = np.random.default_rng(seed)
    stats_out = np.empty(n_boot)
    chunk = max(1, 2_000_000 // n)
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(size, n))
        totals = np.maximum(den[idx].sum(axis=1), 1e-12)
        stats_out[start:start + size] = num[idx].sum(axis=1) / totals
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats_out, [alpha, 1.0 - alpha])
    return point, float(low), float(high)


def summarise(name: str, kind: str, people: pd.DataFrame, fit_seconds: list[float],
              latencies: list[float], lists: list[np.ndarray], protocol: str, k: int,
              n_movies: int, seed: int = 0) -> dict:
    """One table row: metric means with CI bounds, catalog coverage and exposure Gini of all
    top-k lists together, mean fit time per split, latency percentiles per call."""
    row: dict = {"model": name, "kind": kind, "status": "ok", "error": ""}
    sub = people[people["model"] == name] if len(people) else people
    row["people"] = int(len(sub))
    if protocol == "ratings":
        n = sub["n_ratings"].to_numpy(np.float64) if len(sub) else np.zeros(0)
        mse, lo, hi = ratio_interval(sub["sse"].to_numpy() if len(sub) else n, n, seed=seed)
        row["rmse"], row["rmse_low"], row["rmse_high"] = (math.sqrt(v) if v == v else v
                                                          for v in (mse, lo, hi))
        row["mae"], row["mae_low"], row["mae_high"] = ratio_interval(
            sub["sae"].to_numpy() if len(sub) else n, n, seed=seed)
        row["ratings"] = int(n.sum())
        row["missing_predictions"] = int(sub["n_missing"].sum()) if len(sub) else 0
    else:
        for col in [c for c in sub.columns if c not in NOT_METRICS]:
            values = sub[col].to_numpy(np.float64)
            values = values[np.isfinite(values)]
            if len(values) == 0:
                row[col], row[f"{col}_low"], row[f"{col}_high"] = math.nan, math.nan, math.nan
                continue
            ci = stats.bootstrap_ci(values, n_boot=N_BOOT, seed=seed)
            row[col], row[f"{col}_low"], row[f"{col}_high"] = (float(ci.mean), float(ci.low),
                                                               float(ci.high))
        row[f"coverage@{k}"] = (float(metrics.catalog_coverage(lists, n_movies)) if lists
                                else math.nan)
        row[f"gini@{k}"] = float(metrics.exposure_gini(lists, n_movies)) if lists else math.nan
    row["fit_seconds"] = float(np.mean(fit_seconds)) if fit_seconds else math.nan
    row["fit_seconds_total"] = float(np.sum(fit_seconds)) if fit_seconds else math.nan
    _latency(row, latencies)
    return row


def _best(rows: list[dict], kind: str, metric: str, lower: bool) -> dict | None:
    ok = [r for r in rows if r.get("kind") == kind and r.get("status") == "ok"
          and isinstance(r.get(metric), float) and math.isfinite(r[metric])]
    if not ok:
        return None
    return (min if lower else max)(ok, key=lambda r: r[metric])


def compare_best(rows: list[dict], people: pd.DataFrame, protocol: str, main: str,
                 seed: int = 0) -> tuple[dict, dict | None]:
    """(best names, paired comparison of our best against the best peer on shared people)."""
    lower = protocol == "ratings"
    ours, peer = _best(rows, "ours", main, lower), _best(rows, "peer", main, lower)
    best = {"metric": main, "lower_is_better": lower,
            "ours": ours["model"] if ours else None, "peer": peer["model"] if peer else None}
    if not ours or not peer or people.empty:
        return best, None
    column = "mse" if lower else main
    keys = ["split", "user"]
    a = people.loc[people["model"] == ours["model"], keys + [column]]
    b = people.loc[people["model"] == peer["model"], keys + [column]]
    both = a.merge(b, on=keys, suffixes=("_ours", "_peer"))
    if both.empty:
        return best, None
    paired = stats.paired_comparison(both[f"{column}_ours"].to_numpy(np.float64),
                                     both[f"{column}_peer"].to_numpy(np.float64),
                                     n_boot=N_BOOT, seed=seed)
    overlap = not (ours[f"{main}_high"] < peer[f"{main}_low"]
                   or peer[f"{main}_high"] < ours[f"{main}_low"])
    comparison = {
        "ours": ours["model"], "peer": peer["model"], "metric": main, "paired_on": column,
        "ours_value": ours[main], "peer_value": peer[main],
        "ratio": ours[main] / peer[main] if peer[main] else math.nan,
        "diff": float(paired.diff), "low": float(paired.low), "high": float(paired.high),
        "p_value": float(paired.p_value), "test": paired.test,
        "significant": bool(paired.significant), "people": int(paired.n),
        "ci_overlap": bool(overlap),
    }
    return best, comparison


def environment() -> dict:
    """Library versions, machine and date, so a number can be traced to what produced it."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"versions": versions, "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
