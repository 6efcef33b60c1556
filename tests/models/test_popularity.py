"""Popularity's known answer: the IMDb weighted rating, checked by hand."""

import numpy as np

from movierec.models.popularity import PopularityRecommender, weighted_rating
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset


def test_weighted_rating_by_hand():
    mean = np.array([9.0, 8.0, 6.0, 0.0])
    votes = np.array([3.0, 1000.0, 500.0, 0.0])
    # C = mean of movies with votes = (9+8+6)/3 = 7.667; m = 50th percentile of [3,500,1000] = 500
    wr = weighted_rating(mean, votes, 50.0)
    c = 23 / 3  # m = 500
    expected = [3 / 503 * 9 + 500 / 503 * c, 1000 / 1500 * 8 + 500 / 1500 * c, 0.5 * 6 + 0.5 * c]
    np.testing.assert_allclose(wr[:3], expected)
    assert np.isnan(wr[3])
    # many votes at 8.0 beat a few at 9.0
    assert wr[1] > wr[0]


def test_recommends_best_weighted_first():
    data = block_dataset()
    model = PopularityRecommender(min_votes_percentile=50).fit(data)
    f = data.catalog.frame
    wr = weighted_rating(f["vote_average"].to_numpy(float), f["vote_count"].to_numpy(float), 50)
    picks = np.argsort(wr)[:3]  # the three least popular as picks
    recs = model.recommend(Profile.from_picks(picks), k=5)
    expected = [i for i in np.argsort(-wr, kind="stable") if i not in picks][:5]
    assert sorted(recs.items.tolist()) == sorted(expected)
    assert "TMDb votes" in recs.explanations[0]


def test_count_kind_uses_rating_counts():
    data = block_dataset()
    model = PopularityRecommender(kind="count").fit(data)
    counts = data.ratings.counts_per_movie()
    recs = model.recommend(Profile.from_picks([40, 41, 42]), k=3)
    assert counts[recs.items[0]] == counts.max()


def test_movies_without_votes_survive_save_and_load(tmp_path):
    """Unscored movies (NaN) are not damage: a saved popularity model loads, not refits."""
    from movierec.models.persist import load_model, save_model

    data = block_dataset(seed=0)
    model = PopularityRecommender(kind="count").fit(data)
    assert np.isnan(model._scores).any()          # the cold movies have no ratings
    save_model(model, tmp_path / "pop")
    loaded = load_model(tmp_path / "pop", data)
    np.testing.assert_array_equal(np.isnan(loaded._scores), np.isnan(model._scores))
    picks = Profile.from_picks([0, 1, 2])
    assert loaded.recommend(picks, k=5).items.tolist() == model.recommend(picks, k=5).items.tolist()
