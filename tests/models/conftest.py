"""Fixtures shared by the model tests: the two-block checkerboard and its block labels."""

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
