"""Where movierec reads raw data and where it writes everything it makes.

Raw data folders are only ever read (the shared one is read-only). Everything movierec
creates -- prepared datasets, trained models, app state, downloads -- lives under
``MOVIEREC_HOME`` (default: the per-user cache directory).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

HOME_ENV = "MOVIEREC_HOME"
DATA_ENV = "MOVIEREC_DATA"


def movierec_home() -> Path:
    """Root for artifacts, models, downloads and app state (created on demand)."""
    root = os.environ.get(HOME_ENV)
    path = Path(root).expanduser() if root else Path(user_cache_dir("movierec"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _subdir(name: str) -> Path:
    path = movierec_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def downloads_dir() -> Path:
    """Where `movierec download` puts raw files."""
    return _subdir("raw")


def prepared_dir() -> Path:
    return _subdir("prepared")


def models_dir() -> Path:
    return _subdir("models")


def tuning_root() -> Path:
    """Where `movierec tune` keeps its searches and the settings it chose, per dataset."""
    return _subdir("tuning")


def evaluations_dir() -> Path:
    """Where `movierec evaluate` writes results by default (one folder per dataset/protocol)."""
    return _subdir("evaluations")


def app_dir() -> Path:
    """App state: the feedback database, poster cache, map projections."""
    return _subdir("app")


def raw_search_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for raw datasets, in order: ``--data-dir``, ``MOVIEREC_DATA``, downloads."""
    dirs: list[Path] = []
    if data_dir:
        dirs.append(Path(data_dir).expanduser())
    env = os.environ.get(DATA_ENV)
    if env:
        dirs.extend(Path(p).expanduser() for p in env.split(os.pathsep) if p)
    dirs.append(downloads_dir())
    seen: set[Path] = set()
    unique = []
    for d in dirs:
        key = d.resolve() if d.exists() else d
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique
