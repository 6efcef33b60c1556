"""Sessions replayed offline and the exploring posterior, on cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.evaluation.sessions import POLICIES, answer, diversity_dial, replay, tune_exploring
from movierec.evaluation.splitters import heldout_users
from movierec.models.exploring import (SEEN_STARS, ExploringSession, ReactionError,
                                       SessionSettings, TastePosterior, fold_reactions,
                                       item_space, reaction_of)
from movierec.models.profile import LIKE, Profile
from movierec.models.standard_scores import zscores
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
    liked = ExploringSession(vectors, SessionSettings(strength=0.0))
    liked.observe(0, "liked")
    assert liked.rank(base)[1] > liked.rank(base)[2]
    passed = ExploringSession(vectors, SessionSettings(strength=0.0, silence=-0.5))
    passed.observe(0, None)
    assert passed.rank(base)[1] < passed.rank(base)[2]
    unwanted = ExploringSession(vectors, SessionSettings(strength=0.0))
    unwanted.observe(0, "not_interested")
    assert unwanted.rank(base)[1] < unwanted.rank(base)[2]
    for reaction in (None, "seen"):          # in the app, silence and "seen it" say nothing
        nothing = ExploringSession(vectors, SessionSettings(strength=0.0, silence=0.0))
        nothing.observe(0, reaction)
        assert nothing.posterior.mean == pytest.approx([0.0, 0.0])


def test_a_dislike_moves_the_posterior_by_its_reward():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    session = ExploringSession(vectors, SessionSettings(strength=0.0, disliked=-0.3))
    session.observe(0, False)                # a thumb down is "disliked"
    # precision diag(2, 1), b = (-0.3, 0): mean (-0.15, 0)
    assert session.posterior.mean == pytest.approx([-0.15, 0.0])


def test_reactions_fold_in_as_liked_watched_or_left_out():
    profile = Profile.from_picks([10, 11, 12])
    folded = fold_reactions(profile, [(20, "liked"), (21, "disliked"), (22, "seen"),
                                      (23, "not_interested"), (11, "not interested")])
    assert folded.items.tolist() == [10, 12, 20, 21, 22]
    assert folded.feedback_array().tolist() == [0, 0, LIKE, 0, 0]
    assert folded.preference().tolist() == pytest.approx([1, 1, 1, (SEEN_STARS - 3) / 2,
                                                         (SEEN_STARS - 3) / 2])
    assert reaction_of(True) == "liked" and reaction_of("Seen") == "seen"
    with pytest.raises(ReactionError, match="'meh'"):
        reaction_of("meh")


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


def test_without_a_latent_space_the_session_ranks_by_its_fold_in_alone():
    flat = np.zeros((5, 3))                          # no correction can come from here
    session = ExploringSession(flat, SessionSettings(strength=1.0, silence=-0.5))
    for movie, reaction in ((0, "liked"), (1, None), (2, "disliked")):
        session.observe(movie, reaction)
    scores = np.array([0.3, -1.0, 2.0, np.nan, 0.5])
    scores[3] = -np.inf
    expected = zscores(scores, missing=-np.inf)
    assert session.rank(scores).tolist() == pytest.approx(expected.tolist())


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
    assert {"strength", "weight", "disliked", "silence", "grid"} <= set(tuned)
    assert len(tuned["grid"]) == 36
    dial = diversity_dial(model, split.cases, split.train, dials=(0.0, 1.0))
    assert [d["diversity"] for d in dial] == [0.0, 1.0]
    assert dial[1]["intra_list_diversity"] >= dial[0]["intra_list_diversity"]
