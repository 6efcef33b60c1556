"""Cluster model specifics: the recorded choice of k, names, and each strategy's behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.models.cluster import ClusterRecommender, auto_grid
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile


@pytest.fixture(scope="module")
def auto(data):
    return ClusterRecommender(seed=7).fit(data)


def picks_from(blocks, block, n=3):
    b, cold = blocks
    return np.flatnonzero((b == block) & ~cold)[:n]


def test_cluster_count_choice_is_recorded(auto, blocks):
    sel = auto.selection
    assert "silhouette" in sel["criterion"]
    assert len(sel["grid"]) == len(sel["silhouette"]) == len(sel["inertia"]) >= 2
    assert sel["chosen"] == sel["grid"][int(np.argmax(sel["silhouette"]))]
    assert sel["chosen"] == 2 == auto.n_clusters, "two blocks, two clusters"
    b, _ = blocks
    for c in range(auto.n_clusters):
        assert len(set(b[auto.labels_ == c])) == 1, "each cluster is one block"


def test_fixed_cluster_count(data):
    model = ClusterRecommender(n_clusters=3, seed=7).fit(data)
    assert model.n_clusters == 3 and model.selection["criterion"] == "fixed by config"
    assert set(model.labels_.tolist()) == {0, 1, 2}


def test_auto_grid_scales_with_catalog():
    assert auto_grid(44, 200)[0] == 2
    big = auto_grid(45_000, 200)
    assert 30 <= big[0] and big[-1] == 200 and len(big) == 8


def test_cluster_names_describe_the_blocks(auto, blocks):
    names = auto.cluster_names()
    b, _ = blocks
    crime = int(np.bincount(auto.labels_[b == 1]).argmax())
    assert names[crime].startswith("Crime")
    assert any(p in names[crime] for p in ("Michael Mann", "Al Pacino", "Robert De Niro"))
    family = names[1 - crime]
    assert any(g in family for g in ("Animation", "Family", "Comedy"))
    assert len(set(names)) == len(names)


def test_same_recommends_inside_the_picks_cluster(auto, blocks):
    b, _ = blocks
    recs = auto.recommend(Profile.from_picks(picks_from(blocks, 1)), k=5)
    assert (b[recs.items] == 1).all()
    assert all(why.startswith("In the 'Crime") for why in recs.explanations)
    assert "with Crime Movie" in recs.explanations[0]


def test_popular_reorders_within_the_clusters_but_never_crosses_them(data, blocks):
    from movierec.models.standard_scores import liked_popularity

    leaning = ClusterRecommender(seed=7, popular=50.0).fit(data)
    profile = Profile.from_picks(picks_from(blocks, 1))
    scores = leaning.score(profile)
    inside = np.isin(leaning.labels_, list(leaning.target_clusters(profile)))
    ok = np.isfinite(scores)
    assert scores[ok & inside].min() > scores[ok & ~inside].max()
    # the lean brings more liked movies to the top than similarity alone does
    pop = liked_popularity(data.ratings)
    plain = ClusterRecommender(seed=7).fit(data)
    top = leaning.recommend(profile, k=5).items
    assert pop[top].mean() > pop[plain.recommend(profile, k=5).items].mean()
    assert np.isin(top, np.flatnonzero(inside)).all()


def test_explore_recommends_from_the_neighbouring_cluster(data, blocks):
    b, _ = blocks
    model = ClusterRecommender(strategy="explore", n_clusters=2, seed=7).fit(data)
    recs = model.recommend(Profile.from_picks(picks_from(blocks, 0)), k=5)
    assert (b[recs.items] == 1).all(), "family picks explore the crime cluster"
    assert all(why.startswith("Something different") for why in recs.explanations)
    # the picks' own cluster comes only after every explored movie
    scores = model.score(Profile.from_picks(picks_from(blocks, 0)))
    assert np.nanmin(scores[b == 1]) > np.nanmax(scores[b == 0])


def test_centres_ranks_typical_movies_of_the_cluster(data, blocks):
    b, cold = blocks
    model = ClusterRecommender(strategy="centres", n_clusters=2, seed=7).fit(data)
    profile = Profile.from_picks(picks_from(blocks, 0))
    recs = model.recommend(profile, k=5)
    assert (b[recs.items] == 0).all()
    assert recs.explanations[0].startswith("Typical of the '")
    # the top movie is the one nearest the family centre
    c = model.labels_[picks_from(blocks, 0)[0]]
    allowed = np.flatnonzero((model.labels_ == c) & ~np.isin(np.arange(len(b)), profile.items))
    nearest = allowed[np.argmax(model.reduced_vectors()[allowed] @ model._centres[c])]
    assert recs.items[0] == nearest


@pytest.mark.parametrize("strategy", ["same", "explore", "centres"])
def test_dislikes_push_down_in_every_strategy(data, blocks, strategy):
    b, _ = blocks
    model = ClusterRecommender(strategy=strategy, n_clusters=2, seed=7).fit(data)
    loved = list(picks_from(blocks, 0))
    crime = np.flatnonzero(b == 1)
    before = model.score(Profile.from_picks(loved))
    after = model.score(Profile.from_picks(loved, disliked=list(crime[:2])))
    assert np.nanmean(after[crime[2:]] - before[crime[2:]]) < 0


def test_factor_vectors_cluster_the_ratings(data, blocks):
    b, cold = blocks
    model = ClusterRecommender(vectors="factors", n_clusters=2, seed=7).fit(data)
    assert (model.labels_[cold] == -1).all(), "unrated movies have no factors"
    recs = model.recommend(Profile.from_picks(picks_from(blocks, 1)), k=5)
    assert (b[recs.items] == 1).all()
    assert np.isnan(model.score(Profile.from_picks(picks_from(blocks, 1)))[cold]).all()


def test_embedding_vectors(data, blocks):
    pytest.importorskip("sentence_transformers")
    b, _ = blocks
    model = ClusterRecommender(vectors="embeddings", n_clusters=2, seed=7).fit(data)
    recs = model.recommend(Profile.from_picks(picks_from(blocks, 0)), k=5)
    assert (b[recs.items] == 0).all()


def test_explore_round_trips_through_save(data, blocks, tmp_path):
    model = ClusterRecommender(strategy="explore", seed=7).fit(data)
    profile = Profile.from_picks(picks_from(blocks, 1))
    loaded = load_model(save_model(model, tmp_path / "cluster"), data)
    assert loaded.config == model.config and loaded.selection == model.selection
    assert loaded.cluster_names() == model.cluster_names()
    before, after = model.recommend(profile, k=6), loaded.recommend(profile, k=6)
    np.testing.assert_array_equal(before.items, after.items)
    assert before.explanations == after.explanations


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="strategy"):
        ClusterRecommender(strategy="nearest")
    with pytest.raises(ValueError, match="vectors"):
        ClusterRecommender(vectors="pixels")
