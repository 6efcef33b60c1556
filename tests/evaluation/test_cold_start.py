"""Movies nobody rated: the split's invariants, the transfer on a known case, the study."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from movierec.evaluation.cold_start import cold_split, evaluate_cold_start
from movierec.models.hybrid import cold_transfer, fuse
from movierec.synthetic import block_dataset


@pytest.mark.parametrize("seed", [0, 3])
def test_cold_movies_have_no_training_ratings_and_test_people_are_not_in_training(seed):
    data = block_dataset(seed=0)
    train, cold, cases = cold_split(data, seed)
    assert cold.any() and cases
    assert train.ratings.counts_per_movie()[cold].sum() == 0
    test_ids = {int(data.ratings.user_ids[u]) for u, _, _ in cases}
    assert test_ids.isdisjoint(int(u) for u in train.ratings.user_ids[
        np.diff(train.ratings.matrix.indptr) > 0])
    for _, profile, truth in cases:
        assert not cold[profile.items].any() and cold[truth].all()


def test_a_cold_movie_takes_the_collaborative_score_of_its_content_neighbours():
    # movies 0-2 rated; 3 is cold and looks like 0 (and a little like 1)
    vectors = sp.csr_matrix(np.array([[1.0, 0, 0], [0.6, 0.8, 0], [0, 0, 1.0], [0.96, 0.28, 0]]))
    transfer = cold_transfer(vectors, np.array([True, True, True, False]), k=2)
    assert transfer[:3].nnz == 0
    row = transfer[3].toarray().ravel()
    assert row[0] == pytest.approx(0.96) and row[1] == pytest.approx(0.8) and row[2] == 0
    cf = np.array([3.0, 1.0, -1.0, np.nan])
    content = np.array([0.0, 0.0, 0.0, 0.0]) + np.array([1, 2, 3, 4]) * 1e-3
    plain = fuse(cf, content, 1.0, 0.5)
    moved = fuse(cf, content, 1.0, 0.5, transfer)
    z = (cf[:3] - cf[:3].mean()) / cf[:3].std()
    assert plain[3] == pytest.approx(np.median(z))                  # the fill
    assert moved[3] == pytest.approx((0.96 * z[0] + 0.8 * z[1]) / (0.96 + 0.8))
    assert moved[:3] == pytest.approx(plain[:3])                     # rated movies unchanged


def test_the_study_runs_and_compares_the_hybrids_with_both_sides():
    result = evaluate_cold_start(block_dataset(seed=0))
    names = [r["model"] for r in result["rows"]]
    assert {"content", "hybrid", "hybrid (transfer)", result["best_collaborative"]} <= set(names)
    pairs = {(c["a"], c["b"]) for c in result["comparisons"]}
    assert ("hybrid (transfer)", "content") in pairs
    assert all(0.0 <= r["ndcg@10"] <= 1.0 for r in result["rows"])


def test_a_hybrid_with_transfer_saves_and_loads_the_same(tmp_path):
    from movierec.models.hybrid import HybridRecommender
    from movierec.models.persist import load_model, save_model
    from movierec.models.profile import Profile

    data = block_dataset(seed=0)
    model = HybridRecommender(cold_neighbours=3, collaborative="item_knn").fit(data)
    assert model._transfer is not None and model._transfer.nnz   # the blocks have cold movies
    save_model(model, tmp_path / "h")
    loaded = load_model(tmp_path / "h", data)
    profile = Profile.from_picks([0, 1, 2])
    np.testing.assert_allclose(loaded.score(profile), model.score(profile))
