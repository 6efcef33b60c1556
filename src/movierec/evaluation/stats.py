"""How sure are we? Bootstrap confidence intervals over people, and paired model comparisons.

A metric averaged over a few hundred people moves by several percent between samples, so
every mean in a results table carries a percentile bootstrap interval (Efron & Tibshirani
1993): resample the people with replacement, recompute the mean, take the middle
``confidence`` share of those means. Two models scored on the *same* people are compared
on the per-person differences, which removes the (large) variation between people and is
far more sensitive than checking whether two intervals overlap.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

# Resampled values held in memory at once (n_boot x n chunks), ~16 MB of int64 indices.
_CHUNK_CELLS = 2_000_000
TESTS = ("ttest", "wilcoxon")


@dataclass(frozen=True)
class Interval:
    """A mean with its bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    n: int = 0                  # values used (NaNs dropped)
    confidence: float = 0.95

    def __str__(self) -> str:
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}]"


@dataclass(frozen=True)
class Paired:
    """Model a minus model b on the same people: mean difference, its CI, and a p-value."""

    diff: float                 # mean of a - b
    low: float                  # bootstrap CI of the mean difference
    high: float
    p_value: float              # two-sided; 1.0 when every difference is zero
    n: int = 0                  # people with both values
    test: str = "ttest"         # which test gave p_value (scipy.stats.ttest_rel or wilcoxon)
    confidence: float = 0.95

    @property
    def significant(self) -> bool:
        """Whether the CI excludes zero (consistent with p < 1 - confidence for the t-test)."""
        return bool(self.low > 0 or self.high < 0)


def _check(n_boot: int, confidence: float) -> None:
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def bootstrap_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement) of ``values``, in bounded-memory chunks."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    out = np.empty(int(n_boot))
    chunk = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, len(out), chunk):
        size = min(chunk, len(out) - start)
        out[start:start + size] = x[rng.integers(0, n, size=(size, n))].mean(axis=1)
    return out


def _percentile_interval(x: np.ndarray, n_boot: int, confidence: float,
                         seed: int) -> tuple[float, float, float]:
    mean = float(np.mean(x))
    if len(x) == 1 or np.all(x == x[0]):
        return mean, mean, mean                     # no spread to resample
    means = bootstrap_means(x, n_boot, np.random.default_rng(seed))
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return mean, float(low), float(high)


def bootstrap_ci(values, n_boot: int = 2000, confidence: float = 0.95, seed: int = 0) -> Interval:
    """Mean of ``values`` (one per person) with a percentile bootstrap interval.

    NaNs are dropped (a person a metric is undefined for). No values gives NaNs; a single
    value (or identical values) gives a zero-width interval.
    """
    _check(n_boot, confidence)
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return Interval(math.nan, math.nan, math.nan, 0, confidence)
    mean, low, high = _percentile_interval(x, n_boot, confidence, seed)
    return Interval(mean, low, high, len(x), confidence)


def _p_value(x: np.ndarray, y: np.ndarray, test: str) -> float:
    """Two-sided p-value of a paired test on NaN-free ``x``, ``y``."""
    d = x - y
    if len(d) == 0:
        return math.nan
    if np.all(d == 0):
        return 1.0                                  # no evidence of any difference
    if test == "wilcoxon":
        return float(sps.wilcoxon(x, y).pvalue)     # zero differences dropped ("wilcox")
    if len(d) < 2:
        return math.nan
    if np.all(d == d[0]):
        return 0.0                                  # the same non-zero gain for everyone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(sps.ttest_rel(x, y).pvalue)


def paired_comparison(a, b, n_boot: int = 2000, seed: int = 0, confidence: float = 0.95,
                      test: str = "ttest") -> Paired:
    """Compare two models scored on the same people (``a[i]``, ``b[i]`` = person i).

    The difference a - b is averaged over people with both values (pairs with a NaN are
    dropped), with a percentile bootstrap CI over people. The two-sided p-value is from the
    paired t-test (`scipy.stats.ttest_rel`) by default: it tests the *mean* difference the
    CI describes, and with hundreds of people the mean is close to normal even for skewed,
    bounded metrics (Urbano et al. 2019, "Statistical significance testing in information
    retrieval", found the t-test among the best behaved). ``test="wilcoxon"`` uses the
    Wilcoxon signed-rank test instead (it tests the median / symmetry of the differences
    and drops zero differences). Identical arrays give diff 0, a zero-width CI and p = 1.
    """
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}")
    _check(n_boot, confidence)
    x, y = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"paired values need one a and one b per person: "
                         f"got {len(x)} and {len(y)}")
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if len(x) == 0:
        return Paired(math.nan, math.nan, math.nan, math.nan, 0, test, confidence)
    diff, low, high = _percentile_interval(x - y, n_boot, confidence, seed)
    return Paired(diff, low, high, _p_value(x, y, test), len(x), test, confidence)
