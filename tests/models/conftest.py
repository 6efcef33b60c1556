"""Fixtures shared by the model tests: the two-block checkerboard and its block labels, and
Spark (pyspark and Java) for the tests that start a JVM."""

import os
import shutil

import numpy as np
import pytest

from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


@pytest.fixture(scope="module")
def blocks(data):
    """(block of each movie, True where nobody rated it)."""
    return np.array(data.manifest["blocks"]), np.array(data.manifest["cold"])


@pytest.fixture
def needs_spark():
    """Skips without pyspark or Java locally; under CI (env ``CI`` set) either missing fails."""
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append('pyspark (pip install "movierec[spark]")')
    if shutil.which("java") is None:
        missing.append("Java 17 (apt-get install openjdk-17-jre-headless)")
    if missing:
        message = f"Spark ALS needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
