"""How long importing a long history takes on a real catalog (target: under 2 s).

    python benchmarks/bench_import.py [--data the-movies-dataset] [--rows 3000]

Writes, in memory, a Letterboxd ``ratings.csv`` and an IMDb ratings export of ``--rows``
movies drawn from the catalog (a tenth with a typo in the title, a few that exist nowhere),
then times reading and matching each, with the title index already built (as in the app).
"""

from __future__ import annotations

import argparse
import csv
import io
import time

import numpy as np

from _shared import default_data_dir


def exports(catalog, rows: int, seed: int = 0) -> dict[str, bytes]:
    rng = np.random.default_rng(seed)
    frame = catalog.frame
    known = np.flatnonzero(frame["year"].notna().to_numpy())
    chosen = rng.choice(known, size=min(rows, len(known)), replace=False)
    letterboxd, imdb = io.StringIO(), io.StringIO()
    lb, im = csv.writer(letterboxd), csv.writer(imdb)
    lb.writerow(["Date", "Name", "Year", "Letterboxd URI", "Rating"])
    im.writerow(["Const", "Your Rating", "Date Rated", "Title", "Original Title", "URL",
                 "Title Type", "IMDb Rating", "Runtime (mins)", "Year", "Genres", "Num Votes",
                 "Release Date", "Directors"])
    for n, i in enumerate(chosen):
        title, year = str(frame.at[i, "title"]), int(frame.at[i, "year"])
        if n % 10 == 0 and len(title) > 6:          # a typo: the fuzzy search's share
            title = title[:3] + title[4:]
        if n % 97 == 0:
            title = f"A Film Nobody Made {n}"
        lb.writerow(["2022-01-01", title, year, f"https://boxd.it/{n}", 0.5 + n % 10 / 2])
        imdb_id = frame.at[i, "imdb_id"] or ""
        im.writerow([imdb_id, 1 + n % 10, "2020-01-01", title, title, "", "Movie", 7, 100, year,
                     "", 1, "", ""])
    return {"letterboxd ratings.csv": letterboxd.getvalue().encode(),
            "imdb ratings.csv": imdb.getvalue().encode()}, chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="the-movies-dataset")
    ap.add_argument("--data-dir", default=default_data_dir())
    ap.add_argument("--rows", type=int, default=3000)
    args = ap.parse_args()
    from movierec.service import Service
    from movierec.service.history import match_history, read_history

    service = Service(args.data, data_dir=args.data_dir)
    t = time.perf_counter()
    service.index.search("warm up")
    print(f"{args.data}: {len(service.catalog):,} movies; title index built in "
          f"{time.perf_counter() - t:.2f} s (once, at start)")
    files, chosen = exports(service.catalog, args.rows)
    for name, data in files.items():
        t = time.perf_counter()
        found = match_history(read_history(data, name), service.catalog, service.index)
        seconds = time.perf_counter() - t
        right = sum(movie == chosen[line - 2] for line, movie in found.lines.items())
        print(f"{name}: {found.rows:,} rows read and matched in {seconds:.2f} s "
              f"({'OK' if seconds < 2 else 'over 2 s'}): {found.matched:,} matched, "
              f"{len(found.ambiguous):,} ambiguous, {len(found.unmatched):,} unmatched; "
              f"{right:,} of {found.matched:,} matched to the movie the row was made from")


if __name__ == "__main__":
    main()
