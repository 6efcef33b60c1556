"""Trained models on disk, one folder per (dataset fingerprint, method, options).

`load_or_train` is what the CLI and the app call: reuse a saved model made from exactly
this data and these options, otherwise fit, save and return it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from movierec.data.dataset import Dataset
from movierec.models.base import Recommender
from movierec.models.persist import ModelMismatchError, load_model, save_model
from movierec.models.registry import create
from movierec.paths import models_dir


def model_folder(dataset: Dataset, method: str, options: dict[str, Any] | None = None) -> Path:
    opts = json.dumps(options or {}, sort_keys=True, default=str)
    tag = hashlib.sha1(opts.encode()).hexdigest()[:8] if options else "default"
    return models_dir() / f"{dataset.name}-{dataset.fingerprint[:12]}" / f"{method}-{tag}"


def train(method: str, dataset: Dataset, options: dict[str, Any] | None = None,
          progress: Callable[[str], None] | None = None) -> tuple[Recommender, dict]:
    """Fit and save; returns the model and what it cost (seconds, bytes on disk)."""
    say = progress or (lambda _m: None)
    model = create(method, **(options or {}))
    say(f"training {method} on {dataset.name}")
    t0 = time.perf_counter()
    model.fit(dataset)
    seconds = time.perf_counter() - t0
    say(f"saving {method}")
    folder = save_model(model, model_folder(dataset, method, options))
    size = sum(p.stat().st_size for p in folder.iterdir())
    return model, {"fit_seconds": seconds, "bytes": size, "path": str(folder)}


def load_or_train(method: str, dataset: Dataset, options: dict[str, Any] | None = None,
                  progress: Callable[[str], None] | None = None, retrain: bool = False) -> Recommender:
    folder = model_folder(dataset, method, options)
    if folder.is_dir() and not retrain:
        try:
            if progress:
                progress(f"loading {method}")
            return load_model(folder, dataset, expected=create(method, **(options or {})).config)
        except (ModelMismatchError, KeyError, ValueError, OSError):
            shutil.rmtree(folder, ignore_errors=True)  # stale or damaged: rebuild below
    model, _ = train(method, dataset, options, progress)
    return model
