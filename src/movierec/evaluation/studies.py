"""The studies beside the main evaluation: groups (watch together), moods in words,
sessions replayed round by round, and movies nobody has rated yet.

``movierec evaluate --protocol groups`` / ``mood`` / ``session`` / ``cold-start`` run them
(`evaluation.groups`, `evaluation.mood`, `evaluation.sessions`, `evaluation.cold_start`);
each writes one ``result.json`` under
``MOVIEREC_HOME/evaluations/<dataset>-<study>/``, which `movierec report` reads. The report's
runs are `STANDARD_STUDIES` (with the app's default method for groups).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from movierec.data.dataset import Dataset
from movierec.paths import evaluations_dir

STUDIES = ("groups", "mood", "session", "cold-start")
STANDARD_STUDIES = (("groups", "ml-100k"), ("groups", "the-movies-dataset"),
                    ("mood", "the-movies-dataset"), ("session", "ml-100k"),
                    ("session", "the-movies-dataset"), ("cold-start", "ml-100k"),
                    ("cold-start", "the-movies-dataset"))


def folder(study: str, dataset: str, root: Path | None = None) -> Path:
    return (root or evaluations_dir()) / f"{dataset}-{study}"


def command(study: str, dataset: str) -> str:
    return f"movierec evaluate --data {dataset} --protocol {study}"


def run_study(study: str, dataset: Dataset, method: str | None = None, seed: int = 0,
              say: Callable[[str], None] | None = None) -> dict:
    """Run one study on ``dataset`` (``method``: the groups' recommender, default the app's)."""
    if study == "groups":
        from movierec.evaluation.groups import evaluate_groups
        from movierec.service.methods import DEFAULT_METHOD, parse_method

        return evaluate_groups(dataset, parse_method(method or DEFAULT_METHOD).name, seed=seed,
                               say=say)
    if study == "mood":
        from movierec.evaluation.mood import evaluate_mood

        return evaluate_mood(dataset, seed=seed, say=say)
    if study == "session":
        from movierec.evaluation.sessions import evaluate_sessions
        from movierec.service.methods import DEFAULT_METHOD, parse_method

        return evaluate_sessions(dataset, parse_method(method or DEFAULT_METHOD).name,
                                 seed=seed, say=say)
    if study == "cold-start":
        from movierec.evaluation.cold_start import evaluate_cold_start

        return evaluate_cold_start(dataset, seed=seed, say=say)
    raise ValueError(f"unknown study {study!r}; choose one of: {', '.join(STUDIES)}")


def write_study(result: dict, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    path = target / "result.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(path)
    return path


def load_study(study: str, dataset: str, root: Path | None = None) -> dict | None:
    path = folder(study, dataset, root) / "result.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
