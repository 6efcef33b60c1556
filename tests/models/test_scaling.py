"""Untuned defaults scaled with the data: the shape they read, each rule, and the invariance
that justifies scaling EASE's ridge with the ratings per movie."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from movierec.models.als import ALSRecommender
from movierec.models.ease import EASE
from movierec.models.graph import RP3Beta
from movierec.models.item_knn import ItemKNN
from movierec.models.scaling import (AUTO, NEIGHBOURS_CAP, RULES, DataShape, data_shape,
                                     scaled_settings, setting)
from movierec.models.user_knn import UserKNN
from movierec.synthetic import block_dataset, matrix_dataset

# 4 people (one with no rating) x 4 movies (one nobody rated), 6 ratings
STARS = np.array([[5, 4, 0, 0],
                  [0, 3, 5, 0],
                  [4, 0, 0, 0],
                  [0, 0, 0, 0]], dtype=np.float32)


def test_shape_counts_only_people_and_movies_with_ratings():
    shape = data_shape(sp.csr_matrix(STARS))
    assert (shape.people, shape.movies, shape.ratings) == (3, 3, 5)
    assert shape.per_movie == pytest.approx(5 / 3)


def test_each_rule_by_hand():
    m = sp.csr_matrix(STARS)
    assert setting("ease", EASE().config, "l2", m) == pytest.approx(16 * 5 / 3, abs=0.005)
    assert setting("als", ALSRecommender().config, "regularization", m) == pytest.approx(
        0.04 * 3)
    # neighbours: c sqrt(rated movies), at least 10, at most every movie and the cap
    assert setting("item_knn", ItemKNN().config, "neighbours", m) == 3
    assert setting("user_knn", UserKNN().config, "neighbours", m) == 100       # no rule
    big = sp.random(400, 900, density=0.05, format="csr", random_state=0)
    big.data[:] = 4.0
    assert (data_shape(big).people, data_shape(big).movies) == (400, 900)
    assert setting("item_knn", ItemKNN().config, "neighbours", big) == 150      # 5 x 30
    assert setting("graph", RP3Beta().config, "neighbours", big) == 300         # 10 x 30
    huge = DataShape(people=270_000, movies=45_000, ratings=26_000_000)
    assert RULES["graph"]["neighbours"].value(huge) == NEIGHBOURS_CAP
    assert RULES["item_knn"]["neighbours"].value(huge) == NEIGHBOURS_CAP       # 5 x 212
    mid = DataShape(people=30_000, movies=20_000, ratings=2_000_000)
    assert RULES["item_knn"]["neighbours"].value(mid) == round(5 * math.sqrt(20_000))


def test_a_given_value_is_used_as_given():
    m = sp.csr_matrix(STARS)
    assert setting("ease", EASE(l2=123.0).config, "l2", m) == 123.0
    assert scaled_settings("ease", EASE(l2=123.0).config, m) == {}
    assert set(scaled_settings("ease", EASE().config, m)) == {"l2"}
    assert scaled_settings("popularity", object(), m) == {}     # a method with no rule


def test_every_rule_names_an_option_whose_default_is_auto():
    from dataclasses import fields

    from movierec.models.registry import model_class

    for method, rules in RULES.items():
        defaults = {f.name: f.default for f in fields(model_class(method).Config)}
        for option in rules:
            assert defaults[option] == AUTO, (method, option)


def test_ease_default_is_unchanged_when_every_person_is_counted_twice():
    """X^T X doubles, and so does the scaled ridge: B stays the same (the rule's reason)."""
    stars = block_dataset(seed=3).ratings.matrix.toarray()
    once = EASE().fit(matrix_dataset(stars))
    twice = EASE().fit(matrix_dataset(np.vstack([stars, stars])))
    np.testing.assert_allclose(twice.weights, once.weights, atol=2e-4)
    # a fixed ridge does not have that property: the doubled data is fitted more closely
    fixed_once = EASE(l2=50.0).fit(matrix_dataset(stars))
    fixed_twice = EASE(l2=50.0).fit(matrix_dataset(np.vstack([stars, stars])))
    assert np.abs(fixed_twice.weights - fixed_once.weights).max() > 1e-2


def test_item_neighbours_left_at_0_are_the_scaled_count():
    data = block_dataset(seed=0)
    for cls, key in ((RP3Beta, "weights.data"), (ItemKNN, "similarity.data")):
        want = setting(cls.name, cls().config, "neighbours", data.ratings.matrix)
        auto = cls().fit(data).state()[key]
        given = cls(neighbours=want).fit(data).state()[key]
        np.testing.assert_array_equal(auto, given)
        assert len(cls(neighbours=10).fit(data).state()[key]) < len(auto)


def test_als_folds_in_with_the_regularization_it_was_trained_with():
    """Left at 0, the scaled value is the one training and the fold-in both use."""
    from movierec.models.profile import Profile

    data = block_dataset(seed=0)
    lam = setting("als", ALSRecommender().config, "regularization", data.ratings.matrix)
    auto = ALSRecommender(factors=8, iterations=5, use_cg=False, seed=0).fit(data)
    given = ALSRecommender(factors=8, iterations=5, use_cg=False, seed=0,
                           regularization=lam).fit(data)
    profile = Profile.from_picks([0, 1, 2])
    np.testing.assert_allclose(auto.user_vector(profile), given.user_vector(profile),
                               rtol=1e-5, atol=1e-7)
    other = ALSRecommender(factors=8, iterations=5, use_cg=False, seed=0,
                           regularization=lam * 10).fit(data)
    assert not np.allclose(auto.user_vector(profile), other.user_vector(profile), atol=1e-3)
