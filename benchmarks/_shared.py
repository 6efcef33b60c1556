"""What the benchmarks share: where the data is, 3-pick profiles drawn by popularity,
``model.option=value`` parsing, and recommend() latency measured the same way everywhere."""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def default_data_dir() -> str:
    """``$MOVIEREC_DATA``, else the shared data folder beside the repository."""
    return os.environ.get("MOVIEREC_DATA", str(REPO.parent / "shared" / "data"))


def random_profiles(dataset, n: int, seed: int = 0):
    """``n`` profiles of 3 distinct picks, each movie drawn in proportion to its ratings.

    People name movies they have seen, so picks follow popularity: under the full data's
    power law a uniform draw is mostly movies a handful of people rated, which flatters
    every method whose work grows with a pick's raters (user_knn, graph)."""
    from movierec.models.profile import Profile

    rng = np.random.default_rng(seed)
    counts = dataset.ratings.counts_per_movie().astype(np.float64)
    rated = np.flatnonzero(counts > 0)
    p = counts[rated] / counts[rated].sum()
    return [Profile.from_picks(rng.choice(rated, size=3, replace=False, p=p))
            for _ in range(n)]


def options(pairs: list[str]) -> dict[str, dict]:
    """``model.option=value`` pairs -> {model: {option: value}} (values parsed as literals)."""
    out: dict[str, dict] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        model, _, opt = key.partition(".")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        out.setdefault(model, {})[opt] = value
    return out


def recommend_latency(model, profiles, warmup: int = 20) -> tuple[float, float]:
    """(p50, p99) milliseconds of ``recommend(profile, k=10)`` after ``warmup`` untimed calls."""
    for p in profiles[:warmup]:
        model.recommend(p, k=10)
    times = np.empty(len(profiles))
    for i, p in enumerate(profiles):
        t = time.perf_counter()
        model.recommend(p, k=10)
        times[i] = time.perf_counter() - t
    return float(np.percentile(times, 50) * 1e3), float(np.percentile(times, 99) * 1e3)
