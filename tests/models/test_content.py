"""Content model specifics: the metadata soup, NaN for movies without text, reuse views."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.models.content import (ContentConfig, ContentRecommender, movie_soup, name_token,
                                     word_tokens)
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile

TEXT_FIELDS = ("genres", "keywords", "cast", "director", "overview", "tagline", "collection")


@pytest.fixture(scope="module")
def model(data):
    return ContentRecommender(seed=7).fit(data)


def without_text(data: Dataset, movies: list[int]) -> Dataset:
    frame = data.catalog.frame.copy()
    for col in TEXT_FIELDS:
        for i in movies:
            frame.at[i, col] = None
    return Dataset(data.name, Catalog(frame), data.ratings, data.fingerprint + "-blanked",
                   data.manifest)


def test_name_tokens_are_single_words():
    assert name_token("Tom Hanks") == "tomhanks"
    assert name_token("Science Fiction") == "sciencefiction"
    assert name_token("Amélie-Jo O'Neil") == "ameliejooneil"
    assert name_token("宮崎 駿") == "宮崎駿"


def test_overview_words_drop_stop_words():
    assert word_tokens("The heist of the century, in L.A.") == ["heist", "century"]
    assert word_tokens(None) == []


def test_soup_holds_people_as_tokens_repeated_by_weight():
    row = dict(genres=["Crime", "Thriller"], keywords=["bank heist"], director="Michael Mann",
               cast=["Al Pacino", "Robert De Niro", "Val Kilmer", "Jon Voight"],
               overview="A group of professional bank robbers.", tagline=None,
               collection="Heat Collection")
    config = ContentConfig(director_weight=3, top_cast=3)
    soup = movie_soup(row, config)
    assert soup.count("michaelmann") == 3
    assert soup.count("crime") == config.genres_weight
    assert {"alpacino", "robertdeniro", "valkilmer", "bankheist", "heatcollection"} <= set(soup)
    assert "jonvoight" not in soup, "only the top-billed cast"
    assert {"professional", "bank", "robbers"} <= set(soup) and "of" not in soup


def test_item_vectors_are_l2_normalised_sparse(model, data):
    x = model.item_vectors()
    assert sp.issparse(x) and x.shape[0] == len(data.catalog)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    assert "michaelmann" in set(model.terms())
    assert "petedocter" in model.top_terms(0, n=20)


def test_score_is_preference_weighted_cosine(data, blocks):
    b, cold = blocks
    picks = np.flatnonzero((b == 0) & ~cold)[:3]
    model = ContentRecommender(tiebreak=0.0).fit(data)
    x = model.item_vectors()
    profile = Profile.from_picks(picks[:2], disliked=[int(np.flatnonzero(b == 1)[0])])
    dense = (x @ x[profile.items].T).toarray() @ profile.preference()
    np.testing.assert_allclose(model.score(profile), dense, rtol=1e-5, atol=1e-6)
    assert (model.score(profile)[b == 1] < 0).all(), "the disliked block goes negative"


def test_ties_go_to_the_better_known_movie(data):
    frame = data.catalog.frame.copy()
    for col in TEXT_FIELDS:
        frame[col] = [None] * len(frame)
    frame["genres"] = [["Drama"]] * len(frame)     # every movie alike: all similarities tie
    tied = Dataset(data.name, Catalog(frame), data.ratings, "tied", data.manifest)
    model = ContentRecommender().fit(tied)
    recs = model.recommend(Profile.from_picks([0, 1, 2]), k=5)
    pop = tied.catalog.popularity()
    allowed = np.arange(3, len(pop))
    expected = allowed[np.argsort(-pop[allowed], kind="stable")][:5]
    np.testing.assert_array_equal(recs.items, expected)


def test_soup_drops_release_keywords():
    soup = movie_soup(dict(keywords=["duringcreditsstinger", "heist"]), ContentConfig())
    assert soup == ["heist"]


def test_movie_without_text_scores_nan(data, blocks):
    b, cold = blocks
    blank = int(np.flatnonzero((b == 0) & ~cold)[10])
    model = ContentRecommender().fit(without_text(data, [blank]))
    assert not model.has_text()[blank]
    scores = model.score(Profile.from_picks(np.flatnonzero((b == 0) & ~cold)[:3]))
    assert np.isnan(scores[blank])
    assert np.isfinite(np.delete(scores, blank)).all()
    recs = model.recommend(Profile.from_picks(np.flatnonzero((b == 0) & ~cold)[:3]), k=30)
    assert blank not in recs.items


def test_picks_without_text_cannot_be_served(data, blocks):
    b, cold = blocks
    picks = list(np.flatnonzero((b == 0) & ~cold)[:3])
    model = ContentRecommender().fit(without_text(data, picks))
    assert np.isnan(model.score(Profile.from_picks(picks))).all()
    assert len(model.recommend(Profile.from_picks(picks))) == 0


def test_catalog_without_any_text_is_refused(data):
    blank = without_text(data, list(range(len(data.catalog))))
    with pytest.raises(ValueError, match="needs movie metadata"):
        ContentRecommender().fit(blank)


def test_explanation_names_the_pick_and_what_is_shared(model, blocks):
    b, cold = blocks
    picks = np.flatnonzero((b == 1) & ~cold)[:3]
    recs = model.recommend(Profile.from_picks(picks), k=3)
    for why in recs.explanations:
        assert why.startswith("Because you liked Crime Movie")
        assert "director Michael Mann" in why and "similarity" in why


def test_similar_to_stays_in_block_and_excludes_itself(model, blocks):
    b, _ = blocks
    items, sims = model.similar_to(3, k=5)
    assert 3 not in items and len(items) == 5
    assert (b[items] == b[3]).all()
    assert np.all(np.diff(sims) <= 1e-6)
    with pytest.raises(IndexError):
        model.similar_to(10_000)


def test_restore_does_not_refit(model, data, blocks, tmp_path, monkeypatch):
    b, cold = blocks
    profile = Profile.from_picks(np.flatnonzero((b == 0) & ~cold)[:3])
    folder = save_model(model, tmp_path / "content")

    def no_refit(self, dataset):
        raise AssertionError("restore must not refit")

    monkeypatch.setattr(ContentRecommender, "_fit", no_refit)
    loaded = load_model(folder, data)
    np.testing.assert_array_equal(loaded.recommend(profile).items, model.recommend(profile).items)
    assert list(loaded.terms()) == list(model.terms())


def test_popular_ranks_the_well_liked_among_similar_movies_first(data, tmp_path):
    from movierec.models.standard_scores import liked_popularity, zscores

    plain = ContentRecommender().fit(data)
    leaning = ContentRecommender(popular=2.0).fit(data)
    profile = Profile.from_picks([0, 1, 2])
    base, lean = plain.score(profile), leaning.score(profile)
    pop = liked_popularity(data.ratings)
    np.testing.assert_allclose(lean, zscores(base - plain._prior) + 2.0 * pop, rtol=1e-5,
                               atol=1e-5)
    # explained by the similarity to the picks, as before
    recs = leaning.recommend(profile, k=3)
    assert list(recs.explanations) == plain.explain(profile, recs.items, recs.scores)
    loaded = load_model(save_model(leaning, tmp_path / "leaning"), data)
    np.testing.assert_allclose(loaded.score(profile), lean)
