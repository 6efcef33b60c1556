"""Save and load fitted models as ``state.npz`` + ``model.json`` -- never pickle.

The JSON records the model name, its config and the fingerprint of the dataset it was
trained on; loading against a dataset with another fingerprint is refused.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from movierec import __version__
from movierec.atomic import atomic_folder
from movierec.checksums import DamagedArtifactError, digests, verify
from movierec.data.dataset import Dataset
from movierec.models.base import ModelConfig, Recommender

MODEL_JSON = "model.json"
STATE_NPZ = "state.npz"


class ModelMismatchError(RuntimeError):
    """A saved model was trained on other data (or is not a model folder)."""


def pack_sparse(prefix: str, matrix: sp.spmatrix) -> dict[str, np.ndarray]:
    """A CSR matrix as plain arrays under ``prefix``, for `state()`."""
    m = sp.csr_matrix(matrix)
    return {f"{prefix}.data": m.data, f"{prefix}.indices": m.indices,
            f"{prefix}.indptr": m.indptr, f"{prefix}.shape": np.asarray(m.shape, dtype=np.int64)}


def unpack_sparse(prefix: str, state: dict[str, np.ndarray]) -> sp.csr_matrix:
    return sp.csr_matrix((state[f"{prefix}.data"], state[f"{prefix}.indices"],
                          state[f"{prefix}.indptr"]), shape=tuple(state[f"{prefix}.shape"]))


def nest(prefix: str, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Namespace a sub-model's state inside a composite model's state."""
    return {f"{prefix}/{k}": v for k, v in state.items()}


def unnest(prefix: str, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    cut = len(prefix) + 1
    return {k[cut:]: v for k, v in state.items() if k.startswith(prefix + "/")}


def save_model(model: Recommender, folder: str | os.PathLike) -> Path:
    dataset = model._need()
    folder = Path(folder)
    with atomic_folder(folder) as tmp:
        state = model.state()
        np.savez(tmp / STATE_NPZ, **state)
        meta = {"model": model.name, "config": model.config_dict(), "dataset": dataset.name,
                "fingerprint": dataset.fingerprint, "movierec_version": __version__,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "arrays": {k: list(v.shape) for k, v in state.items()},
                "files": digests(tmp, [STATE_NPZ])}
        (tmp / MODEL_JSON).write_text(json.dumps(meta, indent=2, default=str))
    return folder


def read_model_meta(folder: str | os.PathLike) -> dict:
    path = Path(folder) / MODEL_JSON
    if not path.is_file():
        raise ModelMismatchError(f"{folder} is not a saved movierec model (no {MODEL_JSON})")
    return json.loads(path.read_text())


def load_model(folder: str | os.PathLike, dataset: Dataset,
               expected: ModelConfig | None = None) -> Recommender:
    """Rebuild a saved model for ``dataset``; refuse one trained on other data.

    With ``expected`` (the settings the caller would fit with now), a model saved with other
    settings is refused too: a default changed by a newer movierec, for instance, must not
    keep serving the old behaviour from a cache.
    """
    from movierec.models.registry import model_class

    meta = read_model_meta(folder)
    if meta["fingerprint"] != dataset.fingerprint:
        raise ModelMismatchError(
            f"the model in {folder} was trained on {meta['dataset']} with fingerprint "
            f"{meta['fingerprint'][:12]}, but the data now is {dataset.name} with fingerprint "
            f"{dataset.fingerprint[:12]}; retrain it with `movierec train {meta['model']} "
            f"--data {dataset.name}`")
    cls = model_class(meta["model"])
    try:
        config = cls.Config(**_tuples(meta["config"]))
    except TypeError as err:        # a setting this version no longer has, or lacks
        raise ModelMismatchError(f"the model in {folder} was saved by another movierec version "
                                 f"({err}); retrain it with `movierec train {meta['model']}`")
    if expected is not None and config != expected:
        raise ModelMismatchError(f"the model in {folder} was saved with other settings "
                                 f"({config}, now {expected})")
    what = f"the saved {meta['model']} model"
    verify(Path(folder), meta.get("files"), what)
    try:
        with np.load(Path(folder) / STATE_NPZ, allow_pickle=False) as z:
            state = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DamagedArtifactError(f"{what} in {folder} cannot be read ({exc})") from None
    shapes = {k: list(v.shape) for k, v in state.items()}
    if shapes != meta.get("arrays", shapes):
        raise DamagedArtifactError(f"{what} in {folder}: its arrays do not have the shapes "
                                   "that were saved")
    bad = [k for k, v in state.items() if v.dtype.kind == "f" and not np.isfinite(v).all()]
    if bad:
        raise DamagedArtifactError(f"{what} in {folder}: {bad[0]} holds NaN or infinite values")
    try:
        return cls(config).restore(state, dataset)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise DamagedArtifactError(f"{what} in {folder} does not fit the data ({exc})") from None


def _tuples(config: dict) -> dict:
    """JSON turns tuples into lists; configs are frozen dataclasses that use tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
