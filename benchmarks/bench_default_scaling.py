"""Where the constants of the data-scaled defaults (`movierec.models.scaling`) come from.

Each rule sets one untuned default from the data's shape: ``value = c x scale`` with scale the
ratings per rated movie (EASE's l2), the number of people (ALS's regularization) or the
square root of how many people / rated movies there are (the neighbour counts). This tries a grid of ``c`` for each
rule, every other setting at its default, on the *validation people* of fold ``--fold``'s
training people (carved from them as `movierec tune` carves them: no test person is read),
for ML-100k and ratings_small under both protocols (3 picks, 80% fold-in). The chosen ``c``
maximises the mean over those four settings of NDCG@10 relative to each setting's best, so
each data set and protocol counts the same.

    python benchmarks/bench_default_scaling.py [--rules ease.l2,als.regularization,...]
        [--datasets ml-100k,the-movies-dataset] [--fold 1]
"""

from __future__ import annotations

import json
import math

import numpy as np

from _shared import PROTOCOLS, study_parser

GRIDS = {   # multiples tried of each rule's scale (`scaling.RULES`)
    ("ease", "l2"): (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0),
    ("als", "regularization"): (0.005, 0.01, 0.02, 0.04, 0.08, 0.16),
    ("user_knn", "neighbours"): (1.0, 2.0, 3.3, 5.0, 8.0, 12.0),   # tried; no rule (see
                                                                     # `models.scaling`)
    ("item_knn", "neighbours"): (1.0, 2.4, 5.0, 10.0, 20.0),
    ("graph", "neighbours"): (1.0, 2.4, 5.0, 10.0, 20.0),
}


def main() -> None:
    ap = study_parser(__doc__)
    ap.add_argument("--rules", default=",".join(f"{m}.{o}" for m, o in GRIDS))
    ap.add_argument("--fold", type=int, default=1, help="which of the 5 folds' training people")
    args = ap.parse_args()

    from movierec.data import load_dataset
    from movierec.evaluation.splitters import heldout_user_folds
    from movierec.evaluation.tuning import validation_ndcg, validation_split
    from movierec.models.scaling import RULES, Rule, data_shape

    rules = [tuple(r.split(".", 1)) for r in args.rules.split(",")]
    settings = []                                     # (label, validation split)
    for name in args.datasets.split(","):
        dataset = load_dataset(name, data_dir=args.data)
        for label, picks, fold_in in PROTOCOLS:
            train = heldout_user_folds(dataset, 5, picks, fold_in, seed=0)[args.fold - 1].train
            settings.append((f"{name}, {label}", validation_split(train, picks, fold_in)))
    out = {}
    for method, option in rules:
        grid = GRIDS[(method, option)]
        table = {}
        for label, split in settings:
            shape = data_shape(split.train.ratings.matrix)
            row = {}
            for c in grid:
                rule = RULES.get(method, {}).get(option) or Rule(
                    1.0, lambda s: math.sqrt(s.people), lambda s: s.people)   # user_knn
                v = rule.value(shape, times=c)
                row[c] = {"value": v,
                          "ndcg@10": round(validation_ndcg(method, {option: v}, split), 5)}
                print(f"{method}.{option} c={c} on {label}: {v} -> {row[c]['ndcg@10']}",
                      flush=True)
            table[label] = row
        relative = {c: float(np.mean([t[c]["ndcg@10"] / max(r["ndcg@10"] for r in t.values())
                                      for t in table.values()])) for c in grid}
        best = max(grid, key=lambda c: relative[c])
        out[f"{method}.{option}"] = {"chosen": best, "relative": relative, "table": table}
    print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
