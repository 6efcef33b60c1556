"""Ranking and rating metrics as pure functions (checked against hand-computed values).

Ranking metrics take the recommended movie indices (best first) and the set of relevant
movies for one person; collectors average them over people. `ranking_metrics` computes
them all for one list. Beyond-accuracy metrics (coverage, exposure Gini, intra-list
diversity, novelty, popularity bias) describe *what kind* of movies a method shows.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import scipy.sparse as sp


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


def ndcg_of_ranks(ranks, k: int) -> np.ndarray:
    """NDCG@k of lists that each hold exactly one relevant movie, at 0-based ``ranks``.

    The ideal DCG is 1, so the value is the discount of the rank: ``1 / log2(rank + 2)``
    inside the top ``k``, else 0 (what early stopping on one held-out movie per person uses).
    """
    r = np.asarray(ranks, dtype=np.float64)
    return np.where(r < k, 1.0 / np.log2(r + 2.0), 0.0)


def mean_ndcg_at_k(scores: np.ndarray, truth: sp.csr_matrix, k: int) -> float:
    """Mean binary NDCG@k of each score row's top ``k`` against the matching truth row.

    ``scores`` is people x movies (higher = better), ``truth`` the same shape (non-zero =
    relevant). Rows without any relevant movie are skipped. Equal to averaging `ndcg_at_k`
    over the rows' rankings (checked by tests), without a Python loop over people.
    """
    k = min(int(k), scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1, kind="stable")[:, ::-1]
    top = np.take_along_axis(top, order, axis=1)
    dense = sp.csr_matrix(truth).toarray() > 0
    hits = np.take_along_axis(dense, top, axis=1)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    found = (hits * discount).sum(axis=1)
    n = dense.sum(axis=1)
    ideal = np.cumsum(discount)[np.minimum(n, k) - 1]
    ok = n > 0
    return float((found[ok] / ideal[ok]).mean()) if ok.any() else 0.0


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


# --- all ranking metrics of one list at once ------------------------------------------------------
def ranking_metrics(recommended, relevant, ks: Iterable[int] = (5, 10, 20)) -> dict[str, float]:
    """Every ranking metric of one list, keyed ``name@k`` (plus ``mrr`` over the whole list).

    Keys per k: precision@k, recall@k, recall_trunc@k, ndcg@k, map@k, hit@k. Values equal
    the single-metric functions above (checked by tests); this computes the hits only once.
    A person with no relevant movie scores 0 everywhere, as in the single functions.
    """
    rec = np.asarray(list(recommended), dtype=np.int64)
    truth = np.unique(np.asarray(list(relevant), dtype=np.int64))
    hits = np.isin(rec, truth)
    n = len(truth)
    first = np.flatnonzero(hits)
    out: dict[str, float] = {}
    for k in ks:
        k = int(k)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        h = hits[:k]
        found = float(h.sum())
        out[f"precision@{k}"] = found / k
        out[f"recall@{k}"] = found / n if n else 0.0
        out[f"recall_trunc@{k}"] = found / min(k, n) if n else 0.0
        out[f"ndcg@{k}"] = dcg(h.astype(np.float64)) / dcg(np.ones(min(n, k))) if n else 0.0
        precisions = np.cumsum(h) / np.arange(1, len(h) + 1)
        out[f"map@{k}"] = float(np.sum(precisions * h)) / min(n, k) if n else 0.0
        out[f"hit@{k}"] = float(found > 0)
    out["mrr"] = 1.0 / float(first[0] + 1) if len(first) else 0.0
    return out


# --- beyond accuracy: coverage, diversity, novelty, popularity bias ---------------------------
def _items(items) -> np.ndarray:
    return np.asarray(list(items) if not isinstance(items, np.ndarray) else items,
                      dtype=np.int64).ravel()


def catalog_coverage(lists: Iterable[Iterable[int]], n_movies: int) -> float:
    """Share of the catalog that appears in at least one of the recommendation lists.

    Low coverage means the method shows everyone the same few movies.
    """
    if n_movies < 1:
        raise ValueError(f"n_movies must be at least 1, got {n_movies}")
    parts = [_items(lst) for lst in lists]
    shown = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    if len(shown) and (shown[0] < 0 or shown[-1] >= n_movies):
        raise ValueError(f"movie indices must be in 0..{n_movies - 1}")
    return len(shown) / n_movies


def exposure_gini(lists: Iterable[Iterable[int]], n_movies: int) -> float:
    """Gini index of how often each catalog movie is recommended over all lists.

    0 = every movie shown equally often; 1 = one movie takes all the exposure (the
    n/(n-1) bias-corrected Gini over the whole catalog). NaN when no list recommends anything.
    """
    if n_movies < 1:
        raise ValueError(f"n_movies must be at least 1, got {n_movies}")
    parts = [_items(lst) for lst in lists]
    shown = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if len(shown) == 0:
        return float("nan")
    x = np.sort(np.bincount(shown, minlength=n_movies)[:n_movies].astype(np.float64))
    if len(x) == 1:
        return 0.0
    ranks = np.arange(1, len(x) + 1)
    return float(np.sum((2 * ranks - len(x) - 1) * x) / ((len(x) - 1) * x.sum()))


def intra_list_diversity(items, vectors) -> float:
    """Mean pairwise cosine distance (1 - cosine similarity) between the listed movies.

    ``vectors`` is any movies x features matrix, dense or scipy sparse: `catalog.genre_matrix`
    for genre diversity, TF-IDF or embedding rows for content diversity. Movies whose vector
    is all zero (nothing known, e.g. no genres) are left out, since their similarity is
    undefined. NaN when fewer than two movies remain. Range [0, 1] for non-negative
    vectors, [0, 2] in general.
    """
    idx = _items(items)
    rows = vectors[idx]
    if sp.issparse(rows):
        rows = sp.csr_matrix(rows, dtype=np.float64)
        norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    else:
        rows = np.asarray(rows, dtype=np.float64)
        norms = np.linalg.norm(rows, axis=1)
    keep = norms > 0
    m = int(keep.sum())
    if m < 2:
        return float("nan")
    unit = rows[np.flatnonzero(keep)]
    if sp.issparse(unit):
        unit = sp.diags(1.0 / norms[keep]) @ unit
        sims = (unit @ unit.T).toarray()
    else:
        unit = unit / norms[keep][:, None]
        sims = unit @ unit.T
    upper = np.triu_indices(m, 1)
    return float(np.mean(np.clip(1.0 - sims[upper], 0.0, 2.0)))


def novelty(items, popularity, n_users: int | None = None) -> float:
    """Mean self-information -log2 p(i) of the listed movies (Zhou et al. 2010, PNAS).

    p(i) is the share of users who rated movie i: ``popularity`` holds these shares, or
    rating counts when ``n_users`` is given (p = count / n_users). A movie nobody rated
    would have infinite self-information; it is given the share of the rarest rated movie
    instead, so novelty stays finite and an unrated movie counts as the most novel kind.
    NaN for an empty list.
    """
    share = np.asarray(popularity, dtype=np.float64)
    if n_users is not None:
        if n_users < 1:
            raise ValueError(f"n_users must be at least 1, got {n_users}")
        share = share / n_users
    if np.any(share < 0) or np.any(share > 1) or np.any(np.isnan(share)):
        raise ValueError("popularity must be shares in [0, 1] (or counts with n_users)")
    idx = _items(items)
    if len(idx) == 0:
        return float("nan")
    rated = share[share > 0]
    if len(rated) == 0:
        raise ValueError("no movie has been rated: novelty is undefined")
    p = np.maximum(share[idx], rated.min())
    return float(np.mean(-np.log2(p)))


def average_popularity(items, counts) -> float:
    """ARP: mean number of ratings of the listed movies (Abdollahpouri et al. 2019).

    Higher = the list leans on popular movies. NaN for an empty list.
    """
    idx = _items(items)
    return float(np.mean(np.asarray(counts, dtype=np.float64)[idx])) if len(idx) else float("nan")


def long_tail_mask(counts, head_share: float = 0.2) -> np.ndarray:
    """True for long-tail movies: all but the ``head_share`` most-rated of the rated movies.

    The head is the ceil(head_share * n_rated) most-rated movies, plus any tied with the
    last of them; never-rated movies are always in the tail.
    """
    if not 0.0 < head_share < 1.0:
        raise ValueError(f"head_share must be between 0 and 1, got {head_share}")
    c = np.asarray(counts, dtype=np.float64)
    rated = c[c > 0]
    if len(rated) == 0:
        return np.ones(len(c), dtype=bool)
    n_head = max(1, int(np.ceil(head_share * len(rated))))
    threshold = np.partition(rated, len(rated) - n_head)[len(rated) - n_head]
    return ~((c >= threshold) & (c > 0))


def long_tail_share(items, counts, head_share: float = 0.2) -> float:
    """Share of the listed movies that are in the long tail (see `long_tail_mask`).

    NaN for an empty list.
    """
    idx = _items(items)
    if len(idx) == 0:
        return float("nan")
    return float(np.mean(long_tail_mask(counts, head_share)[idx]))
