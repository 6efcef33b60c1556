"""Spark ALS against ALS fitted here, at equal settings: fit time and NDCG@10 on new people.

    python benchmarks/bench_spark_als.py [--data ml-100k] [--master local[2]] [--max-users N]

Held-out people (`heldout_users`, 3 picks, seed 0) are folded into both models by the same
closed form (`ALSRecommender.score`), so only the training differs: implicit's ALS on this
machine against `pyspark.ml.recommendation.ALS` (`movierec.models.spark_als`). Target: the
two NDCG@10 within 5% of each other. Needs the spark extra and Java 17.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from _shared import default_data_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="ml-100k")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--max-users", type=int, default=None)
    args = ap.parse_args()
    os.environ.setdefault("MOVIEREC_DATA", default_data_dir())
    from movierec.data import load_dataset
    from movierec.evaluation.metrics import ndcg_at_k
    from movierec.evaluation.splitters import heldout_users
    from movierec.models.als import ALSConfig
    from movierec.models.filters import top_k
    from movierec.models.spark_als import fit_on_spark
    from movierec.models.trained import fit

    split = heldout_users(load_dataset(args.data), picks=3, seed=0)
    cases = split.cases[:args.max_users] if args.max_users else split.cases

    def ndcg(model) -> float:
        out = []
        for case in cases:
            scores = np.nan_to_num(model.score(case.profile), nan=-np.inf)
            allowed = np.ones(len(scores), dtype=bool)
            allowed[case.profile.items] = False
            out.append(ndcg_at_k(top_k(scores, 10, allowed), case.truth, 10))
        return float(np.mean(out))

    t = time.perf_counter()
    here = fit("als", split.train, save=False).model
    here_s = time.perf_counter() - t
    t = time.perf_counter()
    spark = fit_on_spark(split.train, ALSConfig(), master=args.master)
    spark_s = time.perf_counter() - t
    a, b = ndcg(here), ndcg(spark)
    print(f"{args.data}, {len(cases)} held-out people, 3 picks, ALSConfig() "
          f"({ALSConfig().factors} factors, regularization {ALSConfig().regularization:g}, "
          f"alpha {ALSConfig().alpha:g}, {ALSConfig().iterations} iterations)")
    print(f"  ALS here (implicit):      NDCG@10 {a:.4f}   fit {here_s:6.1f} s")
    print(f"  ALS on Spark ({args.master}): NDCG@10 {b:.4f}   fit {spark_s:6.1f} s "
          "(JVM start included)")
    print(f"  Spark / here: {b / a:.3f} ({100 * (b / a - 1):+.1f}%)   target: within 5%")


if __name__ == "__main__":
    main()
