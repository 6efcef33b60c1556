"""One definition of a per-person z-score: what lets scores on different scales (a
method's logits, a mood's similarity, an exploration bonus) be added or compared.

Used by the hybrid and the blend (fusing methods), the mood search (meaning + words) and
the exploring session (taste + what the person's reactions taught it).
"""

from __future__ import annotations

import numpy as np

BELOW = "below"    # `missing`: the lowest z-score minus 1 (every movie finite, unscored last)
SPREAD = 1e-12     # a standard deviation at or under this is no spread


def zscores(scores: np.ndarray, missing: float | str = np.nan,
            no_spread: float = 0.0) -> np.ndarray:
    """``(s - mean) / std`` over the finite scores (float64).

    A movie without a finite score gets ``missing``: NaN by default, ``-np.inf`` to keep it
    out of a list, or `BELOW` to rank it after every scored movie while staying finite.
    When the finite scores have no spread (fewer than two, or all equal) they say nothing
    about this person's taste, and get ``no_spread``: 0 (no evidence either way), or NaN
    for a caller that falls back to another source then.
    """
    s = np.asarray(scores, dtype=np.float64)
    ok = np.isfinite(s)
    every = bool(ok.all())          # the usual case: no mask, no copy of the scored part
    vals = s if every else s[ok]
    z = np.zeros(len(vals))
    if len(vals) >= 2:
        dev = vals - vals.mean()
        std = float(np.sqrt(np.dot(dev, dev) / len(vals)))
        if std > SPREAD:
            z = dev / std
        else:
            z[:] = no_spread
    else:
        z[:] = no_spread
    if missing == BELOW:
        finite = z[np.isfinite(z)]
        missing = float(finite.min()) - 1.0 if len(finite) else -1.0
    if every:
        return z
    out = np.full(len(s), missing, dtype=np.float64)
    out[ok] = z
    return out


def liked_popularity(ratings) -> np.ndarray:
    """Per movie, the z-score of log(1 + how many people liked it) in ``ratings`` (a
    `Ratings`): the popularity a content method leans on when told to (``popular``).

    Counted from the ratings a model is fitted on, never from the catalog's own counts,
    which include every person (in an evaluation, the test people too).
    """
    from movierec.data.liking import LIKED_AT

    m = ratings.matrix.tocsr()
    liked = np.bincount(m.indices[m.data >= LIKED_AT], minlength=m.shape[1])
    return zscores(np.log1p(liked.astype(np.float64)))


def popularity_if(weight: float, ratings) -> np.ndarray | None:
    """`liked_popularity` of ``ratings`` when a model leans on it (``weight`` > 0), else None."""
    return liked_popularity(ratings) if weight else None


def lean_on_popularity(scores: np.ndarray, popularity: np.ndarray | None,
                       weight: float) -> np.ndarray:
    """``z(scores) + weight * popularity`` (NaN where the method has no score); the scores
    unchanged when ``weight`` is 0. Similarity alone ranks obscure near-duplicates of the
    picks first; most people want the well-known among the similar."""
    if not weight or popularity is None:
        return scores
    return (zscores(scores, no_spread=0.0) + float(weight) * popularity).astype(np.float32)
