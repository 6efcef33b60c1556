"""The embedding MLP (``mlp``, default and ``preset="published"``) and NeuMF (``ncf``) on ML-100k.

1. rating accuracy: RMSE / MAE of ``mlp`` (both presets) on the predefined u1..u5 folds
   (train on the other folds' ratings, predict the fold's), with fit time and epochs;
   the published Keras-style baseline reported RMSE 0.9834 / MAE 0.7804;
2. speed: fit ``mlp`` and ``ncf`` on all of ML-100k, then time ``recommend(profile, k=10)``
   (fold-in, scoring, filtering and explanations) over 1,000 random 3-pick profiles after
   20 warm-up calls;
3. top-N quality: NDCG@10 on held-out people (`heldout_users`: 20% of the eligible people
   removed from training and folded in from 3 of their liked movies; their other liked
   movies are the truth) for ``ncf`` against ``ease`` and ``als``, each trained on the
   split's training people only.

    python benchmarks/bench_neural.py [--data ../shared/data] [--folds 1,2,3,4,5]
        [--profiles 1000] [--set ncf.loss=bce] [--skip-rmse] [--skip-speed] [--skip-topn]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _shared import default_data_dir, options, random_profiles, recommend_latency

PUBLISHED = {"rmse": 0.9834, "mae": 0.7804}
RATING_VARIANTS = (("mlp", {}), ("mlp published", {"preset": "published"}))


def fit(name: str, dataset, opts: dict):
    from movierec.models.registry import create

    model = create(name, **opts)
    t0 = time.perf_counter()
    model.fit(dataset)
    return model, time.perf_counter() - t0


def rating_accuracy(dataset, folds: list[int], variants, console) -> None:
    from rich.table import Table

    from movierec.evaluation.metrics import mae, rmse
    from movierec.evaluation.splitters import predefined_folds

    splits = {s.name: s for s in predefined_folds(dataset)}
    table = Table("model", "fold", "RMSE", "MAE", "fit s", "epochs",
                  title="ML-100k rating prediction, predefined folds")
    for label, name, opts in variants:
        scores = []
        for f in folds:
            split = splits[f"u{f}"]
            model, fit_s = fit(name, split.train, opts)
            pred = model.predict(split.users, split.movies)
            scores.append((rmse(pred, split.ratings), mae(pred, split.ratings), fit_s))
            epochs = len(model.history.train_loss)
            table.add_row(label, f"u{f}", f"{scores[-1][0]:.4f}", f"{scores[-1][1]:.4f}",
                          f"{fit_s:.1f}", str(epochs))
            console.print(f"{label} u{f}: RMSE {scores[-1][0]:.4f} MAE {scores[-1][1]:.4f} "
                          f"fit {fit_s:.1f}s, {epochs} epochs")
        mean = np.mean(scores, axis=0)
        table.add_row(label, "mean", f"{mean[0]:.4f}", f"{mean[1]:.4f}", f"{mean[2]:.1f}", "",
                      end_section=True)
    table.add_row("published Keras MLP", "reported", f"{PUBLISHED['rmse']:.4f}",
                  f"{PUBLISHED['mae']:.4f}", "", "")
    console.print(table)


def speed(dataset, names, opts, n_profiles: int, console) -> None:
    from rich.table import Table

    profiles = random_profiles(dataset, n_profiles)
    table = Table("model", "fit s", "epochs", "p50 ms", "p99 ms",
                  title=f"fit on all of ML-100k; recommend() for {len(profiles):,} random "
                        "3-pick profiles")
    for name in names:
        model, fit_s = fit(name, dataset, opts.get(name, {}))
        p50, p99 = recommend_latency(model, profiles)
        epochs = len(model.history.train_loss)
        table.add_row(name, f"{fit_s:.1f}", str(epochs), f"{p50:.2f}", f"{p99:.2f}")
        console.print(f"{name}: fit {fit_s:.1f}s ({epochs} epochs), recommend p50 {p50:.2f} ms, "
                      f"p99 {p99:.2f} ms")
    console.print(table)


def topn(dataset, names, opts, seed: int, console) -> None:
    from rich.table import Table

    from movierec.evaluation.metrics import ndcg_at_k
    from movierec.evaluation.splitters import heldout_users

    split = heldout_users(dataset, picks=3, test_users=0.2, seed=seed)
    table = Table("model", "NDCG@10", "± s.e.", "fit s",
                  title=f"held-out people ({len(split):,}), 3 liked picks each")
    for name in names:
        model, fit_s = fit(name, split.train, opts.get(name, {}))
        values = np.array([ndcg_at_k(model.recommend(case.profile, k=10).items, case.truth, 10)
                           for case in split.cases])
        se = values.std(ddof=1) / np.sqrt(len(values))
        table.add_row(name, f"{values.mean():.4f}", f"{se:.4f}", f"{fit_s:.1f}")
        console.print(f"{name}: NDCG@10 {values.mean():.4f} ± {se:.4f} (fit {fit_s:.1f}s)")
    console.print(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--folds", default="1,2,3,4,5")
    ap.add_argument("--profiles", type=int, default=1000)
    ap.add_argument("--topn-models", default="ncf,ease,als")
    ap.add_argument("--set", action="append", default=[], metavar="MODEL.OPTION=VALUE",
                    help="config override, e.g. ncf.loss=bce (repeatable)")
    ap.add_argument("--seed", type=int, default=0, help="held-out people split seed")
    ap.add_argument("--skip-rmse", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-topn", action="store_true")
    args = ap.parse_args()

    from rich.console import Console

    from movierec.data import load_dataset

    console = Console()
    opts = options(args.set)
    dataset = load_dataset("ml-100k", data_dir=args.data)
    console.rule(f"ml-100k: {dataset.ratings.n_users:,} people, {dataset.ratings.nnz:,} ratings")
    if not args.skip_rmse:
        folds = [int(f) for f in args.folds.split(",") if f.strip()]
        variants = [(label, "mlp", {**opts.get("mlp", {}), **extra})
                    for label, extra in RATING_VARIANTS]
        rating_accuracy(dataset, folds, variants, console)
    if not args.skip_speed:
        speed(dataset, ["mlp", "ncf"], opts, args.profiles, console)
    if not args.skip_topn:
        names = [m.strip() for m in args.topn_models.split(",") if m.strip()]
        topn(dataset, names, opts, args.seed, console)


if __name__ == "__main__":
    main()
