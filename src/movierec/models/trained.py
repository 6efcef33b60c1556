"""The one trained-model cache: load a fit of exactly this data and these settings, else fit.

Every road that needs a fitted model -- `movierec recommend`, the app, `movierec train`,
`movierec evaluate` on each split, the report -- calls `fit`. A model is saved under
``MOVIEREC_HOME/models/<dataset>-<fingerprint>/<method>-<options digest>/`` as ``state.npz``
+ ``model.json`` (never pickle, see `persist`) with ``fit.json`` recording what fitting
cost. It is reused only when the dataset fingerprint *and* the settings it would be fitted
with today match (a default changed by a newer movierec refits); anything stale or damaged
is fitted again and overwritten.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from movierec.checksums import DamagedArtifactError
from movierec.data.dataset import Dataset
from movierec.models.base import Recommender
from movierec.models.persist import ModelMismatchError, load_model, save_model
from movierec.models.registry import create
from movierec.models.tuned import effective_options
from movierec.paths import models_dir

FIT_JSON = "fit.json"
Say = Callable[[str], None]


@dataclass(frozen=True)
class Fitted:
    """A fitted model and what it cost: seconds to fit (the original fit's when reused)."""

    model: Recommender
    fit_seconds: float
    reused: bool
    folder: Path | None = None     # where it is saved (None when not saved)
    bytes: int = 0                 # size on disk

    def cost(self) -> dict:
        return {"fit_seconds": self.fit_seconds, "bytes": self.bytes,
                "path": str(self.folder) if self.folder else None, "reused": self.reused}


def model_folder(dataset: Dataset, method: str, options: dict[str, Any] | None = None) -> Path:
    """Where a fit of ``method`` with ``options`` on ``dataset`` lives."""
    return folder_for(dataset.name, dataset.fingerprint, method, options)


def folder_for(name: str, fingerprint: str, method: str,
               options: dict[str, Any] | None = None) -> Path:
    """`model_folder` from a dataset's name and fingerprint alone (no data loaded)."""
    opts = json.dumps(options or {}, sort_keys=True, default=str)
    tag = hashlib.sha1(opts.encode()).hexdigest()[:8] if options else "default"
    return models_dir() / f"{name}-{fingerprint[:12]}" / f"{method}-{tag}"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def _load(method: str, dataset: Dataset, options: dict | None, folder: Path) -> Fitted | None:
    """The saved fit in ``folder`` when it matches today's data and settings, else None."""
    if not folder.is_dir():
        return None
    try:
        model = load_model(folder, dataset, expected=create(method, **(options or {})).config)
        record = folder / FIT_JSON
        seconds = (float(json.loads(record.read_text())["fit_seconds"]) if record.is_file()
                   else math.nan)
    except DamagedArtifactError as exc:
        print(f"movierec: {exc}: fitting it again", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    except (ModelMismatchError, KeyError, ValueError, OSError):
        shutil.rmtree(folder, ignore_errors=True)   # stale (other settings): fitted again below
        return None
    return Fitted(model, seconds, True, folder, _size(folder))


def fit(method: str, dataset: Dataset, options: dict[str, Any] | None = None, *,
        reuse: bool = True, save: bool = True, progress: Say | None = None) -> Fitted:
    """``method`` fitted on ``dataset``: the saved fit when ``reuse`` and it matches, else a
    new fit (saved when ``save``; a failure to save never fails the fit). With no
    ``options``, the settings `movierec tune` chose for exactly this data are used
    (`models.tuned`), else the method's defaults."""
    say = progress or (lambda _m: None)
    options = effective_options(dataset.name, dataset.fingerprint, method, options)
    folder = model_folder(dataset, method, options)
    if reuse:
        say(f"loading {method}")
        found = _load(method, dataset, options, folder)
        if found is not None:
            return found
    model = create(method, **(options or {}))
    say(f"training {method} on {dataset.name}")
    t0 = time.perf_counter()
    model.fit(dataset)
    seconds = time.perf_counter() - t0
    if not save:
        return Fitted(model, seconds, False)
    say(f"saving {method}")
    return store(model, dataset, method, options, seconds)


def store(model: Recommender, dataset: Dataset, method: str, options: dict[str, Any] | None,
          seconds: float, **facts: Any) -> Fitted:
    """Save a model fitted elsewhere (e.g. on Spark) where `fit` looks for it; ``facts``
    (engine, master) go into fit.json. A failure to save never fails the fit."""
    folder = model_folder(dataset, method, options)
    try:
        save_model(model, folder)
        (folder / FIT_JSON).write_text(json.dumps({"fit_seconds": seconds, **facts}))
    except (OSError, ValueError, TypeError):
        return Fitted(model, seconds, False)
    return Fitted(model, seconds, False, folder, _size(folder))


def load_or_train(method: str, dataset: Dataset, options: dict[str, Any] | None = None,
                  progress: Say | None = None, retrain: bool = False) -> Recommender:
    """The fitted model only (see `fit`); ``retrain`` ignores a saved fit."""
    return fit(method, dataset, options, reuse=not retrain, progress=progress).model


def is_saved(dataset: Dataset, method: str, options: dict[str, Any] | None = None) -> bool:
    """True when a fit is on disk for this data and options (loading it needs no training)."""
    options = effective_options(dataset.name, dataset.fingerprint, method, options)
    return (model_folder(dataset, method, options) / "model.json").is_file()
