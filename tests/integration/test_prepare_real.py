"""Prepare on the real files in ../shared/data: counts, joins and the 99.9% titled target."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.integration

RATINGS_SMALL_ROWS = 100_004


def test_movies_dataset_ratings_land_on_titled_movies(tmdb_small):
    ds = tmdb_small
    assert ds.ratings.nnz / RATINGS_SMALL_ROWS >= 0.999
    assert ds.ratings.n_users == 671
    rated = np.flatnonzero(ds.ratings.counts_per_movie() > 0)
    titles = ds.catalog.frame["title"].iloc[rated]
    assert titles.notna().all() and (titles.str.len() > 0).all()
    report = ds.report.files["ratings_small.csv"]
    assert report.read == RATINGS_SMALL_ROWS
    assert report.kept + report.dropped_total == report.read


def test_movies_dataset_keeps_tmdb_fields(tmdb_small):
    cat = tmdb_small.catalog
    toy = cat.record(cat.index_of("tmdb_id", 862),
                     ("title", "year", "genres", "keywords", "cast", "director", "overview",
                      "poster_path", "movielens_id", "imdb_id"))
    assert toy["title"] == "Toy Story" and toy["year"] == 1995
    assert toy["genres"] == ["Animation", "Comedy", "Family"]
    assert "jealousy" in toy["keywords"] and toy["cast"][0] == "Tom Hanks"
    assert toy["director"] == "John Lasseter" and toy["poster_path"].endswith(".jpg")
    assert toy["movielens_id"] == 1 and toy["imdb_id"] == "tt0114709"
    frame = cat.frame
    # movies beyond the metadata sample keep their keywords (keywords.csv is complete)
    outside = frame[(frame["source"] == "movielens") & frame["tmdb_id"].notna()]
    with_kw = outside["keywords"].map(lambda v: v is not None and len(v) > 0)
    assert with_kw.mean() > 0.6
    # missing is explicit, never an empty string
    assert not (frame["overview"].dropna() == "").any()
    # genres are normalised across sources (no MovieLens spellings left)
    genres = set(cat.all_genres())
    assert "Sci-Fi" not in genres and "Children" not in genres and "Science Fiction" in genres


def test_movies_dataset_one_row_per_tmdb_id(tmdb_small):
    ids = tmdb_small.catalog.frame["tmdb_id"].dropna()
    assert ids.is_unique


def test_ml100k_counts_and_folds(ml100k):
    r = ml100k.ratings
    assert (r.n_users, r.n_movies, r.nnz) == (943, 1682, 100_000)
    assert np.bincount(r.folds, minlength=6)[1:].tolist() == [20_000] * 5
    assert r.users is not None and {"age", "gender", "occupation"} <= set(r.users.columns)
    assert r.timestamps is not None and r.timestamps.min() > 8e8


def test_ml100k_enriched_through_titles(ml100k):
    cat = ml100k.catalog
    share = cat.has_field("overview").mean()
    assert share > 0.9, f"only {share:.0%} of ML-100k movies got a TMDb overview"
    toy = cat.record(0, ("title", "year", "movielens_id", "tmdb_id", "genres"))
    assert (toy["title"], toy["year"], toy["movielens_id"], toy["tmdb_id"]) == ("Toy Story", 1995, 1, 862)
