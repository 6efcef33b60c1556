"""Prepared-dataset artifacts on disk: catalog.parquet, ratings.npz, users.parquet, manifest.json.

No pickle: arrays go to ``.npz`` (loaded with ``allow_pickle=False``), tables to parquet and
settings to JSON. The manifest records the fingerprint and the cheap signature (size,
mtime) of every source file, so a changed source is noticed on load without rehashing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from movierec.atomic import atomic_folder
from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.data.ratings import Ratings

MANIFEST = "manifest.json"
CATALOG = "catalog.parquet"
RATINGS = "ratings.npz"
USERS = "users.parquet"


def write_dataset(dataset: Dataset, folder: Path) -> Path:
    """Write atomically: a half-written artifact is never mistaken for a good one."""
    folder = Path(folder)
    with atomic_folder(folder) as tmp:
        dataset.catalog.frame.to_parquet(tmp / CATALOG, index=False)
        r = dataset.ratings
        arrays = {
            "indptr": r.matrix.indptr, "indices": r.matrix.indices, "data": r.matrix.data,
            "shape": np.asarray(r.matrix.shape, dtype=np.int64), "user_ids": r.user_ids,
        }
        if r.timestamps is not None:
            arrays["timestamps"] = r.timestamps
        if r.folds is not None:
            arrays["folds"] = r.folds
        np.savez(tmp / RATINGS, **arrays)
        if r.users is not None:
            r.users.to_parquet(tmp / USERS, index=False)
        manifest = dict(dataset.manifest, name=dataset.name, fingerprint=dataset.fingerprint)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
    return folder


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def update_manifest(folder: Path, manifest: dict) -> None:
    (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))


def read_dataset(folder: Path, manifest: dict | None = None) -> Dataset:
    """Load a prepared dataset (fast: no parsing, memory-mapped-friendly arrays)."""
    folder = Path(folder)
    manifest = manifest or read_manifest(folder)
    if manifest is None:
        raise FileNotFoundError(f"{folder} holds no prepared dataset (no {MANIFEST})")
    frame = pd.read_parquet(folder / CATALOG)
    for column in frame.columns:  # list columns come back as numpy arrays: make them lists
        if frame[column].dtype == object:
            first = frame[column].dropna()
            if len(first) and isinstance(first.iloc[0], np.ndarray):
                frame[column] = [None if v is None else v.tolist() for v in frame[column]]
    with np.load(folder / RATINGS, allow_pickle=False) as z:
        matrix = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        matrix.has_sorted_indices = True
        timestamps = z["timestamps"] if "timestamps" in z.files else None
        folds = z["folds"] if "folds" in z.files else None
        user_ids = z["user_ids"]
    users = pd.read_parquet(folder / USERS) if (folder / USERS).is_file() else None
    ratings = Ratings(matrix, user_ids, timestamps, folds, users)
    return Dataset(manifest["name"], Catalog(frame), ratings, manifest["fingerprint"], manifest)
