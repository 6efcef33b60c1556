"""Neural top-N models (Mult-VAE, SASRec) against the best non-neural ones.

For each dataset:

1. speed: fit vae and sasrec on the whole dataset, then time ``recommend(profile, k=10)``
   (explanations included) over 1,000 random 3-pick profiles after 20 warm-up calls;
2. quality: NDCG@10 (mean ± standard error over people) on
   - held-out people (`heldout_users`: 20% of the eligible people are removed from training
     and folded in from 3 of their liked movies, or from 80% of them; their other liked
     movies are the truth) -- what the app does for a new person;
   - `temporal` (each person's last 20% of ratings by time are hidden; truth = the liked
     ones among them; the person's earlier ratings are their profile and stay in training)
     -- "what next", the question a sequence model such as SASRec answers;
   for the neural models and the non-neural baselines, each trained once per training set.
   Then, per protocol, the best neural model minus the best non-neural one, with the
   standard error of the paired per-person difference.

    python benchmarks/bench_neural_topn.py [--data ../shared/data] [--datasets ml-100k]
        [--models vae,sasrec,ease,als,graph] [--set vae.hidden=300] [--skip-speed]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _shared import default_data_dir, options, random_profiles, recommend_latency

NEURAL = ("vae", "sasrec", "mlp", "ncf")


def protocols(dataset, seed: int) -> dict:
    from movierec.evaluation.splitters import heldout_users, temporal

    return {"3 picks": heldout_users(dataset, picks=3, test_users=0.2, seed=seed),
            "80% fold-in": heldout_users(dataset, fold_in=0.8, test_users=0.2, seed=seed),
            "temporal 20%": temporal(dataset, fraction=0.2, max_cases=500, seed=seed)}


def speed(name: str, dataset, profiles, opts: dict) -> dict:
    from movierec.models.registry import create

    model = create(name, **opts)
    t0 = time.perf_counter()
    model.fit(dataset)
    fit_s = time.perf_counter() - t0
    p50, p99 = recommend_latency(model, profiles)
    history = getattr(model, "history", None)
    return {"fit_s": fit_s, "epochs": len(history.train_loss) if history is not None else 0,
            "p50_ms": p50, "p99_ms": p99}


def ndcg_per_case(model, split) -> np.ndarray:
    from movierec.evaluation.metrics import ndcg_at_k

    return np.array([ndcg_at_k(model.recommend(case.profile, k=10).items, case.truth, 10)
                     for case in split.cases])


def quality(name: str, splits: dict, opts: dict, console) -> tuple[dict, float]:
    """NDCG@10 per case for each protocol (one fit per distinct training set), fit seconds."""
    from movierec.models.registry import create

    fitted: dict[str, object] = {}
    out, fit_s = {}, 0.0
    for label, split in splits.items():
        key = split.train.fingerprint
        if key not in fitted:
            t0 = time.perf_counter()
            fitted[key] = create(name, **opts).fit(split.train)
            fit_s = max(fit_s, time.perf_counter() - t0)
        out[label] = ndcg_per_case(fitted[key], split)
        console.print(f"  {name} {label}: {out[label].mean():.4f}")
    return out, fit_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--datasets", default="ml-100k,the-movies-dataset")
    ap.add_argument("--models", default="vae,sasrec,ease,als,graph",
                    help="models compared (speed is measured for the neural ones among them)")
    ap.add_argument("--set", action="append", default=[], metavar="MODEL.OPTION=VALUE",
                    help="config override, e.g. vae.hidden=300 (repeatable)")
    ap.add_argument("--profiles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0, help="split seed")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    from movierec.data import load_dataset

    console = Console()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    opts = options(args.set)
    for ds_name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        dataset = load_dataset(ds_name, data_dir=args.data)
        console.rule(f"{ds_name}: {dataset.ratings.n_users:,} people, "
                     f"{dataset.ratings.nnz:,} ratings, {len(dataset.catalog):,} movies")
        if not args.skip_speed:
            profiles = random_profiles(dataset, args.profiles)
            table = Table("model", "fit s", "epochs", "p50 ms", "p99 ms",
                          title=f"{ds_name}: fit on everyone; recommend() for "
                                f"{len(profiles):,} random 3-pick profiles")
            for name in [m for m in models if m in NEURAL]:
                row = speed(name, dataset, profiles, opts.get(name, {}))
                table.add_row(name, f"{row['fit_s']:.1f}", str(row["epochs"]),
                              f"{row['p50_ms']:.2f}", f"{row['p99_ms']:.2f}")
            console.print(table)
        if args.skip_quality:
            continue
        splits = protocols(dataset, args.seed)
        results, fits = {}, {}
        for name in models:
            results[name], fits[name] = quality(name, splits, opts.get(name, {}), console)
        table = Table("model", *splits, "fit s", title=f"{ds_name}: NDCG@10 ± s.e. "
                      f"({', '.join(f'{k}: {len(s)} people' for k, s in splits.items())})")
        for name in models:
            table.add_row(name, *[f"{v.mean():.4f} ± {v.std(ddof=1) / np.sqrt(len(v)):.4f}"
                                  for v in results[name].values()], f"{fits[name]:.1f}")
        console.print(table)
        neural = [m for m in models if m in NEURAL]
        other = [m for m in models if m not in NEURAL]
        if neural and other:
            for label in splits:
                best_n = max(neural, key=lambda m: results[m][label].mean())
                best_o = max(other, key=lambda m: results[m][label].mean())
                diff = results[best_n][label] - results[best_o][label]
                se = diff.std(ddof=1) / np.sqrt(len(diff))
                console.print(f"{label}: best neural {best_n} - best non-neural {best_o} = "
                              f"{diff.mean():+.4f} ± {se:.4f} (paired s.e.)")


if __name__ == "__main__":
    main()
