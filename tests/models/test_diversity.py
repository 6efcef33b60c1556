"""The diversity dial: MMR over genre + keyword vectors, checked on cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from movierec.evaluation.metrics import intra_list_diversity
from movierec.models.diversity import feature_vectors, mmr


def vectors(rows: list[list[float]]) -> sp.csr_matrix:
    m = np.asarray(rows, dtype=np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return sp.csr_matrix(m)


def test_at_zero_the_list_is_the_models_own():
    items = np.array([7, 3, 9, 1, 4])
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    v = vectors([[1, 0]] * 10)
    assert mmr(items, scores, v, 3, 0.0).tolist() == [0, 1, 2]
    assert mmr(items, scores, v, 9, 0.0).tolist() == [0, 1, 2, 3, 4]


def test_a_twin_of_the_first_pick_gives_way_to_a_different_movie():
    # movie 0 and 1 are alike (both [1, 0]); movie 2 is different and scored a bit lower
    v = vectors([[1, 0], [1, 0], [0, 1]])
    items, scores = np.array([0, 1, 2]), np.array([1.0, 0.9, 0.8])
    assert mmr(items, scores, v, 3, 0.0).tolist() == [0, 1, 2]
    # value of 1: (1-d)*0.5 - d*1 ; of 2: (1-d)*0 - d*0 = 0 -> 2 wins once d > 1/3
    assert mmr(items, scores, v, 2, 0.3).tolist() == [0, 1]
    assert mmr(items, scores, v, 2, 0.4).tolist() == [0, 2]


def test_the_dial_raises_intra_list_diversity():
    rng = np.random.default_rng(0)
    v = sp.csr_matrix(rng.random((200, 8)).astype(np.float32) ** 4)
    items = np.arange(200)
    scores = np.sort(rng.random(200))[::-1]
    spread = [intra_list_diversity(items[mmr(items, scores, v, 10, d)], v)
              for d in (0.0, 0.5, 0.9)]
    assert spread[0] < spread[1] < spread[2]


def test_feature_vectors_are_unit_rows_of_genres_and_keywords():
    frame = pd.DataFrame({"title": ["a", "b", "c"], "genres": [["Drama"], ["Drama", "Crime"], []],
                          "keywords": [["heist"], None, []]})
    f = feature_vectors(_catalog(frame))
    norms = np.sqrt(np.asarray(f.multiply(f).sum(axis=1)).ravel())
    assert norms[:2] == pytest.approx([1.0, 1.0]) and norms[2] == 0
    sim = (f @ f.T).toarray()
    # a: Drama (1) + heist (0.5); b: Drama + Crime -> cos = 1 / (sqrt(1.25) * sqrt(2))
    assert sim[0, 1] == pytest.approx(1 / (np.sqrt(1.25) * np.sqrt(2)), abs=1e-6)


def _catalog(frame: pd.DataFrame):
    class Stub:   # feature_vectors reads only the frame's genres and keywords
        pass

    stub = Stub()
    stub.frame = frame
    return stub
