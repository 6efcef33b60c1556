"""A diversity dial: re-rank a list by maximal marginal relevance over what movies are like.

MMR (Carbonell & Goldstein 1998, "The use of MMR, diversity-based reranking...") builds the
list one movie at a time, taking the candidate that maximises

    (1 - diversity) * relevance  -  diversity * (highest similarity to a movie already chosen)

where relevance is the model's score scaled to 0..1 over the candidates and similarity is
the cosine of the movies' genre + keyword vectors (`feature_vectors`). ``diversity=0`` is
the model's own list, unchanged; 1 ignores the scores after the first pick. The candidates
are the model's top ``pool`` movies, so a diversified list still only holds movies the
model thinks the person may like.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from movierec.data.catalog import Catalog, as_list

POOL = 50               # candidates re-ranked per list (the model's top POOL)
KEYWORD_WEIGHT = 0.5    # a keyword counts half a genre in the similarity


def feature_vectors(catalog: Catalog, max_keywords: int = 10) -> sp.csr_matrix:
    """movies x features, L2-normalised rows: genres (weight 1) and up to ``max_keywords``
    keywords (weight `KEYWORD_WEIGHT`); movies with neither get an empty row."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    frame = catalog.frame
    keywords = frame["keywords"] if "keywords" in frame else [None] * len(frame)
    for i, (genres, words) in enumerate(zip(frame["genres"], keywords)):
        for name, weight in ([(f"g:{g}", 1.0) for g in as_list(genres)]
                             + [(f"k:{w}", KEYWORD_WEIGHT)
                                for w in as_list(words)[:max_keywords]]):
            rows.append(i)
            cols.append(vocab.setdefault(name, len(vocab)))
            vals.append(weight)
    m = sp.csr_matrix((np.asarray(vals, np.float32), (rows, cols)),
                      shape=(len(frame), max(1, len(vocab))))
    m.sum_duplicates()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.diags(scale.astype(np.float32)) @ m


def mmr(items: np.ndarray, scores: np.ndarray, vectors: sp.csr_matrix, k: int,
        diversity: float) -> np.ndarray:
    """Positions into ``items`` (best first) of the MMR list of length ``k``.

    ``items``/``scores``: the candidates, best first, as the model ranked them.
    """
    n = len(items)
    k = min(k, n)
    if diversity <= 0 or n <= 1:
        return np.arange(k)
    s = np.asarray(scores, dtype=np.float64)
    span = s.max() - s.min()
    relevance = (s - s.min()) / span if span > 0 else np.ones(n)
    feats = vectors[np.asarray(items)]
    sim = np.asarray((feats @ feats.T).todense(), dtype=np.float64)
    chosen = [0]
    closest = sim[0].copy()                  # highest similarity to the chosen so far
    taken = np.zeros(n, dtype=bool)
    taken[0] = True
    while len(chosen) < k:
        value = (1 - diversity) * relevance - diversity * closest
        value[taken] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        taken[best] = True
        closest = np.maximum(closest, sim[best])
    return np.asarray(chosen)
