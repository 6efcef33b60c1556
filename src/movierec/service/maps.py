"""The Explore tab's catalog map, built once per dataset and clustering and cached on disk.

The map itself is the cluster model's (`ClusterRecommender.catalog_map`); this module picks
the clustering -- the saved default ``cluster`` model when there is one (so the map matches
the cluster method's explanations), else a model with a fixed number of clusters (choosing
the count by silhouette over 45k movies takes over a minute, and ~20 colours read better
than 150) -- and keeps the result as ``.npz`` + ``.json`` (no pickle) under
``app_dir()/maps/``, keyed by the dataset fingerprint, and in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from movierec.data.dataset import Dataset
from movierec.models.cluster_map import MAP_CLUSTERS, CatalogMap, Progress
from movierec.paths import app_dir

MAP_VERSION = 2


def map_cluster_count(n_movies: int) -> int:
    """Clusters of the map's own model: the sqrt(n/2) rule of thumb, capped at `MAP_CLUSTERS`."""
    return int(min(MAP_CLUSTERS, max(2, round(np.sqrt(n_movies / 2.0)))))


def _cluster_source(dataset: Dataset) -> tuple[dict | None, str]:
    """(cluster model options, cache tag): the saved default model, else the fixed-k one."""
    from movierec.models.trained import is_saved

    if is_saved(dataset, "cluster"):
        return None, "cluster-default"
    k = map_cluster_count(len(dataset.catalog))
    return {"n_clusters": k}, f"cluster-k{k}"


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

    if model is None:
        model = load_or_train("cluster", dataset, options, progress=say)
    return model.catalog_map(max_movies, say, tag)
