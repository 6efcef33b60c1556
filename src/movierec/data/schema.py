"""The columns of a Catalog and of raw ratings, with their types and what "missing" means.

Every parser produces frames in this shape and `conform` enforces it, so the rest of the
code can rely on it. Missing values are explicit: ``None`` for strings and lists, ``<NA>``
for numbers -- never an empty string standing in for "unknown".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# name -> kind. kinds: int (nullable Int64), float, str (object: str or None), list (object:
# list[str] or None).
CATALOG_COLUMNS: dict[str, str] = {
    "tmdb_id": "int",          # TMDb id
    "imdb_id": "str",          # "tt0114709"
    "movielens_id": "int",     # global MovieLens movieId (ml-1m and later share these)
    "source_item_id": "int",   # the id this source's ratings use (ml-100k: its own item id)
    "title": "str",            # display title, articles in front ("The Matrix")
    "original_title": "str",   # title in the original language, when different/known
    "aka": "list",             # other known titles (MovieLens parenthesised alternates)
    "year": "int",
    "release_date": "str",     # ISO yyyy-mm-dd
    "genres": "list",          # normalised genre names (see titles.normalise_genres)
    "overview": "str",
    "tagline": "str",
    "keywords": "list",
    "cast": "list",            # top-billed, in billing order
    "director": "str",
    "writers": "list",
    "collection": "str",       # belongs_to_collection name
    "production_companies": "list",
    "production_countries": "list",
    "spoken_languages": "list",
    "language": "str",         # original_language, ISO 639-1
    "runtime": "float",
    "popularity": "float",     # TMDb popularity
    "vote_average": "float",   # TMDb vote average (0-10)
    "vote_count": "int",       # TMDb vote count
    "poster_path": "str",      # TMDb poster path ("/abc.jpg")
    "source": "str",           # where the row came from: tmdb, movielens, tmdb+movielens
}

RATING_COLUMNS: dict[str, str] = {
    "user_id": "int64",
    "item_key": "int64",       # matches the movies frame's item_key (the source's movie id)
    "rating": "float32",
    "timestamp": "int64",
}


def _clean_str(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _clean_list(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return [value] if value.strip() else None
    items = [str(v).strip() for v in value if v is not None and str(v).strip()]
    return items


def conform(frame: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return a frame with exactly the catalog columns (plus ``extra``), typed, missing explicit."""
    out = pd.DataFrame(index=frame.index)
    for name, kind in CATALOG_COLUMNS.items():
        col = frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        if kind == "int":
            out[name] = pd.to_numeric(col, errors="coerce").round().astype("Int64")
        elif kind == "float":
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif kind == "str":
            out[name] = pd.Series([_clean_str(v) for v in col], index=frame.index, dtype=object)
        elif kind == "list":
            out[name] = pd.Series([_clean_list(v) for v in col], index=frame.index, dtype=object)
        else:  # pragma: no cover - schema typo
            raise ValueError(kind)
    for name in extra:
        out[name] = frame[name]
    return out
