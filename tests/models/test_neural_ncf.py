"""`ncf` (NeuMF for top-N): negative sampling, the fold-in loss and its derivatives,
training with early stopping and genre fine-tuning, fold-in behaviour, persistence."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from movierec.models.knn import rated_columns
from movierec.models.neural.common import seed_all
from movierec.models.neural.ncf import FoldLoss, NCFConfig, NCFRecommender
from movierec.models.neural.ncf_net import Linearised, NeuMF
from movierec.models.neural.ncf_sampling import NegativeSampler
from movierec.models.persist import load_model, save_model
from movierec.models.profile import Profile


@pytest.fixture(scope="module")
def model(data):
    return NCFRecommender(seed=5).fit(data)


def sampler_for(data, **options):
    cfg = NCFConfig(**options)
    rated = rated_columns(data.ratings.matrix)
    matrix = data.ratings.matrix[:, rated].tocsr()
    gen = seed_all(cfg.seed)
    genres = data.catalog.genre_matrix[rated].tocsr()
    sampler = NegativeSampler(matrix, genres, cfg, gen, torch.device("cpu"))
    return sampler, NeuMF(matrix.shape[0], matrix.shape[1], cfg), matrix, genres


# --- sampling -----------------------------------------------------------------------------
def test_negatives_are_never_movies_the_person_rated_well(data):
    sampler, net, matrix, _ = sampler_for(data, hard_fraction=0.5, negatives=6)
    dense = matrix.toarray()
    seen_disliked = 0
    for users, pos, weight in sampler.batches():
        assert (dense[users.numpy(), pos.numpy()] >= 3.0).all()
        expected = np.where(dense[users.numpy(), pos.numpy()] >= 4.0, 1.0, 0.3)
        np.testing.assert_allclose(weight.numpy(), expected, rtol=1e-6)
        neg, valid = sampler.negatives(users, pos, net)
        assert neg.shape == (len(users), 6)
        ratings = dense[users.numpy()[:, None], neg.numpy()]
        ok = valid.numpy() > 0
        assert (ratings[ok] <= 2.0).all(), "a usable negative is unrated or disliked"
        assert (ratings[~ok] > 2.0).all(), "only well-rated movies are masked"
        seen_disliked += int(((ratings > 0) & ok)[:, :3].sum())
    assert seen_disliked > 0, "hard negatives include the person's disliked movies"


def test_validation_holds_out_one_loved_movie_per_user(data):
    sampler, _, matrix, _ = sampler_for(data, validation_users=10)
    assert len(sampler.val_users) == 10 == len(set(sampler.val_users.tolist()))
    assert (matrix.toarray()[sampler.val_users.numpy(), sampler.val_items.numpy()] >= 4.0).all()
    train_pairs = set(zip(sampler.users.tolist(), sampler.items.tolist()))
    assert not train_pairs & set(zip(sampler.val_users.tolist(), sampler.val_items.tolist()))


def test_same_genre_negatives_share_a_genre_with_the_positive(data):
    sampler, net, _, genres = sampler_for(data, hard_fraction=1.0, negatives=4)
    g = genres.toarray() > 0
    users, pos, _ = next(sampler.batches())
    neg, _ = sampler.negatives(users, pos, net, same_genre=True)
    assert (g[pos.numpy()[:, None]] & g[neg.numpy()]).any(axis=2).all()


# --- the fold-in loss ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["bpr", "bce"])
def test_fold_loss_derivatives_match_autograd(kind):
    pos_w = np.array([1.0, 0.5], np.float32)
    neg_w = np.array([3.0, 0.25, 0.25, 0.25], np.float32)
    loss = FoldLoss(kind, pos_w, neg_w, torch.device("cpu"))
    s = torch.tensor([0.3, -0.2, 0.9, 0.1, -1.0, 0.4], dtype=torch.float64)
    loss.pair_w, loss.weights = loss.pair_w.double(), loss.weights.double()
    loss.labels = loss.labels.double()
    total, grad, hess = loss(s)
    torch.testing.assert_close(grad, torch.func.grad(lambda x: loss(x)[0])(s))
    full = torch.autograd.functional.hessian(lambda x: loss(x)[0], s)
    torch.testing.assert_close(hess if hess.dim() == 2 else torch.diag(hess), full)
    # each loved pick's share goes through its own score only
    own = loss.pick_gradients(s)
    torch.testing.assert_close(own, torch.diag(grad)[:2])


# --- training and fold-in -----------------------------------------------------------------
def test_training_improves_validation_ndcg_and_keeps_the_best(model):
    h = model.history
    assert h.metric == "ndcg@10" and len(h.train_loss) == len(h.validation) >= 2
    assert h.validation[h.best_epoch] == max(h.validation) > h.validation[0]


def test_trained_users_rank_their_own_block_first(model, data, blocks):
    b, cold = blocks
    with torch.no_grad():
        scores = model.net.score_all(model.net.user.weight).numpy()
    own = b[model._rated][None, :] == np.r_[np.zeros(30), np.ones(30)][:, None]
    assert (scores[own].reshape(60, -1).mean(1) > scores[~own].reshape(60, -1).mean(1)).all()


def test_fold_in_with_only_cold_picks_falls_back_to_the_average_person(model, blocks):
    b, cold = blocks
    profile = Profile.from_picks(np.flatnonzero(cold)[:3])
    np.testing.assert_allclose(model.user_vector(profile), model._z_mean.numpy())
    assert np.isnan(model.score(profile)[cold]).all()


def test_disliked_picks_are_explicit_negatives(model, blocks):
    b, cold = blocks
    fam, crime = np.flatnonzero((b == 0) & ~cold), np.flatnonzero((b == 1) & ~cold)
    loved = list(fam[:2]) + list(crime[:2])
    base = model.score(Profile.from_picks(loved))
    after = model.score(Profile.from_picks(loved, disliked=list(crime[2:5])))
    assert np.mean(after[crime[5:]] - base[crime[5:]]) < np.mean(after[fam[2:]] - base[fam[2:]])


def test_explanations_cite_a_loved_pick_of_the_same_block(model, blocks):
    b, cold = blocks
    fam, crime = np.flatnonzero((b == 0) & ~cold), np.flatnonzero((b == 1) & ~cold)
    picks, contrib = model.contributions(Profile.from_picks([fam[0], crime[0], fam[1]]),
                                         np.r_[fam[4:7], crime[4:7]])
    assert list(picks) == [fam[0], crime[0], fam[1]]
    best = picks[np.nanargmax(contrib, axis=1)]
    assert (b[best] == np.r_[0, 0, 0, 1, 1, 1]).all()
    # a disliked pick is never a reason; what it pushes away is not recommended
    disliked = Profile.from_picks([fam[0], crime[0], fam[1]], disliked=[crime[1]])
    picks, contrib = model.contributions(disliked, fam[4:7])
    assert list(picks) == [fam[0], crime[0], fam[1]]
    assert (b[picks[np.nanargmax(contrib, axis=1)]] == 0).all()
    recs = model.recommend(Profile.from_picks(crime[:3]), k=3)
    assert all(r.startswith("Because you liked Crime Movie") for r in recs.explanations)


def test_bce_and_genre_finetuning_train_and_reload(data, blocks, tmp_path):
    m = NCFRecommender(seed=2, loss="bce", genre_finetune=True, finetune_epochs=2,
                       epochs=12, patience=2).fit(data)
    assert 6 <= len(m.history.train_loss) <= 12 + 2
    b, cold = blocks
    recs = m.recommend(Profile.from_picks(np.flatnonzero((b == 1) & ~cold)[:3]), k=5)
    assert (b[recs.items] == 1).all()
    loaded = load_model(save_model(m, tmp_path / "ncf"), data)
    assert loaded.history.validation == pytest.approx(m.history.validation)
    assert loaded.history.best_epoch == m.history.best_epoch
    again = loaded.recommend(Profile.from_picks(np.flatnonzero((b == 1) & ~cold)[:3]), k=5)
    np.testing.assert_array_equal(again.items, recs.items)


def test_bad_config_is_refused(data):
    with pytest.raises(ValueError, match="loss"):
        NCFRecommender(loss="hinge").fit(data)
    with pytest.raises(ValueError, match="negatives"):
        NCFRecommender(negatives=0).fit(data)


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_one_person_scoring_matches_the_full_network(dropout):
    """`score_one` (each movie's half of the first layer computed once) gives the scores
    of running the whole network over every movie."""
    torch.manual_seed(0)
    net = NeuMF(7, 40, NCFConfig(dropout=dropout)).eval()
    z = torch.randn(64)
    np.testing.assert_allclose(net.score_one(z, net.item_side()).numpy(),
                               net.score_all(z[None, :])[0].numpy(), rtol=1e-5, atol=1e-5)
    assert NeuMF(7, 40, NCFConfig(hidden=())).item_side() is None


def test_a_capped_epoch_yields_only_its_sample(data):
    """With more positives than ``epoch_cap`` an epoch is exactly ``epoch_cap`` of them, in
    full batches (no empty batches over the positives it left out)."""
    sampler, _, _, _ = sampler_for(data, epoch_cap=40, batch_size=16)
    sizes = [len(users) for users, _, _ in sampler.batches()]
    assert len(sampler.users) > 40 and sum(sizes) == 40 and min(sizes) > 0


def test_the_linearisation_is_exact_at_its_point_and_for_the_gmf_tower():
    """`Linearised` gives the network's scores at the reference person; with no MLP tower
    influence (the MLP output weights zero) it is exact everywhere, since GMF is linear."""
    torch.manual_seed(1)
    net = NeuMF(7, 30, NCFConfig()).eval()
    at = torch.randn(64) * 0.1
    side = net.item_side()
    lin = Linearised.of(net, side, at, chunk=7)              # several chunks
    np.testing.assert_allclose(lin.scores(at).numpy(), net.score_one(at, side).numpy(),
                               rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        net.out.weight[0, net.g:] = 0.0
    side = net.item_side()
    lin = Linearised.of(net, side, at)
    z = torch.randn(64)
    np.testing.assert_allclose(lin.scores(z).numpy(), net.score_one(z, side).numpy(),
                               rtol=1e-4, atol=1e-5)


def test_candidates_rank_the_network_s_best_first_and_keep_the_rest_below(model, data):
    """With fewer candidates than movies, the candidates carry the network's own scores and
    lead the ranking; every other modelled movie still has a (lower) score."""
    profile = Profile.from_picks([0, 1, 2])
    exact = model.with_candidates(0)
    short = model.with_candidates(5)
    assert short._linear is not None and exact._linear is None
    full, cut = exact.score(profile), short.score(profile)
    modelled = model._rated
    assert np.isfinite(cut[modelled]).all()
    top = np.argsort(-cut[modelled])[:5]
    np.testing.assert_allclose(cut[modelled][top], full[modelled][top], rtol=1e-4, atol=1e-5)
    rest = np.setdiff1d(np.arange(len(modelled)), top)
    assert cut[modelled][rest].max() < cut[modelled][top].min()
    assert model.with_candidates(len(modelled))._linear is None    # all movies: no shortcut
