"""Sessions replayed offline and the exploring posterior, on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.evaluation.sessions import POLICIES, answer, diversity_dial, replay, tune_exploring
from movierec.evaluation.splitters import heldout_users
from movierec.models.exploring import ExploringSession, TastePosterior, item_space
from movierec.models.trained import fit
from movierec.synthetic import block_dataset


def test_the_answer_rule_follows_the_liked_threshold_and_silence():
    rated = {1: 4.0, 2: 3.5, 3: 5.0, 4: 1.0}
    assert [answer(m, rated) for m in (1, 2, 3, 4, 99)] == ["liked", "disliked", "liked",
                                                           "disliked", None]


def test_the_posterior_update_on_a_tiny_known_case():
    post = TastePosterior(2, prior_var=1.0, noise_var=1.0)
    post.update(np.array([1.0, 0.0]), 1.0)
    # precision diag(2, 1) -> cov diag(1/2, 1), mean = cov @ (1, 0) = (1/2, 0)
    assert post.cov == pytest.approx(np.diag([0.5, 1.0]))
    assert post.mean == pytest.approx([0.5, 0.0])
    post.update(np.array([0.0, 2.0]), -1.0)   # precision diag(2, 5), b = (1, -2)
    assert post.mean == pytest.approx([0.5, -0.4])
    rng = np.random.default_rng(0)
    assert post.sample(rng, 0.0) == pytest.approx(post.mean)   # no exploration: the mean
    draws = np.array([post.sample(rng, 1.0) for _ in range(4000)])
    assert draws.mean(axis=0) == pytest.approx(post.mean, abs=0.03)
    assert np.cov(draws.T) == pytest.approx(post.cov, abs=0.03)


def test_a_liked_movie_pulls_its_neighbours_up_and_silence_pushes_them_down():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    base = np.zeros(3)
    liked = ExploringSession(vectors, strength=0.0)
    liked.observe(0, "liked")
    assert liked.rank(base)[1] > liked.rank(base)[2]
    passed = ExploringSession(vectors, strength=0.0, silence=-0.5)
    passed.observe(0, None)
    assert passed.rank(base)[1] < passed.rank(base)[2]
    nothing = ExploringSession(vectors, strength=0.0, silence=0.0)
    nothing.observe(0, None)                 # in the app, not reacting says nothing
    assert nothing.posterior.mean == pytest.approx([0.0, 0.0])


@pytest.fixture(scope="module")
def blocks():
    data = block_dataset(seed=0)
    split = heldout_users(data, picks=3, seed=0)
    return data, split, fit("item_knn", split.train, save=False).model


def test_replays_never_show_a_movie_twice_and_count_each_liked_movie_once(blocks):
    data, split, model = blocks
    vectors = item_space(split.train.ratings.matrix, 4)
    case = split.cases[0]
    row = data.ratings.matrix[case.user]
    rated = dict(zip(row.indices.tolist(), row.data.tolist()))
    liked_total = sum(1 for m, r in rated.items() if r >= 4 and m not in case.profile.items)
    for policy in POLICIES:
        curve, ndcgs = replay(model, case, rated, policy, vectors, rounds=4, k=5)
        assert len(curve) == len(ndcgs) == 4
        assert all(a <= b for a, b in zip(curve, curve[1:])) and curve[-1] <= liked_total
        assert all(0.0 <= x <= 1.0 for x in ndcgs)
    with pytest.raises(ValueError, match="policy"):
        replay(model, case, rated, "greedy", vectors)


def test_exploring_without_a_latent_space_is_refine(blocks):
    data, split, model = blocks
    flat = np.zeros((len(data.catalog), 3))          # no correction can come from here
    for case in split.cases[:5]:
        row = data.ratings.matrix[case.user]
        rated = dict(zip(row.indices.tolist(), row.data.tolist()))
        assert (replay(model, case, rated, "exploring", flat, strength=1.0, silence=-0.5)
                == replay(model, case, rated, "refine", flat))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_validation_people_are_training_people_never_test_people(seed):
    data = block_dataset(seed=0)
    outer = heldout_users(data, picks=3, seed=seed)
    inner = heldout_users(outer.train, picks=3, seed=seed + 1)   # as tune_exploring carves
    test_ids = {int(data.ratings.user_ids[c.user]) for c in outer.cases}
    val_ids = {int(outer.train.ratings.user_ids[c.user]) for c in inner.cases}
    assert val_ids and val_ids.isdisjoint(test_ids)
    assert test_ids.isdisjoint(int(u) for u in inner.train.ratings.user_ids)


def test_tuning_and_the_dial_run_on_small_data(blocks):
    data, split, model = blocks
    tuned = tune_exploring(split.train, "item_knn", people=10)
    assert {"strength", "silence", "grid"} <= set(tuned) and len(tuned["grid"]) == 12
    dial = diversity_dial(model, split.cases, split.train, dials=(0.0, 1.0))
    assert [d["diversity"] for d in dial] == [0.0, 1.0]
    assert dial[1]["intra_list_diversity"] >= dial[0]["intra_list_diversity"]
