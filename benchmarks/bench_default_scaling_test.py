"""The data-scaled defaults against the constants they replaced, judged on test people.

Run after the multiples were chosen on validation people (`bench_default_scaling.py`): 5
folds of held-out people (seed 0), 3 picks and 80% fold-in, each method fitted on a fold's
training people with its former constant and with the scaled default (option left at 0),
mean NDCG@10 of its test people, the ratio new/old and the paired t-test's p.

    python benchmarks/bench_default_scaling_test.py [--datasets ml-100k,the-movies-dataset]
"""

from __future__ import annotations

import json

import numpy as np
from scipy import stats

from _shared import PROTOCOLS, study_parser

FORMER = {"ease": {"l2": 500.0}, "als": {"regularization": 20.0},
          "graph": {"neighbours": 100}, "item_knn": {"neighbours": 100}}


def main() -> None:
    ap = study_parser(__doc__)
    args = ap.parse_args()

    from movierec.data import load_dataset
    from movierec.evaluation.metrics import ndcg_at_k
    from movierec.evaluation.splitters import heldout_user_folds
    from movierec.models.registry import create

    out = {}
    for name in args.datasets.split(","):
        dataset = load_dataset(name, data_dir=args.data)
        for label, picks, fold_in in PROTOCOLS:
            folds = heldout_user_folds(dataset, 5, picks, fold_in, seed=0)
            for method, former in FORMER.items():
                ndcg = {"former": [], "scaled": []}
                for fold in folds:
                    for tag, options in (("former", former), ("scaled", {})):
                        model = create(method, seed=0, **options).fit(fold.train)
                        ndcg[tag] += [ndcg_at_k(model.recommend(c.profile, 10, min_picks=1).items,
                                                c.truth, 10) for c in fold.cases]
                old, new = np.array(ndcg["former"]), np.array(ndcg["scaled"])
                row = {"former": round(float(old.mean()), 4), "scaled": round(float(new.mean()), 4),
                       "ratio": round(float(new.mean() / old.mean()), 3),
                       "p": float(f"{stats.ttest_rel(new, old).pvalue:.2g}")}
                out[f"{name}, {label}, {method}"] = row
                print(f"{name}, {label}, {method}: {row}", flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
