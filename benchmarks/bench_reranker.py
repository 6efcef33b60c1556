"""Does a learned re-ranker over our methods get further above the best tuned peer than a
linear blend does? An honest, cross-fitted estimate on training people only.

`bench_ceiling.py` bounds what a *linear* fusion of our methods' per-person z-scores can
reach. A learned re-ranker (learning to rank, the usual next step past a blend) can also
use interactions and per-movie facts a blend cannot: each member's rank, the movie's
popularity and liked share, its year and the picks' mean year, and content's z-score. This
measures it without reading a test person:

1. fold ``--fold``'s *training* people only; every method of ours and every peer is tuned on
   validation people carved from them (`movierec tune`'s own search, ``--trials`` each);
2. those training people are split again into 5 folds of people; per fold the tuned members
   are fitted on the other people, and each held-out person is folded in (3 picks or 80%)
   and gets candidates (each member's top ``--candidates``) with features;
3. cross-fitting: the re-ranker (scikit-learn's gradient-boosted trees, pointwise: is this
   candidate a liked held-out movie?) and the blend's weights (simplex grid) are chosen on
   four folds' people and scored on the fifth, so every score is out of sample;
4. each tuned peer is fitted per fold the standard way and scored on the same people.

    python benchmarks/bench_reranker.py [--dataset ml-100k] [--picks 3 | --fold-in 0.8]
        [--trials 10] [--fold 1] [--candidates 100]

Prints mean NDCG@10 of each member, the blend, the re-ranker and each peer, and the ratio and
paired t-test of the blend and the re-ranker against the best peer.
"""

from __future__ import annotations

import json

import numpy as np

from _shared import fold_study_parser

MEMBERS = ("ease", "graph", "user_knn", "item_knn", "als")   # tuned
EXTRA = ("content",)                                        # features only, at defaults
PEERS = ("peer:cornac-ease", "peer:implicit-bpr", "peer:implicit-als")
INNER_FOLDS = 5


def candidates(split, tuned: dict, top: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per held-out person of ``split``: (candidate movies, features, truth)."""
    from movierec.data.liking import LIKED_AT
    from movierec.models.blend import standardise
    from movierec.models.registry import create

    members = [create(n, seed=0, **tuned[n]["options"]).fit(split.train) for n in MEMBERS]
    members += [create(n, seed=0).fit(split.train) for n in EXTRA]
    m = split.train.ratings.matrix
    rated = np.asarray((m > 0).sum(axis=0)).ravel()
    liked_share = np.asarray((m >= LIKED_AT).sum(axis=0)).ravel() / np.maximum(1, rated)
    frame = split.train.catalog.frame
    year = (frame["year"].to_numpy(dtype=np.float64) if "year" in frame
            else np.full(m.shape[1], np.nan))
    year = np.where(np.isfinite(year), year, np.nanmedian(year) if np.isfinite(year).any()
                    else 0.0)
    out = []
    for case in split.cases:
        zs = standardise([member.score(case.profile) for member in members])
        allowed = np.ones(m.shape[1], dtype=bool)
        allowed[case.profile.items] = False
        pool, ranks = set(), []
        for z in zs[:len(MEMBERS)]:
            order = np.argsort(-np.where(allowed & np.isfinite(z), z, -np.inf), kind="stable")
            rank = np.empty(len(z))
            rank[order] = np.arange(len(z))
            ranks.append(rank)
            pool.update(order[:top].tolist())
        cand = np.array(sorted(pool), dtype=np.int64)
        features = np.column_stack(
            [np.nan_to_num(z[cand], nan=-5.0, neginf=-5.0) for z in zs]
            + [np.log1p(r[cand]) for r in ranks]
            + [np.log1p(rated[cand]), liked_share[cand], year[cand],
               np.full(len(cand), year[case.profile.items].mean())])
        out.append((cand, features, case.truth))
    return out


def ndcgs(rows, rank_by) -> np.ndarray:
    """NDCG@10 of each person's candidates ordered by ``rank_by(features)``."""
    from movierec.evaluation.metrics import ndcg_at_k

    return np.array([ndcg_at_k(cand[np.argsort(-rank_by(x), kind="stable")[:10]], truth, 10)
                     for cand, x, truth in rows])


def main() -> None:
    ap = fold_study_parser(__doc__)
    ap.add_argument("--candidates", type=int, default=100, help="each member's top movies")
    args = ap.parse_args()

    from sklearn.ensemble import HistGradientBoostingClassifier

    from movierec.data import load_dataset
    from movierec.evaluation import peers as peer_lib
    from movierec.evaluation.metrics import ndcg_at_k
    from movierec.evaluation.splitters import heldout_user_folds
    from movierec.evaluation.stats import paired_comparison
    from movierec.evaluation.tuning import tune
    from movierec.models.blend import simplex_grid

    picks = None if args.fold_in else args.picks
    dataset = load_dataset(args.dataset, data_dir=args.data)
    train = heldout_user_folds(dataset, 5, picks, args.fold_in, seed=0)[args.fold - 1].train
    tuned = tune(train, list(MEMBERS), list(PEERS), picks, args.fold_in, args.trials,
                 save=False)
    inner = heldout_user_folds(train, INNER_FOLDS, picks, args.fold_in, seed=7)
    folds = [candidates(split, tuned, args.candidates) for split in inner]
    peers = {p: [] for p in PEERS}
    for split in inner:
        for p in PEERS:
            peer = peer_lib.TOPN_PEERS[p](0, **tuned[p]["options"])
            peer.fit(split.train, [c.profile for c in split.cases], split.train_rows)
            peers[p] += [ndcg_at_k(peer.recommend(i, 10), c.truth, 10)
                         for i, c in enumerate(split.cases)]
    k = len(MEMBERS)
    grid = simplex_grid(k, args.step)
    scores = {name: [] for name in (*MEMBERS, "blend", "reranker")}
    chosen = []
    for held in range(INNER_FOLDS):
        rows = folds[held]
        rest = [row for j, f in enumerate(folds) if j != held for row in f]
        for j, name in enumerate(MEMBERS):
            scores[name].append(ndcgs(rows, lambda x, j=j: x[:, j]))
        weights = max(grid, key=lambda w: ndcgs(rest, lambda x: x[:, :k] @ np.array(w)).mean())
        chosen.append(" ".join(f"{n}={w:g}" for n, w in zip(MEMBERS, weights) if w))
        scores["blend"].append(ndcgs(rows, lambda x: x[:, :k] @ np.array(weights)))
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                               max_leaf_nodes=15, min_samples_leaf=100,
                                               random_state=0)
        model.fit(np.vstack([x for _, x, _ in rest]),
                  np.concatenate([np.isin(c, t).astype(int) for c, _, t in rest]))
        scores["reranker"].append(ndcgs(rows, lambda x: model.predict_proba(x)[:, 1]))
    ours = {name: np.concatenate(v) for name, v in scores.items()}
    theirs = {p: np.array(v) for p, v in peers.items()}
    best = max(PEERS, key=lambda p: theirs[p].mean())
    protocol = f"{args.fold_in:.0%} fold-in" if args.fold_in else f"{args.picks} picks"
    out = {"dataset": args.dataset, "protocol": protocol, "fold": args.fold,
           "people": len(theirs[best]), "trials": args.trials, "blend_weights": chosen,
           "ndcg@10": {n: round(float(v.mean()), 4) for n, v in {**ours, **theirs}.items()},
           "best_peer": best}
    for name in ("blend", "reranker", *MEMBERS):
        paired = paired_comparison(ours[name], theirs[best])
        out[f"{name}/best_peer"] = {"ratio": round(float(ours[name].mean()
                                                        / theirs[best].mean()), 4),
                                    "p": float(f"{paired.p_value:.2g}")}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
