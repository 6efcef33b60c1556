"""Ranking and rating metrics against hand-computed values."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from movierec.evaluation import metrics as m
from movierec.synthetic import block_dataset


def test_hand_computed_list():
    rec, truth = [5, 1, 7, 2, 9], {1, 2, 3}
    assert m.precision_at_k(rec, truth, 5) == pytest.approx(2 / 5)
    assert m.recall_at_k(rec, truth, 5) == pytest.approx(2 / 3)
    assert m.truncated_recall_at_k(rec, truth, 2) == pytest.approx(1 / 2)
    assert m.hit_rate_at_k(rec, truth, 1) == 0.0 and m.hit_rate_at_k(rec, truth, 2) == 1.0
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.ndcg_at_k(rec, truth, 5) == pytest.approx(dcg / idcg)
    assert m.average_precision_at_k(rec, truth, 5) == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert m.reciprocal_rank(rec, truth) == pytest.approx(1 / 2)


def test_perfect_and_empty():
    assert m.ndcg_at_k([1, 2, 3], {1, 2, 3}, 3) == pytest.approx(1.0)
    assert m.average_precision_at_k([1, 2], {1, 2}, 2) == pytest.approx(1.0)
    assert m.ndcg_at_k([4, 5], set(), 2) == 0.0
    assert m.reciprocal_rank([4, 5], {1}) == 0.0


def test_rating_errors():
    assert m.rmse([3, 4, 5], [3, 5, 3]) == pytest.approx(math.sqrt((0 + 1 + 4) / 3))
    assert m.mae([3, 4, 5], [3, 5, 3]) == pytest.approx(1.0)


# --- ranking_metrics: all at once, same values as the single functions ---------------------------
def test_ranking_metrics_keys_and_hand_values():
    rec, truth = [5, 1, 7, 2, 9], {1, 2, 3}
    out = m.ranking_metrics(rec, truth, ks=(1, 5))
    expected_keys = {f"{name}@{k}" for k in (1, 5) for name in
                     ("precision", "recall", "recall_trunc", "ndcg", "map", "hit")} | {"mrr"}
    assert set(out) == expected_keys
    assert out["precision@5"] == pytest.approx(2 / 5) and out["recall@5"] == pytest.approx(2 / 3)
    assert out["recall_trunc@5"] == pytest.approx(2 / 3)      # min(5, 3) = 3 relevant reachable
    assert out["hit@1"] == 0.0 and out["hit@5"] == 1.0 and out["precision@1"] == 0.0
    assert out["ndcg@5"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5))
                                          / (1 + 1 / math.log2(3) + 1 / math.log2(4)))
    assert out["map@5"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert out["mrr"] == pytest.approx(1 / 2)
    assert all(isinstance(v, float) for v in out.values())


@pytest.mark.parametrize("rec,truth", [([5, 1, 7, 2, 9], {1, 2, 3}), ([1, 2], {2}),
                                       ([4, 5, 6], set()),
                                       ([3, 8, 1, 0, 9, 4, 2], {0, 1, 2, 3, 4, 5, 6})])
def test_ranking_metrics_match_single_functions(rec, truth):
    out = m.ranking_metrics(rec, truth, ks=(1, 3, 10))
    for k in (1, 3, 10):
        assert out[f"precision@{k}"] == pytest.approx(m.precision_at_k(rec, truth, k))
        assert out[f"recall@{k}"] == pytest.approx(m.recall_at_k(rec, truth, k))
        assert out[f"recall_trunc@{k}"] == pytest.approx(m.truncated_recall_at_k(rec, truth, k))
        assert out[f"ndcg@{k}"] == pytest.approx(m.ndcg_at_k(rec, truth, k))
        assert out[f"map@{k}"] == pytest.approx(m.average_precision_at_k(rec, truth, k))
        assert out[f"hit@{k}"] == m.hit_rate_at_k(rec, truth, k)
    assert out["mrr"] == pytest.approx(m.reciprocal_rank(rec, truth))


def test_mean_ndcg_of_score_rows_by_hand():
    scores = np.array([[0.9, 0.8, 0.1, 0.0],      # truth {1}: rank 2 -> 1/log2(3)
                       [0.1, 0.2, 0.3, 0.4],      # truth {3, 0}: ranks 1 and 4 (k=2: one hit)
                       [0.5, 0.4, 0.3, 0.2]])     # no truth: skipped
    truth = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0]], dtype=np.float32))
    want = (1 / np.log2(3) + 1 / (1 + 1 / np.log2(3))) / 2
    assert m.mean_ndcg_at_k(scores, truth, 2) == pytest.approx(want)


def test_mean_ndcg_equals_the_per_list_ndcg():
    rng = np.random.default_rng(3)
    scores = rng.random((30, 25))
    truth = sp.csr_matrix((rng.random((30, 25)) < 0.2).astype(np.float32))
    lists = [np.argsort(-row, kind="stable") for row in scores]
    rows = [r for r in range(30) if truth[r].nnz]
    want = np.mean([m.ndcg_at_k(lists[r], truth[r].indices, 10) for r in rows])
    assert m.mean_ndcg_at_k(scores, truth, 10) == pytest.approx(want)


def test_ndcg_of_ranks_is_the_one_relevant_movie_case():
    ranks = np.array([0, 1, 9, 10, 50])
    got = m.ndcg_of_ranks(ranks, 10)
    for rank, value in zip(ranks, got):
        single = m.ndcg_at_k([99] * rank + [7], {7}, 10) if rank < 10 else 0.0
        assert value == pytest.approx(single)


def test_ranking_metrics_rejects_bad_k():
    with pytest.raises(ValueError, match="k must be"):
        m.ranking_metrics([1, 2], {1}, ks=(0,))


# --- beyond accuracy -----------------------------------------------------------------------------
def test_catalog_coverage_and_exposure_gini():
    assert m.catalog_coverage([[0, 1], [1, 2], []], 10) == pytest.approx(0.3)
    assert m.catalog_coverage([], 10) == 0.0
    with pytest.raises(ValueError, match="0..9"):
        m.catalog_coverage([[3, 10]], 10)
    with pytest.raises(ValueError, match="n_movies"):
        m.catalog_coverage([[0]], 0)
    assert m.exposure_gini([[0, 1], [2, 3]], 4) == pytest.approx(0.0)      # equal exposure
    assert m.exposure_gini([[3], [3], [3]], 4) == pytest.approx(1.0)        # one movie takes all
    # counts sorted [1, 2, 3]: sum((2i - n - 1) x_i) / ((n - 1) sum x) = 4 / 12
    assert m.exposure_gini([[0, 1, 2], [1, 2], [2]], 3) == pytest.approx(1 / 3)
    assert math.isnan(m.exposure_gini([[], []], 3))


VECTORS = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [-1.0, 0.0]])


@pytest.mark.parametrize("vectors", [VECTORS, sp.csr_matrix(VECTORS)])
def test_intra_list_diversity_hand_values(vectors):
    d = 1 - 1 / math.sqrt(2)
    assert m.intra_list_diversity([0, 1, 2], vectors) == pytest.approx((1 + 2 * d) / 3)
    assert m.intra_list_diversity([0, 1], vectors) == pytest.approx(1.0)
    assert m.intra_list_diversity([0, 1, 3], vectors) == pytest.approx(1.0)   # zero vector left out
    assert math.isnan(m.intra_list_diversity([0, 3], vectors))
    assert math.isnan(m.intra_list_diversity([], vectors))
    assert m.intra_list_diversity([0, 4], vectors) == pytest.approx(2.0)      # opposite directions
    assert m.intra_list_diversity(np.array([2, 2]), vectors) == pytest.approx(0.0)


def test_intra_list_diversity_with_catalog_genres():
    ds = block_dataset(seed=0)
    genres = ds.catalog.genre_matrix
    blocks = np.array(ds.manifest["blocks"])
    same = np.flatnonzero(blocks == 0)[:5]
    mixed = np.concatenate([same[:3], np.flatnonzero(blocks == 1)[:2]])
    assert m.intra_list_diversity(same, genres) == pytest.approx(0.0, abs=1e-9)
    assert 0.0 < m.intra_list_diversity(mixed, genres) <= 1.0


def test_novelty_self_information():
    shares = np.array([0.5, 0.25, 0.0, 1.0])
    assert m.novelty([0, 1], shares) == pytest.approx((1 + 2) / 2)
    assert m.novelty([3], shares) == pytest.approx(0.0)                   # everybody rated it
    assert m.novelty([2], shares) == pytest.approx(2.0)                   # as the rarest rated one
    assert m.novelty([0, 1], [2, 1, 0, 4], n_users=4) == pytest.approx(1.5)
    assert math.isnan(m.novelty([], shares))
    with pytest.raises(ValueError, match="shares"):
        m.novelty([0], [2, 1])
    with pytest.raises(ValueError, match="no movie"):
        m.novelty([0], [0, 0])


def test_popularity_bias():
    counts = np.array([100, 50, 50, 10, 5, 1, 0, 0])
    assert m.average_popularity([0, 3], counts) == pytest.approx(55.0)
    assert math.isnan(m.average_popularity([], counts))
    # 6 rated movies, head = ceil(0.2 * 6) = 2 most rated, plus the tie at 50
    np.testing.assert_array_equal(m.long_tail_mask(counts, 0.2),
                                  [False, False, False, True, True, True, True, True])
    assert m.long_tail_share([0, 3, 6, 1], counts) == pytest.approx(0.5)
    assert m.long_tail_share([5, 6], counts, head_share=0.5) == 1.0
    assert m.long_tail_share([0], counts, head_share=0.5) == 0.0
    assert math.isnan(m.long_tail_share([], counts))
    with pytest.raises(ValueError, match="head_share"):
        m.long_tail_mask(counts, 1.0)
