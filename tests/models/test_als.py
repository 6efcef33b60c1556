"""ALS: exact fold-in, confidence mapping, NaN for unrated movies, explanations, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.data.ratings import Ratings
from movierec.models.als import ALSRecommender, confidence, rating_preference
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


@pytest.fixture(scope="module")
def model(data):
    return ALSRecommender(factors=8, iterations=40, use_cg=False, regularization=20.0,
                          seed=0).fit(data)


def test_confidence_mapping():
    pref = rating_preference(np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    np.testing.assert_allclose(pref, [1.0, 0.5, 0.0, -0.5, -1.0])
    c, p = confidence(pref, alpha=3.0)
    np.testing.assert_allclose(c, [4.0, 2.5, 1.0, 2.5, 4.0])
    np.testing.assert_array_equal(p, [1, 1, 1, 0, 0])
    c, p = confidence(pref, alpha=3.0, negatives=False)
    np.testing.assert_array_equal(p, [1, 1, 1, 1, 1])
    # the profile of a person maps ratings exactly as training does
    prof = Profile([0, 1, 2, 3, 4], np.array([5.0, 4.0, 3.0, 2.0, 1.0]))
    np.testing.assert_allclose(prof.preference(), pref)


def test_fold_in_of_training_user_matches_trained_vector(data, model):
    trained = model.state()["user_factors"]
    for user in (0, 11, 42):
        items, values = data.ratings.user_row(user)
        folded = model.user_vector(Profile(items, values))
        cos = folded @ trained[user] / (np.linalg.norm(folded) * np.linalg.norm(trained[user]))
        assert cos > 0.999
        np.testing.assert_allclose(np.linalg.norm(folded), np.linalg.norm(trained[user]), rtol=0.02)


def test_fold_in_is_the_closed_form(data, model):
    """u = (YᵀY + Yᵀ(C − I)Y + λI)⁻¹ YᵀCp, written out densely over all movies."""
    items, values = data.ratings.user_row(7)
    profile = Profile(items, values)
    st = model.state()
    y = np.zeros((len(data.catalog), 8))
    y[st["rated"]] = st["item_factors"]
    c_all, p_all = np.ones(len(y)), np.zeros(len(y))
    c, p = confidence(profile.preference(), model.config.alpha)
    c_all[items], p_all[items] = c, p
    lam = model.config.regularization
    expected = np.linalg.solve(y.T @ (c_all[:, None] * y) + lam * np.eye(8), y.T @ (c_all * p_all))
    np.testing.assert_allclose(model.user_vector(profile), expected, rtol=1e-4, atol=1e-6)


def test_unrated_movies_score_nan(data, model):
    cold = np.flatnonzero(np.array(data.manifest["cold"]))
    scores = model.score(Profile.from_picks([0, 1, 2]))
    assert np.isnan(scores[cold]).all()
    assert np.isfinite(np.delete(scores, cold)).all()


def test_dislike_lowers_similar_movies(data, model):
    b = np.array(data.manifest["blocks"])
    crime = np.flatnonzero((b == 1) & ~np.array(data.manifest["cold"]))
    loved = [0, 1, 2, int(crime[0])]
    before = model.score(Profile.from_picks(loved))
    after = model.score(Profile.from_picks(loved, disliked=[int(crime[1]), int(crime[2])]))
    assert np.nanmean(after[crime[3:]] - before[crime[3:]]) < 0


def test_explanation_names_the_pick_that_contributes(data, model):
    b = np.array(data.manifest["blocks"])
    crime = np.flatnonzero((b == 1) & ~np.array(data.manifest["cold"]))
    picks = [0, 1, int(crime[0])]
    recs = model.recommend(Profile.from_picks(picks), k=20)
    for item, why in zip(recs.items, recs.explanations):
        named = [p for p in picks if data.catalog.label(p) in why]
        assert len(named) == 1, why
        assert b[named[0]] == b[item], why      # the reason comes from the same taste block


def test_restore_does_not_refit(data, model, tmp_path, monkeypatch):
    profile = Profile.from_picks([0, 1, 2], disliked=[25])
    folder = save_model(model, tmp_path / "als")
    monkeypatch.setattr(ALSRecommender, "_fit",
                        lambda self, d: pytest.fail("restore must not refit"))
    loaded = load_model(folder, data)
    np.testing.assert_array_equal(loaded.score(profile), model.score(profile))


def test_empty_columns_are_skipped_in_training(data):
    """Training sees only rated columns, so a large catalog of unrated movies costs nothing."""
    r = data.ratings
    m = ALSRecommender(factors=4, iterations=3).fit(data)
    assert m.state()["item_factors"].shape == (int((r.counts_per_movie() > 0).sum()), 4)


@pytest.mark.integration
def test_beats_popularity_on_ml100k_u1(ml100k):
    from movierec.models.popularity import PopularityRecommender

    r = ml100k.ratings
    matrix = r.matrix.copy()
    test = r.folds == 1
    matrix.data = np.where(~test, matrix.data, 0).astype(np.float32)
    matrix.eliminate_zeros()
    train = ml100k.with_ratings(Ratings(matrix.tocsr(), r.user_ids), "-u1.base")
    als = ALSRecommender().fit(train)
    pop = PopularityRecommender(kind="count").fit(train)
    coo = r.matrix.tocoo()
    recall = {"als": [], "pop": []}
    for user in np.unique(coo.row[test])[:200]:
        truth = set(coo.col[test & (coo.row == user) & (coo.data >= 4)].tolist())
        items, values = train.ratings.user_row(user)
        if not truth or len(items) < 3:
            continue
        profile = Profile(items, values)
        for name, m in (("als", als), ("pop", pop)):
            got = set(m.recommend(profile, k=10, min_picks=1).items.tolist())
            recall[name].append(len(truth & got) / min(10, len(truth)))
    means = {k: float(np.mean(v)) for k, v in recall.items()}
    assert means["als"] > 1.3 * means["pop"], means
