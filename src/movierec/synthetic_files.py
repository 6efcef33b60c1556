"""Small raw datasets in the real download formats, with well-known titles, for first-run tests.

`write_movies_dataset(folder)` writes a Kaggle *The Movies Dataset* folder (the five files
movierec reads, in their original columns and Python-literal cells) and
`write_movielens_small(folder)` an ml-latest-small one, over the same 30 movies in three
taste blocks (Pixar, crime, science fiction). People love movies of one block, so the
right answer for a Pixar trio is known: the other Pixar films. Posters are TMDb-style
``poster_path`` values and every movie has an overview, cast, a director and keywords.
The tests of the first run, the Space bundle and the app's start use them in place of the
real files, which are too large to ship (and need Kaggle).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np

# (title, year, tmdb id, imdb number, genres) per taste block
MOVIES: dict[str, list[tuple[str, int, int, int, list[str]]]] = {
    "pixar": [
        ("Toy Story", 1995, 862, 114709, ["Animation", "Comedy", "Family"]),
        ("Finding Nemo", 2003, 12, 266543, ["Animation", "Family"]),
        ("Up", 2009, 14160, 1049413, ["Animation", "Comedy", "Family", "Adventure"]),
        ("Monsters, Inc.", 2001, 585, 198781, ["Animation", "Comedy", "Family"]),
        ("The Incredibles", 2004, 9806, 317705, ["Action", "Adventure", "Animation", "Family"]),
        ("Ratatouille", 2007, 2062, 382932, ["Animation", "Comedy", "Family"]),
        ("WALL·E", 2008, 10681, 910970, ["Animation", "Family"]),
        ("Toy Story 2", 1999, 863, 120363, ["Animation", "Comedy", "Family"]),
        ("Inside Out", 2015, 150540, 2096673, ["Drama", "Comedy", "Animation", "Family"]),
        ("Coco", 2017, 354912, 2380307, ["Adventure", "Comedy", "Family", "Animation"]),
    ],
    "crime": [
        ("Heat", 1995, 949, 113277, ["Action", "Crime", "Drama", "Thriller"]),
        ("Reservoir Dogs", 1992, 500, 105236, ["Crime", "Thriller"]),
        ("The Usual Suspects", 1995, 629, 114814, ["Drama", "Crime", "Thriller"]),
        ("Pulp Fiction", 1994, 680, 110912, ["Thriller", "Crime"]),
        ("Goodfellas", 1990, 769, 99685, ["Drama", "Crime"]),
        ("The Godfather", 1972, 238, 68646, ["Drama", "Crime"]),
        ("Se7en", 1995, 807, 114369, ["Crime", "Mystery", "Thriller"]),
        ("Fargo", 1996, 275, 116282, ["Crime", "Drama", "Thriller"]),
        ("Casino", 1995, 524, 112641, ["Drama", "Crime"]),
        ("The Departed", 2006, 1422, 407887, ["Drama", "Thriller", "Crime"]),
    ],
    "scifi": [
        ("Alien", 1979, 348, 78748, ["Horror", "Action", "Thriller", "Science Fiction"]),
        ("Blade Runner", 1982, 78, 83658, ["Science Fiction", "Drama", "Thriller"]),
        ("The Terminator", 1984, 218, 88247, ["Action", "Thriller", "Science Fiction"]),
        ("The Matrix", 1999, 603, 133093, ["Action", "Science Fiction"]),
        ("Aliens", 1986, 679, 90605, ["Horror", "Action", "Thriller", "Science Fiction"]),
        ("Terminator 2: Judgment Day", 1991, 280, 103064, ["Action", "Thriller", "Science Fiction"]),
        ("Gattaca", 1997, 782, 119177, ["Thriller", "Science Fiction", "Mystery"]),
        ("Total Recall", 1990, 861, 100802, ["Action", "Adventure", "Science Fiction"]),
        ("Dark City", 1998, 2666, 118929, ["Mystery", "Science Fiction", "Thriller"]),
        ("Twelve Monkeys", 1995, 63, 114746, ["Science Fiction", "Thriller", "Mystery"]),
    ],
}
BLOCK_WORDS = {
    "pixar": ("Pete Docter", ["Tom Hanks", "Tim Allen"], ["friendship", "toy", "family"],
              "A warm animated adventure about friendship, family and growing up."),
    "crime": ("Michael Mann", ["Al Pacino", "Robert De Niro"], ["heist", "police", "gangster"],
              "A tense crime story of detectives, gangsters and one last heist."),
    "scifi": ("Ridley Scott", ["Sigourney Weaver", "Harrison Ford"], ["future", "android", "space"],
              "A dark science fiction tale of androids, time and the future of humanity."),
}
METADATA_COLUMNS = (
    "adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,"
    "original_title,overview,popularity,poster_path,production_companies,production_countries,"
    "release_date,revenue,runtime,spoken_languages,status,tagline,title,video,vote_average,"
    "vote_count").split(",")


def catalog() -> list[dict]:
    """The movies: MovieLens id (1..), title, year, TMDb and IMDb ids, genres, block."""
    out = []
    for block, movies in MOVIES.items():
        for title, year, tmdb, imdb, genres in movies:
            out.append(dict(ml=len(out) + 1, title=title, year=year, tmdb=tmdb, imdb=imdb,
                            genres=genres, block=block))
    return out


def ratings(seed: int = 0, users_per_block: int = 40) -> list[tuple[int, int, float, int]]:
    """(user, MovieLens id, stars, time): each person loves 6-9 movies of one block and
    dislikes 1-2 of another."""
    rng = np.random.default_rng(seed)
    movies = catalog()
    by_block: dict[str, list[dict]] = {}
    for m in movies:
        by_block.setdefault(m["block"], []).append(m)
    rows, user = [], 0
    blocks = list(by_block)
    for b, block in enumerate(blocks):
        for _ in range(users_per_block):
            user += 1
            own = by_block[block]
            # earlier movies of a block are better known: a power-law-ish popularity
            weights = 1.0 / np.arange(1, len(own) + 1) ** 0.5
            chosen = rng.choice(len(own), size=int(rng.integers(6, 10)), replace=False,
                                p=weights / weights.sum())
            for i in chosen:
                rows.append((user, own[i]["ml"], float(rng.choice([4.0, 4.5, 5.0])),
                             900_000_000 + user * 1000 + int(i)))
            other = by_block[blocks[(b + 1) % len(blocks)]]
            for i in rng.choice(len(other), size=int(rng.integers(1, 3)), replace=False):
                rows.append((user, other[i]["ml"], float(rng.choice([1.0, 1.5, 2.0])),
                             900_000_000 + user * 1000 + 50 + int(i)))
    return rows


def _csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def movies_dataset_files(seed: int = 0) -> dict[str, str]:
    """File name -> text of a The Movies Dataset download (Kaggle's layout)."""
    movies = catalog()
    meta, credits, keywords = [], [], []
    for m in movies:
        director, cast, words, overview = BLOCK_WORDS[m["block"]]
        genres = repr([{"id": 10 + i, "name": g} for i, g in enumerate(m["genres"])])
        values = dict(
            adult="False", belongs_to_collection="", budget="1000000", genres=genres,
            homepage="", id=str(m["tmdb"]), imdb_id=f"tt{m['imdb']:07d}", original_language="en",
            original_title=m["title"], overview=f"{m['title']}: {overview}",
            popularity="12.5", poster_path=f"/{m['tmdb']}-poster.jpg",
            production_companies="[]", production_countries="[]",
            release_date=f"{m['year']}-06-01", revenue="0", runtime="100.0",
            spoken_languages="[{'iso_639_1': 'en', 'name': 'English'}]", status="Released",
            tagline="", title=m["title"], video="False", vote_average="7.5", vote_count="1000")
        meta.append([values[c] for c in METADATA_COLUMNS])
        cast_cells = [{"cast_id": i, "character": "Someone", "gender": 2, "id": 100 + i,
                       "name": name, "order": i} for i, name in enumerate(cast)]
        crew_cells = [{"department": "Directing", "gender": 2, "id": 900, "job": "Director",
                       "name": director}]
        credits.append([repr(cast_cells), repr(crew_cells), str(m["tmdb"])])
        keywords.append([str(m["tmdb"]), repr([{"id": 500 + i, "name": w}
                                               for i, w in enumerate(words)])])
    links = [[m["ml"], f"{m['imdb']:07d}", m["tmdb"]] for m in movies]
    rated = [[u, i, f"{r:.1f}", t] for u, i, r, t in ratings(seed)]
    return {
        "movies_metadata.csv": _csv(METADATA_COLUMNS, meta),
        "credits.csv": _csv(["cast", "crew", "id"], credits),
        "keywords.csv": _csv(["id", "keywords"], keywords),
        "links.csv": _csv(["movieId", "imdbId", "tmdbId"], links),
        "links_small.csv": _csv(["movieId", "imdbId", "tmdbId"], links),
        "ratings_small.csv": _csv(["userId", "movieId", "rating", "timestamp"], rated),
    }


def movielens_small_files(seed: int = 0) -> dict[str, str]:
    """File name -> text of an ml-latest-small download (GroupLens's layout)."""
    movies = catalog()
    listed = [[m["ml"], f"{m['title']} ({m['year']})", "|".join(m["genres"])] for m in movies]
    links = [[m["ml"], f"{m['imdb']:07d}", m["tmdb"]] for m in movies]
    rated = [[u, i, f"{r:.1f}", t] for u, i, r, t in ratings(seed)]
    return {
        "movies.csv": _csv(["movieId", "title", "genres"], listed),
        "links.csv": _csv(["movieId", "imdbId", "tmdbId"], links),
        "ratings.csv": _csv(["userId", "movieId", "rating", "timestamp"], rated),
        "README.txt": "Synthetic ml-latest-small-format data for movierec's tests.\n",
    }


def write_files(folder: str | Path, files: dict[str, str]) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def zip_bytes(files: dict[str, str], top: str | None = None) -> bytes:
    """A zip of ``files`` (under the folder ``top`` when given, as GroupLens zips are)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(f"{top}/{name}" if top else name, text)
    return buf.getvalue()
