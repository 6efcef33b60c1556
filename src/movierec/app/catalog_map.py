"""A 2-D map of the catalog, coloured by taste cluster, with a person's picks and results on it.

`build_map(dataset)` projects the best-known ``max_movies`` movies (by TMDb votes and our own
rating counts) from the cluster model's reduced content vectors to 2-D with t-SNE
(scikit-learn; UMAP instead when ``umap-learn`` is already installed). Every other movie is
placed next to its nearest mapped neighbour (cosine in the same reduced space; by genres for
movies without metadata text), so any pick or recommendation can be drawn. On The Movies
Dataset (45k movies) building takes ~8 s of CPU with a saved cluster model and ~16 s when
the map's cluster model must be fitted first (benchmarks/bench_app.py --map), so it is cached
as ``.npz`` + ``.json`` (no pickle) under ``app_dir()/maps/``, keyed by the dataset
fingerprint and the clustering used, and memoised in the process.

Clusters: those of the saved default ``cluster`` model when one exists (the map then matches
the cluster method's explanations); otherwise a ``cluster`` model with `MAP_CLUSTERS` fixed
clusters is fitted and saved (choosing the count by silhouette over the whole catalog takes
over a minute, and a map with ~20 colours reads better than one with 150).

`map_figure` draws a plotly figure: clusters as coloured points (one legend entry per
cluster when there are few; else legend entries only for the clusters of the picks and
recommendations, the rest sharing one trace), picks as stars, recommendations as numbered
diamonds. Every string from the data is HTML-escaped before plotly sees it (plotly renders
a subset of HTML in hover text, legend entries and labels).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
from sklearn.preprocessing import normalize

from movierec.data.catalog import Catalog, as_list
from movierec.data.dataset import Dataset
from movierec.paths import app_dir

MAP_VERSION = 2
MAP_CLUSTERS = 24            # at most this many clusters in the map's own cluster model
LEGEND_LIMIT = 30            # more clusters than this: no per-cluster legend entries
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


# --- building -------------------------------------------------------------------------------
def map_cluster_count(n_movies: int) -> int:
    """Clusters of the map's own model: the sqrt(n/2) rule of thumb, capped at `MAP_CLUSTERS`."""
    return int(min(MAP_CLUSTERS, max(2, round(np.sqrt(n_movies / 2.0)))))


def _cluster_source(dataset: Dataset) -> tuple[dict | None, str]:
    """(cluster model options, cache tag): the saved default model, else the fixed-k one."""
    from movierec.models.trained import model_folder

    if (model_folder(dataset, "cluster", None) / "model.json").is_file():
        return None, "cluster-default"
    k = map_cluster_count(len(dataset.catalog))
    return {"n_clusters": k}, f"cluster-k{k}"


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


def _maps_dir() -> Path:
    path = app_dir() / "maps"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stem(dataset: Dataset, tag: str, max_movies: int) -> str:
    return f"{dataset.name}-{dataset.fingerprint[:12]}-{tag}-{max_movies}-v{MAP_VERSION}"


def save_map(cmap: CatalogMap, stem: str) -> Path:
    """Write ``<stem>.npz`` and ``<stem>.json`` atomically (JSON last: it marks completeness)."""
    folder = _maps_dir()
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    npz, meta = folder / f"{stem}.npz", folder / f"{stem}.json"
    with open(npz.with_name(npz.name + suffix), "wb") as fh:
        np.savez(fh, indices=cmap.indices, xy=cmap.xy, labels=cmap.labels)
    os.replace(npz.with_name(npz.name + suffix), npz)
    record = {"dataset": cmap.dataset, "fingerprint": cmap.fingerprint, "names": cmap.names,
              "version": MAP_VERSION, **cmap.meta}
    meta.with_name(meta.name + suffix).write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(meta.with_name(meta.name + suffix), meta)
    return npz


def load_map(stem: str, dataset: Dataset) -> CatalogMap | None:
    """The cached map, or None when missing, unreadable or made from other data."""
    folder = _maps_dir()
    try:
        record = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        with np.load(folder / f"{stem}.npz", allow_pickle=False) as arrays:
            indices, xy, labels = (np.asarray(arrays[k]) for k in ("indices", "xy", "labels"))
    except (OSError, ValueError, KeyError):
        return None
    if (record.get("fingerprint") != dataset.fingerprint or record.get("version") != MAP_VERSION
            or len(labels) != len(dataset.catalog)):
        return None
    meta = {k: v for k, v in record.items()
            if k not in ("dataset", "fingerprint", "names", "version")}
    return CatalogMap(dataset.name, dataset.fingerprint, indices.astype(np.int64),
                      xy.astype(np.float32), labels.astype(np.int64), list(record["names"]), meta)


@contextmanager
def _rich_status(progress: Progress | None) -> Iterator[Progress]:
    """The caller's progress callback, or a rich spinner on stderr."""
    if progress is not None:
        yield progress
        return
    from rich.console import Console

    with Console(stderr=True).status("catalog map") as status:
        yield lambda message: status.update(f"catalog map: {message}")


_memo: dict[str, CatalogMap] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def build_map(dataset: Dataset, max_movies: int = 4000, *, model=None,
              progress: Progress | None = None, rebuild: bool = False) -> CatalogMap:
    """The catalog map of ``dataset`` (cached on disk and in memory; built when missing).

    ``model``: a fitted `ClusterRecommender` of this dataset to take clusters from (else the
    saved default cluster model, else a `MAP_CLUSTERS`-cluster model, fitted and saved).
    """
    if max_movies < 1:
        raise ValueError(f"max_movies must be at least 1, not {max_movies}")
    if model is not None:   # key by the clustering itself: same labels, same map
        digest = hashlib.sha1(np.ascontiguousarray(model.labels_, dtype=np.int64).tobytes())
        options, tag = None, f"given-{digest.hexdigest()[:10]}"
    else:
        options, tag = _cluster_source(dataset)
    stem = _stem(dataset, tag, max_movies)
    with _locks_guard:
        lock = _locks.setdefault(stem, threading.Lock())
    with lock:   # concurrent first requests build once
        if not rebuild:
            cached = _memo.get(stem) or load_map(stem, dataset)
            if cached is not None:
                _memo[stem] = cached
                return cached
        with _rich_status(progress) as say:
            cmap = _build(dataset, max_movies, model, options, tag, say)
            say("saving")
            save_map(cmap, stem)
        _memo[stem] = cmap
        return cmap


def _build(dataset: Dataset, max_movies: int, model, options: dict | None, tag: str,
           say: Progress) -> CatalogMap:
    from movierec.models.trained import load_or_train

    started = time.perf_counter()
    if model is None:
        model = load_or_train("cluster", dataset, options, progress=say)
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


# --- drawing -------------------------------------------------------------------------------
def _palette(k: int) -> list[str]:
    import plotly.colors as pc

    colours = pc.qualitative.Dark24 + pc.qualitative.Light24 + pc.qualitative.Alphabet
    return [colours[i % len(colours)] for i in range(k)]


def hover_text(catalog: Catalog, cmap: CatalogMap, movies: Sequence[int]) -> list[str]:
    """'<b>Title (year)</b><br>genres<br>cluster' per movie, every data string escaped."""
    labels = catalog.labels
    genres = catalog.frame["genres"].to_numpy(dtype=object)
    out = []
    for m in movies:
        m = int(m)
        g = ", ".join(as_list(genres[m])[:4]) or "no genres"
        out.append(f"<b>{html.escape(labels[m])}</b><br>{html.escape(g)}"
                   f"<br><i>{html.escape(cmap.name_of(m))}</i>")
    return out


_hover_memo: dict[tuple, list[str]] = {}


def _background_hover(catalog: Catalog, cmap: CatalogMap) -> list[str]:
    """Hover text of the background points, computed once per map."""
    key = (cmap.dataset, cmap.fingerprint, cmap.meta.get("clusters"), len(cmap.indices))
    if key not in _hover_memo:
        _hover_memo[key] = hover_text(catalog, cmap, cmap.indices)
    return _hover_memo[key]


def _discrete_scale(colours: list[str]) -> list[list]:
    """A plotly colorscale mapping integer ``c`` (cmin=0, cmax=k-1) to ``colours[c]``."""
    k = len(colours)
    if k == 1:
        return [[0.0, colours[0]], [1.0, colours[0]]]
    scale = []
    for c, colour in enumerate(colours):
        scale += [[c / k, colour], [(c + 1) / k, colour]]
    return scale


def _valid_movies(values: Sequence[int], n: int) -> list[int]:
    out = []
    for v in values:
        i = int(v)
        if not 0 <= i < n:
            raise ValueError(f"movie index {i} is outside the catalog (0..{n - 1})")
        if i not in out:
            out.append(i)
    return out


def featured_clusters(cmap: CatalogMap, movies: Sequence[int], limit: int = 12) -> list[int]:
    """Clusters that get their own colour and legend entry: all of them when few, else the
    clusters of ``movies`` (picks, then recommendations), else the largest ones."""
    k = len(cmap.names)
    if k <= LEGEND_LIMIT:
        return list(range(k))
    chosen = list(dict.fromkeys(int(cmap.labels[m]) for m in movies if cmap.labels[m] >= 0))
    if not chosen:
        shown = cmap.labels[cmap.indices]
        sizes = np.bincount(shown[shown >= 0], minlength=k)
        chosen = [int(c) for c in np.argsort(-sizes, kind="stable")[:10] if sizes[c] > 0]
    return chosen[:limit]


def map_figure(cmap: CatalogMap, catalog: Catalog, picks: Sequence[int] = (),
               recommended: Sequence[int] = ()):
    """A plotly figure of the map with the picks (stars) and recommendations (diamonds)."""
    import plotly.graph_objects as go

    if len(catalog) != cmap.n_movies:
        raise ValueError(f"the map covers {cmap.n_movies} movies, the catalog has {len(catalog)}")
    picks = _valid_movies(picks, cmap.n_movies)
    recommended = [m for m in _valid_movies(recommended, cmap.n_movies) if m not in picks]
    colours = _palette(len(cmap.names))
    shown = cmap.indices
    shown_labels = cmap.labels[shown]
    hover = np.asarray(_background_hover(catalog, cmap), dtype=object)
    featured = featured_clusters(cmap, picks + recommended)
    marker = dict(size=5, line=dict(width=0))
    fig = go.Figure()
    rest = np.flatnonzero(~np.isin(shown_labels, featured))
    if len(rest):   # one trace, colour = cluster id through a stepwise scale (fast to validate)
        grey = len(colours)
        others = len(set(shown_labels[rest].tolist()) - {-1})
        fig.add_trace(go.Scatter(
            x=cmap.xy[shown[rest], 0], y=cmap.xy[shown[rest], 1], mode="markers",
            name=f"{others} other clusters" if featured else f"{others} clusters",
            marker={**marker, "opacity": 0.35 if featured else 0.6,
                    "color": np.where(shown_labels[rest] >= 0, shown_labels[rest], grey),
                    "colorscale": _discrete_scale(colours + ["#b0b0b0"]),
                    "cmin": -0.5, "cmax": grey + 0.5, "showscale": False},
            hovertext=hover[rest].tolist(), hoverinfo="text"))
    for c in featured:
        rows = np.flatnonzero(shown_labels == c)
        if len(rows) == 0:
            continue
        fig.add_trace(go.Scatter(
            x=cmap.xy[shown[rows], 0], y=cmap.xy[shown[rows], 1], mode="markers",
            name=html.escape(cmap.names[c]),
            marker={**marker, "size": 6, "opacity": 0.75, "color": colours[c]},
            hovertext=hover[rows].tolist(), hoverinfo="text"))
    _add_highlights(fig, cmap, catalog, picks, recommended)
    title = f"{html.escape(cmap.dataset)}: the {len(shown):,} best-known movies by taste cluster"
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=15)), template="plotly_white",
        hovermode="closest", height=620, margin=dict(l=10, r=10, t=45, b=10), dragmode="pan",
        legend=dict(itemsizing="constant", font=dict(size=11), traceorder="reversed"),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"))
    return fig


def _add_highlights(fig, cmap: CatalogMap, catalog: Catalog, picks: list[int],
                    recommended: list[int]) -> None:
    """Recommendations as numbered diamonds, picks as labelled stars (drawn last: on top)."""
    import plotly.graph_objects as go

    def short(m: int) -> str:
        title = catalog.title(m)
        return html.escape(title if len(title) <= 24 else title[:23] + "…")

    if recommended:
        fig.add_trace(go.Scatter(
            x=cmap.xy[recommended, 0], y=cmap.xy[recommended, 1], mode="markers+text",
            name="Recommended", text=[str(r) for r in range(1, len(recommended) + 1)],
            textposition="middle right", textfont=dict(size=11, color="#1f4e79"),
            marker=dict(symbol="diamond", size=12, color="#ffd23f",
                        line=dict(width=1.5, color="#1f4e79")),
            hovertext=[f"Recommendation {r}<br>{h}" for r, h in
                       enumerate(hover_text(catalog, cmap, recommended), 1)],
            hoverinfo="text"))
    if picks:
        fig.add_trace(go.Scatter(
            x=cmap.xy[picks, 0], y=cmap.xy[picks, 1], mode="markers+text", name="Your picks",
            text=[short(m) for m in picks], textposition="bottom center",
            textfont=dict(size=12, color="#8b0000"),
            marker=dict(symbol="star", size=18, color="#e63946",
                        line=dict(width=1.5, color="white")),
            hovertext=[f"Your pick<br>{h}" for h in hover_text(catalog, cmap, picks)],
            hoverinfo="text"))
