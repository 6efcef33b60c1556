"""Ranking and rating metrics as pure functions (checked against hand-computed values).

Ranking metrics take the recommended movie indices (best first) and the set of relevant
movies for one person; collectors average them over people.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np


def _rel(recommended: Iterable[int], relevant: Iterable[int], k: int) -> tuple[np.ndarray, int]:
    rec = np.asarray(list(recommended), dtype=np.int64)[:k]
    truth = set(int(i) for i in relevant)
    hits = np.fromiter((int(i) in truth for i in rec), dtype=bool, count=len(rec))
    return hits, len(truth)


def precision_at_k(recommended, relevant, k: int) -> float:
    """Share of the top-k that is relevant (divides by k, as is standard)."""
    hits, _ = _rel(recommended, relevant, k)
    return float(hits.sum()) / k if k else 0.0


def recall_at_k(recommended, relevant, k: int) -> float:
    hits, n = _rel(recommended, relevant, k)
    return float(hits.sum()) / n if n else 0.0


def truncated_recall_at_k(recommended, relevant, k: int) -> float:
    """Recall normalised by min(k, |relevant|) (Liang et al. 2018): 1.0 is reachable."""
    hits, n = _rel(recommended, relevant, k)
    return float(hits.sum()) / min(k, n) if n else 0.0


def hit_rate_at_k(recommended, relevant, k: int) -> float:
    hits, _ = _rel(recommended, relevant, k)
    return float(hits.any())


def dcg(gains: np.ndarray) -> float:
    discounts = 1.0 / np.log2(np.arange(2, len(gains) + 2))
    return float(np.sum(gains * discounts))


def ndcg_at_k(recommended, relevant, k: int) -> float:
    """Binary-relevance NDCG@k: DCG of the list over DCG of the ideal list."""
    hits, n = _rel(recommended, relevant, k)
    if n == 0:
        return 0.0
    ideal = dcg(np.ones(min(n, k)))
    return dcg(hits.astype(np.float64)) / ideal


def average_precision_at_k(recommended, relevant, k: int) -> float:
    """AP@k normalised by min(k, |relevant|)."""
    hits, n = _rel(recommended, relevant, k)
    if n == 0:
        return 0.0
    cum = np.cumsum(hits)
    precisions = cum / np.arange(1, len(hits) + 1)
    return float(np.sum(precisions * hits)) / min(n, k)


def reciprocal_rank(recommended, relevant, k: int | None = None) -> float:
    rec = list(recommended) if k is None else list(recommended)[:k]
    truth = set(int(i) for i in relevant)
    for pos, item in enumerate(rec, 1):
        if int(item) in truth:
            return 1.0 / pos
    return 0.0


def rmse(predicted, actual) -> float:
    p, a = np.asarray(predicted, np.float64), np.asarray(actual, np.float64)
    return float(np.sqrt(np.mean((p - a) ** 2))) if len(a) else float("nan")


def mae(predicted, actual) -> float:
    p, a = np.asarray(predicted, np.float64), np.asarray(actual, np.float64)
    return float(np.mean(np.abs(p - a))) if len(a) else float("nan")
