"""`mlp` (embedding MLP rating model) and the fold-in machinery it shares with `ncf`:
side-feature encoding, presets, exact Gauss-Newton fold-in and pick contributions on a
linear toy, fold-in behaviour on the block data, persistence of weights and history."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from movierec.data.ratings import Ratings
from movierec.models.neural.common import (fold_in, prior_precision, pull_contributions,
                                           row_gradients)
from movierec.models.neural.mlp import PRESETS, EmbeddingMLP
from movierec.models.neural.mlp_net import user_side_features
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile
from movierec.models.registry import create


def with_users(data, seed: int = 0):
    """The block data with ML-100k-like side information, one row missing everything."""
    rng = np.random.default_rng(seed)
    n = data.ratings.n_users
    users = pd.DataFrame({
        "age": pd.array(rng.integers(18, 70, n), dtype="Int64"),
        "gender": rng.choice(["M", "F"], n).astype(object),
        "occupation": rng.choice(["writer", "artist", "engineer"], n).astype(object)})
    users.loc[0, ["age", "gender", "occupation"]] = [pd.NA, None, None]
    r = data.ratings
    return data.with_ratings(Ratings(r.matrix, r.user_ids, r.timestamps, r.folds, users), "-users")


@pytest.fixture(scope="module")
def model(data):
    return EmbeddingMLP(seed=3).fit(with_users(data))


# --- side features ------------------------------------------------------------------------
def test_side_features_encode_known_and_unknown():
    users = pd.DataFrame({"age": pd.array([20, 40, None], dtype="Int64"),
                          "gender": ["M", "F", None], "occupation": ["a", "b", "a"]})
    side, unknown = user_side_features(users, 3)
    # age z-score + unknown flag, gender F/M/unknown, occupation a/b/unknown
    assert side.shape == (3, 2 + 3 + 3) and unknown.shape == (8,)
    np.testing.assert_allclose(side[:2, 0], [-1.0, 1.0], rtol=1e-6)     # (age - 30) / 10
    np.testing.assert_array_equal(side[2, :2], [0.0, 1.0])             # missing age
    np.testing.assert_array_equal(side[2, 2:5], [0, 0, 1])              # missing gender
    np.testing.assert_array_equal(side[:, 5:], [[1, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(unknown, [0, 1, 0, 0, 1, 0, 0, 1])
    empty, none = user_side_features(None, 4)
    assert empty.shape == (4, 0) and none.shape == (0,)


# --- presets and config -------------------------------------------------------------------
def test_presets_set_config_and_explicit_options_win():
    published = create("mlp", preset="published")
    for key, value in PRESETS["published"].items():
        assert getattr(published.config, key) == value
    assert not published.config.side_features and published.config.factors == 50
    tuned = create("mlp", preset="published", factors=8)
    assert tuned.config.factors == 8 and tuned.config.dropout == PRESETS["published"]["dropout"]
    with pytest.raises(ValueError, match="preset"):
        create("mlp", preset="nope")
    with pytest.raises(TypeError, match="no option"):
        create("mlp", layers=3)


# --- the shared fold-in, exactly on a linear toy ---------------------------------------------
def test_gauss_newton_fold_in_matches_ridge_closed_form_and_pulls_add_up():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 4, generator=gen, dtype=torch.float64)     # 6 picks' "item vectors"
    t = torch.randn(6, generator=gen, dtype=torch.float64)
    mean = torch.randn(4, generator=gen, dtype=torch.float64)
    lam = torch.diag(torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=torch.float64))

    def outputs(rows):
        return (rows * x).sum(1)

    def loss(out):
        err = out - t
        return torch.sum(err ** 2), 2 * err, torch.full_like(err, 2.0)

    z = fold_in(mean, outputs, 6, loss, lam, steps=5, tol=0.0)
    exact = torch.linalg.solve(x.T @ x + lam, x.T @ t + lam @ mean)
    torch.testing.assert_close(z, exact, rtol=1e-6, atol=1e-8)
    # each pick's pull, projected on a target's gradient, adds up to the target's change
    targets = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    grads = row_gradients(lambda rows: (rows * targets).sum(1), z, 3)
    torch.testing.assert_close(grads, targets)
    pulls = -2.0 * (outputs(z.expand(6, -1)) - t)[:, None] * x
    contrib = pull_contributions(grads, pulls, lam)
    np.testing.assert_allclose(contrib.sum(1), (targets @ (z - mean)).numpy(), rtol=1e-6)


def test_prior_precision_is_inverse_covariance():
    v = np.random.default_rng(0).normal(size=(500, 3)) * [1.0, 2.0, 0.5]
    mean, precision = prior_precision(v, ridge=0.0)
    np.testing.assert_allclose(mean, v.mean(0))
    np.testing.assert_allclose(np.linalg.inv(precision), np.cov(v, rowvar=False), rtol=1e-8)


# --- the model on the block data -------------------------------------------------------------
def test_trained_users_prefer_their_own_block(model, data, blocks):
    b, cold = blocks
    rated = np.flatnonzero(~cold)
    first, last = 0, data.ratings.n_users - 1          # a family fan, a crime fan
    for user, own in ((first, 0), (last, 1)):
        pred = model.predict(np.full(len(rated), user), rated)
        assert pred[b[rated] == own].mean() - pred[b[rated] != own].mean() > 1.5
    assert model.net.side.shape[1] == 2 + 3 + 4       # age, gender, occupation were used


def test_fold_in_follows_the_profile_ratings(model, blocks):
    b, cold = blocks
    fam, crime = np.flatnonzero((b == 0) & ~cold), np.flatnonzero((b == 1) & ~cold)
    fan = Profile(np.r_[fam[:3], crime[:2]], np.array([5, 4.5, 5, 1, 1.5], np.float32))
    pred = model.predict_profile(fan)
    assert pred[fam[3:]].mean() - pred[crime[2:]].mean() > 1.0
    taste = model.score(fan)                           # default: ranked by taste similarity
    assert taste[fam[3:]].mean() > taste[crime[2:]].mean()
    assert np.isnan(taste[cold]).all()                 # nobody rated them: cannot score
    default = model.config
    model.config = replace(default, rank_by="rating")  # ranked by predicted stars
    try:
        scores = model.score(fan)
    finally:
        model.config = default
    assert np.isnan(scores[cold]).all()
    assert np.isfinite(pred[cold]).all()               # but predict always answers
    np.testing.assert_allclose(np.clip(scores[~cold], *model._scale), pred[~cold], rtol=1e-5)
    lo, hi = model._scale
    assert ((pred >= lo) & (pred <= hi)).all()


def test_fold_in_of_a_training_user_agrees_with_their_trained_vector(model, data, blocks):
    b, cold = blocks
    rated = np.flatnonzero(~cold)
    for user in (3, 40):
        items, values = data.ratings.user_row(user)
        folded = model.predict_profile(Profile(items, values), rated)
        trained = model.predict(np.full(len(rated), user), rated)
        assert np.corrcoef(folded, trained)[0, 1] > 0.9


def test_explanations_name_a_loved_pick_from_the_same_block(model, blocks):
    b, cold = blocks
    fam, crime = np.flatnonzero((b == 0) & ~cold), np.flatnonzero((b == 1) & ~cold)
    profile = Profile.from_picks([fam[0], fam[1], crime[0]], disliked=[crime[1]])
    picks, contrib = model.contributions(profile, fam[5:8])
    assert set(picks) == {fam[0], fam[1], crime[0], crime[1]}
    recs = model.recommend(Profile.from_picks(fam[:3]), k=3)
    for text in recs.explanations:
        assert text.startswith("Predicted ") and "/5 for you" in text
        assert "Family Movie" in text and "Crime Movie" not in text


def test_save_load_keeps_weights_history_and_predictions(model, tmp_path, blocks):
    folder = save_model(model, tmp_path / "mlp")
    loaded = load_model(folder, model.dataset)
    assert loaded.history.train_loss == pytest.approx(model.history.train_loss)
    assert loaded.history.validation == pytest.approx(model.history.validation)
    assert loaded.history.best_epoch == model.history.best_epoch >= 0
    profile = Profile.from_picks(np.flatnonzero(blocks[0] == 1)[:3])
    np.testing.assert_array_equal(loaded.score(profile), model.score(profile))
    np.testing.assert_array_equal(loaded.predict([1, 2], [3, 4]), model.predict([1, 2], [3, 4]))


def test_published_preset_trains_without_side_features(data):
    m = create("mlp", preset="published", seed=1, epochs=3).fit(with_users(data))
    assert m.net.side.shape[1] == 0 and m.net.genres.shape[1] == 0
    assert len(m.history.train_loss) <= 3
    assert np.isfinite(m.predict([0], [0])).all()


def test_bad_config_is_refused(data):
    with pytest.raises(ValueError, match="factors"):
        EmbeddingMLP(factors=0).fit(data)
