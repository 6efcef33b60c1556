"""Properties every metric must have, checked on lists hypothesis makes up."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.evaluation import metrics as m

# No deadline: CI machines are shared and timing is not what these tests check.
SETTINGS = settings(deadline=None, max_examples=100)

lists = st.lists(st.integers(0, 40), unique=True, max_size=25)
truths = st.sets(st.integers(0, 40), max_size=20)
ks = st.integers(1, 30)

SINGLE = {
    "precision": m.precision_at_k, "recall": m.recall_at_k, "recall_trunc": m.truncated_recall_at_k,
    "hit": m.hit_rate_at_k, "ndcg": m.ndcg_at_k, "map": m.average_precision_at_k,
}


@SETTINGS
@given(lists, truths, ks)
def test_every_ranking_metric_is_in_unit_interval(rec, truth, k):
    for fn in SINGLE.values():
        assert 0.0 <= fn(rec, truth, k) <= 1.0 + 1e-12
    assert 0.0 <= m.reciprocal_rank(rec, truth) <= 1.0
    assert all(0.0 <= v <= 1.0 + 1e-12 for v in m.ranking_metrics(rec, truth, (k,)).values())


@SETTINGS
@given(lists, truths, ks)
def test_ranking_metrics_agrees_with_single_functions(rec, truth, k):
    out = m.ranking_metrics(rec, truth, ks=(k,))
    for name, fn in SINGLE.items():
        assert out[f"{name}@{k}"] == pytest.approx(fn(rec, truth, k))
    assert out["mrr"] == pytest.approx(m.reciprocal_rank(rec, truth))


@SETTINGS
@given(truths.filter(bool), lists, ks)
def test_a_perfect_ranking_scores_one(truth, others, k):
    rec = sorted(truth) + [i for i in others if i not in truth]
    for fn in (m.ndcg_at_k, m.average_precision_at_k, m.truncated_recall_at_k, m.hit_rate_at_k):
        assert fn(rec, truth, k) == pytest.approx(1.0)
    assert m.reciprocal_rank(rec, truth) == 1.0
    assert m.precision_at_k(rec, truth, k) == pytest.approx(min(k, len(truth)) / k)


@SETTINGS
@given(lists, truths, ks, st.randoms(use_true_random=False))
def test_set_metrics_ignore_order_within_the_top_k(rec, truth, k, rnd):
    top = rec[:k]
    rnd.shuffle(top)
    shuffled = top + rec[k:]
    for fn in (m.precision_at_k, m.recall_at_k, m.truncated_recall_at_k, m.hit_rate_at_k):
        assert fn(shuffled, truth, k) == fn(rec, truth, k)


@SETTINGS
@given(st.lists(st.integers(0, 40), unique=True, min_size=2, max_size=25), st.data())
def test_moving_a_hit_up_never_hurts_and_helps_ndcg(rec, data):
    j = data.draw(st.integers(1, len(rec) - 1))             # a hit at j ...
    i = data.draw(st.integers(0, j - 1))                    # ... below a miss at i
    truth = (data.draw(st.sets(st.sampled_from(rec))) - {rec[i]}) | {rec[j]}
    better = list(rec)
    better[i], better[j] = better[j], better[i]            # the hit moves up from j to i
    k = len(rec)
    assert m.ndcg_at_k(better, truth, k) > m.ndcg_at_k(rec, truth, k)
    assert m.average_precision_at_k(better, truth, k) > m.average_precision_at_k(rec, truth, k)
    assert m.reciprocal_rank(better, truth) >= m.reciprocal_rank(rec, truth)


@SETTINGS
@given(lists, truths, ks)
def test_recall_and_hits_grow_with_k_and_count_the_same_hits(rec, truth, k):
    assert m.recall_at_k(rec, truth, k + 1) >= m.recall_at_k(rec, truth, k)
    assert m.hit_rate_at_k(rec, truth, k + 1) >= m.hit_rate_at_k(rec, truth, k)
    if truth:
        found_p = m.precision_at_k(rec, truth, k) * k
        assert found_p == pytest.approx(m.recall_at_k(rec, truth, k) * len(truth))


floats = st.floats(-5, 5, allow_nan=False, width=32)


@SETTINGS
@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=40))
def test_rmse_is_at_least_mae(pairs):
    pred, true = zip(*pairs)
    rmse, mae = m.rmse(pred, true), m.mae(pred, true)
    assert rmse >= mae - 1e-9 and mae >= 0.0


@SETTINGS
@given(st.lists(floats, min_size=1, max_size=30), st.floats(0, 3, allow_nan=False))
def test_rmse_equals_mae_when_every_error_is_equal(true, err):
    pred = np.asarray(true, dtype=np.float64) + err
    assert m.rmse(pred, true) == pytest.approx(m.mae(pred, true), abs=1e-6)


vectors = st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=41, max_size=41)


@SETTINGS
@given(lists, vectors, st.randoms(use_true_random=False))
def test_diversity_is_bounded_and_order_free(rec, rows, rnd):
    v = np.asarray(rows, dtype=np.float64)
    value = m.intra_list_diversity(rec, v)
    shuffled = list(rec)
    rnd.shuffle(shuffled)
    if np.isnan(value):
        assert np.isnan(m.intra_list_diversity(shuffled, v))
    else:
        assert -1e-12 <= value <= 1.0 + 1e-12
        assert m.intra_list_diversity(shuffled, v) == pytest.approx(value)


counts = st.lists(st.integers(0, 100), min_size=41, max_size=41).filter(lambda c: any(c))


@SETTINGS
@given(st.lists(lists, max_size=6), lists, counts)
def test_catalog_and_popularity_metrics_are_bounded(many, extra, cnt):
    cov = m.catalog_coverage(many, 41)
    assert 0.0 <= cov <= 1.0
    assert m.catalog_coverage(many + [extra], 41) >= cov          # another list never hides movies
    gini = m.exposure_gini(many + [extra], 41)
    assert np.isnan(gini) or -1e-12 <= gini <= 1.0 + 1e-12
    if extra:
        assert m.novelty(extra, cnt, n_users=100) >= 0.0
        assert 0.0 <= m.long_tail_share(extra, cnt) <= 1.0
        assert min(cnt[i] for i in extra) <= m.average_popularity(extra, cnt) <= max(cnt)


@SETTINGS
@given(counts, st.floats(0.05, 0.95))
def test_a_bigger_head_leaves_a_smaller_tail(cnt, share):
    small, big = m.long_tail_mask(cnt, share / 2), m.long_tail_mask(cnt, share)
    assert np.all(big <= small)                # every tail movie of the big head is tail before
    assert not big[int(np.argmax(cnt))]       # the most-rated movie is always in the head
