"""Top-N lists from a rating model: movies close to the picks in its learnt taste space.

A rating model folds a new person in from their stars. Three picks a person "loves" mostly
tell it how generous they are -- loved films are acclaimed films, whose high rating the
movie biases already explain -- so ranking by predicted stars returns the same acclaimed
films for everyone (measured: 0-10% animation/family films for three Pixar picks). The
model's movie factors, though, do encode taste: movies rated alike by the same people sit
close together. So ``svd``/``nmf`` rank by similarity in that space (option
``rank_by="rating"`` keeps the predicted-star ranking), and still report predicted stars.

Two details make the similarity about taste rather than popularity:
- factors are centred on the rating-weighted mean movie, the direction every well-known
  film shares (without it every acclaimed film is "similar" to every pick);
- a movie's similarity is shrunk by ``n / (n + shrink)`` for ``n`` ratings, because the
  factors of a movie with three ratings are mostly prior, not evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RANKINGS = ("taste", "rating")


def check_ranking(rank_by: str) -> None:
    if rank_by not in RANKINGS:
        raise ValueError(f"rank_by must be one of {RANKINGS}, not {rank_by!r}")


@dataclass(frozen=True)
class LatentTaste:
    """Unit taste vectors of the rated movies (rows follow the model's factor rows)."""

    vectors: np.ndarray      # (rated movies, d) float32, unit length (or zero)
    confidence: np.ndarray   # (rated movies,) float32 in [0, 1)

    @classmethod
    def from_factors(cls, factors: np.ndarray, counts: np.ndarray, shrink: float,
                     basis: np.ndarray | None = None) -> "LatentTaste":
        """From movie factors (one row per rated movie) and their rating counts.

        ``basis`` (orthonormal rows) optionally projects the normalised vectors to fewer
        dimensions, preserving their dot products within its span.
        """
        f = np.asarray(factors, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.float64)
        if counts.sum() > 0:
            f = f - (counts @ f) / counts.sum()
        norms = np.linalg.norm(f, axis=1, keepdims=True)
        unit = np.divide(f, norms, out=np.zeros_like(f), where=norms > 1e-12)
        if basis is not None:
            unit = unit @ basis.T
        confidence = counts / (counts + max(shrink, 0.0)) if shrink > 0 else np.ones_like(counts)
        return cls(unit.astype(np.float32), confidence.astype(np.float32))

    def scores(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted mean similarity to the picks' rows (weights: + loved, - disliked)."""
        rows = np.asarray(rows, dtype=np.int64)
        w = np.asarray(weights, dtype=np.float32)
        if len(rows) == 0 or np.abs(w).sum() == 0:
            return np.zeros(len(self.vectors), dtype=np.float32)
        target = (w[:, None] * self.vectors[rows]).sum(axis=0) / np.abs(w).sum()
        return (self.vectors @ target) * self.confidence

    def closest(self, item_rows: np.ndarray, pick_rows: np.ndarray) -> np.ndarray:
        """For each item row, the position (in ``pick_rows``) of the most similar pick."""
        sims = self.vectors[np.asarray(item_rows, np.int64)] @ \
            self.vectors[np.asarray(pick_rows, np.int64)].T
        return np.argmax(sims, axis=1)

    def state(self, prefix: str = "taste") -> dict[str, np.ndarray]:
        return {f"{prefix}.vectors": self.vectors, f"{prefix}.confidence": self.confidence}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], prefix: str = "taste") -> "LatentTaste":
        return cls(state[f"{prefix}.vectors"], state[f"{prefix}.confidence"])
