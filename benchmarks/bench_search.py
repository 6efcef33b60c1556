"""TitleIndex build time and query latency on the largest shared movie list (ml-32m, 87k titles)
and on The Movies Dataset catalog.

    python benchmarks/bench_search.py [--data ../shared/data]
Targets: build well under 1 s, < 30 ms per query (2-core machine).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from _shared import default_data_dir

QUERIES = ["toy stroy", "heat 1995", "Lord of the rings fellowship", "Cité des enfants perdus",
           "the dark night", "walle", "godfather part II", "jurassic prk", "amelie", "se7en"]


def measure(label: str, frame, popularity=None) -> None:
    from movierec.search import TitleIndex

    t = time.perf_counter()
    index = TitleIndex(frame, popularity)
    build = time.perf_counter() - t
    index.search("warm up")
    times = []
    for query in QUERIES * 5:
        t = time.perf_counter()
        index.search(query)
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1e3
    print(f"{label:<34}{len(frame):>9,}{build:>10.2f}{np.percentile(ms, 50):>10.1f}"
          f"{np.percentile(ms, 95):>10.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    args = ap.parse_args()
    from movierec.data import load_dataset
    from movierec.data.movielens import read_movie_list

    print(f"{'catalog':<34}{'titles':>9}{'build s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    measure("ml-32m movies.csv", read_movie_list(Path(args.data) / "ml-32m" / "movies.csv"))
    ds = load_dataset("the-movies-dataset", data_dir=args.data)
    measure("the-movies-dataset catalog", ds.catalog.frame, ds.catalog.popularity())


if __name__ == "__main__":
    main()
