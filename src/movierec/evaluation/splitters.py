"""Seeded, pure train/test splits: rating prediction splits and top-N "people" splits.

Rating splits (`random_split`, `kfold`, `predefined_folds`) keep every user row and remove
only the test ratings, so rating models can `predict(users, movies)` for training rows.

People splits answer the question the app asks: given what someone told us, what will they
go on to like? The key protocol is `heldout_users` (Liang et al. 2018, "Variational
autoencoders for collaborative filtering"): test people are removed from training entirely,
and each is folded in from a few liked movies -- exactly what a new person does in the app.
`per_user_holdout` and `temporal` keep the person in training with their profile rows.

Every function is deterministic given its seed, never mutates its input, and works on the
whole ratings table with vectorised numpy (no Python loop over ratings); only the building
of one `Profile` per test person loops. Each training dataset gets a name/fingerprint
suffix derived from exactly which ratings it holds, so models trained on a split are cached
separately from models trained on the full data (and on other splits).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT, NEUTRAL_AT
from movierec.data.ratings import Ratings
from movierec.models.profile import MIN_PICKS, Profile



@dataclass(frozen=True)
class RatingSplit:
    """Rating prediction: fit on `train`, predict the held-out (user, movie) ratings."""

    name: str               # "u1".."u5", "fold-1", "random"
    train: Dataset          # same catalog and user rows as the input; only test ratings removed
    users: np.ndarray       # int64 row indices (rows of train.ratings) of the test ratings
    movies: np.ndarray      # int64 movie indices
    ratings: np.ndarray     # float32 true ratings

    def __len__(self) -> int:
        return len(self.ratings)


@dataclass(frozen=True)
class Case:
    """One test person for top-N: what they told us and what they went on to like."""

    user: int               # row index in the INPUT dataset's ratings
    profile: Profile        # the fold-in (picks, with ratings / timestamps when known)
    truth: np.ndarray       # int64 relevant held-out movie indices (rating >= like_threshold)


@dataclass(frozen=True)
class PeopleSplit:
    """Top-N evaluation: fit on `train`, recommend from each case's profile, score vs truth."""

    name: str
    train: Dataset
    cases: tuple[Case, ...]
    users_in_train: bool    # True when each case's profile rows are in `train`
    train_rows: np.ndarray | None = None  # when users_in_train: each case's row in train.ratings

    def __len__(self) -> int:
        return len(self.cases)


# --- shared helpers ----------------------------------------------------------------------------
def _row_of_rating(ratings: Ratings) -> np.ndarray:
    """Row index of every stored rating (aligned with matrix.data)."""
    m = ratings.matrix
    return np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))


def _digest(mask: np.ndarray) -> str:
    """Short stable hash of which ratings a training set holds (names its cache folder)."""
    return hashlib.sha1(np.packbits(mask).tobytes() + str(len(mask)).encode()).hexdigest()[:10]


def _keep_ratings(ratings: Ratings, keep: np.ndarray) -> Ratings:
    """Same user rows, only the ratings where ``keep`` (aligned with matrix.data) is True."""
    m = ratings.matrix
    rows = _row_of_rating(ratings)
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=m.shape[0]), out=indptr[1:])
    matrix = sp.csr_matrix((m.data[keep], m.indices[keep], indptr.astype(m.indptr.dtype)),
                           shape=m.shape)
    matrix.has_sorted_indices = m.has_sorted_indices
    return Ratings(matrix, ratings.user_ids,
                   None if ratings.timestamps is None else ratings.timestamps[keep],
                   None if ratings.folds is None else ratings.folds[keep],
                   ratings.users)


def _rating_split(dataset: Dataset, name: str, test: np.ndarray) -> RatingSplit:
    r = dataset.ratings
    if not test.any():
        raise ValueError(f"split {name!r} has no test ratings")
    train = dataset.with_ratings(_keep_ratings(r, ~test), f"-{name}-{_digest(~test)}")
    rows = _row_of_rating(r)
    return RatingSplit(name, train, rows[test], r.matrix.indices[test].astype(np.int64),
                       r.matrix.data[test].astype(np.float32))


def _check_fraction(value: float, what: str) -> float:
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"{what} must be between 0 and 1 (exclusive), got {value}")
    return float(value)


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


# --- rating prediction splits ------------------------------------------------------------------
def random_split(dataset: Dataset, test_fraction: float = 0.2, seed: int = 0) -> RatingSplit:
    """Hold out exactly round(test_fraction * n_ratings) ratings drawn uniformly at random."""
    _check_fraction(test_fraction, "test_fraction")
    nnz = dataset.ratings.nnz
    n_test = int(_round_half_up(test_fraction * nnz))
    if n_test == 0 or n_test == nnz:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty train or test set "
                         f"with {nnz} ratings")
    test = np.zeros(nnz, dtype=bool)
    test[np.random.default_rng(seed).choice(nnz, size=n_test, replace=False)] = True
    return _rating_split(dataset, "random", test)


def kfold(dataset: Dataset, k: int = 5, seed: int = 0) -> list[RatingSplit]:
    """k splits whose test sets partition the ratings: each rating is tested exactly once."""
    nnz = dataset.ratings.nnz
    if not 2 <= int(k) <= nnz:
        raise ValueError(f"k must be between 2 and the number of ratings ({nnz}), got {k}")
    fold = np.empty(nnz, dtype=np.int64)
    fold[np.random.default_rng(seed).permutation(nnz)] = np.arange(nnz) % k
    return [_rating_split(dataset, f"fold-{i + 1}", fold == i) for i in range(k)]


def predefined_folds(dataset: Dataset) -> list[RatingSplit]:
    """The dataset's own folds (ML-100k u1..u5: u<i>.test is the test set of split i)."""
    folds = dataset.ratings.folds
    if folds is None or not np.any(folds):
        raise ValueError(f"dataset {dataset.name!r} has no predefined folds (only ML-100k ships "
                         "u1..u5); use kfold(dataset, k=5) instead")
    return [_rating_split(dataset, f"u{int(f)}", folds == f) for f in np.unique(folds[folds > 0])]


# --- people splits -------------------------------------------------------------------------------
def _liked_counts(ratings: Ratings, like_threshold: float) -> np.ndarray:
    liked = ratings.matrix.data >= like_threshold
    return np.bincount(_row_of_rating(ratings)[liked], minlength=ratings.n_users)


def fold_in_sizes(liked: np.ndarray, picks: int | None, fold_in: float | None) -> np.ndarray:
    """How many liked movies each person folds in (0 = not eligible)."""
    if fold_in is not None:
        _check_fraction(fold_in, "fold_in")
        n_in = _round_half_up(fold_in * liked)
        ok = (n_in >= MIN_PICKS) & (liked - n_in >= 1)
    elif picks is not None:
        if int(picks) < 1:
            raise ValueError(f"picks must be at least 1, got {picks}")
        n_in = np.full(len(liked), int(picks), dtype=np.int64)
        ok = liked >= n_in + 1
    else:
        raise ValueError("give picks (a number of liked movies) or fold_in (a share of them)")
    return np.where(ok, n_in, 0)


def _ordered(ratings: Ratings, positions: np.ndarray) -> np.ndarray:
    """Positions (into matrix.data) in time order when timestamps are known, ties by movie."""
    if ratings.timestamps is None:
        return positions
    order = np.lexsort((ratings.matrix.indices[positions], ratings.timestamps[positions]))
    return positions[order]


def _profile(ratings: Ratings, positions: np.ndarray, with_ratings: bool = True) -> Profile:
    positions = _ordered(ratings, positions)
    return Profile(ratings.matrix.indices[positions].astype(np.int64),
                   ratings.matrix.data[positions] if with_ratings else None,
                   timestamps=None if ratings.timestamps is None else ratings.timestamps[positions])


def _heldout_case(ratings: Ratings, row: int, n_in: int, like_threshold: float, seed: int,
                  with_ratings: bool) -> Case:
    """Fold in ``n_in`` liked movies drawn at random; the person's other liked movies are truth.

    The draw depends only on (seed, row), so a person gets the same picks in every split.
    """
    start, end = ratings.matrix.indptr[row], ratings.matrix.indptr[row + 1]
    positions = np.arange(start, end, dtype=np.int64)
    liked = positions[ratings.matrix.data[start:end] >= like_threshold]
    chosen = np.random.default_rng((seed, int(row))).permutation(len(liked))
    fold, rest = liked[chosen[:n_in]], liked[chosen[n_in:]]
    truth = np.sort(ratings.matrix.indices[rest].astype(np.int64))
    return Case(int(row), _profile(ratings, fold, with_ratings), truth)


def _heldout_split(dataset: Dataset, test_rows: np.ndarray, sizes: np.ndarray, name: str,
                   like_threshold: float, seed: int, with_ratings: bool) -> PeopleSplit:
    r = dataset.ratings
    test_rows = np.sort(np.asarray(test_rows, dtype=np.int64))
    is_test = np.zeros(r.n_users, dtype=bool)
    is_test[test_rows] = True
    keep = ~is_test[_row_of_rating(r)]
    tag = "heldout-" + _digest(keep)
    train = dataset.with_ratings(r.select_users(np.flatnonzero(~is_test)), f"-{tag}")
    cases = tuple(_heldout_case(r, row, int(sizes[row]), like_threshold, seed, with_ratings)
                  for row in test_rows)
    return PeopleSplit(name, train, cases, users_in_train=False)


def _heldout_name(picks: int | None, fold_in: float | None) -> str:
    if fold_in is not None:
        return f"heldout-users fold-in={fold_in:g}"
    return f"heldout-users picks={picks}"


def _eligible(dataset: Dataset, picks, fold_in, like_threshold) -> tuple[np.ndarray, np.ndarray]:
    sizes = fold_in_sizes(_liked_counts(dataset.ratings, like_threshold), picks, fold_in)
    eligible = np.flatnonzero(sizes > 0)
    if len(eligible) == 0:
        need = (f"{picks} picks" if fold_in is None
                else f"a {fold_in:g} fold-in of at least {MIN_PICKS}")
        raise ValueError(f"nobody in {dataset.name!r} has enough movies rated >= "
                         f"{like_threshold:g} for {need} plus at least one to predict")
    return eligible, sizes


def heldout_users(dataset: Dataset, picks: int | None = 3, fold_in: float | None = None,
                  test_users: float | int = 0.2, like_threshold: float = LIKED_AT, seed: int = 0,
                  with_ratings: bool = True) -> PeopleSplit:
    """New people, exactly as the app sees them: test people are removed from training.

    Each test person's profile is ``picks`` of their liked movies (rating >= like_threshold)
    drawn at random or, when ``fold_in`` is given (it takes precedence over ``picks``),
    round(fold_in * L) of their L liked movies; their remaining liked movies are the truth.
    Their not-liked ratings are in neither. Eligible people have enough liked movies for the
    fold-in (at least 3 for ``fold_in``) plus one to predict. ``test_users`` is a fraction of
    the eligible people (0 < f <= 1) or a count (all eligible people when there are fewer).
    Profiles carry the real ratings when ``with_ratings`` (else none: loved picks), and the
    rating timestamps when known, in time order. Fewer than 3 ``picks`` need
    ``recommend(..., min_picks=picks)``; keep ``like_threshold`` above 3 with ratings, or a
    profile of 3-star picks has nothing `Profile` counts as liked.
    """
    eligible, sizes = _eligible(dataset, picks, fold_in, like_threshold)
    if isinstance(test_users, (bool, np.bool_)):
        raise ValueError("test_users must be a fraction or a count, not a boolean")
    if isinstance(test_users, (int, np.integer)):
        if test_users < 1:
            raise ValueError(f"test_users must be at least 1 person, got {test_users}")
        n = min(int(test_users), len(eligible))
    else:
        if not 0.0 < float(test_users) <= 1.0:
            raise ValueError(f"test_users as a fraction must be in (0, 1], got {test_users}")
        n = max(1, int(_round_half_up(float(test_users) * len(eligible))))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(eligible, size=n, replace=False)
    return _heldout_split(dataset, chosen, sizes, _heldout_name(picks, fold_in),
                          like_threshold, seed, with_ratings)


def heldout_user_folds(dataset: Dataset, k: int = 5, picks: int | None = 3,
                       fold_in: float | None = None, like_threshold: float = LIKED_AT, seed: int = 0,
                       with_ratings: bool = True) -> list[PeopleSplit]:
    """k held-out-people splits: every eligible person is a test person exactly once."""
    eligible, sizes = _eligible(dataset, picks, fold_in, like_threshold)
    if not 2 <= int(k) <= len(eligible):
        raise ValueError(f"k must be between 2 and the number of eligible people "
                         f"({len(eligible)}), got {k}")
    groups = np.array_split(np.random.default_rng(seed).permutation(eligible), int(k))
    base = _heldout_name(picks, fold_in)
    return [_heldout_split(dataset, g, sizes, f"{base} fold={i + 1}/{k}", like_threshold, seed,
                           with_ratings) for i, g in enumerate(groups)]


def _order_within_rows(rows: np.ndarray, key: np.ndarray, n_rows: int) -> np.ndarray:
    """Positions sorted by row, then by the integer ``key``, ties by position (= by movie).

    One stable argsort of a combined int64 key (rows are already grouped in CSR order);
    several times faster than a multi-key lexsort on millions of ratings.
    """
    key = np.asarray(key, dtype=np.int64)
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    low = key.min()
    span = int(key.max() - low) + 1
    if n_rows * span >= 2 ** 62:                       # would overflow int64: slower fallback
        return np.lexsort((key, rows))
    return np.argsort(rows * span + (key - low), kind="stable")


def _within_user_split(dataset: Dataset, name: str, key: np.ndarray, fraction: float,
                       like_threshold: float, min_profile: int,
                       max_cases: int | None, seed: int) -> PeopleSplit:
    """Hold out each person's round(fraction * n) ratings (at least 1) with the largest ``key``."""
    _check_fraction(fraction, "fraction")
    if max_cases is not None and max_cases < 1:
        raise ValueError(f"max_cases must be at least 1, got {max_cases}")
    r = dataset.ratings
    m = r.matrix
    rows = _row_of_rating(r)
    counts = np.diff(m.indptr).astype(np.int64)
    n_test = np.clip(_round_half_up(fraction * counts), 1, counts)
    order = _order_within_rows(rows, key, r.n_users)
    rank_from_end = m.indptr[rows[order] + 1] - 1 - np.arange(len(order))
    held = np.zeros(m.nnz, dtype=bool)
    held[order] = rank_from_end < n_test[rows[order]]
    profile_size = np.bincount(rows[~held], minlength=r.n_users)
    liked_truth = np.bincount(rows[held & (m.data >= like_threshold)], minlength=r.n_users)
    # recommend() refuses a profile with nothing liked in it (preference > 0: rating > 3)
    positives = np.bincount(rows[~held & (m.data > NEUTRAL_AT)], minlength=r.n_users)
    testable = (profile_size >= min_profile) & (liked_truth >= 1) & (positives >= 1)
    case_rows = np.flatnonzero(testable)
    if len(case_rows) == 0:
        raise ValueError(f"no person in {dataset.name!r} has {min_profile}+ profile ratings and "
                         f"a held-out rating >= {like_threshold:g} (and a profile rating above 3)")
    if max_cases is not None and len(case_rows) > max_cases:
        case_rows = np.sort(np.random.default_rng((seed, 1)).choice(case_rows, max_cases,
                                                                      replace=False))
    cases = []
    for row in case_rows:
        start, end = m.indptr[row], m.indptr[row + 1]
        positions = np.arange(start, end, dtype=np.int64)
        truth_pos = positions[held[start:end] & (m.data[start:end] >= like_threshold)]
        cases.append(Case(int(row), _profile(r, positions[~held[start:end]]),
                          np.sort(m.indices[truth_pos].astype(np.int64))))
    is_case = np.zeros(r.n_users, dtype=bool)
    is_case[case_rows] = True
    keep = ~(held & is_case[rows])
    train = dataset.with_ratings(_keep_ratings(r, keep), f"-{name}-{_digest(keep)}")
    return PeopleSplit(name, train, tuple(cases), users_in_train=True, train_rows=case_rows)


def per_user_holdout(dataset: Dataset, fraction: float = 0.2, like_threshold: float = LIKED_AT,
                     seed: int = 0, min_profile: int = 3,
                     max_cases: int | None = None) -> PeopleSplit:
    """Hold out a random ``fraction`` of each person's ratings (at least one); the rest is
    their profile (all of it, liked or not) and stays in training.

    Truth = held-out movies rated >= like_threshold. People with fewer than ``min_profile``
    profile ratings, no liked held-out movie, or no profile rating above 3 (nothing liked to
    go on: `recommend` refuses such a profile) are skipped; only
    the cases' held-out ratings are removed from `train`. ``max_cases`` keeps a seeded
    random sample of the cases (and only their ratings are held out).
    """
    key = np.random.default_rng(seed).permutation(dataset.ratings.nnz)
    return _within_user_split(dataset, "per-user", key, fraction, like_threshold, min_profile,
                              max_cases, seed)


def temporal(dataset: Dataset, fraction: float = 0.2, like_threshold: float = LIKED_AT,
             min_profile: int = 3, max_cases: int | None = None, seed: int = 0) -> PeopleSplit:
    """Like `per_user_holdout`, but each person's LAST ratings by timestamp are held out
    (ties broken by movie index): predict what they watch next from what came before.

    ``seed`` only draws the ``max_cases`` sample."""
    if dataset.ratings.timestamps is None:
        raise ValueError(f"dataset {dataset.name!r} has no timestamps; use per_user_holdout")
    return _within_user_split(dataset, "temporal", dataset.ratings.timestamps, fraction,
                              like_threshold, min_profile, max_cases, seed)
