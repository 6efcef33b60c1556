"""Prepared-dataset artifacts on disk: catalog.parquet, ratings.npz, users.parquet, manifest.json.

No pickle: arrays go to ``.npz`` (loaded with ``allow_pickle=False``), tables to parquet and
settings to JSON. The manifest records the fingerprint and the cheap signature (size,
mtime, ctime, inode) of every source file, so a changed source is noticed on load without
rehashing, and the checksum of every artifact file. Loading verifies the checksums and the
schema (shapes, dtypes, index bounds, ratings on the 5-star scale, one catalog row per
movie column): a damaged artifact raises `DamagedArtifactError`, never a traceback from
deep inside numpy or a silently wrong dataset.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from movierec.atomic import atomic_folder
from movierec.checksums import DamagedArtifactError, digests, verify
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
        manifest = dict(dataset.manifest, name=dataset.name, fingerprint=dataset.fingerprint,
                        files=digests(tmp, [CATALOG, RATINGS, USERS]),
                        shape={"users": r.n_users, "movies": r.n_movies, "ratings": r.nnz})
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
    """Load a prepared dataset (fast: no parsing), once its checksums and schema hold.

    Raises `DamagedArtifactError` naming what is wrong when a file is missing, cut short,
    edited or inconsistent (the caller rebuilds it from the raw files, or says how to).
    """
    folder = Path(folder)
    manifest = manifest or read_manifest(folder)
    if manifest is None:
        raise FileNotFoundError(f"{folder} holds no prepared dataset (no {MANIFEST})")
    what = f"the prepared {manifest.get('name', 'dataset')}"
    verify(folder, manifest.get("files"), what)
    try:
        frame = pd.read_parquet(folder / CATALOG)
        with np.load(folder / RATINGS, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        users = pd.read_parquet(folder / USERS) if (folder / USERS).is_file() else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise DamagedArtifactError(f"{what} in {folder} cannot be read ({exc})") from None
    matrix = _checked_matrix(arrays, manifest, what)
    for column in frame.columns:  # list columns come back as numpy arrays: make them lists
        if frame[column].dtype == object:
            first = frame[column].dropna()
            if len(first) and isinstance(first.iloc[0], np.ndarray):
                frame[column] = [None if v is None else v.tolist() for v in frame[column]]
    if len(frame) != matrix.shape[1]:
        raise DamagedArtifactError(f"{what}: the catalog has {len(frame):,} movies but the "
                                   f"ratings have {matrix.shape[1]:,} movie columns")
    if users is not None and len(users) != matrix.shape[0]:
        raise DamagedArtifactError(f"{what}: users.parquet has {len(users):,} rows for "
                                   f"{matrix.shape[0]:,} people")
    try:
        ratings = Ratings(matrix, arrays["user_ids"], arrays.get("timestamps"),
                          arrays.get("folds"), users)
        return Dataset(manifest["name"], Catalog(frame), ratings, manifest["fingerprint"],
                       manifest)
    except (ValueError, KeyError, TypeError) as exc:
        raise DamagedArtifactError(f"{what} in {folder} is inconsistent ({exc})") from None


def _checked_matrix(z: dict[str, np.ndarray], manifest: dict, what: str) -> sp.csr_matrix:
    """The ratings CSR, once its arrays agree with each other and with the manifest."""
    missing = [k for k in ("indptr", "indices", "data", "shape", "user_ids") if k not in z]
    if missing:
        raise DamagedArtifactError(f"{what}: ratings.npz lacks {', '.join(missing)}")
    indptr, indices, data, shape = z["indptr"], z["indices"], z["data"], z["shape"]
    expected = manifest.get("shape") or {}
    problems = []
    kinds = {"indptr": "iu", "indices": "iu", "shape": "iu", "data": "f", "user_ids": "iu"}
    wrong = [k for k, kind in kinds.items() if z[k].dtype.kind not in kind or z[k].ndim != 1]
    if wrong:
        raise DamagedArtifactError(f"{what}: ratings.npz holds {wrong[0]} of the wrong type "
                                   f"({z[wrong[0]].dtype}, {z[wrong[0]].ndim}-d)")
    if shape.shape != (2,) or (expected and tuple(shape) != (expected.get("users"),
                                                             expected.get("movies"))):
        problems.append(f"shape {shape.tolist()} is not the recorded {expected}")
    elif (len(indptr) != shape[0] + 1 or indptr[0] != 0 or indptr[-1] != len(indices)
          or len(indices) != len(data) or (np.diff(indptr) < 0).any()):
        problems.append("its row pointers do not match its entries")
    elif len(indices) and (indices.min() < 0 or indices.max() >= shape[1]):
        problems.append("a movie index is outside the catalog")
    elif not np.isfinite(data).all() or (len(data) and (data.min() < 0.5 or data.max() > 5)):
        problems.append("a rating is not on the 0.5-5 star scale")
    elif len(z["user_ids"]) != shape[0]:
        problems.append("it has not one user id per row")
    for name in ("timestamps", "folds"):
        if name in z and len(z[name]) != len(data):
            problems.append(f"{name} do not align with the ratings")
    if problems:
        raise DamagedArtifactError(f"{what}: ratings.npz is damaged: {problems[0]}")
    matrix = sp.csr_matrix((data, indices, indptr), shape=tuple(int(v) for v in shape))
    matrix.has_sorted_indices = True
    return matrix
