"""Mult-VAE on tiny synthetic data: its helpers by hand, then the fitted model's behaviour."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")

from movierec.models.neural.vae import (MultVAE, VAENet, liked_mask, most_liked,  # noqa: E402
                                        split_validation)
from movierec.models.profile import Profile  # noqa: E402
from movierec.synthetic import matrix_dataset  # noqa: E402


def test_most_liked_keeps_the_top_counts_in_catalog_order():
    m = sp.csr_matrix(np.array([[5, 0, 3, 0, 1],
                                [4, 0, 3, 0, 0],
                                [0, 0, 3, 2, 0]], dtype=np.float32))
    assert most_liked(m, 3.0, 10).tolist() == [0, 2], "movies nobody liked are not modelled"
    assert most_liked(m, 3.0, 1).tolist() == [2]
    assert most_liked(m, 1.0, 10).tolist() == [0, 2, 3, 4], "never-rated movie 1 is not modelled"
    assert most_liked(m, 1.0, 3).tolist() == [0, 2, 3], "ties: lower index first"


def test_validation_split_hides_part_of_some_bags_only():
    rng = np.random.default_rng(0)
    bags = sp.csr_matrix((rng.random((40, 30)) < 0.3).astype(np.float32))
    keep, hidden, rows = split_validation(bags, 0.25, 0.2, np.random.default_rng(1))
    assert len(rows) == 40, "at least MIN_VALIDATION people (here: everyone)"
    assert (keep + hidden != bags).nnz == 0, "nothing lost or invented"
    assert keep.multiply(hidden).nnz == 0, "a hidden movie is never in the input"
    others = np.setdiff1d(np.arange(40), rows)
    assert hidden[others].nnz == 0 and (hidden[rows].sum(axis=1) >= 1).all()


def test_liked_mask_uses_ratings_feedback_and_unrated_picks():
    p = Profile.from_picks([1, 2, 3, 4], ratings=[5.0, 3.5, None, 1.0], liked=[5])
    assert liked_mask(p, 4.0).tolist() == [True, False, True, False, True]
    lukewarm = Profile([1, 2, 3], ratings=[3.5, 3.5, 2.0])
    assert liked_mask(lukewarm, 4.0).tolist() == [True, True, False], "falls back to positives"


# --- fitted on a small two-taste world -----------------------------------------------------
def two_tastes() -> np.ndarray:
    """24 people x 14 movies: people 0-11 love 0-5, people 12-23 love 6-11; 12 rated 3 by
    everyone (watched, not liked), 13 by nobody."""
    rng = np.random.default_rng(3)
    stars = np.zeros((24, 14), np.float32)
    for person in range(24):
        own = np.arange(6) + (0 if person < 12 else 6)
        stars[person, rng.choice(own, 4, replace=False)] = 5.0
        stars[person, 12] = 3.0
    return stars


@pytest.fixture(scope="module")
def model():
    return MultVAE(seed=3, hidden=32, latent=8).fit(matrix_dataset(two_tastes()))


def test_only_liked_movies_are_modelled_and_the_rest_score_nan(model):
    assert model.kept.tolist() == list(range(12)), "12 (only ever rated 3) and 13 (unrated) are not"
    scores = model.score(Profile.from_picks([0, 1, 2]))
    assert np.isnan(scores[12:]).all() and np.isfinite(scores[:12]).all()
    capped = MultVAE(seed=3, hidden=16, latent=4, max_items=11, epochs=3).fit(
        matrix_dataset(two_tastes()))
    counts = (two_tastes() >= 4).sum(axis=0)
    dropped = np.setdiff1d(np.arange(12), capped.kept)
    assert len(capped.kept) == 11 and len(dropped) == 1
    assert counts[dropped[0]] == counts[:12].min(), "the least-liked movie is cut"
    assert np.isnan(capped.score(Profile.from_picks([0, 1, 2]))[dropped[0]])


def test_recommends_the_taste_of_the_picks(model):
    for picks, own in (([0, 1, 2], range(6)), ([6, 7, 8], range(6, 12))):
        recs = model.recommend(Profile.from_picks(picks), k=3)
        assert set(recs.items.tolist()) <= set(own)


def test_dislikes_lower_their_look_alikes(model):
    loved = [0, 1, 6, 7]
    before = model.score(Profile.from_picks(loved))
    after = model.score(Profile.from_picks(loved, disliked=[8, 9]))
    assert (after[10:12] < before[10:12]).all(), "the disliked taste sinks"
    np.testing.assert_allclose(after[2:6], before[2:6], atol=0.05)


def test_explanation_names_a_pick_and_the_lift(model):
    recs = model.recommend(Profile.from_picks([0, 1, 2]), k=2)
    for reason in recs.explanations:
        assert reason.startswith("Because you liked Movie ")
        assert "likelier" in reason or "taste match" in reason


def test_training_history_is_kept_and_restored(model):
    h = model.history
    assert h.metric == "ndcg@100" and 0 <= h.best_epoch < len(h.train_loss)
    assert len(h.validation) == len(h.train_loss)
    again = MultVAE(seed=3, hidden=32, latent=8).restore(model.state(), model.dataset)
    assert again.history.validation == pytest.approx(h.validation)
    p = Profile.from_picks([6, 7, 8], disliked=[0])
    np.testing.assert_allclose(again.score(p), model.score(p), rtol=1e-6, equal_nan=True)


def test_profile_without_modelled_picks_scores_nan(model):
    assert np.isnan(model.score(Profile.from_picks([13, 12]))).all(), "nobody liked 12 or 13"


def test_bags_of_positions_score_like_the_dense_network():
    """A request's sparse first layer gives the dense network's log-probabilities."""
    torch.manual_seed(0)
    net = VAENet(30, 8, 4, 0.5).eval()
    bags = [np.array([1, 7, 20]), np.array([4]), np.zeros(0, np.int64)]
    dense = np.zeros((3, 30), np.float32)
    dense[0, [1, 7, 20]] = dense[1, 4] = 1.0
    with torch.no_grad():
        expected = net.log_probs(torch.from_numpy(dense)).numpy()
    np.testing.assert_allclose(net.bag_log_probs(bags).numpy(), expected, atol=1e-5)


def test_a_picks_lift_is_its_one_movie_bag_over_the_empty_bag(model):
    """Explanations read a pick's lift from the targets' logits and the saved
    log-normalisers: the same number as scoring the one-movie bag over every movie."""
    picks, targets = np.array([0, 3, 7]), np.array([1, 2, 5, 11])
    full = model._log_probs([np.array([p]) for p in picks]) - model._prior[None, :]
    np.testing.assert_allclose(model.lifts(picks, targets), full[:, targets], atol=1e-5)
    state = dict(model.state())
    again = MultVAE(seed=3, hidden=32, latent=8).restore(state, model.dataset)
    np.testing.assert_allclose(again._single_norms, model._single_norms)
    state.pop("single_norms")                      # a model saved before they were
    older = MultVAE(seed=3, hidden=32, latent=8).restore(state, model.dataset)
    np.testing.assert_allclose(older._single_norms, model._single_norms, atol=1e-6)
