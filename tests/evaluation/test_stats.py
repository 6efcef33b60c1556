"""Bootstrap intervals and paired comparisons on data where the answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from movierec.evaluation import stats


def test_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = [stats.bootstrap_ci(rng.normal(1.0, 2.0, 60), n_boot=500, seed=i)
               for i in range(200)]
    rate = np.mean([ci.low <= 1.0 <= ci.high for ci in covered])
    assert 0.88 <= rate <= 0.99            # percentile bootstrap is slightly narrow at n = 60


def test_interval_width_matches_the_normal_theory():
    x = np.random.default_rng(1).normal(5.0, 3.0, 400)
    ci = stats.bootstrap_ci(x, n_boot=4000, confidence=0.95)
    assert ci.mean == pytest.approx(x.mean()) and ci.n == 400
    assert ci.low < ci.mean < ci.high
    expected = 2 * 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    assert (ci.high - ci.low) == pytest.approx(expected, rel=0.12)
    narrow = stats.bootstrap_ci(x, n_boot=4000, confidence=0.5)
    assert ci.low < narrow.low < narrow.high < ci.high


def test_interval_is_seeded():
    x = np.random.default_rng(2).exponential(size=100)
    assert stats.bootstrap_ci(x, seed=3) == stats.bootstrap_ci(x, seed=3)
    assert stats.bootstrap_ci(x, seed=3) != stats.bootstrap_ci(x, seed=4)


def test_interval_edge_cases():
    ci = stats.bootstrap_ci([1.0, np.nan, 3.0, np.nan])
    assert ci.mean == 2.0 and ci.n == 2
    empty = stats.bootstrap_ci([np.nan, np.nan])
    assert math.isnan(empty.mean) and math.isnan(empty.low) and empty.n == 0
    assert stats.bootstrap_ci([]).n == 0
    one = stats.bootstrap_ci([0.25])
    assert (one.mean, one.low, one.high) == (0.25, 0.25, 0.25)
    same = stats.bootstrap_ci([0.5] * 30)
    assert (same.low, same.high) == (0.5, 0.5)
    assert "0.25 [0.25, 0.25]" == str(one)
    with pytest.raises(ValueError, match="confidence"):
        stats.bootstrap_ci([1.0, 2.0], confidence=1.0)
    with pytest.raises(ValueError, match="n_boot"):
        stats.bootstrap_ci([1.0, 2.0], n_boot=0)


def test_bootstrap_means_in_chunks_match_one_batch(monkeypatch):
    x = np.random.default_rng(5).random(50)
    whole = stats.bootstrap_means(x, 300, np.random.default_rng(9))
    monkeypatch.setattr(stats, "_CHUNK_CELLS", 7 * 50)        # 7 resamples per chunk
    chunked = stats.bootstrap_means(x, 300, np.random.default_rng(9))
    np.testing.assert_allclose(chunked, whole)
    assert whole.min() >= x.min() and whole.max() <= x.max()


# --- paired comparisons ---------------------------------------------------------------------------
def test_identical_models_differ_by_nothing():
    x = np.random.default_rng(0).random(100)
    for test in stats.TESTS:
        p = stats.paired_comparison(x, x.copy(), test=test)
        assert (p.diff, p.low, p.high, p.p_value) == (0.0, 0.0, 0.0, 1.0)
        assert p.n == 100 and p.test == test and not p.significant


def test_a_real_improvement_is_found():
    rng = np.random.default_rng(1)
    person = rng.normal(0.0, 3.0, 300)                 # big differences between people
    b = person + rng.normal(0.0, 1.0, 300)
    a = person + 0.5 + rng.normal(0.0, 1.0, 300)
    p = stats.paired_comparison(a, b, n_boot=2000, seed=0)
    assert p.diff == pytest.approx(np.mean(a - b))
    assert p.low < 0.5 < p.high and p.low > 0 and p.significant
    assert p.p_value == pytest.approx(sps.ttest_rel(a, b).pvalue)
    assert p.p_value < 1e-4
    w = stats.paired_comparison(a, b, test="wilcoxon")
    assert w.p_value == pytest.approx(sps.wilcoxon(a, b).pvalue) and w.p_value < 1e-4
    # the same data compared unpaired: the two intervals overlap, the paired one excludes 0
    ia, ib = stats.bootstrap_ci(a), stats.bootstrap_ci(b)
    assert ia.low < ib.high
    reverse = stats.paired_comparison(b, a)
    assert reverse.diff == pytest.approx(-p.diff) and reverse.high < 0


def test_no_difference_rarely_looks_significant():
    rng = np.random.default_rng(2)
    pvalues = [stats.paired_comparison(rng.random(80), rng.random(80), n_boot=200, seed=i).p_value
               for i in range(200)]
    assert 0.01 <= np.mean(np.array(pvalues) < 0.05) <= 0.1


def test_paired_edge_cases():
    p = stats.paired_comparison([1.0, np.nan, 3.0, 4.0], [0.5, 2.0, np.nan, 3.5])
    assert p.n == 2 and p.diff == pytest.approx(0.5)
    assert (p.low, p.high, p.p_value) == (0.5, 0.5, 0.0)       # the same gain for everyone
    none = stats.paired_comparison([np.nan], [1.0])
    assert none.n == 0 and math.isnan(none.diff) and math.isnan(none.p_value)
    single = stats.paired_comparison([2.0], [1.0])
    assert single.diff == 1.0 and math.isnan(single.p_value)
    with pytest.raises(ValueError, match="one a and one b"):
        stats.paired_comparison([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="test must be"):
        stats.paired_comparison([1.0], [1.0], test="anova")
