"""SASRec (Kang & McAuley 2018): what a person goes on to love next, by causal self-attention.

Each training person is the sequence of movies they liked (rating >= ``like_at``) in the
order they rated them (``ratings.timestamps``; ties, and data without timestamps, by movie
index, so the order is deterministic). A stack of pre-norm Transformer blocks with learned
positional embeddings reads the sequence left to right (causal mask); at every position the
output, dotted with the (tied) movie embeddings, scores which movie comes next. Training
uses the full softmax over all modelled movies (cross-entropy; Klenitskiy & Vasilev 2023
found it much stronger than SASRec's original sampled BCE) on windows of ``max_len``
movies, so long histories are used whole. Early stopping watches NDCG@10 of every person's
last liked movie, predicted from the ones before it (that movie is never trained on).

At recommend time the person's liked picks are the sequence -- in ``profile.timestamps``
order when known, else in the order given -- and the last position's next-movie
log-probabilities are the scores. Disliked picks push down what resembles them: each movie
loses ``dislike_weight`` x (spread of the scores) x its largest positive cosine similarity
to a disliked movie's embedding. Movies outside the ``max_items`` most-liked (and so every
movie nobody liked: it is never in a sequence) score NaN; the hybrid falls back for them.

Explanations are occlusion evidence: the pick whose removal from the sequence lowers the
recommended movie's probability most is the one it "follows on from", plus shared traits.
(Raw attention weights are the same for every recommended movie, so they can't say *why
this movie*; occluding a pick can.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from movierec.data.dataset import Dataset
from movierec.data.liking import LIKED_AT
from movierec.evaluation.metrics import ndcg_of_ranks
from movierec.models import explain as ex
from movierec.models.base import ModelConfig, Recommender
from movierec.models.neural.common import (KeptMoviesNet, adam, deadline_in, epoch_sample,
                                           epoch_size, seed_all, torch, torch_device,
                                           torch_threads, train_with_early_stopping)
from movierec.models.neural.vae import liked_mask, most_liked
from movierec.models.profile import Profile

METRIC = "ndcg@10 (next liked)"
MAX_VALIDATION = 2000      # people whose last movie is scored each epoch (a seeded sample)
MIN_STEPS = 10             # an "epoch" is at least this many batches (repeat tiny data)


@dataclass(frozen=True)
class SASRecConfig(ModelConfig):
    """Defaults: Kang & McAuley's architecture (2 blocks, 1 head, 50 movies) at dimension 64,
    trained with cross-entropy at learning rate 3e-3 (see `SASRec`)."""

    dim: int = 64                # embedding and hidden size
    blocks: int = 2              # self-attention blocks
    heads: int = 1
    dropout: float = 0.2
    max_len: int = 50            # most recent movies read (longer histories are windowed)
    like_at: float = LIKED_AT    # ratings at or above this form the sequences
    max_items: int = 20000       # most-liked movies modelled; the rest score NaN
    epochs: int = 60             # at most; early stopping usually ends sooner
    patience: int = 10
    batch_size: int = 128
    negatives: int = 2048        # softmax over all movies, or over this many sampled per batch
                                 # when more are modelled (keeps big catalogs affordable)
    lr: float = 3e-3
    weight_decay: float = 0.0
    dislike_weight: float = 1.0  # how hard a disliked pick pushes its look-alikes down
    threads: int = 1             # torch CPU threads (small nets: 1 is fastest on shared cores)
    epoch_cap: int = 20000       # windows per epoch at most (a fresh sample each; 0: all)
    max_minutes: float = 20.0    # time budget of the training epochs (0: none)


class Block(torch.nn.Module):
    """Pre-norm Transformer block: causal self-attention, then a position-wise MLP."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(dim)
        self.attn = torch.nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm2 = torch.nn.LayerNorm(dim)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(dim, dim), torch.nn.GELU(),
                                       torch.nn.Dropout(dropout), torch.nn.Linear(dim, dim))
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, blocked: torch.Tensor) -> torch.Tensor:
        q = self.norm1(x)
        h, _ = self.attn(q, q, q, attn_mask=blocked, need_weights=False)
        x = x + self.drop(h)
        return x + self.drop(self.mlp(self.norm2(x)))


class SASNet(torch.nn.Module):
    """Movie ids (0 = padding, left-padded) -> a next-movie representation per position."""

    def __init__(self, n_items: int, dim: int, max_len: int, blocks: int, heads: int,
                 dropout: float):
        super().__init__()
        self.heads = heads
        self.item = torch.nn.Embedding(n_items + 1, dim, padding_idx=0)
        self.pos = torch.nn.Embedding(max_len, dim)
        self.drop = torch.nn.Dropout(dropout)
        self.blocks = torch.nn.ModuleList(Block(dim, heads, dropout) for _ in range(blocks))
        self.norm = torch.nn.LayerNorm(dim)
        torch.nn.init.normal_(self.item.weight, std=dim ** -0.5)
        with torch.no_grad():
            self.item.weight[0].zero_()

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        n, length = seq.shape
        pad = seq == 0
        x = self.item(seq) * math.sqrt(self.item.embedding_dim)
        x = self.drop(x + self.pos.weight[-length:][None])
        # A query sees itself and earlier real movies; padding sees only itself (no empty row).
        ahead = torch.triu(torch.ones(length, length, dtype=torch.bool, device=seq.device), 1)
        eye = torch.eye(length, dtype=torch.bool, device=seq.device)
        blocked = ahead[None] | (pad[:, None, :] & ~eye[None])
        blocked = blocked.repeat_interleave(self.heads, dim=0)
        keep = (~pad)[..., None].to(x.dtype)
        for block in self.blocks:
            x = block(x * keep, blocked)
        return self.norm(x)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Next-movie logits over the modelled movies (class c = movie token c + 1)."""
        return hidden @ self.item.weight[1:].T


def sequences(matrix, timestamps: np.ndarray | None, kept: np.ndarray,
              like_at: float) -> list[np.ndarray]:
    """Per person, their liked modelled movies as tokens (1-based) in time order."""
    m = matrix.tocsr()
    token = np.zeros(m.shape[1], dtype=np.int64)
    token[kept] = np.arange(1, len(kept) + 1)
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    ok = (m.data >= like_at) & (token[m.indices] > 0)
    stamps = np.zeros(m.nnz, np.int64) if timestamps is None else np.asarray(timestamps, np.int64)
    order = np.lexsort((m.indices[ok], stamps[ok], rows[ok]))
    toks = token[m.indices[ok]][order]
    bounds = np.searchsorted(rows[ok][order], np.arange(m.shape[0] + 1))
    return [toks[bounds[r]:bounds[r + 1]] for r in range(m.shape[0])]


def left_pad(seq: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=np.int64)
    tail = seq[-length:]
    if len(tail):
        out[-len(tail):] = tail
    return out


def trim(padded: np.ndarray) -> np.ndarray:
    """Drop the leading columns that are padding in every row (positions count from the
    right, so this changes nothing but the work)."""
    used = np.flatnonzero((padded > 0).any(axis=0))
    return padded[:, used[0]:] if len(used) else padded[:, -1:]


def windows(seqs: list[np.ndarray], max_len: int) -> np.ndarray:
    """(n, max_len + 1) left-padded training windows covering every sequence whole."""
    out = []
    for s in seqs:
        for end in range(len(s), 1, -max_len):
            out.append(left_pad(s[max(0, end - max_len - 1):end], max_len + 1))
    return np.array(out, dtype=np.int64).reshape(-1, max_len + 1)


class SASRec(KeptMoviesNet, Recommender):
    """Self-attentive sequential recommender: the picks, in order, predict the next love.

    It answers "what next?", not "what else?": on ML-100k (`benchmarks/bench_neural_topn.py`)
    it is about twice as good as popularity at a person's next liked movies (`temporal`) but
    no better than popularity at the rest of a held-out person's liked movies from a few
    random ones -- the order of ratings, which it learns, says little about those. Learning
    rate 3e-3 reached a better validation NDCG@10 (0.088) than 1e-3 (0.072 after 60
    epochs); training towards any of the next 50 movies instead of the next one did not
    help the held-out-people protocol either (0.22 vs 0.29 from 3 picks).
    """

    name = "sasrec"
    Config = SASRecConfig

    # --- fit -------------------------------------------------------------------------------
    def _fit(self, dataset: Dataset) -> None:
        cfg = self.config
        generator = seed_all(cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        ratings = dataset.ratings
        kept = most_liked(ratings.matrix, cfg.like_at, cfg.max_items)
        self._build(kept, len(dataset.catalog))
        seqs = [s for s in sequences(ratings.matrix, ratings.timestamps, kept, cfg.like_at)
                if len(s) >= 2]
        val = [i for i, s in enumerate(seqs) if len(s) >= 3]
        if len(val) > MAX_VALIDATION:
            val = sorted(rng.choice(val, MAX_VALIDATION, replace=False).tolist())
        held = set(val)
        train = windows([s[:-1] if i in held else s for i, s in enumerate(seqs)], cfg.max_len)
        val_x = np.array([left_pad(seqs[i][:-1], cfg.max_len) for i in val],
                         dtype=np.int64).reshape(-1, cfg.max_len)
        val_y = torch.as_tensor([int(seqs[i][-1]) - 1 for i in val], dtype=torch.int64)
        net, device = self.net, self._device
        optimizer = adam(net.parameters(), lr=cfg.lr, betas=(0.9, 0.98),
                         weight_decay=cfg.weight_decay)
        per_epoch = epoch_size(len(train), cfg.epoch_cap)
        batches = max(1, -(-per_epoch // cfg.batch_size))
        passes = -(-MIN_STEPS // batches)

        def train_epoch(epoch: int) -> float:
            total, count = 0.0, 0
            for b in range(batches * passes):
                if b % batches == 0:
                    order = epoch_sample(len(train), cfg.epoch_cap, rng)
                part = order[(b % batches) * cfg.batch_size:(b % batches + 1) * cfg.batch_size]
                w = torch.from_numpy(trim(train[part])).to(device)
                inp, target = w[:, :-1], w[:, 1:]
                valid = (inp > 0) & (target > 0)
                loss = next_movie_loss(net, net(inp)[valid], target[valid] - 1, cfg.negatives,
                                       generator)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                n = int(valid.sum())
                total += float(loss.detach()) * n
                count += n
            return total / max(count, 1)

        def validate() -> float:
            ndcg = 0.0
            for start in range(0, len(val), 512):
                x = torch.from_numpy(trim(val_x[start:start + 512])).to(device)
                logits = net.logits(net(x)[:, -1])
                logits = logits.masked_fill(seen_mask(x, logits.shape[1]), -math.inf)
                y = val_y[start:start + 512].to(device)
                rank = (logits > logits.gather(1, y[:, None])).sum(dim=1)
                ndcg += float(ndcg_of_ranks(rank.cpu().numpy(), 10).sum())
            return ndcg / len(val)

        if len(train) == 0:
            raise ValueError(f"sasrec needs people with at least 2 movies rated >= {cfg.like_at:g} "
                             f"in {dataset.name!r}")
        deadline = deadline_in(cfg.max_minutes)
        with torch_threads(cfg.threads):
            self.history = train_with_early_stopping(
                net, cfg.epochs, train_epoch, validate if val else None, cfg.patience,
                higher_is_better=True, label="SASRec", metric=METRIC, deadline=deadline)

    def _build(self, kept: np.ndarray, n_catalog: int) -> None:
        cfg = self.config
        self._device = torch_device()
        self.kept = np.asarray(kept, dtype=np.int64)
        self._token = np.zeros(n_catalog, dtype=np.int64)
        self._token[self.kept] = np.arange(1, len(self.kept) + 1)
        self._n = n_catalog
        self.net = SASNet(len(self.kept), cfg.dim, cfg.max_len, cfg.blocks, cfg.heads,
                          cfg.dropout).to(self._device)
        self.net.eval()

    # --- scoring ---------------------------------------------------------------------------
    def _sequence(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tokens of the liked picks in order, their catalog indices, tokens of the disliked)."""
        liked = liked_mask(profile, self.config.like_at)
        order = np.arange(len(profile))
        if profile.timestamps is not None:
            order = np.argsort(profile.timestamps, kind="stable")
        items = profile.items[order]
        tokens = self._token[items]
        use = liked[order] & (tokens > 0)
        disliked = self._token[profile.items[(profile.preference() < 0)]]
        last = slice(-self.config.max_len, None)
        return tokens[use][last], items[use][last], disliked[disliked > 0]

    def _log_probs(self, seqs: np.ndarray) -> np.ndarray:
        """Next-movie log-probabilities after each (left-padded) sequence."""
        with torch.no_grad(), torch_threads(self.config.threads):
            x = torch.from_numpy(np.ascontiguousarray(seqs, dtype=np.int64)).to(self._device)
            out = torch.log_softmax(self.net.logits(self.net(x)[:, -1]), dim=1)
            return out.cpu().numpy().astype(np.float64)

    def score(self, profile: Profile) -> np.ndarray:
        self._need()
        tokens, _, disliked = self._sequence(profile)
        out = np.full(self._n, np.nan)
        if len(tokens) == 0:
            return out                            # no modelled liked pick: nothing to go on
        scores = self._log_probs(tokens[None])[0]
        if len(disliked):
            emb = self.net.item.weight.detach().cpu().numpy()[1:].astype(np.float64)
            emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
            closeness = np.maximum(emb @ emb[disliked - 1].T, 0.0).max(axis=1)
            scores = scores - self.config.dislike_weight * scores.std() * closeness
        out[self.kept] = scores
        return out

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        catalog = self._need().catalog
        tokens, picked, _ = self._sequence(profile)
        items = np.asarray(items, dtype=np.int64)
        target = self._token[items] - 1
        if len(tokens) == 0:
            return [ex.popularity_evidence(catalog, int(i)) for i in items]
        if len(tokens) == 1:
            drop = np.ones((1, len(self.kept)))
        else:                                     # row i: the sequence without pick i
            full = self._log_probs(tokens[None])[0]
            without = np.stack([np.delete(tokens, i) for i in range(len(tokens))])
            drop = full[None, :] - self._log_probs(without)
        reasons = []
        for item, t in zip(items, target):
            if t < 0:
                reasons.append(ex.popularity_evidence(catalog, int(item)))
                continue
            best = int(np.argmax(drop[:, t]))
            pick = int(picked[best])
            text = f"Follows on from {catalog.label(pick)} (which you picked)"
            traits = ex.shared_traits(catalog, pick, int(item))
            reasons.append(text + (": " + " · ".join(traits) if traits else ""))
        return reasons

    # --- persistence -----------------------------------------------------------------------
    def _history_metric(self) -> str:
        return METRIC


def next_movie_loss(net: SASNet, hidden: torch.Tensor, target: torch.Tensor, negatives: int,
                    generator: torch.Generator) -> torch.Tensor:
    """Cross-entropy of the true next movie (class ids 0..n-1) against all movies, or -- when
    more than ``negatives`` are modelled -- against that many drawn uniformly for the batch
    (sampled softmax; uniform sampling needs no log-Q correction). Draws that happen to be
    a row's own target are masked out of that row."""
    items = net.item.weight[1:]
    if len(items) <= negatives:
        return torch.nn.functional.cross_entropy(hidden @ items.T, target)
    sampled = torch.randint(len(items), (negatives,), generator=generator).to(hidden.device)
    positive = (hidden * items[target]).sum(dim=1, keepdim=True)
    other = (hidden @ items[sampled].T).masked_fill(sampled[None, :] == target[:, None], -math.inf)
    logits = torch.cat([positive, other], dim=1)
    return torch.nn.functional.cross_entropy(
        logits, torch.zeros(len(target), dtype=torch.int64, device=hidden.device))


def seen_mask(x: torch.Tensor, n_items: int) -> torch.Tensor:
    """(batch, n_items) True where the movie is already in the (left-padded) sequence."""
    mask = torch.zeros(x.shape[0], n_items + 1, dtype=torch.bool, device=x.device)
    mask.scatter_(1, x, True)
    return mask[:, 1:]
