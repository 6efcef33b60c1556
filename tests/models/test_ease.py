"""EASE against the numpy closed form on tiny problems (both the movie- and people-side solve)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from movierec.models.ease import EASE, ease_weights, ease_weights_dual
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile
from movierec.synthetic import matrix_dataset as make_dataset


def closed_form(X: np.ndarray, l2: float, emphasis: float = 0.0) -> np.ndarray:
    """Steck (2019): P = (X^T X + l2 I)^-1, B = I - P diag(1/diag(P)); with emphasis (EDLAE,
    Steck 2020) the ridge is l2 I + emphasis diag(X^T X)."""
    X = np.asarray(X, dtype=np.float64)
    G = X.T @ X
    P = np.linalg.inv(G + l2 * np.eye(X.shape[1]) + emphasis * np.diag(np.diag(G)))
    return np.eye(X.shape[1]) - P / np.diag(P)[None, :]


# 4 people x 3 movies (more people than movies: the movie-side inverse is used)
STARS = np.array([[5, 4, 0],
                  [0, 3, 5],
                  [4, 0, 2],
                  [5, 5, 1]], dtype=np.float32)


def test_three_by_three_matches_numpy_closed_form():
    model = EASE(l2=1.0, weighting="binary").fit(make_dataset(STARS))
    want = closed_form(STARS > 0, 1.0)
    np.testing.assert_allclose(model.weights, want, atol=1e-6)
    assert np.all(np.diag(model.weights) == 0)
    # the same by hand for one entry: G = X^T X = [[3,2,2],[2,3,2],[2,2,3]], G + I = 2I + 2*ones
    # (a 3x3 "2I + 2J"): inverse = (I - J/4) / 2, so P_01 / P_11 = (-1/8) / (3/8) -> B_01 = 1/3
    assert model.weights[0, 1] == pytest.approx(1 / 3, rel=1e-5)


def test_rating_weighting_uses_stars_over_five():
    model = EASE(l2=0.5, weighting="rating").fit(make_dataset(STARS))
    np.testing.assert_allclose(model.weights, closed_form(STARS / 5.0, 0.5), atol=1e-6)


def test_people_side_solve_matches_when_fewer_people_than_movies():
    stars = STARS[:2]                                   # 2 people x 3 movies -> Woodbury path
    model = EASE(l2=2.0, weighting="binary").fit(make_dataset(stars))
    np.testing.assert_allclose(model.weights, closed_form(stars > 0, 2.0), atol=1e-6)
    X = sp.random(30, 80, density=0.2, random_state=1, format="csr", dtype=np.float64)
    want = closed_form(X.toarray(), 3.0)
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(ease_weights_dual(X, 3.0), want, atol=1e-5)
    np.testing.assert_allclose(ease_weights((X.T @ X).toarray(), 3.0), want, atol=1e-5)


def test_emphasis_matches_the_closed_form_on_both_sides_and_zero_is_plain_ease():
    X = sp.random(30, 80, density=0.2, random_state=2, format="csr", dtype=np.float64)
    for emphasis in (0.5, 3.0):
        want = closed_form(X.toarray(), 3.0, emphasis)
        np.fill_diagonal(want, 0)
        np.testing.assert_allclose(ease_weights_dual(X, 3.0, emphasis), want, atol=1e-5)
        np.testing.assert_allclose(ease_weights((X.T @ X).toarray(), 3.0, emphasis), want,
                                   atol=1e-5)
    plain = EASE(l2=1.0, weighting="binary").fit(make_dataset(STARS)).weights
    same = EASE(l2=1.0, weighting="binary", emphasis=0.0).fit(make_dataset(STARS)).weights
    np.testing.assert_array_equal(plain, same)
    emphasised = EASE(l2=1.0, weighting="binary", emphasis=1.0).fit(make_dataset(STARS))
    np.testing.assert_allclose(emphasised.weights, closed_form(STARS > 0, 1.0, 1.0), atol=1e-6)
    # G_jj = 3 for every movie here, so emphasis 1 is a ridge of 1 + 3: plain EASE at l2 = 4
    np.testing.assert_allclose(emphasised.weights, closed_form(STARS > 0, 4.0), atol=1e-6)


def test_negative_emphasis_is_refused():
    with pytest.raises(ValueError, match="emphasis must be 0 or more, not -1"):
        EASE(emphasis=-1.0).fit(make_dataset(STARS))


def test_score_is_x_times_b_and_unkept_movies_are_nan():
    stars = np.zeros((4, 5), np.float32)
    stars[:, :3] = STARS
    stars[3, 3] = 4.0                                   # movie 3 rated once, movie 4 never
    model = EASE(l2=1.0, weighting="binary", max_items=3).fit(make_dataset(stars))
    assert model.kept.tolist() == [0, 1, 2], "the three most-rated movies"
    np.testing.assert_allclose(model.weights, closed_form(stars[:, :3] > 0, 1.0), atol=1e-6)
    profile = Profile(np.array([0, 1]), np.array([5.0, 2.0]))      # preference +1, -0.5
    scores = model.score(profile)
    B = model.weights
    np.testing.assert_allclose(scores[:3], 1.0 * B[0] - 0.5 * B[1], atol=1e-5)
    assert np.isnan(scores[3]) and np.isnan(scores[4])


def test_explanation_by_contribution():
    model = EASE(l2=1.0, weighting="binary").fit(make_dataset(STARS))
    recs = model.recommend(Profile.from_picks([0, 1]), k=1, min_picks=2)
    assert recs.items.tolist() == [2]
    # B_02 = B_12 = 1/3 (see above): a tie, so the first pick is named
    assert model.weights[0, 2] == pytest.approx(model.weights[1, 2], rel=1e-5)
    assert recs.explanations[0].startswith("Because you liked Movie 0 (2000)")
    recs = model.recommend(Profile(np.array([0, 1]), np.array([2.0, 5.0])), k=1, min_picks=2)
    assert recs.explanations[0].startswith("Because you liked Movie 1 (2000)")


def test_save_load_is_identical(tmp_path):
    data = make_dataset(STARS)
    model = EASE(l2=1.0).fit(data)
    loaded = load_model(save_model(model, tmp_path / "ease"), data)
    np.testing.assert_array_equal(loaded.weights, model.weights)
    profile = Profile.from_picks([0, 1, 2])
    np.testing.assert_array_equal(model.score(profile), loaded.score(profile))


def test_no_modelled_pick_means_all_nan():
    stars = np.zeros((4, 5), np.float32)
    stars[:, :3] = STARS
    stars[3, 3] = 4.0
    model = EASE(l2=1.0, max_items=3).fit(make_dataset(stars))
    assert np.isnan(model.score(Profile.from_picks([3, 4]))).all()   # outside the kept set
