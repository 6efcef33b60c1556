"""Peers: standard library usage on the same splits, judged where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.evaluation import peers as p
from movierec.evaluation import splitters
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset, matrix_dataset


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


@pytest.fixture(scope="module")
def heldout(data):
    return splitters.heldout_users(data, picks=3, test_users=0.3, seed=0)


def in_block_share(peer, split, blocks) -> float:
    shares = []
    for i, case in enumerate(split.cases):
        rec = peer.recommend(i, 10)
        assert len(rec) == 10
        assert not set(rec.tolist()) & set(case.profile.items.tolist()), "picks never come back"
        shares.append(np.mean(blocks[rec] == blocks[case.profile.items[0]]))
    return float(np.mean(shares))


def fitted(cls, split, seed=0):
    peer = cls(seed)
    peer.fit(split.train, [c.profile for c in split.cases], split.train_rows)
    return peer


@pytest.mark.parametrize("cls", [p.ImplicitALSPeer, p.ImplicitBPRPeer, p.ImplicitLMFPeer])
def test_implicit_peers_stay_in_the_block_of_the_picks(cls, data, heldout):
    blocks = np.array(data.manifest["blocks"])
    share = in_block_share(fitted(cls, heldout), heldout, blocks)
    assert share > (0.6 if cls is p.ImplicitLMFPeer else 0.8)


def test_a_peer_without_a_fold_in_trains_with_the_held_out_profiles_appended(heldout):
    peer = fitted(p.ImplicitBPRPeer, heldout)
    n_train = heldout.train.ratings.n_users
    np.testing.assert_array_equal(peer._user_of, n_train + np.arange(len(heldout.cases)))
    assert peer._model.user_factors.shape[0] == n_train + len(heldout.cases)


def test_als_folds_each_new_person_in_without_refitting(heldout, monkeypatch):
    peer = fitted(p.ImplicitALSPeer, heldout)
    n_train = heldout.train.ratings.n_users
    assert peer._model.user_factors.shape[0] == n_train      # never saw the test people
    calls = []
    original = type(peer._model).recommend

    def spy(self, userid, user_items, **kw):
        calls.append(kw.get("recalculate_user"))
        return original(self, userid, user_items, **kw)

    monkeypatch.setattr(type(peer._model), "recommend", spy)
    monkeypatch.setattr(type(peer._model), "fit", lambda *a, **k: pytest.fail("refit"))
    for i in range(3):
        assert len(peer.recommend(i, 10)) == 10
    assert calls == [True, True, True]


@pytest.mark.parametrize("cls", [p.ImplicitALSPeer, p.ImplicitBPRPeer, p.ImplicitLMFPeer])
def test_implicit_peers_train_on_one_thread_unless_told(cls):
    assert cls(0)._build().num_threads == 1            # reproducible numbers by default
    assert cls(0, threads=2)._build().num_threads == 2
    assert "threads" not in cls(0, threads=2).params    # not a library setting to tune


def test_peer_settings_reach_the_library(heldout):
    peer = p.ImplicitBPRPeer(0, factors=7, iterations=5)
    peer.fit(heldout.train, [c.profile for c in heldout.cases], None)
    assert peer._model.factors in (7, 8)        # implicit pads factors for alignment
    assert peer._model.iterations == 5


def test_implicit_peer_uses_the_training_rows_when_people_stay_in_training(data):
    split = splitters.per_user_holdout(data, 0.2, seed=0, max_cases=10)
    peer = fitted(p.ImplicitBPRPeer, split)
    np.testing.assert_array_equal(peer._user_of, split.train_rows)
    assert peer._model.user_factors.shape[0] == split.train.ratings.n_users


def test_popular_is_most_rated_in_training_minus_the_picks():
    # movie 0 rated by 3 people, 1 by 2, 2 by 1, 3 by nobody
    ds = matrix_dataset([[5, 4, 3, 0], [4, 4, 0, 0], [3, 0, 0, 0]])
    peer = p.PopularPeer()
    peer.fit(ds, [Profile([0]), Profile([2])])
    assert peer.recommend(0, 10).tolist() == [1, 2]          # 0 picked, 3 never rated
    assert peer.recommend(1, 2).tolist() == [0, 1]


def test_random_is_reproducible_excludes_picks_and_draws_rated_movies(data, heldout):
    a, b = fitted(p.RandomPeer, heldout, seed=3), fitted(p.RandomPeer, heldout, seed=3)
    rated = set(np.flatnonzero(heldout.train.ratings.counts_per_movie() > 0).tolist())
    first = [a.recommend(i, 10).tolist() for i in range(len(heldout.cases))]
    assert first == [b.recommend(i, 10).tolist() for i in range(len(heldout.cases))]
    assert first[0] != first[1]
    for i, rec in enumerate(first):
        assert set(rec) <= rated
        assert not set(rec) & set(heldout.cases[i].profile.items.tolist())
    blocks = np.array(data.manifest["blocks"])
    assert 0.2 < in_block_share(a, heldout, blocks) < 0.8


def test_peer_names_normalise():
    assert p.peer_key("als") == "peer:implicit-als"
    assert p.peer_key("surprise_svd") == "peer:surprise-svd"
    assert p.peer_key("peer:popular") == "peer:popular"
    assert p.peer_key("svdpp") == "peer:surprise-svdpp"
    with pytest.raises(KeyError, match="unknown peer"):
        p.peer_key("lightfm")


def test_surprise_peers_beat_the_mean_and_answer_unknown_people():
    pytest.importorskip("surprise")
    # big enough for Surprise's default learning rates to converge (7,200 ratings)
    split = splitters.random_split(block_dataset(30, 150, seed=0), 0.2, seed=0)
    mean = float(split.train.ratings.matrix.data.mean())
    baseline = np.sqrt(np.mean((mean - split.ratings) ** 2))
    for name, make in p.surprise_peers(seed=0).items():
        peer = make().fit(split.train)
        pred = peer.predict(split.users, split.movies)
        assert np.isfinite(pred).all()
        rmse = np.sqrt(np.mean((pred - split.ratings) ** 2))
        assert rmse < 0.6 * baseline, name
        unknown = peer.predict(np.array([10_000]), np.array([0]))
        assert np.isfinite(unknown).all()


def test_surprise_missing_means_no_rating_peers(monkeypatch):
    monkeypatch.setattr(p, "surprise_available", lambda: False)
    assert p.surprise_peers() == {}


def test_textbook_ease_from_cornac_folds_people_in_with_its_own_B(data, heldout):
    pytest.importorskip("cornac")
    blocks = np.array(data.manifest["blocks"])
    peer = fitted(p.CornacEASEPeer, heldout)
    assert in_block_share(peer, heldout, blocks) > 0.8
    # the test people are not in its training matrix: B is items x items, folded in per case
    assert peer._model.U.shape[0] == heldout.train.ratings.n_users
    tuned = p.CornacEASEPeer(0, lamb=50.0, posB=False)
    tuned.fit(heldout.train, [c.profile for c in heldout.cases], None)
    assert tuned._model.lamb == 50.0 and (tuned._model.B < 0).any()


def test_recvae_from_cornac_folds_people_in_through_its_encoder(monkeypatch):
    pytest.importorskip("cornac")
    data = block_dataset(movies_per_block=60, seed=0)        # cornac's RecVAE needs 100+
    heldout = splitters.heldout_users(data, picks=3, test_users=0.3, seed=0)
    blocks = np.array(data.manifest["blocks"])
    peer = p.CornacRecVAEPeer(0, n_epochs=40, hidden_dim=64, latent_dim=16)
    peer.fit(heldout.train, [c.profile for c in heldout.cases], None)
    assert peer._model.n_epochs == 40 and peer._model.hidden_dim == 64   # settings reach it
    # trained on the training people only; a case is its positives through the encoder
    assert peer._model.mydata.num_users == heldout.train.ratings.n_users
    monkeypatch.setattr(type(peer._model), "fit", lambda *a, **k: pytest.fail("refit"))
    assert in_block_share(peer, heldout, blocks) > 0.8
    first = peer.recommend(0, 10)
    np.testing.assert_array_equal(first, peer.recommend(0, 10))   # no dropout, no sampling


def test_recvae_says_why_it_cannot_fit_a_small_catalog(data, heldout):
    pytest.importorskip("cornac")
    with pytest.raises(ValueError, match="at least 100 movies"):
        fitted(p.CornacRecVAEPeer, heldout)
