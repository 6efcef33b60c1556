"""Splitters: partitions, disjointness, fold-in contents, determinism and purity."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.data.ratings import Ratings
from movierec.evaluation import splitters as s
from movierec.synthetic import block_dataset, matrix_dataset


@pytest.fixture(scope="module")
def blocks():
    return block_dataset(seed=0)


def cells(ratings: Ratings) -> dict[tuple[int, int], tuple[float, int]]:
    """(user id, movie) -> (rating, timestamp) for every stored rating."""
    coo = ratings.matrix.tocoo()
    ts = ratings.timestamps if ratings.timestamps is not None else np.zeros(coo.nnz, np.int64)
    return {(int(ratings.user_ids[u]), int(m)): (float(v), int(t))
            for u, m, v, t in zip(coo.row, coo.col, coo.data, ts)}


def snapshot(ds):
    m = ds.ratings.matrix
    return m.data.copy(), m.indices.copy(), m.indptr.copy(), ds.ratings.timestamps.copy(), ds.name


def assert_unchanged(ds, snap):
    m = ds.ratings.matrix
    for a, b in zip((m.data, m.indices, m.indptr, ds.ratings.timestamps), snap[:4]):
        np.testing.assert_array_equal(a, b)
    assert ds.name == snap[4]


def test_cells_reads_timestamps_aligned_with_matrix():
    # sanity check of the helper the other tests rely on
    ds = matrix_dataset([[5, 0, 3], [0, 4, 0]])
    assert cells(ds.ratings) == {(1, 0): (5.0, 0), (1, 2): (3.0, 0), (2, 1): (4.0, 0)}


# --- rating splits -------------------------------------------------------------------------------
def test_random_split_holds_out_exact_share_and_keeps_rows(blocks):
    snap = snapshot(blocks)
    split = s.random_split(blocks, test_fraction=0.25, seed=3)
    assert_unchanged(blocks, snap)
    nnz = blocks.ratings.nnz
    assert len(split) == round(0.25 * nnz) and split.train.ratings.nnz == nnz - len(split)
    assert split.train.ratings.n_users == blocks.ratings.n_users
    np.testing.assert_array_equal(split.train.ratings.user_ids, blocks.ratings.user_ids)
    assert split.users.dtype == np.int64 and split.movies.dtype == np.int64
    assert split.ratings.dtype == np.float32
    full, train = cells(blocks.ratings), cells(split.train.ratings)
    test = {(int(blocks.ratings.user_ids[u]), int(m)): float(v)
            for u, m, v in zip(split.users, split.movies, split.ratings)}
    assert not set(train) & set(test)
    assert set(train) | set(test) == set(full)
    assert all(full[key] == value for key, value in train.items())   # timestamps stay aligned
    assert all(full[key][0] == value for key, value in test.items())


def test_random_split_is_deterministic_and_seeded(blocks):
    a, b = s.random_split(blocks, seed=1), s.random_split(blocks, seed=1)
    c = s.random_split(blocks, seed=2)
    np.testing.assert_array_equal(a.movies, b.movies)
    np.testing.assert_array_equal(a.users, b.users)
    assert a.train.fingerprint == b.train.fingerprint and a.train.name == b.train.name
    assert cells(a.train.ratings) != cells(c.train.ratings)
    assert a.train.name != c.train.name and a.train.fingerprint != c.train.fingerprint
    assert a.train.fingerprint.startswith(blocks.fingerprint) and a.train.name != blocks.name


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5])
def test_random_split_rejects_bad_fraction(blocks, bad):
    with pytest.raises(ValueError, match="test_fraction"):
        s.random_split(blocks, test_fraction=bad)


def test_kfold_tests_every_rating_exactly_once(blocks):
    snap = snapshot(blocks)
    splits = s.kfold(blocks, k=4, seed=0)
    assert_unchanged(blocks, snap)
    assert [sp.name for sp in splits] == ["fold-1", "fold-2", "fold-3", "fold-4"]
    full = cells(blocks.ratings)
    seen: list[tuple[int, int]] = []
    for split in splits:
        ids = blocks.ratings.user_ids
        keys = [(int(ids[u]), int(m)) for u, m in zip(split.users, split.movies)]
        seen += keys
        assert set(cells(split.train.ratings)) == set(full) - set(keys)
        assert abs(len(split) - len(full) / 4) <= 1
    assert sorted(seen) == sorted(full)
    assert len({sp.train.name for sp in splits}) == 4


def test_kfold_rejects_bad_k(blocks):
    with pytest.raises(ValueError, match="k must be"):
        s.kfold(blocks, k=1)


def with_folds(ds, folds):
    r = ds.ratings
    return ds.with_ratings(Ratings(r.matrix, r.user_ids, r.timestamps, np.asarray(folds, np.int8)))


def test_predefined_folds_follow_the_fold_column():
    ds = matrix_dataset([[5, 4, 0, 3], [1, 0, 2, 5], [4, 4, 4, 0]])
    folds = [1, 2, 1, 0, 2, 1, 2, 1, 1]     # aligned with matrix.data (row-major order)
    splits = s.predefined_folds(with_folds(ds, folds))
    assert [sp.name for sp in splits] == ["u1", "u2"]
    u1 = splits[0]
    coo = ds.ratings.matrix.tocoo()
    expected = {(int(u), int(m)) for u, m, f in zip(coo.row, coo.col, folds) if f == 1}
    assert set(zip(u1.users.tolist(), u1.movies.tolist())) == expected
    assert u1.train.ratings.nnz == ds.ratings.nnz - 5
    np.testing.assert_array_equal(u1.train.ratings.folds, [2, 0, 2, 2])  # folds carried along


def test_predefined_folds_say_clearly_when_there_are_none(blocks):
    with pytest.raises(ValueError, match="no predefined folds.*kfold"):
        s.predefined_folds(blocks)


# --- held-out people -----------------------------------------------------------------------------
def liked_of(ds, row, threshold=4.0):
    movies, values = ds.ratings.user_row(row)
    return set(movies[values >= threshold].tolist())


def test_heldout_users_are_removed_and_folded_in_from_liked_picks(blocks):
    snap = snapshot(blocks)
    split = s.heldout_users(blocks, picks=3, test_users=10, seed=0)
    assert_unchanged(blocks, snap)
    assert split.name == "heldout-users picks=3" and not split.users_in_train
    assert split.train_rows is None and len(split) == 10
    rows = [c.user for c in split.cases]
    assert len(set(rows)) == 10
    test_ids = set(blocks.ratings.user_ids[rows].tolist())
    train_ids = set(split.train.ratings.user_ids.tolist())
    assert not test_ids & train_ids
    assert train_ids | test_ids == set(blocks.ratings.user_ids.tolist())
    assert split.train.ratings.n_users == blocks.ratings.n_users - 10
    full = cells(blocks.ratings)
    assert all(full[key] == value for key, value in cells(split.train.ratings).items())
    for case in split.cases:
        liked = liked_of(blocks, case.user)
        picks = set(case.profile.items.tolist())
        assert len(picks) == 3 and picks <= liked
        assert set(case.truth.tolist()) == liked - picks
        assert case.truth.dtype == np.int64 and np.all(np.diff(case.truth) > 0)
        uid = int(blocks.ratings.user_ids[case.user])
        np.testing.assert_array_equal(case.profile.ratings,
                                      [full[(uid, int(m))][0] for m in case.profile.items])
        np.testing.assert_array_equal(case.profile.timestamps,
                                      [full[(uid, int(m))][1] for m in case.profile.items])
        assert np.all(np.diff(case.profile.timestamps) >= 0)       # time order


def test_heldout_users_without_ratings_gives_loved_picks(blocks):
    split = s.heldout_users(blocks, test_users=3, with_ratings=False)
    assert all(c.profile.ratings is None for c in split.cases)
    assert all(np.all(c.profile.preference() == 1.0) for c in split.cases)


def test_heldout_users_only_picks_eligible_people():
    # liked counts per person: 5, 3, 4, 0 -> with 3 picks only rows 0 and 2 leave a truth
    ds = matrix_dataset([[5, 5, 4, 4, 5, 1],
                         [5, 4, 4, 2, 1, 0],
                         [4, 4, 4, 4, 0, 0],
                         [1, 2, 3, 3, 2, 1]])
    split = s.heldout_users(ds, picks=3, test_users=1.0)
    assert sorted(c.user for c in split.cases) == [0, 2]
    assert {c.user: len(c.truth) for c in split.cases} == {0: 2, 2: 1}
    assert s.heldout_users(ds, picks=3, test_users=50).train.ratings.n_users == 2  # count clamps
    with pytest.raises(ValueError, match="enough movies rated >= 4"):
        s.heldout_users(ds, picks=5)


def test_heldout_users_fold_in_share():
    # 10 liked movies for row 0 -> round(0.8 * 10) = 8 fold-in, 2 truth; row 1 has 4 -> 3 + 1
    ds = matrix_dataset([[5] * 10 + [1, 2],
                         [4, 4, 5, 5, 0, 0, 0, 0, 0, 0, 1, 0],
                         [5, 5, 5] + [0] * 9])
    split = s.heldout_users(ds, picks=None, fold_in=0.8, test_users=1.0)
    assert split.name == "heldout-users fold-in=0.8"
    sizes = {c.user: (len(c.profile), len(c.truth)) for c in split.cases}
    assert sizes == {0: (8, 2), 1: (3, 1)}
    with pytest.raises(ValueError, match="fold_in"):
        s.heldout_users(ds, fold_in=1.2)
    with pytest.raises(ValueError, match="picks"):
        s.heldout_users(ds, picks=None, fold_in=None)


def test_heldout_users_share_count_and_determinism(blocks):
    eligible = sum(len(liked_of(blocks, u)) >= 4 for u in range(blocks.ratings.n_users))
    assert len(s.heldout_users(blocks, test_users=0.25)) == round(0.25 * eligible)
    a, b = s.heldout_users(blocks, seed=5), s.heldout_users(blocks, seed=5)
    assert [c.user for c in a.cases] == [c.user for c in b.cases]
    assert all(np.array_equal(x.profile.items, y.profile.items) for x, y in zip(a.cases, b.cases))
    assert a.train.fingerprint == b.train.fingerprint
    c = s.heldout_users(blocks, seed=6)
    assert [x.user for x in a.cases] != [x.user for x in c.cases]
    # a person's picks depend only on (seed, person): the same in a bigger split
    big = {x.user: x for x in s.heldout_users(blocks, test_users=1.0, seed=5).cases}
    assert all(np.array_equal(x.profile.items, big[x.user].profile.items) for x in a.cases)
    for bad in (0, -1, 0.0, 1.5, True):
        with pytest.raises(ValueError, match="test_users"):
            s.heldout_users(blocks, test_users=bad)


def test_heldout_user_folds_test_everyone_once(blocks):
    snap = snapshot(blocks)
    folds = s.heldout_user_folds(blocks, k=4, seed=1)
    assert_unchanged(blocks, snap)
    assert len(folds) == 4 and folds[0].name == "heldout-users picks=3 fold=1/4"
    rows = [c.user for f in folds for c in f.cases]
    eligible = [u for u in range(blocks.ratings.n_users) if len(liked_of(blocks, u)) >= 4]
    assert sorted(rows) == eligible
    for f in folds:
        in_test = set(blocks.ratings.user_ids[[c.user for c in f.cases]].tolist())
        assert not in_test & set(f.train.ratings.user_ids.tolist())
        assert f.train.ratings.n_users == blocks.ratings.n_users - len(f)
    with pytest.raises(ValueError, match="k must be"):
        s.heldout_user_folds(blocks, k=1)


# --- people who stay in training -----------------------------------------------------------------
def check_within_user(ds, split, fraction):
    full = cells(ds.ratings)
    train = cells(split.train.ratings)
    assert split.users_in_train
    assert split.train.ratings.n_users == ds.ratings.n_users
    np.testing.assert_array_equal(split.train_rows, [c.user for c in split.cases])
    assert all(full[key] == value for key, value in train.items())
    for case in split.cases:
        uid = int(ds.ratings.user_ids[case.user])
        mine = {m for (u, m) in full if u == uid}
        profile = set(case.profile.items.tolist())
        held = mine - profile
        assert len(held) == max(1, int(np.floor(fraction * len(mine) + 0.5)))
        assert all((uid, m) in train for m in profile)          # profile rows stay in train
        assert not any((uid, m) in train for m in held)         # held-out rows are removed
        assert set(case.truth.tolist()) == {m for m in held if full[(uid, m)][0] >= 4.0}
        assert len(case.truth) >= 1 and len(case.profile) >= 3
        np.testing.assert_array_equal(case.profile.ratings,
                                      [full[(uid, int(m))][0] for m in case.profile.items])
    kept = set(int(ds.ratings.user_ids[c.user]) for c in split.cases)
    assert all(key in train for key in full if key[0] not in kept)  # others untouched
    return full


def test_per_user_holdout(blocks):
    snap = snapshot(blocks)
    split = s.per_user_holdout(blocks, fraction=0.3, seed=2)
    assert_unchanged(blocks, snap)
    assert split.name == "per-user" and len(split) > 0
    check_within_user(blocks, split, 0.3)
    again = s.per_user_holdout(blocks, fraction=0.3, seed=2)
    assert all(np.array_equal(a.truth, b.truth) for a, b in zip(split.cases, again.cases))
    other = s.per_user_holdout(blocks, fraction=0.3, seed=3)
    assert any(not np.array_equal(a.truth, b.truth) for a, b in zip(split.cases, other.cases))
    sample = s.per_user_holdout(blocks, fraction=0.3, seed=2, max_cases=5)
    assert len(sample) == 5
    check_within_user(blocks, sample, 0.3)


def test_per_user_holdout_skips_people_it_cannot_test():
    ds = matrix_dataset([[5, 4, 5, 4, 5],    # 5 ratings: 4 profile + 1 held
                         [5, 4, 0, 0, 0],    # too few ratings for a 3-movie profile
                         [1, 1, 2, 1, 2],    # nothing liked to predict
                         [1, 2, 1, 1, 5]])   # may only have a liked truth if 5 is held out
    split = s.per_user_holdout(ds, fraction=0.2, seed=0)
    users = [c.user for c in split.cases]
    assert users == [0]
    for c in split.cases:
        assert len(c.profile.positives) > 0      # recommend() would refuse an all-disliked profile
    with pytest.raises(ValueError, match="no person"):
        s.per_user_holdout(ds, fraction=0.2, min_profile=5)


@pytest.fixture(scope="module")
def shuffled_times(blocks):
    """block_dataset stamps each person's liked ratings first; shuffle them for temporal tests."""
    r = blocks.ratings
    stamps = 1_000_000 + 10 * np.random.default_rng(0).permutation(r.nnz)
    stamps[:6] = stamps[0]                       # a few ties, broken by movie index
    return blocks.with_ratings(Ratings(r.matrix, r.user_ids, stamps.astype(np.int64)), "-t")


def test_temporal_holds_out_each_persons_latest_ratings(shuffled_times):
    blocks = shuffled_times
    snap = snapshot(blocks)
    split = s.temporal(blocks, fraction=0.25)
    assert_unchanged(blocks, snap)
    assert split.name == "temporal" and len(split) > 0
    full = check_within_user(blocks, split, 0.25)
    for case in split.cases:
        uid = int(blocks.ratings.user_ids[case.user])
        held_times = [t for (u, m), (_, t) in full.items()
                      if u == uid and m not in set(case.profile.items.tolist())]
        assert case.profile.timestamps.max() <= min(held_times)
        assert np.all(np.diff(case.profile.timestamps) >= 0)
    assert s.temporal(blocks, fraction=0.25).train.fingerprint == split.train.fingerprint


def test_temporal_needs_timestamps(blocks):
    r = blocks.ratings
    bare = blocks.with_ratings(Ratings(r.matrix, r.user_ids, None))
    with pytest.raises(ValueError, match="no timestamps"):
        s.temporal(bare)


def test_every_split_names_its_training_data_apart(blocks):
    names = {blocks.name}
    names.add(s.random_split(blocks).train.name)
    names.update(sp.train.name for sp in s.kfold(blocks, k=3))
    names.add(s.heldout_users(blocks).train.name)
    names.add(s.per_user_holdout(blocks).train.name)
    names.add(s.per_user_holdout(blocks, fraction=0.3).train.name)
    assert len(names) == 8
    assert all(n.replace("-", "").replace("_", "").isalnum() for n in names)  # safe folder names


@pytest.mark.parametrize("scale", [1, 2 ** 60])      # the second overflows int64: fallback path
def test_order_within_rows_matches_lexsort(scale):
    rng = np.random.default_rng(0)
    rows = np.sort(rng.integers(0, 7, 200))
    key = rng.integers(0, 5, 200) * scale              # many ties: broken by position
    expected = np.lexsort((np.arange(200), key, rows))
    np.testing.assert_array_equal(s._order_within_rows(rows, key, 7), expected)
