"""Splitters on the real ML-100k: the shipped u1..u5 folds, and the held-out people protocol."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.evaluation import splitters as s

pytestmark = pytest.mark.integration


def test_ml100k_predefined_folds_partition_the_ratings(ml100k):
    splits = s.predefined_folds(ml100k)
    assert [sp.name for sp in splits] == ["u1", "u2", "u3", "u4", "u5"]
    assert all(len(sp) == 20_000 for sp in splits)             # u<i>.test holds 20,000 ratings
    assert all(sp.train.ratings.nnz == 80_000 for sp in splits)
    n_movies = ml100k.ratings.n_movies
    keys = np.concatenate([sp.users * n_movies + sp.movies for sp in splits])
    assert len(np.unique(keys)) == ml100k.ratings.nnz == 100_000
    assert all(sp.train.ratings.n_users == 943 for sp in splits)


def test_ml100k_heldout_people(ml100k):
    split = s.heldout_users(ml100k, picks=3, test_users=100, seed=0)
    assert len(split) == 100
    test_ids = set(ml100k.ratings.user_ids[[c.user for c in split.cases]].tolist())
    assert not test_ids & set(split.train.ratings.user_ids.tolist())
    assert split.train.ratings.n_users == 943 - 100
    for case in split.cases:
        movies, values = ml100k.ratings.user_row(case.user)
        liked = set(movies[values >= 4].tolist())
        assert set(case.profile.items.tolist()) | set(case.truth.tolist()) == liked
        assert len(case.profile) == 3 and np.all(case.profile.ratings >= 4)
        assert np.all(np.diff(case.profile.timestamps) >= 0)
    folds = s.heldout_user_folds(ml100k, k=5)
    everyone = sorted(c.user for f in folds for c in f.cases)
    assert len(everyone) == len(set(everyone)) > 900          # nearly everyone likes 4+ movies
