"""Fit time, saved size and recommend() latency of every model on the shared data.

For each dataset and model: fit once, save (npz + JSON) and measure the folder, then time
``recommend(profile, k=10)`` -- explanations and filtering included, over the whole catalog --
for 1,000 random 3-pick profiles (picks drawn among movies with ratings), after 20 warm-up
calls. Targets on a 2-core machine: p50 <= 10 ms and p99 <= 50 ms (non-neural models).

    python benchmarks/bench_models.py [--data ../shared/data] [--models all] [--profiles 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


from _shared import default_data_dir, random_profiles, recommend_latency



def bench(name: str, dataset, profiles, folder: Path) -> dict:
    from movierec.models.persist import save_model
    from movierec.models.registry import create

    model = create(name)
    t0 = time.perf_counter()
    model.fit(dataset)
    fit_s = time.perf_counter() - t0
    saved = save_model(model, folder / name)
    size = sum(p.stat().st_size for p in saved.iterdir())
    p50, p99 = recommend_latency(model, profiles)
    return {"model": name, "fit_s": fit_s, "size_mb": size / 1e6, "p50_ms": p50, "p99_ms": p99}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--datasets", default="the-movies-dataset,ml-100k")
    ap.add_argument("--models", default="all")
    ap.add_argument("--profiles", type=int, default=1000)
    args = ap.parse_args()
    from movierec.data import load_dataset
    from movierec.models.registry import NEURAL, available

    names = available() if args.models == "all" else args.models.split(",")
    with tempfile.TemporaryDirectory(prefix="movierec-bench-models-") as tmp:
        for ds_name in args.datasets.split(","):
            dataset = load_dataset(ds_name, data_dir=args.data)
            profiles = random_profiles(dataset, args.profiles)
            print(f"\n{ds_name}: {len(dataset.catalog):,} movies, {dataset.ratings.nnz:,} ratings, "
                  f"{len(profiles)} profiles of 3 picks")
            print(f"{'model':<12}{'fit s':>9}{'size MB':>10}{'p50 ms':>9}{'p99 ms':>9}  target")
            for name in names:
                try:
                    r = bench(name, dataset, profiles, Path(tmp) / ds_name)
                except ImportError as exc:
                    print(f"{name:<12} skipped: {exc}")
                    continue
                ok = "ok" if r["p50_ms"] <= 10 and r["p99_ms"] <= 50 else "MISSED"
                if name in NEURAL:
                    ok = "(no target: neural)"
                print(f"{name:<12}{r['fit_s']:>9.2f}{r['size_mb']:>10.1f}{r['p50_ms']:>9.2f}"
                      f"{r['p99_ms']:>9.2f}  {ok}", flush=True)


if __name__ == "__main__":
    main()
