"""Every method gives sensible results on the real data, from titles a person would type.

Three Pixar films must bring back animation/family films; three crime thrillers must bring
back crime/thriller films -- on The Movies Dataset and on ML-100k. Methods that read the
movies themselves (content, embeddings, cluster, hybrid) must fill at least half the list
with the genre. Pure collaborative methods only know who rated what: on these small rating
sets people who loved Toy Story also loved Star Wars, so for them the check is that the
list *responds* to the picks -- the genre is clearly over-represented compared with the
rated catalog and compared with the list for the opposite picks.
"""

from __future__ import annotations

import numpy as np
import pytest

from movierec.models.registry import NEURAL, available, create
from movierec.service import Service

pytestmark = pytest.mark.integration

PIXAR = {
    "the-movies-dataset": ["Toy Story", "Finding Nemo", "Up"],
    "ml-100k": ["Toy Story", "Aladdin", "The Lion King"],   # ML-100k stops in 1998
}
CRIME = {
    "the-movies-dataset": ["Heat 1995", "Reservoir Dogs", "The Usual Suspects"],
    "ml-100k": ["Heat 1995", "Reservoir Dogs", "The Usual Suspects"],
}
FAMILY_GENRES = {"Animation", "Family"}
CRIME_GENRES = {"Crime", "Thriller"}
# Neural models train for minutes on real data; their contract tests run on tiny data and
# their quality is measured by `movierec evaluate` (CI must not train for minutes).
PERSONAL = [m for m in available() if m != "popularity" and m not in NEURAL]
READS_MOVIES = {"content", "embeddings", "cluster", "hybrid"}
_fitted: dict = {}
_services: dict = {}


def profile_of(dataset, titles):
    """The profile the service builds from typed titles (the one picks road)."""
    if dataset.fingerprint not in _services:
        _services[dataset.fingerprint] = Service(dataset=dataset)
    return _services[dataset.fingerprint].resolve(titles).profile()


@pytest.fixture(params=["the-movies-dataset", "ml-100k"])
def dataset(request, tmdb_small, ml100k):
    return tmdb_small if request.param == "the-movies-dataset" else ml100k


def fitted(name, dataset):
    key = (name, dataset.fingerprint)
    if key not in _fitted:
        _fitted[key] = create(name).fit(dataset)
    return _fitted[key]


def share_with(dataset, items, genres) -> float:
    return float(np.mean([bool(genres & set(dataset.catalog.genres(int(i)))) for i in items]))


def check_taste(method, dataset, picks_by_data, other_by_data, genres, k=10):
    picks = profile_of(dataset, picks_by_data[dataset.name])
    other = profile_of(dataset, other_by_data[dataset.name])
    model = fitted(method, dataset)
    recs = model.recommend(picks, k=k)
    assert len(recs) == k and all(recs.explanations)
    share = share_with(dataset, recs.items, genres)
    labels = [dataset.catalog.label(int(i)) for i in recs.items]
    if method in READS_MOVIES:
        assert share >= 0.5, f"{method}: only {share:.0%} {sorted(genres)}: {labels}"
        return
    rated = np.flatnonzero(dataset.ratings.counts_per_movie() > 0)
    base = share_with(dataset, rated, genres)
    opposite = share_with(dataset, model.recommend(other, k=k).items, genres)
    assert share >= 1.5 * base and share > opposite, (
        f"{method}: {share:.0%} {sorted(genres)} (rated catalog {base:.0%}, "
        f"opposite picks {opposite:.0%}): {labels}")


@pytest.mark.parametrize("method", PERSONAL)
def test_pixar_gives_family_films(method, dataset):
    check_taste(method, dataset, PIXAR, CRIME, FAMILY_GENRES)


@pytest.mark.parametrize("method", PERSONAL)
def test_crime_thrillers_give_crime_thrillers(method, dataset):
    check_taste(method, dataset, CRIME, PIXAR, CRIME_GENRES)


def test_popularity_is_well_loved(dataset):
    recs = fitted("popularity", dataset).recommend(
        profile_of(dataset, CRIME[dataset.name]), k=10)
    # the weighted rating needs many votes: every pick is among the most-voted 25%
    votes = dataset.catalog.votes
    assert (votes[recs.items] >= np.percentile(votes[votes > 0], 75)).all()
