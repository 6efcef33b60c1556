"""Synthetic data where the right answer is known, for tests and benchmarks.

`block_dataset` is a checkerboard: two taste groups (animated family films, crime
thrillers) whose members love their own block and dislike the other, plus a few movies
nobody rated. Any sensible recommender must recommend within the block of the picks.
`powerlaw_ratings` makes large ratings tables of realistic (Zipf-like) shape.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import scipy.sparse as sp

from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.data.joins import add_rating_stats
from movierec.data.ratings import Ratings, build_ratings
from movierec.data.schema import conform

BLOCKS = {
    "family": dict(genres=["Animation", "Family", "Comedy"], director="Pete Docter",
                   cast=["Tom Hanks", "Tim Allen"], keywords=["toy", "friendship", "talking animals"],
                   words="a heartwarming animated adventure where toys and animals learn about friendship"),
    "crime": dict(genres=["Crime", "Thriller", "Drama"], director="Michael Mann",
                  cast=["Al Pacino", "Robert De Niro"], keywords=["heist", "detective", "police"],
                  words="a tense crime thriller where a detective hunts a professional heist crew in the city"),
}


def block_dataset(movies_per_block: int = 20, users_per_block: int = 30, cold_per_block: int = 2,
                  seed: int = 0) -> Dataset:
    """Two-block checkerboard with ``cold_per_block`` unrated movies per block at the end."""
    rng = np.random.default_rng(seed)
    rows = []
    for b, (block, spec) in enumerate(BLOCKS.items()):
        for j in range(movies_per_block + cold_per_block):
            rows.append(dict(
                title=f"{block.title()} Movie {j}", year=1980 + (j % 30) + b,
                genres=list(spec["genres"]), director=spec["director"],
                cast=list(spec["cast"]) + [f"{block} actor {j}"],
                keywords=list(spec["keywords"]) + [f"{block} theme {j % 3}"],
                overview=f"{spec['words']} (story {j}).", tmdb_id=1000 * (b + 1) + j,
                movielens_id=100 * (b + 1) + j, source_item_id=100 * (b + 1) + j,
                language="en" if j % 5 else "fr", vote_average=6.0 + (j % 4) / 2,
                vote_count=50 + 10 * j, popularity=1.0 + j, source="synthetic",
                _block=b, _cold=j >= movies_per_block))
    frame = pd.DataFrame(rows)
    blocks, cold = frame.pop("_block").to_numpy(), frame.pop("_cold").to_numpy()
    frame = conform(frame)
    users, movies, values = [], [], []
    uid = 0
    for b in range(len(BLOCKS)):
        own = np.flatnonzero((blocks == b) & ~cold)
        other = np.flatnonzero((blocks != b) & ~cold)
        for _ in range(users_per_block):
            liked = rng.choice(own, size=max(3, int(0.6 * len(own))), replace=False)
            disliked = rng.choice(other, size=max(1, len(other) // 5), replace=False)
            for m in liked:
                users.append(uid); movies.append(m); values.append(rng.choice([4.0, 4.5, 5.0]))
            for m in disliked:
                users.append(uid); movies.append(m); values.append(rng.choice([1.0, 1.5, 2.0]))
            uid += 1
    u, m = np.array(users), np.array(movies)
    stamps = 1_000_000_000 + np.arange(len(u), dtype=np.int64) * 60
    matrix, ts, _ = build_ratings(u, m, np.array(values, np.float32), stamps, uid, len(frame))
    ratings = Ratings(matrix, np.arange(1, uid + 1, dtype=np.int64), ts)
    frame = add_rating_stats(frame, ratings)
    fp = hashlib.sha256(f"block-{movies_per_block}-{users_per_block}-{cold_per_block}-{seed}".encode())
    manifest = {"blocks": blocks.tolist(), "cold": cold.tolist()}
    return Dataset("synthetic-blocks", Catalog(frame.reset_index(drop=True)), ratings,
                   fp.hexdigest(), manifest)


def matrix_dataset(matrix, name: str = "tiny") -> Dataset:
    """A Dataset whose ratings are exactly ``matrix`` (people x movies stars, 0 = unrated).

    For tests that check a model against values computed by hand on a tiny matrix.
    """
    m = sp.csr_matrix(matrix, dtype=np.float32)
    n_users, n_movies = m.shape
    frame = conform(pd.DataFrame({"title": [f"Movie {j}" for j in range(n_movies)],
                                  "year": [2000] * n_movies, "genres": [["Drama"]] * n_movies}))
    coo = m.tocoo()
    packed, stamps, _ = build_ratings(coo.row.astype(np.int64), coo.col.astype(np.int64),
                                      coo.data.astype(np.float32), np.zeros(coo.nnz, np.int64),
                                      n_users, n_movies)
    ratings = Ratings(packed, np.arange(1, n_users + 1, dtype=np.int64), stamps)
    frame = add_rating_stats(frame, ratings)
    return Dataset(name, Catalog(frame.reset_index(drop=True)), ratings, f"fp-{name}")


def powerlaw_ratings(n_ratings: int, n_users: int, n_movies: int, seed: int = 0,
                     alpha_movies: float = 0.9, user_sigma: float = 1.2) -> pd.DataFrame:
    """userId, movieId, rating, timestamp: distinct (user, movie) pairs of realistic shape.

    User activity is log-normal (a few people rate thousands, most rate tens), movie
    popularity is Zipf-like; each person rates a movie at most once, as in the real files.
    """
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, user_sigma, n_users)
    counts = np.maximum(1, np.round(activity / activity.sum() * n_ratings)).astype(np.int64)
    counts = np.minimum(counts, n_movies // 4)
    while counts.sum() != n_ratings:  # fix rounding so the total is exact
        diff = n_ratings - counts.sum()
        pick = rng.integers(0, n_users, size=abs(int(diff)))
        np.add.at(counts, pick, 1 if diff > 0 else -1)
        counts = np.clip(counts, 1, n_movies // 4)
    weights = 1.0 / np.arange(1, n_movies + 1) ** alpha_movies
    cdf = np.cumsum(weights) / weights.sum()
    movie_ids = rng.permutation(n_movies).astype(np.int64) + 1
    users = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    movies = movie_ids[np.searchsorted(cdf, rng.random(len(users)))]
    for _ in range(50):  # redraw repeated (user, movie) pairs until all are distinct
        key = users * (n_movies + 1) + movies
        order = np.argsort(key, kind="stable")
        dup = np.zeros(len(key), dtype=bool)
        dup[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not dup.any():
            break
        movies[dup] = movie_ids[np.searchsorted(cdf, rng.random(int(dup.sum())))]
    stars = rng.choice(np.arange(1, 11) / 2, size=len(users),
                       p=[.01, .02, .02, .05, .05, .15, .15, .25, .15, .15]).astype(np.float32)
    stamps = rng.integers(789_652_009, 1_501_000_000, size=len(users), dtype=np.int64)
    return pd.DataFrame({"userId": (users + 1).astype(np.int32), "movieId": movies.astype(np.int32),
                         "rating": stars, "timestamp": stamps})
