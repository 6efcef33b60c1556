"""The datasets movierec knows: their names, files, formats and where to find them.

A source is looked up as a folder named after it (or its zip) in ``--data-dir``, then
``MOVIEREC_DATA``, then the downloads folder; ``--from PATH`` (folder or zip) overrides.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from movierec.paths import raw_search_dirs
from movierec.data.rawfiles import MissingFileError, RawSource

DEFAULT_SOURCE = "the-movies-dataset"
KAGGLE_HANDLE = "rounakbanik/the-movies-dataset"     # The Movies Dataset on Kaggle
KAGGLE_PAGE = "https://www.kaggle.com/datasets/rounakbanik/the-movies-dataset"


@dataclass(frozen=True)
class SourceSpec:
    """One dataset: its name, its format family and the files it is made of."""

    name: str
    kind: str                      # "tmdb", "ml-100k", "ml-dat", "ml-csv"
    ratings_file: str
    required: tuple[str, ...]      # files without which prepare cannot work
    optional: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()  # folder/zip names it is found under
    url: str | None = None         # original public location of the zip
    description: str = ""

    @property
    def files(self) -> tuple[str, ...]:
        return self.required + self.optional

    def how_to_get(self) -> str:
        if self.kind == "tmdb":
            return (
                f"Download it with `movierec download {self.name}` (Kaggle: "
                "rounakbanik/the-movies-dataset, needs internet and Kaggle access) or from "
                "https://www.kaggle.com/datasets/rounakbanik/the-movies-dataset, then point at the "
                "folder or zip with `--from PATH`, `--data-dir DIR` or MOVIEREC_DATA."
            )
        return (
            f"Download it with `movierec download {self.name}` or from {self.url}, then point at "
            "the folder or zip with `--from PATH`, `--data-dir DIR` or MOVIEREC_DATA."
        )


_GL = "https://files.grouplens.org/datasets/movielens/"
_TMDB_FILES = ("movies_metadata.csv", "credits.csv", "keywords.csv", "links.csv", "links_small.csv")
_ML_CSV_OPTIONAL = ("links.csv", "tags.csv")

SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in [
        SourceSpec(
            "the-movies-dataset", "tmdb", "ratings_small.csv",
            required=("ratings_small.csv", "links.csv"),
            optional=("movies_metadata.csv", "credits.csv", "keywords.csv", "links_small.csv"),
            folders=("the-movies-dataset", "archive"),
            description="Kaggle The Movies Dataset: TMDb metadata for 45k movies, ratings_small (100k ratings)",
        ),
        SourceSpec(
            "the-movies-dataset-full", "tmdb", "ratings.csv",
            required=("ratings.csv", "links.csv"),
            optional=("movies_metadata.csv", "credits.csv", "keywords.csv", "links_small.csv"),
            folders=("the-movies-dataset", "archive"),
            description="Kaggle The Movies Dataset with the full ratings.csv (26M ratings)",
        ),
        SourceSpec(
            "ml-100k", "ml-100k", "u.data",
            required=("u.data", "u.item"),
            optional=("u.user", "u.genre", "u.occupation")
            + tuple(f"u{i}.{p}" for i in range(1, 6) for p in ("base", "test")),
            folders=("ml-100k",), url=_GL + "ml-100k.zip",
            description="MovieLens 100K (1998): 100k ratings, 943 users, 1,682 movies, user demographics",
        ),
        SourceSpec(
            "ml-1m", "ml-dat", "ratings.dat", required=("ratings.dat", "movies.dat"),
            optional=("users.dat",), folders=("ml-1m",), url=_GL + "ml-1m.zip",
            description="MovieLens 1M (2003): 1M ratings, 6,040 users, 3,900 movies",
        ),
        SourceSpec(
            "ml-10m", "ml-dat", "ratings.dat", required=("ratings.dat", "movies.dat"),
            optional=("tags.dat",), folders=("ml-10m", "ml-10M100K"), url=_GL + "ml-10m.zip",
            description="MovieLens 10M (2009): 10M ratings, 72k users, 10k movies",
        ),
    ]
    + [
        SourceSpec(
            name, "ml-csv", "ratings.csv", required=("ratings.csv", "movies.csv"),
            optional=_ML_CSV_OPTIONAL, folders=(name,), url=_GL + f"{name}.zip", description=desc,
        )
        for name, desc in [
            ("ml-20m", "MovieLens 20M (2015): 20M ratings, 138k users, 27k movies"),
            ("ml-25m", "MovieLens 25M (2019): 25M ratings, 162k users, 62k movies"),
            ("ml-32m", "MovieLens 32M (2024): 32M ratings, 200k users, 87k movies"),
            ("ml-latest", "MovieLens latest full: ~33M ratings, 86k movies"),
            ("ml-latest-small", "MovieLens latest small: 100k ratings, 610 users, 9.7k movies"),
        ]
    ]
}

ALIASES = {
    "tmdb": "the-movies-dataset",
    "movies": "the-movies-dataset",
    "kaggle": "the-movies-dataset",
    "the-movies-dataset-small": "the-movies-dataset",
    "tmdb-full": "the-movies-dataset-full",
    "ml100k": "ml-100k",
    "ml1m": "ml-1m",
    "ml10m": "ml-10m",
    "ml-10m100k": "ml-10m",
    "ml20m": "ml-20m",
    "ml25m": "ml-25m",
    "ml32m": "ml-32m",
}


def get_spec(name: str) -> SourceSpec:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in SOURCES:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}")
    return SOURCES[key]


def locate(spec: SourceSpec, from_path: str | os.PathLike | None = None,
           data_dir: str | os.PathLike | None = None) -> RawSource:
    """Find the raw files of ``spec``; raise `MissingFileError` naming what is missing and how to get it."""
    if from_path is not None:
        raw = RawSource.open_path(from_path)
        _check_required(spec, raw)
        return raw
    tried: list[Path] = []
    for base in raw_search_dirs(data_dir):
        for folder in spec.folders:
            for candidate in (base / folder, base / f"{folder}.zip"):
                tried.append(candidate)
                if candidate.exists():
                    raw = RawSource.open_path(candidate)
                    if all(raw.has(f) for f in spec.required):
                        return raw
        # a folder given directly as the data dir
        if base.is_dir() and all((base / f).is_file() for f in spec.required):
            return RawSource.open_path(base)
    where = "\n  ".join(str(t) for t in tried)
    raise MissingFileError(
        f"Could not find the raw files of {spec.name} ({', '.join(spec.required)}).\n"
        f"Looked in:\n  {where}\n{spec.how_to_get()}"
    )


def _check_required(spec: SourceSpec, raw: RawSource) -> None:
    missing = [f for f in spec.required if not raw.has(f)]
    if missing:
        raise MissingFileError(
            f"{raw.location} does not look like {spec.name}: missing {', '.join(missing)}.\n"
            f"{spec.how_to_get()}"
        )
