"""RP3beta against the direct formula on a tiny people-movie graph."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.models.graph import RP3Beta, RP3BetaConfig
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset, matrix_dataset as make_dataset

# people x movies stars; movie 4 nobody rated.
R = np.array([[5, 3, 0, 1, 0],
              [4, 0, 0, 1, 0],
              [1, 1, 0, 5, 0],
              [0, 1, 5, 4, 0]], dtype=np.float32)


DEFAULT = RP3BetaConfig()


def direct(alpha: float, beta: float) -> np.ndarray:
    """W = (P_iu^alpha @ P_ui^alpha) / pop_j^beta over the rated movies, diagonal 0."""
    X = (R[:, :4] > 0).astype(np.float64)
    Pui = (X / X.sum(axis=1, keepdims=True)) ** alpha          # person -> movie
    Piu = (X.T / X.T.sum(axis=1, keepdims=True)) ** alpha      # movie -> person
    W = (Piu @ Pui) / X.sum(axis=0)[None, :] ** beta
    np.fill_diagonal(W, 0)
    out = np.zeros((5, 5))
    out[:4, :4] = W
    return out


@pytest.fixture(scope="module")
def tiny():
    return make_dataset(R)


@pytest.mark.parametrize("alpha,beta", [(1.0, 0.5), (0.5, 0.3), (1.0, 0.0)])
def test_weights_match_direct_formula(tiny, alpha, beta):
    model = RP3Beta(alpha=alpha, beta=beta, neighbours=10).fit(tiny)
    np.testing.assert_allclose(model.weights.toarray(), direct(alpha, beta), rtol=1e-5, atol=1e-7)


def test_one_entry_by_hand(tiny):
    # movie 2 -> person 3 (its only rater, prob 1) -> movie 3 (1 of person 3's 3 movies: 1/3);
    # movie 3 was rated by 4 people: / 4^0.5 = 2  ->  1/6
    model = RP3Beta(alpha=1.0, beta=0.5, neighbours=10).fit(tiny)
    assert model.weights[2, 3] == pytest.approx(1 / 6, rel=1e-5)


def test_top_k_per_movie_keeps_the_strongest(tiny):
    full = direct(DEFAULT.alpha, DEFAULT.beta)
    W = RP3Beta(neighbours=1).fit(tiny).weights.toarray()
    for i in range(4):
        assert np.count_nonzero(W[i]) == 1
        assert W[i].max() == pytest.approx(full[i].max(), rel=1e-5)
    many = RP3Beta(neighbours=3).fit(block_dataset(seed=0)).weights
    assert np.diff(many.indptr).max() <= 3


def test_score_is_preference_times_w(tiny):
    model = RP3Beta(neighbours=10).fit(tiny)
    profile = Profile(np.array([0, 2]), np.array([4.0, 1.0]))     # preference +0.5, -1
    W = direct(DEFAULT.alpha, DEFAULT.beta)
    scores = model.score(profile)
    np.testing.assert_allclose(scores[:4], (0.5 * W[0] - 1.0 * W[2])[:4], atol=1e-5)
    assert np.isnan(scores[4])


def test_explanation_names_the_strongest_pick(tiny):
    model = RP3Beta(neighbours=10).fit(tiny)
    recs = model.recommend(Profile.from_picks([0, 2]), k=2, min_picks=2)
    W = direct(DEFAULT.alpha, DEFAULT.beta)
    for item, why in zip(recs.items, recs.explanations):
        best = [0, 2][int(np.argmax(W[[0, 2], item]))]
        assert why.startswith(f"Because you liked Movie {best} (2000)")


def test_save_load_is_identical(tiny, tmp_path):
    model = RP3Beta().fit(tiny)
    loaded = load_model(save_model(model, tmp_path / "graph"), tiny)
    assert (loaded.weights != model.weights).nnz == 0
    profile = Profile.from_picks([0, 1, 3])
    np.testing.assert_array_equal(model.score(profile), loaded.score(profile))


def test_no_evidence_means_all_nan(tiny):
    model = RP3Beta().fit(tiny)
    assert np.isnan(model.score(Profile.from_picks([4]))).all()
