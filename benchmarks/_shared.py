"""What the benchmarks share: where the data is, 3-pick profiles drawn by popularity,
``model.option=value`` parsing, recommend() latency measured the same way everywhere, and the
arguments and protocols the quality studies share."""

from __future__ import annotations

import argparse
import ast
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PROTOCOLS = (("3 picks", 3, None), ("80% fold-in", None, 0.8))   # the quality issue's two


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


def _parser(doc: str) -> argparse.ArgumentParser:
    """A parser that shows the study's docstring as written and takes ``--data``."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    return ap


def study_parser(doc: str) -> argparse.ArgumentParser:
    """Arguments of a study over several data sets: ``--data`` and ``--datasets``."""
    ap = _parser(doc)
    ap.add_argument("--datasets", default="ml-100k,the-movies-dataset")
    return ap


def fold_study_parser(doc: str) -> argparse.ArgumentParser:
    """Arguments of a study on one fold's training people of one data set and protocol:
    ``--data --dataset --picks | --fold-in --trials --fold --step``."""
    ap = _parser(doc)
    ap.add_argument("--dataset", default="ml-100k")
    ap.add_argument("--picks", type=int, default=3)
    ap.add_argument("--fold-in", type=float, default=None)
    ap.add_argument("--trials", type=int, default=10, help="tuning trials per method")
    ap.add_argument("--fold", type=int, default=1, help="which of the 5 folds' training people")
    ap.add_argument("--step", type=float, default=0.25, help="blend weight grid step")
    return ap
