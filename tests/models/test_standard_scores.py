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
