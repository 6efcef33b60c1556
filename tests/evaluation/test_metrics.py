"""Ranking and rating metrics against hand-computed values."""

import math

import pytest

from movierec.evaluation import metrics as m


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
