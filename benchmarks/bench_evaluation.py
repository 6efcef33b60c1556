"""Wall time of the full evaluation set, and what Surprise's SVD++ cache option buys.

    python benchmarks/bench_evaluation.py [--runs all|NAME,...] [--svdpp] [--out DIR]

Runs, one `movierec evaluate` each (results land in DIR/<dataset>-<protocol tag>):
  ml100k-picks3, ml100k-foldin, tmdb-picks3, tmdb-foldin  (heldout-users, --models all)
  ml100k-ratings                                          (u1..u5, rating models + Surprise)
Target: the whole set in under 30 minutes on the 2-core development machine. Set
MOVIEREC_EMBEDDINGS_CACHE so the embeddings model reuses cached sentence embeddings.
``--svdpp`` times SVD++ on ML-100k u1 with and without ``cache_ratings``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RUNS = {
    "ml100k-picks3": ["--data", "ml-100k", "--protocol", "heldout-users", "--picks", "3"],
    "ml100k-foldin": ["--data", "ml-100k", "--protocol", "heldout-users", "--fold-in", "0.8"],
    "tmdb-picks3": ["--data", "the-movies-dataset", "--protocol", "heldout-users", "--picks", "3"],
    "tmdb-foldin": ["--data", "the-movies-dataset", "--protocol", "heldout-users",
                    "--fold-in", "0.8"],
    "ml100k-ratings": ["--data", "ml-100k", "--protocol", "ratings"],
}


def run(name: str, out: Path) -> dict:
    cmd = [sys.executable, "-c", "from movierec.cli import app; app()", "evaluate", *RUNS[name],
           "--models", "all",
           "--json", "--out", str(out / name)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode:
        return {"run": name, "seconds": seconds, "error": done.stderr.strip()[-500:]}
    body = json.loads(done.stdout)
    best, comp = body["best"], body.get("comparison") or {}
    return {"run": name, "seconds": seconds, "metric": best["metric"], "best": best["ours"],
            "best_peer": best["peer"], "ours": comp.get("ours_value"),
            "peer": comp.get("peer_value"), "p": comp.get("p_value"),
            "failed": [r["model"] for r in body["results"] if r["status"] != "ok"]}


def svdpp_cache() -> None:
    from movierec.data import load_dataset
    from movierec.evaluation import splitters
    from movierec.evaluation.peers import SurprisePeer
    from surprise import SVDpp

    split = splitters.predefined_folds(load_dataset("ml-100k"))[0]
    for cache in (True, False):
        peer = SurprisePeer("svdpp", lambda c=cache: SVDpp(random_state=0, cache_ratings=c))
        t0 = time.perf_counter()
        peer.fit(split.train)
        fit = time.perf_counter() - t0
        pred = peer.predict(split.users, split.movies)
        rmse = float(((pred - split.ratings) ** 2).mean() ** 0.5)
        print(f"SVD++ cache_ratings={cache}: fit {fit:.1f} s, "
              f"predict {time.perf_counter() - t0 - fit:.1f} s, u1 RMSE {rmse:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="all", help="all or comma-separated: " + ", ".join(RUNS))
    parser.add_argument("--svdpp", action="store_true", help="time SVD++ with/without cache")
    parser.add_argument("--out", type=Path, default=Path("evaluation-bench"))
    args = parser.parse_args()
    if args.svdpp:
        svdpp_cache()
        return
    names = list(RUNS) if args.runs == "all" else args.runs.split(",")
    total = 0.0
    for name in names:
        row = run(name, args.out)
        total += row["seconds"]
        print(json.dumps(row), flush=True)
    print(f"total {total / 60:.1f} min (target < 30 min)")


if __name__ == "__main__":
    main()
