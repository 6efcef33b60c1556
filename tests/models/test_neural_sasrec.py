"""SASRec on tiny synthetic sequences: the sequence helpers by hand, then a known answer
(movie i is always followed by movie i + 1) and the order-sensitivity that follows from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

pytest.importorskip("torch")

from movierec.data.catalog import Catalog  # noqa: E402
from movierec.data.dataset import Dataset  # noqa: E402
from movierec.data.joins import add_rating_stats  # noqa: E402
from movierec.data.ratings import Ratings, build_ratings  # noqa: E402
from movierec.data.schema import conform  # noqa: E402
from movierec.models.neural.sasrec import (SASNet, SASRec, left_pad,  # noqa: E402
                                           next_movie_loss, sequences, trim, windows)
from movierec.models.profile import Profile  # noqa: E402

N_MOVIES = 16


def chain_dataset(n_people: int = 120, length: int = 6, seed: int = 0) -> Dataset:
    """Each person loves a run of consecutive movies s, s+1, ..., in that order, and rated
    the last movie of the catalog 1 star first (a dislike: never part of a sequence)."""
    rng = np.random.default_rng(seed)
    users, movies, stars, stamps = [], [], [], []
    for person in range(n_people):
        start = int(rng.integers(0, N_MOVIES - 1 - length + 1))
        run = [N_MOVIES - 1] + list(range(start, start + length))
        for t, movie in enumerate(run):
            users.append(person)
            movies.append(movie)
            stars.append(1.0 if t == 0 else 5.0)
            stamps.append(1_000_000 + 100 * t + (person % 7))
    frame = conform(pd.DataFrame({"title": [f"Episode {j}" for j in range(N_MOVIES)],
                                  "year": [2000 + j for j in range(N_MOVIES)],
                                  "genres": [["Drama"]] * N_MOVIES}))
    matrix, ts, _ = build_ratings(np.array(users), np.array(movies), np.array(stars, np.float32),
                                  np.array(stamps, np.int64), n_people, N_MOVIES)
    ratings = Ratings(matrix, np.arange(1, n_people + 1, dtype=np.int64), ts)
    frame = add_rating_stats(frame, ratings)
    return Dataset("chains", Catalog(frame.reset_index(drop=True)), ratings, f"chains-{seed}")


# --- helpers ---------------------------------------------------------------------------------
def test_sequences_are_liked_movies_in_time_order_ties_by_movie():
    m = sp.csr_matrix(np.array([[5, 4, 2, 5, 0],
                                [0, 0, 0, 0, 5]], dtype=np.float32))
    stamps = np.array([30, 10, 5, 10, 7])            # aligned with m.data: row 0 then row 1
    kept = np.array([0, 1, 2, 3, 4])
    seqs = sequences(m, stamps, kept, like_at=4.0)
    # row 0: movie 1 and 3 tie at t=10 -> movie 1 first; movie 2 (2 stars) is left out
    assert [s.tolist() for s in seqs] == [[2, 4, 1], [5]], "tokens are movie index + 1"
    no_time = sequences(m, None, np.array([0, 3]), like_at=4.0)
    assert [s.tolist() for s in no_time] == [[1, 2], []], "without timestamps: by movie index"


def test_windows_cover_long_sequences_and_pad_left():
    w = windows([np.arange(1, 8), np.array([9]), np.array([5, 6])], max_len=3)
    assert w.tolist() == [[4, 5, 6, 7], [1, 2, 3, 4], [0, 0, 5, 6]]
    assert left_pad(np.array([1, 2, 3]), 2).tolist() == [2, 3]
    assert trim(np.array([[0, 0, 1], [0, 2, 3]])).tolist() == [[0, 1], [2, 3]]


def test_sampled_softmax_is_the_full_one_when_it_samples_everything():
    import torch

    torch.manual_seed(0)
    net = SASNet(5, 8, 4, 1, 1, 0.0)
    hidden, target = torch.randn(6, 8), torch.tensor([0, 1, 2, 3, 4, 0])
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        full = torch.nn.functional.cross_entropy(hidden @ net.item.weight[1:].T, target)
        assert float(next_movie_loss(net, hidden, target, 5, gen)) == pytest.approx(float(full))
        sampled = next_movie_loss(net, hidden, target, 3, gen)
    assert torch.isfinite(sampled) and float(sampled) < float(full), "fewer competitors"


# --- fitted on chains ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def model():
    return SASRec(seed=1, dim=32, max_len=8, epochs=40, patience=8, dropout=0.1).fit(
        chain_dataset())


def test_known_answer_next_in_the_chain(model):
    for start in (2, 5, 8):
        recs = model.recommend(Profile.from_picks([start, start + 1, start + 2]), k=3)
        assert recs.items[0] == start + 3, f"after {start}..{start + 2} comes {start + 3}"


def test_order_comes_from_timestamps_when_given(model):
    # the same three picks, named out of order but stamped in chain order
    p = Profile([7, 5, 6], timestamps=[30, 10, 20])
    assert model.recommend(p, k=1).items[0] == 8
    # the order given decides without timestamps: ... 6, 7 then 5 again -> 6 is picked: next
    reversed_ = model.score(Profile([7, 6, 5]))
    forward = model.score(Profile([5, 6, 7]))
    assert np.nanargmax(np.where(np.isin(np.arange(N_MOVIES), [5, 6, 7]), -np.inf, forward)) == 8
    assert reversed_[8] < forward[8], "the order of the picks matters"


def test_disliked_movie_is_not_a_sequence_item(model):
    assert model.kept.tolist() == list(range(N_MOVIES - 1)), "every liked movie is modelled"
    assert np.isnan(model.score(Profile.from_picks([3, 4, 5]))[N_MOVIES - 1]), "nobody liked it"


def test_dislike_pushes_down_similar_movies(model):
    loved = [2, 3, 4]
    before = model.score(Profile.from_picks(loved))
    after = model.score(Profile.from_picks(loved, disliked=[6]))
    assert after[5] < before[5], "the movie right next to the disliked one sinks"
    finite = np.isfinite(before)
    assert np.all(after[finite] <= before[finite] + 1e-9), "nothing rises"


def test_explanation_names_the_pick_it_follows(model):
    recs = model.recommend(Profile.from_picks([4, 5, 6]), k=1)
    assert recs.items[0] == 7
    assert recs.explanations[0].startswith("Follows on from Episode 6 (2006)")


def test_history_and_state_round_trip(model):
    h = model.history
    assert 0 <= h.best_epoch < len(h.train_loss) and len(h.validation) == len(h.train_loss)
    assert max(h.validation) > 0.5, "the next movie is easy to predict on chains"
    again = SASRec(seed=1, dim=32, max_len=8, epochs=40, patience=8, dropout=0.1).restore(
        model.state(), model.dataset)
    p = Profile.from_picks([1, 2, 3], disliked=[9])
    np.testing.assert_allclose(again.score(p), model.score(p), rtol=1e-6)
    assert again.history.validation == pytest.approx(h.validation)


def test_sampled_softmax_still_learns_the_chain():
    small = SASRec(seed=2, dim=32, max_len=8, epochs=40, patience=8, dropout=0.1,
                   negatives=6).fit(chain_dataset())
    assert small.recommend(Profile.from_picks([3, 4, 5]), k=1).items[0] == 6


def test_unmodelled_picks_score_nan():
    model = SASRec(seed=1, dim=8, max_len=4, epochs=2, max_items=10).fit(chain_dataset())
    assert len(model.kept) == 10
    outside = np.setdiff1d(np.arange(N_MOVIES), model.kept)
    scores = model.score(Profile.from_picks(outside[:3]))
    assert np.isnan(scores).all(), "no modelled pick: nothing to go on"
    assert np.isnan(model.score(Profile.from_picks(model.kept[:3]))[outside]).all()
