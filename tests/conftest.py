"""Shared test set-up: an isolated MOVIEREC_HOME, and the real data folder for integration tests.

Integration tests read ../shared/data (or MOVIEREC_DATA). Locally they skip when it is
absent; under CI (env CI set) a missing folder is a failure, never a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    env = os.environ.get("MOVIEREC_DATA")
    return Path(env).expanduser() if env else (REPO.parent / "shared" / "data")


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory):
    """Artifacts made by tests never touch the user's cache."""
    home = tmp_path_factory.mktemp("movierec-home")
    old = os.environ.get("MOVIEREC_HOME")
    os.environ["MOVIEREC_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("MOVIEREC_HOME", None)
    else:
        os.environ["MOVIEREC_HOME"] = old


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder holding the real datasets (the-movies-dataset/, ml-100k/, ...)."""
    path = shared_data_dir()
    if not (path / "ml-100k" / "u.data").is_file():
        message = f"real data not found at {path} (set MOVIEREC_DATA)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def tmdb_small(real_data):
    """The Movies Dataset (ratings_small) prepared through the real pipeline, once per session."""
    from movierec.data import load_dataset

    return load_dataset("the-movies-dataset", data_dir=real_data)


@pytest.fixture(scope="session")
def ml100k(real_data):
    from movierec.data import load_dataset

    return load_dataset("ml-100k", data_dir=real_data)
