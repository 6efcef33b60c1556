"""Joining TMDb metadata and MovieLens lists into one catalog, and ratings onto it.

The Movies Dataset's ratings use MovieLens ids; its metadata uses TMDb ids; ``links.csv``
connects them. Movies the metadata lacks still get a catalog row when a MovieLens movie
list knows their title, and any TMDb keywords/credits that exist for them are attached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from movierec.data.catalog import RATING_STATS
from movierec.data.ratings import Ratings, build_ratings
from movierec.data.report import FileReport
from movierec.data.schema import CATALOG_COLUMNS, conform

# Fields TMDb files can fill in for a row that came from elsewhere.
TMDB_FIELDS = [c for c, k in CATALOG_COLUMNS.items()
               if c not in ("tmdb_id", "movielens_id", "source_item_id", "title", "aka", "genres",
                            "year", "source")]


def _is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, (list, tuple)) and len(value) == 0


def fill_missing(target: pd.DataFrame, donor: pd.DataFrame, on: str, fields: list[str]) -> pd.DataFrame:
    """Fill ``target``'s missing ``fields`` from ``donor`` rows with the same ``on`` key."""
    if donor is None or donor.empty or on not in donor.columns:
        return target
    donor = donor.dropna(subset=[on]).drop_duplicates(on).set_index(on)
    keys = target[on]
    has = keys.notna() & keys.isin(donor.index)
    if not has.any():
        return target
    out = target.copy()
    rows = np.flatnonzero(has.to_numpy())
    donor_rows = donor.loc[keys.iloc[rows].to_numpy()]
    for name in fields:
        if name not in donor.columns:
            continue
        current = out[name].to_numpy(dtype=object, copy=True)
        incoming = donor_rows[name].to_numpy(dtype=object)
        for pos, value in zip(rows, incoming):
            if _is_missing(current[pos]) and not _is_missing(value):
                current[pos] = value
        out[name] = current
    return conform(out, extra=tuple(c for c in out.columns if c not in CATALOG_COLUMNS))


def tmdb_catalog(meta: pd.DataFrame, links: pd.DataFrame, movie_list: pd.DataFrame | None,
                 rated_ids: np.ndarray, credits: pd.DataFrame, keywords: pd.DataFrame,
                 ) -> tuple[pd.DataFrame, dict[int, int], dict]:
    """One row per movie of The Movies Dataset; returns (catalog, movielens id -> row, stats)."""
    links = links.drop_duplicates("movielens_id")
    extra = pd.DataFrame({"movielens_id": np.setdiff1d(rated_ids, links["movielens_id"].to_numpy())})
    keys = pd.concat([links, extra], ignore_index=True)
    meta = meta.reset_index(drop=True)
    meta_pos = pd.Series(np.arange(len(meta)), index=meta["tmdb_id"].astype("int64"))

    in_meta = keys["tmdb_id"].notna() & keys["tmdb_id"].isin(meta_pos.index)
    first_ml = keys[in_meta].drop_duplicates("tmdb_id").set_index("tmdb_id")
    meta = meta.copy()
    ml_for_meta = meta["tmdb_id"].map(first_ml["movielens_id"])
    meta["movielens_id"] = ml_for_meta.astype("Int64")
    meta["source_item_id"] = meta["movielens_id"]
    meta.loc[meta["movielens_id"].notna(), "source"] = "tmdb+movielens"
    if meta["imdb_id"].isna().any():
        meta["imdb_id"] = meta["imdb_id"].where(meta["imdb_id"].notna(),
                                                meta["tmdb_id"].map(first_ml["imdb_id"]))

    if movie_list is not None and not movie_list.empty:
        meta["aka"] = _merge_aka(meta, movie_list)

    # Movies the metadata lacks: titles from the MovieLens movie list, one row per TMDb id.
    rest = keys[~in_meta].copy()
    titled = pd.DataFrame(columns=list(CATALOG_COLUMNS) + ["item_key"])
    n_untitled = 0
    if movie_list is not None and not movie_list.empty and len(rest):
        lst = movie_list.drop_duplicates("item_key").set_index("item_key")
        known = rest["movielens_id"].isin(lst.index)
        n_untitled = int((~known).sum())
        rest = rest[known]
        group = rest["tmdb_id"].astype("float64").fillna(-rest["movielens_id"].astype("float64"))
        rest = rest.assign(_group=group.to_numpy()).drop_duplicates("_group")
        base = lst.loc[rest["movielens_id"].to_numpy()].reset_index()
        base["tmdb_id"] = rest["tmdb_id"].to_numpy()
        base["imdb_id"] = rest["imdb_id"].to_numpy() if "imdb_id" in rest else None
        base["movielens_id"] = rest["movielens_id"].to_numpy()
        base["source_item_id"] = base["movielens_id"]
        base["source"] = "movielens"
        titled = conform(base)
    else:
        n_untitled = len(rest)

    catalog = pd.concat([conform(meta), conform(titled)], ignore_index=True)
    catalog = fill_missing(catalog, credits, "tmdb_id", ["cast", "director", "writers"])
    catalog = fill_missing(catalog, keywords, "tmdb_id", ["keywords"])
    catalog = conform(catalog).reset_index(drop=True)

    # Every MovieLens id -> its catalog row (several ids may share one TMDb movie).
    row_by_tmdb = pd.Series(np.arange(len(catalog)), index=catalog["tmdb_id"])
    row_by_tmdb = row_by_tmdb[row_by_tmdb.index.notna()]
    row_by_tmdb = row_by_tmdb[~row_by_tmdb.index.duplicated()]
    row_by_ml = pd.Series(np.arange(len(catalog)), index=catalog["movielens_id"])
    row_by_ml = row_by_ml[row_by_ml.index.notna()]
    mapping: dict[int, int] = {}
    for ml_id, tmdb_id in zip(keys["movielens_id"].to_numpy(), keys["tmdb_id"].to_numpy()):
        if tmdb_id is not pd.NA and not pd.isna(tmdb_id) and tmdb_id in row_by_tmdb.index:
            mapping[int(ml_id)] = int(row_by_tmdb[tmdb_id])
        elif ml_id in row_by_ml.index:
            mapping[int(ml_id)] = int(row_by_ml[ml_id])
    stats = {"links_without_title": n_untitled, "metadata_movies": len(meta),
             "movies_titled_from_movie_list": len(titled)}
    return catalog, mapping, stats


def _merge_aka(meta: pd.DataFrame, movie_list: pd.DataFrame) -> list:
    """TMDb rows keep the MovieLens title and alternates as aliases (e.g. Se7en a.k.a. Seven)."""
    lst = movie_list.drop_duplicates("item_key").set_index("item_key")
    out = []
    for title, aka, ml_id in zip(meta["title"], meta["aka"], meta["movielens_id"]):
        names = list(aka) if isinstance(aka, (list, tuple)) else []
        if ml_id is not None and ml_id is not pd.NA and ml_id in lst.index:
            row = lst.loc[ml_id]
            extra = [row["title"]] + (list(row["aka"]) if isinstance(row["aka"], (list, tuple)) else [])
            names += [n for n in extra if isinstance(n, str) and n != title and n not in names]
        out.append(names or None)
    return out


def attach_ratings(raw: pd.DataFrame, mapping: dict[int, int] | np.ndarray, n_movies: int,
                   file_report: FileReport, users: pd.DataFrame | None = None) -> Ratings:
    """Map item keys to movie indices, drop what can't be placed (counted), build the CSR."""
    keys = raw["item_key"].to_numpy(dtype=np.int64)
    if isinstance(mapping, dict):
        src = np.fromiter(mapping.keys(), dtype=np.int64, count=len(mapping))
        dst = np.fromiter(mapping.values(), dtype=np.int64, count=len(mapping))
    else:
        src, dst = mapping[0], mapping[1]
    order = np.argsort(src)
    src, dst = src[order], dst[order]
    pos = np.searchsorted(src, keys)
    pos = np.minimum(pos, len(src) - 1) if len(src) else pos
    found = (len(src) > 0) & (src[pos] == keys) if len(src) else np.zeros(len(keys), bool)
    n_lost = int((~found).sum())
    if n_lost:
        file_report.drop("movie has no title in the metadata or the movie list", n_lost)
    movie = dst[pos[found]]
    user_ext = raw["user_id"].to_numpy(dtype=np.int64)[found]
    values = raw["rating"].to_numpy(dtype=np.float32)[found]
    stamps = raw["timestamp"].to_numpy(dtype=np.int64)[found]
    folds = raw["fold"].to_numpy(dtype=np.int8)[found] if "fold" in raw.columns else None

    user_ids, user_idx = np.unique(user_ext, return_inverse=True)
    # Several source ids can land on one movie: keep each person's latest rating of it.
    order = np.lexsort((stamps, movie, user_idx))
    u, m = user_idx[order], movie[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (u[1:] != u[:-1]) | (m[1:] != m[:-1])
    n_dup = int((~last).sum())
    if n_dup:
        file_report.drop("duplicate rating of the same movie (merged ids; latest kept)", n_dup)
    keep = order[last]
    file_report.kept = int(len(keep))
    matrix, stamps_sorted, folds_sorted = build_ratings(
        user_idx[keep], movie[keep], values[keep], stamps[keep], len(user_ids), n_movies,
        None if folds is None else folds[keep])
    user_frame = None
    if users is not None and not users.empty:
        user_frame = (users.drop_duplicates("user_id").set_index("user_id")
                      .reindex(user_ids).reset_index())
    return Ratings(matrix, user_ids, stamps_sorted, folds_sorted, user_frame)


def add_rating_stats(catalog: pd.DataFrame, ratings: Ratings) -> pd.DataFrame:
    """Per-movie count and mean of this dataset's ratings, stored in the catalog."""
    out = catalog.copy()
    out[RATING_STATS[0]] = ratings.counts_per_movie()
    out[RATING_STATS[1]] = ratings.mean_per_movie().astype(np.float32)
    return out


def _title_key(title) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", str(title)).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


def match_by_title_year(frame: pd.DataFrame, movie_list: pd.DataFrame) -> pd.Series:
    """MovieLens ids for movies known only by title and year (ML-100k), via a movie list.

    Exact (title, year) first, then the same title a year off (release vs. festival dates);
    a title that matches several list movies is left unmatched rather than guessed.
    """
    lst = movie_list.dropna(subset=["year"])
    keys = {}
    for ml_id, title, aka, year in zip(lst["movielens_id"], lst["title"], lst["aka"], lst["year"]):
        for name in [title] + (list(aka) if isinstance(aka, (list, tuple)) else []):
            keys.setdefault((_title_key(name), int(year)), set()).add(int(ml_id))
    out = []
    for title, aka, year in zip(frame["title"], frame["aka"], frame["year"]):
        found = None
        if year is not None and year is not pd.NA and not pd.isna(year):
            names = [title] + (list(aka) if isinstance(aka, (list, tuple)) else [])
            for delta in (0, -1, 1):
                hits = set()
                for name in names:
                    hits |= keys.get((_title_key(name), int(year) + delta), set())
                if len(hits) == 1:
                    found = hits.pop()
                    break
                if hits:
                    break
        out.append(found)
    return pd.Series(out, index=frame.index, dtype="Int64")
