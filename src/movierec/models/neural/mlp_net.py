"""The network behind `mlp` and the encoding of people's side information.

`RatingNet` turns a person vector ``[p, b]``, a movie (embedding, bias, genres) and the
person's side features into a predicted rating; it takes vectors, not ids, so trained users,
folded-in people and the average movie all go through the same code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from torch import nn

if TYPE_CHECKING:  # pragma: no cover
    from movierec.models.neural.mlp import MLPConfig


def user_side_features(users: pd.DataFrame | None, n_users: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_users x F encoded side features, the encoding of an unknown person).

    Age is standardised with an "unknown" flag; gender and occupation are one-hot with an
    "unknown" column. Columns the dataset lacks are simply left out (F may be 0)."""
    cols: list[np.ndarray] = []
    unknown: list[np.ndarray] = []
    if users is not None and len(users) == n_users:
        if "age" in users.columns:
            age = pd.to_numeric(users["age"], errors="coerce").to_numpy(dtype=np.float64,
                                                                         na_value=np.nan)
            known = np.isfinite(age)
            if known.any():
                mean, std = age[known].mean(), max(age[known].std(), 1e-6)
                cols += [np.where(known, (age - mean) / std, 0.0)[:, None], (~known)[:, None]]
                unknown.append(np.array([0.0, 1.0]))
        for name in ("gender", "occupation"):
            if name not in users.columns:
                continue
            values = users[name].astype(object).where(users[name].notna(), None).tolist()
            vocab = sorted({str(v) for v in values if v is not None and str(v)})
            if not vocab:
                continue
            where = {v: j for j, v in enumerate(vocab)}
            onehot = np.zeros((n_users, len(vocab) + 1))
            for row, v in enumerate(values):
                onehot[row, where.get(str(v), len(vocab)) if v is not None else len(vocab)] = 1.0
            cols.append(onehot)
            unknown.append(np.eye(len(vocab) + 1)[-1])
    if not cols:
        return np.zeros((n_users, 0), np.float32), np.zeros(0, np.float32)
    return (np.hstack(cols).astype(np.float32), np.concatenate(unknown).astype(np.float32))


class RatingNet(nn.Module):
    """Embeddings + side features -> MLP -> rating. `head` takes vectors, not ids, so the
    same network scores trained users, folded-in people and the average movie."""

    def __init__(self, n_users: int, n_items: int, side: np.ndarray, genres: np.ndarray,
                 mu: float, cfg: "MLPConfig"):
        super().__init__()
        d = cfg.factors
        self.biases, self.interaction, self.dot = cfg.biases, cfg.interaction, cfg.dot
        self.user_emb = nn.Embedding(n_users, d)
        self.item_emb = nn.Embedding(n_items, d)
        nn.init.normal_(self.user_emb.weight, 0.0, 0.05)
        nn.init.normal_(self.item_emb.weight, 0.0, 0.05)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        self.register_buffer("mu", torch.tensor(float(mu)))
        self.register_buffer("side", torch.as_tensor(side, dtype=torch.float32))
        self.register_buffer("genres", torch.as_tensor(genres, dtype=torch.float32))
        width = 2 * d + (d if cfg.interaction else 0) + side.shape[1] + genres.shape[1]
        layers: list[nn.Module] = [nn.Dropout(cfg.input_dropout)] if cfg.input_dropout else []
        for h in cfg.hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(cfg.dropout)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)

    def head(self, p: torch.Tensor, b_u: torch.Tensor, q: torch.Tensor, b_i: torch.Tensor,
             side: torch.Tensor, genres: torch.Tensor) -> torch.Tensor:
        parts = [p, q] + ([p * q] if self.interaction else []) + [side, genres]
        out = self.mlp(torch.cat(parts, dim=1)).squeeze(1) + self.mu
        if self.dot:
            out = out + (p * q).sum(1)
        return out + b_u + b_i if self.biases else out

    def forward(self, users: torch.Tensor, items: torch.Tensor,
                side: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.user_emb(users), self.user_bias(users).squeeze(1),
                         self.item_emb(items), self.item_bias(items).squeeze(1),
                         self.side[users] if side is None else side, self.genres[items])

    def user_vectors(self) -> torch.Tensor:
        """[p_u, b_u] of every training user (b_u only with biases)."""
        w = self.user_emb.weight
        return torch.cat([w, self.user_bias.weight], 1) if self.biases else w
