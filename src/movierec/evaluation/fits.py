"""Fit each of our models once per training set, and reuse the fit across evaluations.

A held-out-people split removes the same test people from training whether they then fold
in 3 picks or 80% of their liked movies, so both runs train on *identical* data (the
split's dataset name carries a digest of exactly which ratings it holds, and the saved
model records the fingerprint). Saving the fitted model next to the app's trained models
(`movierec.models.trained.model_folder`, npz + JSON, never pickle) lets the second run --
and any re-run -- load it instead of training again. The original fit time is kept beside
it, so the table still reports what fitting cost.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from movierec.data.dataset import Dataset
from movierec.models.base import Recommender

FIT_JSON = "evaluation-fit.json"


def _folder(name: str, train: Dataset) -> Path:
    from movierec.models.trained import model_folder

    return model_folder(train, name)


def load_fit(name: str, train: Dataset) -> tuple[Recommender, float] | None:
    """(model, original fit seconds) when a fit on exactly ``train`` was saved, else None."""
    from movierec.models.persist import ModelMismatchError, load_model
    from movierec.models.registry import create

    folder = _folder(name, train)
    record = folder / FIT_JSON
    if not record.is_file():
        return None
    try:
        seconds = float(json.loads(record.read_text())["fit_seconds"])
        return load_model(folder, train, expected=create(name).config), seconds
    except (ModelMismatchError, KeyError, ValueError, OSError):
        return None          # stale or damaged: fit again (and overwrite it)


def save_fit(name: str, model: Recommender, train: Dataset, seconds: float) -> None:
    """Save the fitted model and its fit time; a failure to save never fails the run."""
    from movierec.models.persist import save_model

    try:
        folder = save_model(model, _folder(name, train))
        (folder / FIT_JSON).write_text(json.dumps({"fit_seconds": seconds}))
    except (OSError, ValueError, TypeError):
        pass


def fit_model(name: str, train: Dataset, reuse: bool = True) -> tuple[Recommender, float, bool]:
    """(fitted model, fit seconds, whether a saved fit was reused) for registry ``name``."""
    from movierec.models.registry import create

    if reuse:
        found = load_fit(name, train)
        if found is not None:
            return found[0], found[1], True
    model = create(name)
    t0 = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - t0
    if reuse:
        save_fit(name, model, train, seconds)
    return model, seconds, False
