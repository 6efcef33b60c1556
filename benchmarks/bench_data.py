"""Prepare time, load time and peak memory for each shared dataset and a 26M-rating file.

Each measurement runs in a fresh subprocess so peak RSS (ru_maxrss) belongs to that step
alone. The synthetic file has the full Kaggle ratings.csv's size (26,024,289 rows) and a
power-law shape, in the original format, with links.csv and a MovieLens movie list.

    python benchmarks/bench_data.py [--rows 26024289] [--skip-synthetic] [--data ../shared/data]
Targets (2-core machine): prepare <= 5 min and <= 8 GB peak at 26M; load <= 1 s (shared data).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import default_data_dir

FULL_KAGGLE_ROWS = 26_024_289

STEP = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
from movierec.data import load_dataset
t_import = time.perf_counter() - t0
kwargs = json.loads(sys.argv[2])
t1 = time.perf_counter()
ds = load_dataset(sys.argv[1], **kwargs)
dt = time.perf_counter() - t1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
print(json.dumps({"seconds": dt, "import_seconds": t_import, "peak_gb": peak,
                  "ratings": ds.ratings.nnz, "movies": len(ds.catalog), "users": ds.ratings.n_users}))
"""


def run_step(name: str, home: Path, **kwargs) -> dict:
    env = dict(os.environ, MOVIEREC_HOME=str(home))
    out = subprocess.run([sys.executable, "-c", STEP, name, json.dumps(kwargs)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_synthetic_kaggle(folder: Path, rows: int, n_movies: int = 45_000, n_users: int = 270_896,
                           metadata: bool = True) -> None:
    """ratings.csv + links.csv in the Kaggle layout, a MovieLens movies.csv beside it, and
    (``metadata``) movies_metadata.csv, credits.csv and keywords.csv for every movie, with
    overviews, casts and keywords of realistic length, so the content, embeddings and
    hybrid methods do their full-size work."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from movierec.synthetic import powerlaw_ratings

    folder.mkdir(parents=True, exist_ok=True)
    frame = powerlaw_ratings(rows, n_users, n_movies, seed=1)
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), folder / "ratings.csv")
    del frame
    ids = np.arange(1, n_movies + 1)
    with open(folder / "links.csv", "w", newline="") as fh:
        fh.write("movieId,imdbId,tmdbId\r\n")
        for i in ids:
            fh.write(f"{i},{1000000 + i:07d},{500000 + i}\r\n")
    lst = folder.parent / "ml-latest"
    lst.mkdir(exist_ok=True)
    genres = ["Drama", "Comedy", "Action|Thriller", "Animation|Children", "Sci-Fi", "Crime|Drama"]
    with open(lst / "movies.csv", "w") as fh:
        fh.write("movieId,title,genres\n")
        for i in ids:
            fh.write(f'{i},"Synthetic Movie {i}, The ({1920 + i % 97})",{genres[i % len(genres)]}\n')
    if metadata:
        write_synthetic_metadata(folder, n_movies)


TMDB_GENRES = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama",
               "Family", "Fantasy", "History", "Horror", "Music", "Mystery", "Romance",
               "Science Fiction", "TV Movie", "Thriller", "War", "Western", "Foreign"]


def write_synthetic_metadata(folder: Path, n_movies: int, seed: int = 2) -> None:
    """movies_metadata.csv, credits.csv, keywords.csv (Kaggle's columns and literal cells)
    for TMDb ids 500001.. : ~55-word overviews over a 6,000-word vocabulary, 2-3 genres,
    8 cast members and a director from large pools, 6 keywords -- about the real files'
    text per movie (the real credits also list whole crews, which movierec drops)."""
    import csv

    import numpy as np

    from movierec.synthetic_files import METADATA_COLUMNS

    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(6000)])
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    with open(folder / "movies_metadata.csv", "w", newline="") as meta, \
            open(folder / "credits.csv", "w", newline="") as cred, \
            open(folder / "keywords.csv", "w", newline="") as kw:
        mw, cw, kww = csv.writer(meta), csv.writer(cred), csv.writer(kw)
        mw.writerow(METADATA_COLUMNS)
        cw.writerow(["cast", "crew", "id"])
        kww.writerow(["id", "keywords"])
        for i in range(1, n_movies + 1):
            tmdb = 500000 + i
            chosen = rng.choice(len(TMDB_GENRES), size=int(rng.integers(1, 4)), replace=False)
            genres = repr([{"id": int(g), "name": TMDB_GENRES[g]} for g in chosen])
            words = " ".join(rng.choice(vocab, size=int(rng.integers(30, 80)), p=zipf))
            title = f"Synthetic Movie {i}"
            values = dict(
                adult="False", belongs_to_collection="", budget="0", genres=genres, homepage="",
                id=str(tmdb), imdb_id=f"tt{1000000 + i:07d}", original_language="en",
                original_title=title, overview=words.capitalize() + ".",
                popularity=f"{rng.pareto(1.5):.3f}", poster_path=f"/{tmdb}.jpg",
                production_companies="[]", production_countries="[]",
                release_date=f"{1920 + i % 97}-06-01", revenue="0", runtime="100.0",
                spoken_languages="[]", status="Released", tagline="", title=title,
                video="False", vote_average=f"{rng.uniform(3, 9):.1f}",
                vote_count=str(int(rng.pareto(1.0) * 10)))
            mw.writerow([values[c] for c in METADATA_COLUMNS])
            cast = [{"cast_id": j, "character": "Someone", "gender": 2, "id": int(a),
                     "name": f"Actor {a}", "order": j}
                    for j, a in enumerate(rng.integers(0, 60_000, size=8))]
            crew = [{"department": "Directing", "gender": 2, "id": 900_000 + int(d),
                     "job": "Director", "name": f"Director {d}"}
                    for d in rng.integers(0, 15_000, size=1)]
            cw.writerow([repr(cast), repr(crew), str(tmdb)])
            kww.writerow([str(tmdb), repr([{"id": int(k), "name": f"keyword {k}"}
                                           for k in rng.integers(0, 20_000, size=6)])])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_data_dir())
    ap.add_argument("--rows", type=int, default=FULL_KAGGLE_ROWS)
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="movierec-bench-") as tmp:
        home = Path(tmp) / "home"
        for name in ("the-movies-dataset", "ml-100k"):
            prep = run_step(name, home, data_dir=args.data, force=True)
            load = min((run_step(name, home, data_dir=args.data) for _ in range(3)),
                       key=lambda r: r["seconds"])
            results.append((name, prep, load))
        if not args.skip_synthetic:
            raw = Path(tmp) / "raw" / "the-movies-dataset"
            t = time.perf_counter()
            write_synthetic_kaggle(raw, args.rows)
            size = (raw / "ratings.csv").stat().st_size / 1e6
            print(f"wrote synthetic ratings.csv: {args.rows:,} rows, {size:,.0f} MB "
                  f"in {time.perf_counter() - t:.0f} s", flush=True)
            prep = run_step("the-movies-dataset-full", home, data_dir=str(raw.parent), force=True)
            load = run_step("the-movies-dataset-full", home, data_dir=str(raw.parent))
            results.append((f"synthetic {args.rows / 1e6:.1f}M ratings", prep, load))
    print(f"\n{'dataset':<28}{'ratings':>12}{'movies':>9}{'prepare s':>11}{'prep peak GB':>14}"
          f"{'load s':>9}{'load peak GB':>14}")
    for name, prep, load in results:
        print(f"{name:<28}{prep['ratings']:>12,}{prep['movies']:>9,}{prep['seconds']:>11.2f}"
              f"{prep['peak_gb']:>14.2f}{load['seconds']:>9.3f}{load['peak_gb']:>14.2f}")
    print("(load s excludes the one-off `import movierec` time of "
          f"{results[0][2]['import_seconds']:.2f} s; targets: prepare <= 300 s and <= 8 GB at 26M, "
          "load <= 1 s for the shared data)")


if __name__ == "__main__":
    main()
