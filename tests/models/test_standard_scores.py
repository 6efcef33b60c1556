"""The one per-person z-score, checked against hand-computed values."""

from __future__ import annotations

import numpy as np

from movierec.models.standard_scores import BELOW, zscores


def test_finite_scores_become_z_scores_and_the_rest_missing():
    z = zscores(np.array([1.0, 3.0, np.nan, 5.0]))
    sd = np.sqrt(8 / 3)                                 # population std of 1, 3, 5
    np.testing.assert_allclose(z[[0, 1, 3]], [-2 / sd, 0.0, 2 / sd])
    assert np.isnan(z[2])
    assert zscores(np.array([1.0, np.nan, 3.0]), missing=-np.inf)[1] == -np.inf


def test_below_ranks_unscored_movies_last_but_finite():
    z = zscores(np.array([2.0, np.inf, 4.0, np.nan]), BELOW)
    np.testing.assert_allclose(z, [-1.0, -2.0, 1.0, -2.0])
    np.testing.assert_allclose(zscores(np.array([np.nan, np.nan]), BELOW), [-1.0, -1.0])


def test_no_spread_is_no_evidence_or_no_signal():
    np.testing.assert_allclose(zscores(np.array([2.0, 2.0, np.nan]), missing=-1.0),
                               [0.0, 0.0, -1.0])
    assert np.isnan(zscores(np.array([7.0, np.nan]), no_spread=np.nan)).all()


def test_liked_popularity_counts_liked_ratings_of_the_given_people_only():
    from movierec.models.standard_scores import liked_popularity
    from movierec.synthetic import matrix_dataset

    stars = np.array([[5, 4, 0, 2],
                      [4, 0, 0, 1],
                      [5, 5, 3, 0]], dtype=np.float32)      # liked (>= 4): 3, 2, 0, 0
    z = liked_popularity(matrix_dataset(stars).ratings)
    logs = np.log1p([3.0, 2.0, 0.0, 0.0])
    np.testing.assert_allclose(z, (logs - logs.mean()) / logs.std())
    fewer = liked_popularity(matrix_dataset(stars[:1]).ratings)   # one person: 1, 1, 0, 0
    np.testing.assert_allclose(fewer, [1.0, 1.0, -1.0, -1.0])


def test_leaning_on_popularity_adds_it_to_the_z_scores_and_keeps_missing_missing():
    from movierec.models.standard_scores import lean_on_popularity

    scores = np.array([0.9, 0.1, np.nan, 0.5], dtype=np.float32)
    pop = np.array([-1.0, 2.0, 3.0, 0.0])
    assert lean_on_popularity(scores, pop, 0.0) is scores             # off: untouched
    got = lean_on_popularity(scores, pop, 0.5)
    want = zscores(scores) + 0.5 * pop
    np.testing.assert_allclose(got[[0, 1, 3]], want[[0, 1, 3]], rtol=1e-6)
    assert np.isnan(got[2])
    strong = lean_on_popularity(scores, pop, 2.0)            # z = 1.22, -1.22, nan, 0
    assert np.argmax(np.nan_to_num(strong, nan=-9)) == 1     # the popular one overtakes
