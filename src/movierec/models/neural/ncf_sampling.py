"""Training signal for `ncf`: positives from the ratings, negatives sampled per positive
(uniform, disliked, model-scored hard, same-genre hard), and the validation NDCG@10 that
early stopping watches.

Everything is drawn from one seeded torch generator, so a seed reproduces a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np
import scipy.sparse as sp
import torch

from movierec.evaluation.metrics import ndcg_of_ranks
from movierec.models.neural.common import epoch_sample

if TYPE_CHECKING:  # pragma: no cover
    from movierec.models.neural.ncf import NCFConfig
    from movierec.models.neural.ncf_net import NeuMF


def _csr_parts(m: sp.csr_matrix, dev: torch.device) -> tuple[torch.Tensor, ...]:
    """(row start, row length, column indices) of a CSR matrix as torch tensors."""
    indptr = torch.as_tensor(m.indptr.astype(np.int64), device=dev)
    return indptr[:-1], indptr[1:] - indptr[:-1], torch.as_tensor(m.indices.astype(np.int64),
                                                                     device=dev)


def _pick(start: torch.Tensor, count: torch.Tensor, values: torch.Tensor,
          gen: torch.Generator) -> torch.Tensor:
    """One uniformly random entry of each (start, count) row of ``values`` (0 where a row
    is empty: callers mask those)."""
    if not len(values):
        return torch.zeros(start.shape, dtype=torch.long, device=start.device)
    u = torch.rand(start.shape, generator=gen).to(start.device)
    offset = torch.minimum((u * count).long(), (count - 1).clamp(min=0))
    return values[(start + offset).clamp(max=len(values) - 1)]


class NegativeSampler:
    """Positives in shuffled batches, and hard/uniform negatives for them."""

    def __init__(self, matrix: sp.csr_matrix, genres: sp.csr_matrix, cfg: "NCFConfig",
                 gen: torch.Generator, dev: torch.device):
        self.cfg, self.gen, self.dev = cfg, gen, dev
        self.n_users, self.n_items = matrix.shape
        coo = matrix.tocoo()
        users, items, values = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        liked = values >= cfg.liked_at
        positive = values >= cfg.soft_at
        held = self._hold_out(users, liked)
        train = positive & ~held
        self.users = torch.as_tensor(users[train], device=dev)
        self.items = torch.as_tensor(items[train], device=dev)
        self.weights = torch.as_tensor(np.where(liked[train], 1.0, cfg.soft_weight),
                                       dtype=torch.float32, device=dev)
        # never a negative: anything rated above "disliked" (held-out movies included)
        low = values <= cfg.disliked_at
        self.keys = torch.as_tensor(np.sort(users[~low] * self.n_items + items[~low]), device=dev)
        disliked = sp.csr_matrix((np.ones(int(low.sum())), (users[low], items[low])),
                                 shape=matrix.shape)
        disliked.sort_indices()
        self.dis_start, self.dis_count, self.dis_items = _csr_parts(disliked, dev)
        g = sp.csr_matrix(genres, dtype=np.float32)
        self.ig_start, self.ig_count, self.ig_genres = _csr_parts(g, dev)
        self.gi_start, self.gi_count, self.gi_items = _csr_parts(g.T.tocsr(), dev)
        self.val_users = torch.as_tensor(users[held], device=dev)
        self.val_items = torch.as_tensor(items[held], device=dev)
        seen = sp.csr_matrix(matrix, copy=True)
        seen.data[:] = 1.0
        self.val_seen = seen[users[held]].tocsr()        # rated by each validation user
        self.val_seen[np.arange(len(self.val_users)), items[held]] = 0.0
        self.val_seen.eliminate_zeros()

    def _hold_out(self, users: np.ndarray, liked: np.ndarray) -> np.ndarray:
        """One loved movie held out for each of up to ``validation_users`` users that loved
        at least two (seeded)."""
        held = np.zeros(len(users), dtype=bool)
        counts = np.bincount(users[liked], minlength=self.n_users)
        eligible = np.flatnonzero(counts >= 2)
        if len(eligible) < 5 or self.cfg.validation_users < 1:
            return held
        rng = np.random.default_rng(self.cfg.seed)
        chosen = np.sort(rng.choice(eligible, size=min(len(eligible), self.cfg.validation_users),
                                    replace=False))
        loved_at = np.flatnonzero(liked)
        loved_at = loved_at[np.argsort(users[loved_at], kind="stable")]   # grouped by person
        first = np.searchsorted(users[loved_at], chosen)
        for u, start in zip(chosen, first):
            held[rng.choice(loved_at[start:start + counts[u]])] = True
        return held

    @property
    def has_validation(self) -> bool:
        return len(self.val_users) > 0

    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """(users, positive items, weights) in a fresh shuffled order (at most
        ``epoch_cap`` of them, a fresh sample each epoch)."""
        n = len(self.users)
        size = max(32, min(self.cfg.batch_size, n // 16))
        perm = epoch_sample(n, self.cfg.epoch_cap, self.gen).to(self.dev)
        for start in range(0, len(perm), size):
            idx = perm[start:start + size]
            yield self.users[idx], self.items[idx], self.weights[idx]

    def collides(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """True where the person rated the movie above "disliked" (not a negative)."""
        if not len(self.keys):
            return torch.zeros_like(items, dtype=torch.bool)
        k = users * self.n_items + items
        at = torch.searchsorted(self.keys, k).clamp(max=len(self.keys) - 1)
        return self.keys[at] == k

    def _uniform(self, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.randint(0, self.n_items, shape, generator=self.gen).to(self.dev)

    def _same_genre(self, pos: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        """Random movies sharing a random genre with each positive (uniform if it has none)."""
        p = pos.reshape(-1, *([1] * (len(shape) - 1))).expand(shape)
        has = self.ig_count[p] > 0
        genre = _pick(self.ig_start[p], self.ig_count[p], self.ig_genres, self.gen)
        genre = torch.where(has, genre, torch.zeros_like(genre))
        same = _pick(self.gi_start[genre], self.gi_count[genre], self.gi_items, self.gen)
        return torch.where(has, same, self._uniform(shape))

    @torch.no_grad()
    def negatives(self, users: torch.Tensor, pos: torch.Tensor, net: "NeuMF",
                  same_genre: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, K) negatives per positive and a 0/1 mask of the usable ones.

        The first ``round(K * hard_fraction)`` are hard: the best-scoring of ``hard_pool``
        candidates (random movies, or with ``same_genre`` movies sharing a genre with the
        positive), replaced half the time outside ``same_genre`` by a movie the person
        disliked when they have one. The rest are uniform."""
        cfg = self.cfg
        b, k = len(users), cfg.negatives
        n_hard = int(round(k * cfg.hard_fraction))
        parts = []
        if n_hard:
            shape = (b, n_hard, max(cfg.hard_pool, 1))
            cand = self._same_genre(pos, shape) if same_genre else self._uniform(shape)
            u = users[:, None, None].expand(shape)
            was_training = net.training
            net.eval()
            scores = net(u.reshape(-1), cand.reshape(-1)).reshape(shape)
            net.train(was_training)
            scores = scores.masked_fill(self.collides(u, cand), float("-inf"))
            best = cand.gather(2, scores.argmax(2, keepdim=True)).squeeze(2)
            if not same_genre:          # half the time, a movie the person disliked
                uu = users[:, None].expand(b, n_hard)
                has_dis = self.dis_count[uu] > 0
                coin = torch.rand((b, n_hard), generator=self.gen).to(self.dev) < 0.5
                dis = _pick(self.dis_start[uu], self.dis_count[uu], self.dis_items, self.gen)
                best = torch.where(has_dis & coin, dis, best)
            parts.append(best)
        if k - n_hard:
            parts.append(self._uniform((b, k - n_hard)))
        neg = torch.cat(parts, dim=1)
        valid = ~self.collides(users[:, None].expand_as(neg), neg)
        return neg, valid.to(torch.float32)


@torch.no_grad()
def ndcg_at_10(net: "NeuMF", sampler: NegativeSampler) -> float:
    """Mean NDCG@10 of each validation user's held-out loved movie, ranked among all the
    movies they have not rated, with their trained vector."""
    scores = net.score_all(net.user(sampler.val_users))
    seen = torch.as_tensor(sampler.val_seen.toarray() > 0, device=scores.device)
    scores = scores.masked_fill(seen, float("-inf"))
    target = scores.gather(1, sampler.val_items[:, None])
    rank = (scores > target).sum(1)
    return float(ndcg_of_ranks(rank.cpu().numpy(), 10).mean())
