"""The network behind `ncf` (NeuMF) and what scoring a new person can compute once per model.

    s(z, i) = wᵀ[z_g ⊙ g_i, MLP([z_m, m_i])] + b_i

`NeuMF.head` scores person vectors ``z = [z_g, z_m]`` against movies, so training users and
folded-in people go through the same code. A request scores one person against every
movie: `ItemSide` holds each movie's share of the arithmetic that does not depend on the
person (the first MLP layer's movie half, the GMF vector times the output weights, the
biases), so a request runs the first layer as one matrix-vector product. On the full data
(45k movies) even that is 9 ms of the 10 ms a request may take, so `Linearised` ranks every
movie by the network's first-order expansion around the average person, and only the best
``candidates`` of that ranking go through the network (`NCFRecommender.score`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import torch
from torch import nn

from movierec.models.neural.common import row_gradients

if TYPE_CHECKING:  # pragma: no cover
    from movierec.models.neural.ncf import NCFConfig


class ItemSide(NamedTuple):
    """Per movie: ``pre = W₁[:, m:] m_i + b₁`` (the first layer's movie half), ``gmf = g_i ⊙
    w[:g]`` and ``bias = b_i + b`` (the item bias plus the output bias)."""

    pre: torch.Tensor
    gmf: torch.Tensor
    bias: torch.Tensor

    def take(self, rows: torch.Tensor) -> "ItemSide":
        """The movies ``rows`` (index_select: ten times faster than ``t[rows]`` here)."""
        return ItemSide(*(t.index_select(0, rows) for t in self))


class NeuMF(nn.Module):
    """GMF + MLP towers. `head` takes person vectors, so training users and folded-in
    people go through the same code."""

    def __init__(self, n_users: int, n_items: int, cfg: "NCFConfig"):
        super().__init__()
        self.g, self.m = cfg.gmf_factors, cfg.mlp_factors
        self.user = nn.Embedding(n_users, self.g + self.m)
        self.item = nn.Embedding(n_items, self.g + self.m)
        self.item_bias = nn.Embedding(n_items, 1)
        for emb in (self.user, self.item):
            nn.init.normal_(emb.weight, 0.0, 0.05)
        nn.init.zeros_(self.item_bias.weight)
        layers: list[nn.Module] = []
        width = 2 * self.m
        for h in cfg.hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            layers += [nn.Dropout(cfg.dropout)] if cfg.dropout else []
            width = h
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(self.g + width, 1)

    def head(self, z: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Scores of rows ``z`` (n, g+m) against item rows ``items`` (n,)."""
        v = self.item(items)
        gmf = z[:, :self.g] * v[:, :self.g]
        mlp = self.mlp(torch.cat([z[:, self.g:], v[:, self.g:]], dim=1))
        return self.out(torch.cat([gmf, mlp], dim=1)).squeeze(1) + self.item_bias(items).squeeze(1)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        return self.head(self.user(users), items)

    @torch.no_grad()
    def item_side(self) -> ItemSide | None:
        """Every movie's `ItemSide`; None without hidden layers (then there is no first layer
        to share and `score_all` is as cheap)."""
        first = self.mlp[0] if len(self.mlp) else None
        if not isinstance(first, nn.Linear):
            return None
        v = self.item.weight
        w_out = self.out.weight[0]
        pre = v[:, self.g:] @ first.weight[:, self.m:].T + first.bias
        gmf = v[:, :self.g] * w_out[:self.g]
        bias = self.item_bias.weight[:, 0] + self.out.bias
        return ItemSide(pre, gmf, bias)

    def score_side(self, z: torch.Tensor, side: ItemSide) -> torch.Tensor:
        """Scores from an `ItemSide`: one person ``z`` (g+m,) against all its movies, or
        rows ``z`` (n, g+m) against its n movies, one each. The numbers of `head`; autograd
        flows through ``z`` (the fold-in differentiates it)."""
        first = self.mlp[0]
        hidden = torch.relu(side.pre + z[..., self.g:] @ first.weight[:, :self.m].T)
        hidden = self.mlp[2:](hidden)            # the layers after the first ReLU (eval mode)
        return ((side.gmf * z[..., :self.g]).sum(-1) + hidden @ self.out.weight[0, self.g:]
                + side.bias)

    @torch.no_grad()
    def score_one(self, z: torch.Tensor, side: ItemSide) -> torch.Tensor:
        """Every movie's score for one person vector ``z`` (g+m,): the same numbers as
        `score_all`, an order of magnitude sooner."""
        return self.score_side(z, side)

    @torch.no_grad()
    def score_all(self, z: torch.Tensor, chunk: int = 200_000) -> torch.Tensor:
        """(people, items) scores of every item for each row of ``z``, in chunks of cells."""
        n = self.item.num_embeddings
        items = torch.arange(n, device=z.device)
        per = max(1, chunk // max(n, 1))
        rows = []
        for start in range(0, len(z), per):
            zz = z[start:start + per]
            scores = self.head(zz.repeat_interleave(n, 0), items.repeat(len(zz)))
            rows.append(scores.reshape(len(zz), n))
        return torch.cat(rows) if rows else torch.zeros(0, n, device=z.device)


class Linearised(NamedTuple):
    """Every movie's score to first order around a reference person ``at`` (the training
    users' mean vector): ``s(z, i) ≈ base_i + slope_i · (z - at)``. Exact for the GMF tower,
    which is linear in ``z``; for the MLP tower it holds while the person's vector stays
    near the average, as the fold-in's prior keeps it. One matrix-vector product ranks all
    45k movies in well under a millisecond."""

    at: torch.Tensor
    base: torch.Tensor
    slope: torch.Tensor

    @classmethod
    def of(cls, net: NeuMF, side: ItemSide, at: torch.Tensor, chunk: int = 8192
           ) -> "Linearised":
        at = at.detach()
        bases, slopes = [], []
        n = len(side.bias)
        for start in range(0, n, chunk):
            part = side.take(torch.arange(start, min(start + chunk, n), device=at.device))
            grad, out = row_gradients(lambda zz: net.score_side(zz, part), at, len(part.bias),
                                      with_outputs=True)
            bases.append(out)
            slopes.append(grad)
        return cls(at, torch.cat(bases), torch.cat(slopes))

    @torch.no_grad()
    def scores(self, z: torch.Tensor) -> torch.Tensor:
        return self.base + self.slope @ (z - self.at)
