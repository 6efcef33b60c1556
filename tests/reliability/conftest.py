"""Builders of small, valid raw datasets in their original formats, for the tests to damage.

Each builder writes the two-block synthetic catalog (family films, crime thrillers; 44
movies, 60 people, 960 ratings) as one release's files, so a test can break exactly one
thing and check that movierec says so, or repairs it and reports it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from movierec.synthetic import block_dataset

DATA = block_dataset(seed=0)
N_RATINGS = DATA.ratings.nnz
TMDB_COLUMNS = ("adult", "belongs_to_collection", "budget", "genres", "homepage", "id",
                "imdb_id", "original_language", "original_title", "overview", "popularity",
                "poster_path", "production_companies", "production_countries", "release_date",
                "revenue", "runtime", "spoken_languages", "status", "tagline", "title", "video",
                "vote_average", "vote_count")


def rating_rows() -> list[tuple[int, int, float, int]]:
    m = DATA.ratings.matrix.tocoo()
    return [(int(u) + 1, int(j) + 1, float(r), 1_000_000_000 + k)
            for k, (u, j, r) in enumerate(zip(m.row, m.col, m.data))]


def ratings_text(sep: str = ",", header: bool = True, rows=None) -> str:
    lines = [sep.join(("userId", "movieId", "rating", "timestamp"))] if header else []
    lines += [sep.join((str(u), str(j), f"{r:g}", str(t))) for u, j, r, t in rows or rating_rows()]
    return "\n".join(lines) + "\n"


def write_ml_csv(folder: Path) -> Path:
    """ml-latest-small layout: movies.csv, ratings.csv, links.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    movies = ["movieId,title,genres"] + [
        f'{i + 1},"{row.title} ({row.year})",{"|".join(row.genres)}'
        for i, row in enumerate(DATA.catalog.frame.itertuples())]
    (folder / "movies.csv").write_text("\n".join(movies) + "\n")
    (folder / "ratings.csv").write_text(ratings_text())
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n" + "".join(
        f"{i + 1},{1000 + i:07d},{5000 + i}\n" for i in range(len(DATA.catalog))))
    return folder


def write_ml100k(folder: Path) -> Path:
    """ml-100k layout: u.data (tab), u.item (|, 19 genre flags, Latin-1), u.user."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "u.data").write_text(ratings_text("\t", header=False))
    flags = {"Animation": 3, "Family": 4, "Comedy": 5, "Crime": 6, "Drama": 8, "Thriller": 16}
    items = []
    for i, row in enumerate(DATA.catalog.frame.itertuples()):
        bits = ["0"] * 19
        for g in row.genres:
            bits[flags[g]] = "1"
        items.append(f"{i + 1}|{row.title} ({row.year})|01-Jan-{row.year}||http://x|"
                     + "|".join(bits))
    (folder / "u.item").write_bytes(("\n".join(items) + "\n").encode("latin-1"))
    (folder / "u.user").write_text("".join(f"{u}|{20 + u % 40}|{'MF'[u % 2]}|writer|0{u:04d}\n"
                                           for u in range(1, DATA.ratings.n_users + 1)))
    return folder


def metadata_frame() -> pd.DataFrame:
    rows = []
    for i, row in enumerate(DATA.catalog.frame.itertuples()):
        genres = [{"id": n, "name": g} for n, g in enumerate(row.genres)]
        rows.append({**{c: "" for c in TMDB_COLUMNS}, "adult": "False", "id": str(5000 + i),
                     "imdb_id": f"tt{1000 + i:07d}", "original_language": "en",
                     "original_title": row.title, "title": row.title, "genres": str(genres),
                     "overview": f"The story of {row.title}.", "release_date": f"{row.year}-05-01",
                     "popularity": "1.5", "runtime": "100", "video": "False",
                     "vote_average": "6.5", "vote_count": "100", "poster_path": f"/p{i}.jpg"})
    return pd.DataFrame(rows, columns=list(TMDB_COLUMNS))


def write_tmd(folder: Path) -> Path:
    """The Movies Dataset layout: ratings_small.csv, links.csv, movies_metadata.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings_small.csv").write_text(ratings_text())
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\r\n" + "".join(
        f"{i + 1},{1000 + i:07d},{5000 + i}\r\n" for i in range(len(DATA.catalog))))
    metadata_frame().to_csv(folder / "movies_metadata.csv", index=False)
    return folder


BUILDERS = {"ml-latest-small": write_ml_csv, "ml-100k": write_ml100k,
            "the-movies-dataset": write_tmd}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home and data folder of the test's own: nothing prepared, nothing found elsewhere."""
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MOVIEREC_DATA", str(tmp_path / "no-data-here"))
    return tmp_path


def prepare(name: str, source: Path):
    """``movierec prepare NAME --from SOURCE --json``: (exit code, JSON body, stderr)."""
    from movierec.cli.main import app

    result = CliRunner().invoke(app, ["prepare", name, "--from", str(source), "--json"])
    body = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, body, result.stderr


class Kit:
    """What the tests use (fixtures are the way to share helpers under importlib imports)."""

    DATA = DATA
    N_RATINGS = N_RATINGS
    write = BUILDERS
    ratings_text = staticmethod(ratings_text)
    rating_rows = staticmethod(rating_rows)
    metadata_frame = staticmethod(metadata_frame)
    prepare = staticmethod(prepare)


@pytest.fixture
def kit(home) -> Kit:
    return Kit()
