"""The catalog on a 2-D map: the cluster model's reduced vectors projected to the plane.

`ClusterRecommender.catalog_map` projects the best-known ``max_movies`` movies (TMDb votes
and our own rating counts) from the model's reduced content vectors to 2-D with t-SNE
(scikit-learn; UMAP instead when ``umap-learn`` is already installed). Every other movie is
placed next to its nearest mapped neighbour (cosine in the same reduced space; by genres for
movies without metadata text), so any pick or recommendation can be drawn. On The Movies
Dataset (45k movies) this takes ~8 s of CPU; `movierec.service.maps` caches the result and
the app only draws it (`movierec.app.catalog_map`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from sklearn.preprocessing import normalize

MAP_CLUSTERS = 24            # at most this many clusters in the map's own cluster model
TSNE_ITERATIONS = 400         # with angle 0.8: 10-NN cluster agreement as at 500/0.6, ~35% less CPU
TSNE_ANGLE = 0.8
SEED = 42
NO_CLUSTER = "no metadata"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CatalogMap:
    """2-D positions of a catalog's movies, and their clusters.

    ``indices``: movie indices projected by t-SNE (the points drawn as the background);
    ``xy``: (n_movies, 2) position of *every* catalog movie (others sit by a mapped
    neighbour); ``labels``: cluster per movie (-1 = none); ``names``: name per cluster.
    """

    dataset: str
    fingerprint: str
    indices: np.ndarray
    xy: np.ndarray
    labels: np.ndarray
    names: list[str]
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.xy.shape != (len(self.labels), 2):
            raise ValueError(f"xy has shape {self.xy.shape}, expected ({len(self.labels)}, 2)")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= len(self.labels)):
            raise ValueError("map indices fall outside the catalog")

    @property
    def n_movies(self) -> int:
        return len(self.labels)

    def name_of(self, movie: int) -> str:
        c = int(self.labels[int(movie)])
        return self.names[c] if 0 <= c < len(self.names) else NO_CLUSTER



# --- building ---------------------------------------------------------------------------
def select_subset(popularity: np.ndarray, valid: np.ndarray, max_movies: int) -> np.ndarray:
    """Indices of the ``max_movies`` best-known movies that have vectors (ascending)."""
    candidates = np.flatnonzero(valid)
    if len(candidates) <= max_movies:
        return candidates
    top = candidates[np.argsort(-popularity[candidates], kind="stable")[:max_movies]]
    return np.sort(top)


def project(z: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, str]:
    """(n, 2) coordinates scaled to [-1, 1] and the method used (umap or tsne)."""
    n = len(z)
    if n == 0:
        return np.zeros((0, 2), np.float32), "none"
    if n < 5:   # too few points for a neighbour embedding: the first two principal axes
        centred = z - z.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        xy = centred @ vt[:2].T if vt.shape[0] >= 2 else np.c_[centred @ vt[:1].T, np.zeros(n)]
        method = "pca"
    else:
        try:
            import umap  # type: ignore[import-not-found]  # optional, used only when installed

            xy = umap.UMAP(n_neighbors=min(15, n - 1), metric="cosine",
                           random_state=seed).fit_transform(z)
            method = "umap"
        except ImportError:
            from sklearn.manifold import TSNE
            from threadpoolctl import threadpool_limits

            perplexity = float(min(30.0, max(2.0, (n - 1) / 3.0)))
            tsne = TSNE(2, perplexity=perplexity, init="pca", max_iter=TSNE_ITERATIONS,
                        angle=TSNE_ANGLE, random_state=seed, n_jobs=1)
            # One OpenMP thread: the Barnes-Hut gradient syncs its threads 400 times, and on a
            # busy machine (a Space, a shared server) that took 3.5x the wall time and 3x the
            # CPU of a single thread (4,000 movies: 35 s vs 10 s wall measured on 2 cores).
            with threadpool_limits(1, user_api="openmp"):
                xy = tsne.fit_transform(z)
            method = "tsne"
    xy = np.asarray(xy, dtype=np.float64)
    xy -= xy.mean(axis=0)
    scale = np.abs(xy).max()
    return (xy / scale if scale > 0 else xy).astype(np.float32), method


def place_all(z: np.ndarray, valid: np.ndarray, genres, subset: np.ndarray,
              sub_xy: np.ndarray) -> np.ndarray:
    """Positions for every movie: mapped ones as projected, the rest by their nearest mapped
    neighbour (reduced vectors, else genres, else the centre) plus a small fixed jitter."""
    n = len(z)
    xy = np.zeros((n, 2), np.float32)
    if len(subset) == 0:
        return xy
    xy[subset] = sub_xy
    mapped = np.zeros(n, bool)
    mapped[subset] = True
    rest = np.flatnonzero(~mapped & valid)
    sub_z = z[subset]
    for start in range(0, len(rest), 8192):   # chunks keep the similarity block ~130 MB
        chunk = rest[start:start + 8192]
        xy[chunk] = sub_xy[np.argmax(z[chunk] @ sub_z.T, axis=1)]
    loose = np.flatnonzero(~mapped & ~valid)
    if len(loose):
        g = normalize(genres.astype(np.float32))
        sims = (g[loose] @ g[subset].T).toarray()
        has_genre = sims.max(axis=1) > 0 if sims.size else np.zeros(len(loose), bool)
        xy[loose[has_genre]] = sub_xy[np.argmax(sims[has_genre], axis=1)]
        xy[loose[~has_genre]] = sub_xy.mean(axis=0)
    others = np.flatnonzero(~mapped)
    jitter = np.random.default_rng(SEED).normal(0.0, 0.012, size=(len(others), 2))
    xy[others] += jitter.astype(np.float32)
    return xy


def layout(model, max_movies: int, say: Progress, tag: str = "") -> CatalogMap:
    """The map of a fitted `ClusterRecommender` (see `ClusterRecommender.catalog_map`)."""
    if max_movies < 1:
        raise ValueError(f"max_movies must be at least 1, not {max_movies}")
    started = time.perf_counter()
    dataset = model.dataset
    if dataset is None:
        raise ValueError("the cluster model is not fitted: fit or load it first")
    labels = np.asarray(model.labels_, dtype=np.int64)
    z = np.asarray(model.reduced_vectors(), dtype=np.float32)
    valid = labels >= 0
    catalog = dataset.catalog
    subset = select_subset(catalog.popularity(), valid, max_movies)
    say(f"projecting {len(subset):,} movies to 2-D")
    t0 = time.perf_counter()
    sub_xy, method = project(z[subset])
    projection_s = time.perf_counter() - t0
    say(f"placing the other {len(catalog) - len(subset):,} movies")
    xy = place_all(z, valid, catalog.genre_matrix, subset, sub_xy)
    meta = {"method": method, "clusters": tag, "max_movies": max_movies,
            "projection_seconds": round(projection_s, 2),
            "build_seconds": round(time.perf_counter() - started, 2),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    return CatalogMap(dataset.name, dataset.fingerprint, subset.astype(np.int64), xy, labels,
                      list(model.cluster_names()), meta)
