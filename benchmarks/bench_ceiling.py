"""How far above the best tuned peer can a fusion of our methods get? An upper bound.

The quality target asks our best to score 1.10x the best tuned peer's NDCG@10. This measures
the most any linear fusion of our strongest methods could reach on one split, with every
choice made in the fusion's favour: on the validation people of fold ``--fold`` (carved from
that fold's training people, as `movierec tune` carves them; no test person is read), each
method of ours and each peer is tuned there (``--trials``), our tuned methods and vae are
fitted, and the weights of their per-person z-scores are chosen **on those same people**
over a simplex grid. In-sample weights overfit, so the fused score is an optimistic ceiling,
not an estimate: if even it stays under 1.10x the tuned peer, no blend of these methods
reaches the target honestly.

    python benchmarks/bench_ceiling.py [--dataset ml-100k] [--fold-in 0.8 | --picks 3]
        [--trials 10] [--fold 1] [--step 0.25]
"""

from __future__ import annotations

import json

import numpy as np

from _shared import fold_study_parser

MEMBERS = ("ease", "graph", "user_knn", "item_knn", "als")   # tuned; vae joins at defaults
PEERS = ("peer:cornac-ease", "peer:implicit-bpr", "peer:implicit-als")


def main() -> None:
    ap = fold_study_parser(__doc__)
    ap.add_argument("--no-vae", action="store_true")
    args = ap.parse_args()

    from movierec.data import load_dataset
    from movierec.evaluation.splitters import heldout_user_folds
    from movierec.evaluation.tuning import tune, validation_split
    from movierec.models.blend import fused, simplex_grid, standardise
    from movierec.models.registry import create
    from movierec.models.validation import Case, best_of_grid

    picks = None if args.fold_in else args.picks
    dataset = load_dataset(args.dataset, data_dir=args.data)
    train = heldout_user_folds(dataset, 5, picks, args.fold_in, seed=0)[args.fold - 1].train
    split = validation_split(train, picks, args.fold_in, seed=0)
    tuned = tune(train, list(MEMBERS), list(PEERS), picks, args.fold_in, args.trials,
                 save=False)
    members = {n: create(n, seed=0, **tuned[n]["options"]).fit(split.train) for n in MEMBERS}
    if not args.no_vae:
        members["vae"] = create("vae", seed=0).fit(split.train)
    names = list(members)
    cases = []                       # as the blend's own weight search sees its people
    for case in split.cases:
        allowed = np.ones(dataset.ratings.n_movies, dtype=bool)
        allowed[case.profile.items] = False
        cases.append(Case(case.profile, case.truth, allowed))
    units = [tuple(row) for row in np.eye(len(names))]      # each method alone
    grid = simplex_grid(len(names), args.step)
    scores = best_of_grid(cases, lambda p: standardise([members[n].score(p) for n in names]),
                          fused, units + grid)
    alone = dict(zip(names, scores[:len(units)]))
    scores = scores[len(units):]
    best = int(np.argmax(scores))
    peer = max(PEERS, key=lambda p: tuned[p]["validation_ndcg@10"])
    peer_score = tuned[peer]["validation_ndcg@10"]
    protocol = f"{args.fold_in:.0%} fold-in" if args.fold_in else f"{args.picks} picks"
    out = {"dataset": args.dataset, "protocol": protocol, "fold": args.fold,
           "validation_people": len(split.cases), "trials": args.trials,
           "peers": {p: tuned[p]["validation_ndcg@10"] for p in PEERS},
           "ours_alone": {n: round(float(v), 5) for n, v in alone.items()},
           "ceiling": round(float(scores[best]), 5),
           "ceiling_weights": dict(zip(names, grid[best])),
           "best_peer": peer, "ratio_ceiling_to_peer": round(float(scores[best]) / peer_score, 4),
           "ratio_best_alone_to_peer": round(float(max(alone.values())) / peer_score, 4)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
