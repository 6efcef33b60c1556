"""Should ALS's number of factors grow with the data? A study on validation people.

`movierec.models.scaling` scales ALS's regularization, EASE's ridge and the neighbour counts
with the data; the factor count stays 64. This checks whether the count that validates best
grows with the data: for ML-100k and ratings_small, both protocols (3 picks, 80% fold-in),
the training people of folds ``--folds`` are subsampled to ``--shares`` of their people
(seeded), validation people are carved from each subsample as `movierec tune` carves them (no
test person is read), and ALS is fitted with every count of ``--factors`` (its other settings
at their defaults, regularization scaled with the subsample's people).

For every share it prints the mean NDCG@10 of each count relative to the best count of the
same data set, protocol and fold, averaged over them, and the count with the highest mean.
Over all cases it prints how much of each case's best a constant count and a rule
``factors = people / d`` keep: if a rule kept more than every constant it would be worth
adding; if not, a constant is the honest default (it was not: see `models.scaling`).

    python benchmarks/bench_factor_scaling.py [--shares 0.25,0.5,1] [--folds 1,2,3]
        [--factors 16,32,64,128,256] [--datasets ml-100k,the-movies-dataset]
"""

from __future__ import annotations

import json
import math

import numpy as np

from _shared import PROTOCOLS, study_parser


def main() -> None:
    ap = study_parser(__doc__)
    ap.add_argument("--shares", default="0.25,0.5,1")
    ap.add_argument("--folds", default="1,2,3")
    ap.add_argument("--factors", default="16,32,64,128,256")
    args = ap.parse_args()

    from movierec.data import load_dataset
    from movierec.evaluation.splitters import heldout_user_folds
    from movierec.evaluation.tuning import validation_ndcg, validation_split

    shares = [float(s) for s in args.shares.split(",")]
    folds = [int(f) for f in args.folds.split(",")]
    counts = [int(f) for f in args.factors.split(",")]
    relative = {s: [] for s in shares}           # per share: one row of relative scores per
    table = []                                   # data set x protocol x fold
    for name in args.datasets.split(","):
        dataset = load_dataset(name, data_dir=args.data)
        for label, picks, fold_in in PROTOCOLS:
            splits = heldout_user_folds(dataset, 5, picks, fold_in, seed=0)
            for fold in folds:
                train = splits[fold - 1].train
                for share in shares:
                    n = train.ratings.n_users
                    keep = np.sort(np.random.default_rng((fold, 3)).choice(
                        n, max(1, int(round(n * share))), replace=False))
                    sub = train if share >= 1 else train.with_ratings(
                        train.ratings.select_users(keep), suffix=f"share{share}")
                    split = validation_split(sub, picks, fold_in)
                    scores = np.array([validation_ndcg("als", {"factors": f}, split)
                                       for f in counts])
                    relative[share].append(scores / max(scores.max(), 1e-12))
                    row = {"data": name, "protocol": label, "fold": fold, "share": share,
                           "people": sub.ratings.n_users,
                           "ndcg@10": dict(zip(counts, np.round(scores, 4).tolist()))}
                    table.append(row)
                    print(json.dumps(row), flush=True)
    summary = {}
    for share, rows in relative.items():
        mean = np.mean(rows, axis=0)
        summary[str(share)] = {"mean_relative": dict(zip(counts, np.round(mean, 4).tolist())),
                               "best": counts[int(np.argmax(mean))]}
    print(json.dumps({"by_share": summary, "over_all": over_all(table, counts)}, indent=1))


def over_all(table: list[dict], counts: list[int]) -> dict:
    """Mean share of each case's best NDCG that a constant count, and a rule ``factors =
    people / d`` (capped at 256, at least 10, rounded to the nearest count tried on a log
    scale), would have kept over every case of the table."""
    def kept(choose) -> float:
        return round(float(np.mean([row["ndcg@10"][choose(row)] / max(row["ndcg@10"].values())
                                    for row in table])), 4)

    def nearest(value: float) -> int:
        return min(counts, key=lambda c: abs(math.log(c / value)))

    out = {f"constant {c}": kept(lambda row, c=c: c) for c in counts}
    for d in (2, 4, 6, 8, 12, 16, 24):
        out[f"people / {d}"] = kept(
            lambda row, d=d: nearest(min(256, max(10, row["people"] / d))))
    return out


if __name__ == "__main__":
    main()
