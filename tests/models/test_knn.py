"""ItemKNN and UserKNN against values worked out by hand on tables of a few people and movies."""

from __future__ import annotations

from math import sqrt

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

from movierec.models import knn
from movierec.models.item_knn import ItemKNN
from movierec.models.knn import topk_rows
from movierec.models import user_knn as user_knn_module
from movierec.models.user_knn import UserKNN
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset, matrix_dataset as make_dataset

# people x movies; 0 = not rated; movie 4 nobody rated.
R = np.array([[5, 3, 0, 1, 0],
              [4, 0, 0, 1, 0],
              [1, 1, 0, 5, 0],
              [0, 1, 5, 4, 0]], dtype=np.float32)


@pytest.fixture(scope="module")
def tiny():
    return make_dataset(R)


def hand_similarity(shrink: float) -> np.ndarray:
    """Cosine of the movie columns times n_common / (n_common + shrink), by hand.

    columns: m0 = [5,4,1,0] (|m0|^2 = 42), m1 = [3,0,1,1] (11), m2 = [0,0,0,5] (25),
    m3 = [1,1,5,4] (43). Dot products and people in common:
    m0.m1 = 15+1 = 16 (2), m0.m2 = 0 (0), m0.m3 = 5+4+5 = 14 (3),
    m1.m2 = 5 (1), m1.m3 = 3+5+4 = 12 (3), m2.m3 = 20 (1).
    """
    s = lambda dot, a, b, common: dot / sqrt(a * b) * common / (common + shrink)  # noqa: E731
    S = np.zeros((5, 5))
    S[0, 1] = s(16, 42, 11, 2)
    S[0, 3] = s(14, 42, 43, 3)
    S[1, 2] = s(5, 11, 25, 1)
    S[1, 3] = s(12, 11, 43, 3)
    S[2, 3] = s(20, 25, 43, 1)
    return S + S.T


def test_item_similarity_matches_hand_computation(tiny):
    model = ItemKNN(shrink=2.0, neighbours=10).fit(tiny)
    np.testing.assert_allclose(model.similarity.toarray(), hand_similarity(2.0),
                               rtol=1e-5, atol=1e-7)
    # no shrinkage: plain cosine
    plain = ItemKNN(shrink=0.0, neighbours=10).fit(tiny)
    assert plain.similarity[0, 1] == pytest.approx(16 / sqrt(42 * 11), rel=1e-5)


def test_item_top_k_per_movie_keeps_the_largest(tiny):
    full = hand_similarity(2.0)
    model = ItemKNN(shrink=2.0, neighbours=1).fit(tiny)
    S = model.similarity.toarray()
    for j in range(4):  # each target movie keeps exactly its single best neighbour
        assert np.count_nonzero(S[:, j]) == 1
        assert S[:, j].max() == pytest.approx(full[:, j].max(), rel=1e-5)
        assert np.argmax(S[:, j]) == np.argmax(full[:, j])
    assert np.count_nonzero(S[:, 4]) == 0 and np.count_nonzero(S[4]) == 0


def test_item_min_support_drops_rare_pairs(tiny):
    model = ItemKNN(shrink=2.0, neighbours=10, min_support=2).fit(tiny)
    S = model.similarity.toarray()
    full = hand_similarity(2.0)
    assert S[1, 2] == 0 and S[2, 3] == 0          # one person in common
    assert S[0, 1] == pytest.approx(full[0, 1], rel=1e-5)


def test_item_score_is_preference_times_similarity(tiny):
    model = ItemKNN(shrink=2.0, neighbours=10).fit(tiny)
    profile = Profile(np.array([0, 3]), np.array([5.0, 2.0]))   # preference +1, -0.5
    scores = model.score(profile)
    full = hand_similarity(2.0)
    expected = 1.0 * full[0] - 0.5 * full[3]
    np.testing.assert_allclose(scores[:4], expected[:4], atol=1e-5)
    assert np.isnan(scores[4]), "a movie nobody rated can't be scored"


def test_item_centred_is_adjusted_cosine(tiny):
    model = ItemKNN(shrink=0.0, neighbours=10, centering="user").fit(tiny)
    means = np.array([3.0, 2.5, 7 / 3, 10 / 3])
    C = np.where(R > 0, R - means[:, None], 0.0)[:, :4]
    norms = np.linalg.norm(C, axis=0)
    cos = (C.T @ C) / np.outer(norms, norms)
    np.fill_diagonal(cos, 0)
    np.testing.assert_allclose(model.similarity.toarray()[:4, :4], np.maximum(cos, 0), atol=1e-5)


def test_item_explanation_names_the_pick_that_contributes_most(tiny):
    model = ItemKNN(shrink=2.0, neighbours=10).fit(tiny)
    profile = Profile.from_picks([0, 1])
    recs = model.recommend(profile, k=2, min_picks=2)
    full = hand_similarity(2.0)
    for item, why in zip(recs.items, recs.explanations):
        best = int(np.argmax(full[[0, 1], item]))
        assert why.startswith(f"Because you liked Movie {best} (2000)")


def test_topk_rows_blocks_diagonal_and_positive_only():
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(7, 7)).astype(np.float32)
    one = topk_rows(lambda a, b: dense[a:b], 7, 7, 3)
    blocked = topk_rows(lambda a, b: sp.csr_matrix(dense[a:b]), 7, 7, 3, block_rows=2)
    assert (one != blocked).nnz == 0
    d = one.toarray()
    assert np.all(np.diag(d) == 0) and np.all(d >= 0)
    for i in range(7):
        row = dense[i].copy()
        row[i] = 0
        want = np.sort(row[row > 0])[::-1][:3]
        np.testing.assert_allclose(np.sort(d[i][d[i] > 0])[::-1], want)


def test_item_blocks_give_the_same_matrix(monkeypatch):
    data = block_dataset(seed=0)
    whole = ItemKNN(neighbours=7).fit(data).similarity
    monkeypatch.setattr(knn, "BLOCK_CELLS", 50)       # one movie per block
    blocked = ItemKNN(neighbours=7).fit(data).similarity
    assert (whole != blocked).nnz == 0
    assert np.diff(blocked.tocsc().indptr).max() <= 7, "at most k neighbours per movie"


def test_item_scales_sparse_on_a_big_catalog():
    """30k-movie catalog, 2k rated: the model stays sparse (k per movie), no dense n x n."""
    rng = np.random.default_rng(0)
    n_users, n_movies, rated = 300, 30_000, rng.choice(30_000, 2_000, replace=False)
    rows = rng.integers(0, n_users, 20_000)
    cols = rated[rng.zipf(1.3, 20_000) % len(rated)]
    m = sp.csr_matrix((np.full(20_000, 4.0, np.float32), (rows, cols)), shape=(n_users, n_movies))
    m.data[:] = 4.0                                     # duplicates summed: reset to one rating
    model = ItemKNN(neighbours=20).fit(make_dataset(m, "big"))
    S = model.similarity
    assert S.shape == (n_movies, n_movies)
    assert S.nnz <= 20 * len(np.unique(cols))
    scores = model.score(Profile.from_picks(cols[:3]))
    unrated = np.setdiff1d(np.arange(n_movies), cols)
    assert np.isnan(scores[unrated]).all() and np.isfinite(scores[np.unique(cols)]).all()


# --- user-user -----------------------------------------------------------------------------
# user means: u0 3, u1 2.5, u2 7/3, u3 10/3. Centred:
# u0: m0 +2, m1 0, m3 -2 | u1: m0 +1.5, m3 -1.5 | u2: m0 -4/3, m1 -4/3, m3 +8/3
# u3: m1 -7/3, m2 +5/3, m3 +2/3.
# Person loves movies 0 and 1 (preference +1, +1), shrink 1:
#  u0 over {0,1}: (2 + 0) / (|(2,0)| * |(1,1)|) = 1/sqrt2, times 2/(2+1)
#  u1 over {0}:   1.5 / (1.5 * 1) = 1, times 1/(1+1)
#  u2: (-4/3 - 4/3) < 0, u3: -7/3 < 0  -> not neighbours
SIM_U0 = 1 / sqrt(2) * 2 / 3
SIM_U1 = 0.5


def test_user_similarities_match_hand_computation(tiny):
    model = UserKNN(shrink=1.0).fit(tiny)
    sim = model.similarities(Profile.from_picks([0, 1]))
    np.testing.assert_allclose(sim[:2], [SIM_U0, SIM_U1], rtol=1e-5)
    assert sim[2] < 0 and sim[3] < 0
    users, weights = model.neighbours(Profile.from_picks([0, 1]))
    assert users.tolist() == [1, 0]                    # best first, positive only
    np.testing.assert_allclose(weights, [SIM_U1, SIM_U0], rtol=1e-5)


# Who loves what (>= 4 stars), for the lift: u0, u1 and u2 loved movie 0 (the pick) and are
# the neighbours; u3 and u4 did not like it. Movie 1 is loved by everyone, movie 2 only by
# u0 and u1 -- twice as often by the neighbours as by everyone; movie 3 by no neighbour.
FANS = np.array([[5, 4, 5, 1],
                 [5, 4, 4, 2],
                 [4, 5, 0, 1],
                 [1, 5, 0, 3],
                 [2, 4, 0, 5],
                 [0, 4, 0, 4]], dtype=np.float32)


@pytest.fixture(scope="module")
def fans():
    return make_dataset(FANS, "fans")


def test_user_neighbours_are_the_people_who_loved_the_pick(fans):
    users, sim = UserKNN(shrink=0.0).fit(fans).neighbours(Profile.from_picks([0]))
    assert sorted(users.tolist()) == [0, 1, 2]         # u3, u4 rated it below their mean
    np.testing.assert_allclose(sim, 1.0)               # one pick: cosine 1 for every fan


@pytest.mark.parametrize("lift, prior", [(0.0, 0.0), (0.5, 0.0), (1.0, 0.0), (0.5, 5.0)])
def test_user_score_is_share_of_neighbours_times_lift(fans, lift, prior):
    scores = UserKNN(shrink=0.0, lift=lift, prior=prior).fit(fans).score(Profile.from_picks([0]))
    # 3 neighbours. share: movie 1 3/3, movie 2 2/3, movie 3 0/3.
    # everyone (6 people): movie 1 6/6, movie 2 2/6, movie 3 2/6.
    # lift = (3 share + prior base) / ((3 + prior) base): movie 1 -> 1, movie 2 ->
    # (2 + prior/3) / (1 + prior/3): 2 without the prior, 11/8 with prior 5.
    lift2 = (2 + prior / 3) / (1 + prior / 3)
    assert scores[1] == pytest.approx(1.0, abs=1e-5)
    assert scores[2] == pytest.approx(2 / 3 * lift2 ** lift, abs=1e-5)
    assert scores[3] == pytest.approx(0.0, abs=1e-5)   # rated by neighbours, loved by none
    assert (scores[2] > scores[1]) == (lift == 1.0)    # only a full lift puts the niche first


def test_user_neighbour_count_is_respected(tiny):
    model = UserKNN(shrink=1.0, neighbours=1).fit(tiny)
    users, _ = model.neighbours(Profile.from_picks([0, 1]))
    assert users.tolist() == [1]


def test_user_explanation_quotes_neighbours_who_loved_the_pick(fans):
    model = UserKNN(shrink=0.0).fit(fans)
    recs = model.recommend(Profile.from_picks([0]), k=5, min_picks=1)
    assert recs.items.tolist() == [1, 2, 3]
    # u0, u1, u2 loved movie 0 and gave movie 1 4, 4 and 5 stars
    assert recs.explanations[0] == "People who loved Movie 0 (2000) gave it 4.3/5 (3 ratings)"
    # movie 2: loved by 2 of the 3 neighbours, by 2 of all 6 people: lift 2 without a prior
    why = UserKNN(shrink=0.0, prior=0.0).fit(fans).explain(Profile.from_picks([0]),
                                                           np.array([2, 1]), np.zeros(2))
    assert why == ["People who loved Movie 0 (2000) gave it 4.5/5 (2 ratings); "
                   "people like you love it 2.0× as often as everyone",
                   "People who loved Movie 0 (2000) gave it 4.3/5 (3 ratings)"]


@pytest.mark.parametrize("cls", [ItemKNN, UserKNN])
def test_no_evidence_means_all_nan(cls, tiny):
    """Picks nobody rated tell a collaborative model nothing: all NaN, so a hybrid uses content."""
    model = cls().fit(tiny)
    assert np.isnan(model.score(Profile.from_picks([4]))).all()
    recs = model.recommend(Profile.from_picks([4]), k=3, min_picks=1)
    assert len(recs) == 0
    assert np.isfinite(model.score(Profile.from_picks([4, 0]))[[1, 3]]).all()


@pytest.mark.parametrize("cls", [ItemKNN, UserKNN])
def test_save_load_is_identical(cls, tiny, tmp_path):
    model = cls(shrink=1.0).fit(tiny)
    loaded = load_model(save_model(model, tmp_path / cls.name), tiny)
    profile = Profile(np.array([0, 1, 3]), np.array([5.0, 4.0, 1.0]))
    np.testing.assert_array_equal(model.score(profile), loaded.score(profile))


def test_people_without_ratings_are_harmless():
    stars = np.vstack([R, np.zeros((2, 5), np.float32)])      # two trailing empty rows
    data = make_dataset(stars, "empty-rows")
    for cls in (ItemKNN, UserKNN):
        scores = cls(shrink=1.0).fit(data).score(Profile.from_picks([0, 1, 3]))
        assert np.isfinite(scores[2]) or cls is UserKNN
        assert np.isnan(scores[4])


@given(st.lists(st.integers(0, 39), max_size=120), st.integers(40, 400))
def test_grouping_people_matches_unique(who, n):
    """Both roads of `_group` (sort for few ids, mark-and-count for many) equal np.unique."""
    who = np.array(who, dtype=np.int32)
    people, slot = user_knn_module._group(who, n)
    want_people, want_slot = np.unique(who, return_inverse=True)
    np.testing.assert_array_equal(people, want_people)
    np.testing.assert_array_equal(slot, want_slot)


def test_recommend_finds_neighbours_once_and_forgets_them_on_refit(fans, tiny):
    """score and explain share one neighbour search per person; a refit starts afresh."""
    model = UserKNN(shrink=0.0).fit(fans)
    calls = []
    search = model._nearest
    model._nearest = lambda profile: calls.append(1) or search(profile)
    lifts = []
    lift = model.lift_evidence
    model.lift_evidence = lambda u, s: lifts.append(1) or lift(u, s)
    model.recommend(Profile.from_picks([0]), k=3, min_picks=1)
    assert len(calls) == 1 and len(lifts) == 1
    model.recommend(Profile.from_picks([0, 1]), k=3, min_picks=1)
    assert len(calls) == 2
    model.fit(tiny)
    users, _ = model.neighbours(Profile.from_picks([0, 1]))
    assert users.tolist() == UserKNN(shrink=0.0).fit(tiny).neighbours(
        Profile.from_picks([0, 1]))[0].tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 12), st.sampled_from([0.0, 1.0, 20.0]))
def test_pruned_neighbour_search_equals_the_full_selection(seed, k, shrink):
    """Dropping people who cannot reach the k-th similarity gives exactly the neighbours
    (and tie order) of selecting among everyone."""
    rng = np.random.default_rng(seed)
    stars = rng.integers(0, 6, size=(60, 8)).astype(np.float32)
    stars[rng.random(stars.shape) < 0.5] = 0
    model = UserKNN(neighbours=k, shrink=shrink).fit(make_dataset(stars, f"prune{seed}"))
    profile = Profile.from_picks(rng.choice(8, size=3, replace=False))
    got = model._nearest(profile)
    model._contenders = lambda sim, common, k: np.arange(len(sim))      # no pruning
    want = model._nearest(profile)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
