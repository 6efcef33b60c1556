"""What ncf's candidate shortcut costs in quality: one network, answered exactly and with
candidates.

On the full data a request cannot run NeuMF over all 45k movies within 10 ms, so ``ncf``
ranks every movie by the network's linearisation around the average person and runs the
network on the best ``candidates`` (2,000: 4.5% of the 44.8k movies with ratings). ML-100k
has 1,682 movies, where 2,000 is every movie, so this keeps the *share*: it fits ncf once
on the training people of a held-out-people split, then answers the test people with
every movie scored by the network and with ``--share`` of the modelled movies as
candidates, and prints NDCG@10 of both (mean ± standard error, paired difference) and how
much of the exact top 10 the shortcut keeps.

    python benchmarks/bench_candidates.py [--data ../shared/data] [--dataset ml-100k]
        [--share 0.0446] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

from _shared import default_data_dir

FULL_SHARE = 2000 / 44_846        # candidates / movies with ratings on the full data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--dataset", default="ml-100k")
    ap.add_argument("--share", type=float, default=FULL_SHARE)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from movierec.data import load_dataset
    from movierec.evaluation.metrics import ndcg_at_k
    from movierec.evaluation.splitters import heldout_users
    from movierec.models.registry import create

    dataset = load_dataset(args.dataset, data_dir=args.data)
    splits = {"3 picks": heldout_users(dataset, picks=3, test_users=0.2, seed=args.seed),
              "80% fold-in": heldout_users(dataset, fold_in=0.8, test_users=0.2,
                                           seed=args.seed)}
    fitted: dict[str, object] = {}
    for label, split in splits.items():
        key = split.train.fingerprint
        if key not in fitted:
            fitted[key] = create("ncf", candidates=0).fit(split.train)
        exact = fitted[key]
        n_cand = max(10, round(args.share * len(exact._rated)))
        short = exact.with_candidates(n_cand)
        ndcg = {"exact": [], "candidates": []}
        kept = []
        for case in split.cases:
            a = exact.recommend(case.profile, k=10).items
            b = short.recommend(case.profile, k=10).items
            ndcg["exact"].append(ndcg_at_k(a, case.truth, 10))
            ndcg["candidates"].append(ndcg_at_k(b, case.truth, 10))
            kept.append(len(set(a.tolist()) & set(b.tolist())) / max(len(a), 1))
        e, c = np.array(ndcg["exact"]), np.array(ndcg["candidates"])
        d = c - e
        se = lambda v: v.std(ddof=1) / np.sqrt(len(v))   # noqa: E731
        print(f"{args.dataset} {label} ({len(e)} people; {n_cand} candidates of "
              f"{len(exact._rated)} movies): NDCG@10 exact {e.mean():.4f} ± {se(e):.4f}, "
              f"candidates {c.mean():.4f} ± {se(c):.4f}, difference {d.mean():+.4f} ± "
              f"{se(d):.4f}; exact top 10 kept {np.mean(kept):.1%} (lowest {np.min(kept):.0%})",
              flush=True)


if __name__ == "__main__":
    main()
