"""``ncf``: neural collaborative filtering (NeuMF, He et al. 2017) trained for top-N lists.

    s(u, i) = wᵀ[g_u ⊙ g_i, MLP([m_u, m_i])] + b_i

A GMF tower (``g``: element-wise product of embeddings) and an MLP tower (``m``: embeddings
concatenated through ReLU layers) meet in one linear output. Trained on implicit signals
drawn from the ratings: positives are ratings >= ``liked_at`` (weight 1) and soft
positives >= ``soft_at`` (weight ``soft_weight``); each positive meets ``negatives``
sampled movies with BPR (pairwise, default) or BCE (pointwise). A ``hard_fraction`` of the
negatives are *hard*: a movie that person rated <= ``disliked_at`` when there is one (half
the time), otherwise the highest-scoring of ``hard_pool`` random unrated movies under the
current model (dynamic negative sampling, Zhang et al. 2013); the rest are uniform. Rated,
not-disliked movies are never negatives. ``genre_finetune`` adds a few epochs whose hard
negatives share a genre with the positive, so the model learns to rank *within* a genre and
not only between genres.

Early stopping watches NDCG@10 of one held-out loved movie per validation user, ranked
among all movies that user has not rated.

A new person's vector ``z = [g_u, m_u]`` is folded in with the network frozen, minimising
the same loss over their picks (positives weighted by their preference), a fixed seeded
sample of background movies and their disliked movies (explicit negatives, which pushes
similar movies down), plus ``(z - z̄)ᵀΛ(z - z̄)`` with the training users' mean and
precision (times ``fold_prior``) as the prior. Scores are logits; movies nobody rated
score NaN. The reason given for a recommendation is the loved pick whose pull on the
person's vector raises its score most (`pull_contributions`), with what the two share.

With more modelled movies than ``candidates`` (the full data: 44.8k), a request ranks them
all by the network's linearisation around the average person (`ncf_net.Linearised`: exact
for the GMF tower) and runs the network on the best 2,000 only; the rest keep the linear
order below them. At 1M synthetic ratings (on a CPU shared with an evaluation) this took
recommend() from 18 to 10 ms p50, every exact top 10 kept (docs/SCALE.md has the 26M
numbers). Its cost on ML-100k at the same share of the movies (74 of
1,651; `benchmarks/bench_candidates.py`, 188 held-out people): 3 picks 0.4896 → 0.4896
(99.6% of the exact top 10 kept), 80% fold-in 0.2519 → 0.2458 (-0.006 ± 0.003; 97.8%
kept): a person with many picks moves further from the average, where the expansion is
looser.

Measured on ML-100k (``benchmarks/bench_neural.py``, `heldout_users`: 20% of people held
out, 3 liked picks each, 188 people): NDCG@10 0.490 ± 0.020 against ease 0.451 and als
0.442; fit ~70-95 s on 2 shared cores, recommend() p50 20 ms. The fold-in defaults were
picked on a similar split of our own (seed 0): ``fold_prior`` 1 / 0.3 / 0.1 / 0.05 / 0.01
gave 0.434 / 0.467 / 0.490 / 0.496 / 0.486, and 128 background movies as good as 256 or
512 (64: 0.487). Negatives, same split: uniform only 0.507, the default mix 0.496,
``hard_fraction`` 0.25 with a pool of 3 0.490, BCE 0.475 -- differences within about one
standard error (0.02), so the hard mix is kept as the default; ``genre_finetune`` did
not improve validation NDCG there and was rolled back by its own check.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.models.base import ModelConfig, Recommender
from movierec.models.explain import explain_by_contribution
from movierec.models.knn import rated_columns
from movierec.models.neural.common import (
    History, adam, continue_training, deadline_in, fold_in, freeze, load_module_state, module_state,
    prior_precision, pull_contributions, row_gradients, seed_all, torch_device,
    torch_threads, train_with_early_stopping)
from movierec.models.neural.ncf_net import Linearised, NeuMF
from movierec.models.neural.ncf_sampling import NegativeSampler, ndcg_at_10
from movierec.models.profile import LastPerson, Profile

LOSSES = ("bpr", "bce")


@dataclass(frozen=True)
class NCFConfig(ModelConfig):
    gmf_factors: int = 32
    mlp_factors: int = 32
    hidden: tuple[int, ...] = (64, 32, 16)
    dropout: float = 0.0
    loss: str = "bpr"                # "bpr" (pairwise) or "bce" (pointwise)
    negatives: int = 4               # sampled negatives per positive
    hard_fraction: float = 0.5       # share of the negatives that are hard
    hard_pool: int = 8               # random unrated movies a model-scored hard negative beats
    liked_at: float = LIKED_AT       # rating of a positive
    soft_at: float = 3.0             # rating of a soft positive ...
    soft_weight: float = 0.3         # ... and its weight
    disliked_at: float = 2.0         # rating of an explicit negative
    reg: float = 1e-4                # L2 on the embeddings used in a batch
    lr: float = 2e-3
    batch_size: int = 1024
    epochs: int = 30
    patience: int = 3
    min_epochs: int = 6              # no early stop before (NDCG sits flat at first)
    validation_users: int = 500      # users with one loved movie held out for early stopping
    epoch_cap: int = 1_000_000       # positives per epoch at most (a fresh sample each; 0: all)
    max_minutes: float = 20.0        # time budget of the training epochs (0: none)
    genre_finetune: bool = False     # extra epochs with same-genre hard negatives
    finetune_epochs: int = 3
    fold_negatives: int = 128        # background movies a new person's picks are ranked above
    dislike_weight: float = 3.0      # weight of a disliked pick as a negative in fold-in
    fold_steps: int = 10             # Gauss-Newton steps to fold a new person in
    fold_prior: float = 0.05         # multiplies the prior precision of a new person's vector
    candidates: int = 2000           # movies a request runs through the network, chosen by its
                                     # linearisation around the average person (0: every movie)
    threads: int = 1                 # torch threads: small nets gain nothing from more


class FoldLoss:
    """The fold-in loss over the scores of the picks (the first ``n_pos`` scored items) and
    the negatives (the rest): BPR over every (pick, negative) pair, or weighted BCE with
    labels. Gives what `fold_in` needs (loss, dloss/ds, d²loss/ds²) and each loved pick's
    own share of dloss/ds (for explanations)."""

    def __init__(self, kind: str, pos_w: np.ndarray, neg_w: np.ndarray, dev: torch.device):
        self.kind, self.n_pos = kind, len(pos_w)
        pw = torch.as_tensor(pos_w, device=dev)
        nw = torch.as_tensor(neg_w, device=dev)
        self.weights = torch.cat([pw, nw])                       # bce: per scored item
        self.labels = torch.cat([torch.ones(self.n_pos, device=dev),
                                 torch.zeros(len(nw), device=dev)])
        self.pair_w = pw[:, None] * nw[None, :]                   # bpr: (picks, negatives)

    def _pairs(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(score differences, dloss/ddiff) of every (pick, negative) pair."""
        d = s[:self.n_pos, None] - s[None, self.n_pos:]
        return d, -self.pair_w * torch.sigmoid(-d)

    def __call__(self, s: torch.Tensor):
        if self.kind == "bce":
            p = torch.sigmoid(s)
            loss = torch.sum(self.weights * F.binary_cross_entropy_with_logits(
                s, self.labels, reduction="none"))
            return loss, self.weights * (p - self.labels), self.weights * p * (1 - p)
        d, dl = self._pairs(s)
        hd = self.pair_w * torch.sigmoid(d) * torch.sigmoid(-d)
        grad = torch.cat([dl.sum(1), -dl.sum(0)])
        hess = torch.block_diag(torch.diag(hd.sum(1)), torch.diag(hd.sum(0)))
        hess[:self.n_pos, self.n_pos:] = -hd
        hess[self.n_pos:, :self.n_pos] = -hd.T
        return torch.sum(self.pair_w * F.softplus(-d)), grad, hess

    def pick_gradients(self, s: torch.Tensor) -> torch.Tensor:
        """(picks, scored items): the part of dloss/ds that goes through each loved pick's
        own score. A pair's other part, through the negative's score, belongs to the
        negative (a disliked pick pushes away from itself; a background movie is nobody's
        reason), so the shares of the picks and the negatives add up to the whole."""
        return torch.diag(self(s)[1])[: self.n_pos]


class NCFRecommender(Recommender):
    """NeuMF ranking model; ``score`` is the logit of each rated movie (NaN if unrated)."""

    name = "ncf"
    Config = NCFConfig

    def __init__(self, config: NCFConfig | None = None, **overrides):
        super().__init__(config, **overrides)
        self.history = History(metric="ndcg@10")
        self._last = LastPerson()

    # --- fit -------------------------------------------------------------------------------
    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        if cfg.loss not in LOSSES:
            raise ValueError(f"ncf loss must be one of {LOSSES}, not {cfg.loss!r}")
        if cfg.negatives < 1 or cfg.epochs < 1 or not 0.0 <= cfg.hard_fraction <= 1.0:
            raise ValueError("ncf needs negatives >= 1, epochs >= 1 and 0 <= hard_fraction <= 1")
        gen = seed_all(cfg.seed)
        rated = rated_columns(dataset.ratings.matrix).astype(np.int64)
        matrix = dataset.ratings.matrix[:, rated].tocsr()
        dev = torch_device()
        net = NeuMF(matrix.shape[0], matrix.shape[1], cfg).to(dev)
        genres = dataset.catalog.genre_matrix[rated].tocsr()
        sampler = NegativeSampler(matrix, genres, cfg, gen, dev)
        opt = adam(net.parameters(), lr=cfg.lr)
        pairwise = cfg.loss == "bpr"

        def epoch_fn(same_genre: bool) -> Callable[[int], float]:
            def train_epoch(_epoch: int) -> float:
                total, seen = 0.0, 0
                for users, pos, weight in sampler.batches():
                    neg, valid = sampler.negatives(users, pos, net, same_genre)
                    s_pos = net(users, pos)
                    s_neg = net(users.repeat_interleave(neg.shape[1]), neg.reshape(-1)
                                ).reshape(neg.shape)
                    if pairwise:
                        pair = F.softplus(s_neg - s_pos[:, None]) * valid
                        loss = torch.sum(weight[:, None] * pair) / valid.sum().clamp(min=1.0)
                    else:
                        loss = (torch.sum(weight * F.softplus(-s_pos))
                                + torch.sum(F.softplus(s_neg) * valid)) / len(users)
                    if cfg.reg > 0:
                        loss = loss + cfg.reg * torch.mean(
                            net.user(users).pow(2).sum(1) + net.item(pos).pow(2).sum(1)
                            + net.item(neg).pow(2).sum(2).mean(1))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(users)
                    seen += len(users)
                return total / max(seen, 1)
            return train_epoch

        validate = (lambda: ndcg_at_10(net, sampler)) if sampler.has_validation else None
        label = f"ncf on {dataset.name}"
        deadline = deadline_in(cfg.max_minutes)
        with torch_threads(cfg.threads):
            history = train_with_early_stopping(net, cfg.epochs, epoch_fn(False), validate,
                                                cfg.patience, True, label, "ndcg@10",
                                                min_epochs=cfg.min_epochs, deadline=deadline)
            if cfg.genre_finetune and cfg.finetune_epochs > 0 and not history.out_of_time:
                # same-genre hard negatives at a third of the learning rate, kept if better
                for group in opt.param_groups:
                    group["lr"] = cfg.lr / 3.0
                history = continue_training(net, history, cfg.finetune_epochs, epoch_fn(True),
                                            validate, cfg.patience, True,
                                            label + " (genre fine-tuning)", deadline)
        self.history = history
        self._set(net, rated)

    def with_candidates(self, n: int) -> "NCFRecommender":
        """This fitted network answering with ``n`` candidates (0: every movie scored by the
        network): what the shortcut costs is measured on one and the same network
        (`benchmarks/bench_candidates.py`)."""
        other = copy.copy(self)
        other.config = replace(self.config, candidates=int(n))
        other._set(self.net, self._rated)
        return other

    def _set(self, net: NeuMF, rated: np.ndarray) -> None:
        cfg = self.config
        self.net = freeze(net)
        self._side = net.item_side()
        self._last = LastPerson()
        self._dev = dev = next(net.parameters()).device
        self._rated = np.asarray(rated, dtype=np.int64)
        n = len(self._need().catalog)
        self._row = np.full(n, -1, dtype=np.int64)
        self._row[self._rated] = np.arange(len(self._rated))
        users = net.user.weight.detach().double().cpu().numpy()
        mean, precision = prior_precision(users)
        self._z_mean = torch.as_tensor(mean, dtype=torch.float32, device=dev)
        self._precision = torch.as_tensor(precision * cfg.fold_prior, device=dev)
        self._linear = None
        if self._side is not None and 0 < cfg.candidates < len(self._rated):
            with torch_threads(cfg.threads):
                self._linear = Linearised.of(net, self._side, self._z_mean)
        rng = np.random.default_rng(cfg.seed)
        k = min(cfg.fold_negatives, len(self._rated))
        self._background = np.sort(rng.choice(len(self._rated), size=k, replace=False))

    # --- fold-in -----------------------------------------------------------------------------
    def _problem(self, profile: Profile) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
        """(item rows scored in the fold-in: loved picks first, then the negatives -- disliked
        picks and the background sample --, number of loved picks, their weights, the
        negatives' weights)."""
        rows = self._row[profile.items]
        pref = profile.preference()
        known = rows >= 0
        pos_rows, pos_w = rows[known & (pref > 0)], pref[known & (pref > 0)]
        dis_rows, dis_w = rows[known & (pref < 0)], -pref[known & (pref < 0)]
        background = self._background[~np.isin(self._background, rows[known])]
        items = np.concatenate([pos_rows, dis_rows, background])
        neg_w = np.concatenate([self.config.dislike_weight * dis_w,
                                np.full(len(background), 1.0 / max(len(background), 1))])
        return items, len(pos_rows), pos_w.astype(np.float32), neg_w.astype(np.float32)

    def _fold(self, profile: Profile) -> tuple[torch.Tensor, np.ndarray, int, FoldLoss]:
        """(the person's vector, the item rows scored in its fold-in, how many are loved picks,
        the loss); the last answer is kept, since `recommend` asks twice (score, explain)."""
        return self._last.get(profile, self._fold_now)

    def _fold_now(self, profile: Profile) -> tuple[torch.Tensor, np.ndarray, int, FoldLoss]:
        items, n_pos, pos_w, neg_w = self._problem(profile)
        z = self._z_mean.clone()
        terms = FoldLoss(self.config.loss, pos_w, neg_w, self._dev)
        if n_pos:
            outputs = self._outputs(items)
            with torch_threads(self.config.threads):
                z = fold_in(self._z_mean, outputs, len(items), terms, self._precision,
                            self.config.fold_steps)
        return z, items, n_pos, terms

    def _outputs(self, rows: np.ndarray) -> Callable[[torch.Tensor], torch.Tensor]:
        """``zz -> scores`` of the stacked person vectors ``zz`` (n, g+m) against the item
        rows ``rows`` (n,), one each: what the fold-in and the explanations differentiate.
        From the item side when there is one (the movies' half of the first layer is
        already computed: about half the operations of a step)."""
        rows_t = torch.as_tensor(np.asarray(rows, dtype=np.int64), device=self._dev)
        if self._side is None:
            return lambda zz: self.net.head(zz, rows_t)
        side = self._side.take(rows_t)
        return lambda zz: self.net.score_side(zz, side)

    def user_vector(self, profile: Profile) -> np.ndarray:
        """The person's ``[g_u, m_u]`` folded in from their picks (network frozen)."""
        self._need()
        return self._fold(profile)[0].cpu().numpy()

    def score(self, profile: Profile) -> np.ndarray:
        dataset = self._need()
        z = self._fold(profile)[0]
        scores = np.full(len(dataset.catalog), np.nan, dtype=np.float32)
        with torch_threads(self.config.threads):
            if self._side is None:
                scores[self._rated] = self.net.score_all(z.reshape(1, -1))[0].cpu().numpy()
            elif self._linear is None:
                scores[self._rated] = self.net.score_one(z, self._side).cpu().numpy()
            else:
                scores[self._rated] = self._reranked(z)
        return scores

    def _reranked(self, z: torch.Tensor) -> np.ndarray:
        """Scores of the modelled movies when there are more than ``candidates``: the
        network's linearisation ranks them all, the best ``candidates`` are scored by the
        network itself, and the rest keep the linear order below every one of them (so a
        filter that rules the candidates out still gets a ranked list)."""
        approx = self._linear.scores(z).cpu().numpy()
        n_cand = int(self.config.candidates)
        cand = np.argpartition(-approx, n_cand - 1)[:n_cand]
        rows = torch.as_tensor(cand, device=self._dev)
        with torch.no_grad():
            exact = self.net.score_side(z, self._side.take(rows)).cpu().numpy()
        rest = np.ones(len(approx), dtype=bool)
        rest[cand] = False
        out = approx.astype(np.float32)
        out[rest] += np.float32(exact.min() - approx[rest].max() - 1.0)
        out[cand] = exact
        return out

    # --- explanations --------------------------------------------------------------------------
    def contributions(self, profile: Profile, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(loved picks, items x picks): each loved pick's first-order share of each item's
        score: its pull on the person's vector (minus the loss gradient through its own
        score) projected on the item's score gradient through the prior."""
        z, rows, n_pos, terms = self._fold(profile)
        picks = profile.items[(self._row[profile.items] >= 0) & (profile.preference() > 0)]
        items = np.asarray(items, dtype=np.int64)
        target = self._row[items]
        ok = target >= 0
        out = np.full((len(items), len(picks)), np.nan)
        if not n_pos or not ok.any():
            return picks, out
        with torch_threads(self.config.threads):
            jac, s = row_gradients(self._outputs(rows), z, len(rows), True)
            own = terms.pick_gradients(s)                 # (picks, scored items)
            pulls = -(own @ jac)                          # each pick's pull on z
            grads = row_gradients(self._outputs(target[ok]), z, int(ok.sum()))
            out[ok] = pull_contributions(grads, pulls, self._precision)
        return picks, out

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        dataset = self._need()
        picks, contrib = self.contributions(profile, items)
        return explain_by_contribution(dataset.catalog, items, picks, contrib,
                                       evidence="taste match")

    # --- persistence ---------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        self._need()
        return {**module_state(self.net, "net"), **self.history.as_state("history"),
                "rated": self._rated}

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        rated = state["rated"].astype(np.int64)
        net = NeuMF(dataset.ratings.n_users, len(rated), self.config).to(torch_device())
        load_module_state(net, state, "net")
        self.history = History.from_state(state, "history", metric="ndcg@10")
        self._set(net, rated)
