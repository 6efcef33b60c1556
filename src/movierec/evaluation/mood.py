"""A mood in words, evaluated on queries built from the catalog itself.

Two kinds of query, each with its relevant movies known from the data:

* a *keyword* ("time travel", "heist"): a TMDb keyword carried by 10 to 300 movies; the
  relevant movies are the ones that carry it;
* a *genre and decade* ("1980s horror"): the relevant movies are that genre's in that decade.

The keywords and genre-decade pairs are split in two: *validation* queries choose the share
of meaning in the app's blend (`movierec.models.mood.MEANING_SHARE`), *test* queries --
never looked at for any choice -- are reported. Each test query is answered over the whole
catalog five ways: the app's (``meaning + words + constraints``: the blend, with the
decade/genre/language/length read from the text as filters), the blend alone, ``meaning``
alone (MiniLM), ``words`` (TF-IDF over genres, keywords, overview and tagline: the
baseline) and ``words + constraints``. Reported: hit rate@10 and NDCG@10 over queries with
bootstrap intervals, and the paired difference of the app's way from the baseline.
Genre-decade queries are easy for any way that reads constraints (the relevant set *is* the
constraint); keyword queries are the real test of the text matching.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.evaluation.metrics import ranking_metrics
from movierec.evaluation.stats import bootstrap_ci, paired_comparison
from movierec.models.content import NOISE_KEYWORDS
from movierec.models.filters import Filter, top_k
from movierec.models.mood import MEANING_SHARE, BlendedMood, MoodIndex
from movierec.service.mood import parse_mood

K = 10
OURS = "meaning + words + constraints"
WAYS = (OURS, "meaning + words", "meaning", "words", "words + constraints")
BASELINE = "words"
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
DECADE_GENRES = ("Horror", "Comedy", "Western", "Science Fiction", "Animation", "Thriller",
                 "Romance", "War", "Documentary", "Crime")


def queries(catalog: Catalog, n: int = 200, seed: int = 0,
            part: str = "test") -> list[tuple[str, str, np.ndarray]]:
    """``(kind, text, relevant movie indices)``: up to ``n`` keyword and ``n`` genre-decade
    queries from ``part`` ("validation" or "test": disjoint halves of the keywords and of
    the genre-decade pairs), drawn reproducibly."""
    carriers: dict[str, list[int]] = {}
    for i, words in enumerate(catalog.columns["keywords"]):
        for word in words:
            if word.lower() not in NOISE_KEYWORDS:
                carriers.setdefault(word, []).append(i)
    usable = sorted(k for k, v in carriers.items() if 10 <= len(v) <= 300)
    years = np.nan_to_num(catalog.year_array)
    genres = catalog.columns["genres"]
    pairs = []
    for genre in DECADE_GENRES:
        for decade in range(1930, 2020, 10):
            relevant = np.flatnonzero([(genre in g) and decade <= y < decade + 10
                                       for g, y in zip(genres, years)])
            if len(relevant) >= 5:
                pairs.append((f"{decade}s {genre.lower()}", relevant))
    out = []
    for kind, items in (("keyword", [(k, np.asarray(carriers[k])) for k in usable]),
                        ("genre and decade", pairs)):
        order = np.random.default_rng(seed).permutation(len(items))   # the same split for
        half = order[: len(order) // 2] if part == "validation" else order[len(order) // 2:]
        for j in sorted(half[:n]):                                      # both parts
            out.append((kind, items[j][0], items[j][1]))
    return out


def _answer(index, mood, text: str, allowed: np.ndarray) -> np.ndarray:
    return top_k(index.similarity(text), K, allowed)


def evaluate_mood(dataset: Dataset, n: int = 200, seed: int = 0,
                  say: Callable[[str], None] | None = None) -> dict:
    """The mood table on ``dataset``'s catalog (see the module docstring)."""
    from movierec.models.trained import fit

    say = say or (lambda _m: None)
    t0 = time.perf_counter()
    catalog = dataset.catalog
    say("embedding the catalog (cached after the first time)")
    meaning = MoodIndex.by_meaning(fit("embeddings", dataset).model)
    words = MoodIndex.by_words(catalog)
    everything = np.ones(len(catalog), dtype=bool)

    def ndcg(index, asked, constraints: bool) -> list[float]:
        out = []
        for _, text, relevant in asked:
            allowed = (parse_mood(text, catalog).narrow(Filter()).mask(catalog) if constraints
                       else everything)
            out.append(ranking_metrics(_answer(index, None, text, allowed), relevant,
                                       (K,))[f"ndcg@{K}"])
        return out

    say("choosing the share of meaning on validation queries")
    validation = [q for q in queries(catalog, n, seed, "validation") if q[0] == "keyword"]
    curve = {share: float(np.mean(ndcg(BlendedMood(meaning, words, share), validation, True)))
             for share in SHARES}
    chosen = max(SHARES, key=lambda s: (curve[s], -abs(s - 0.5)))
    blend = BlendedMood(meaning, words, chosen)
    asked = queries(catalog, n, seed, "test")
    say(f"answering {len(asked)} test queries five ways")
    ways = {OURS: (blend, True), "meaning + words": (blend, False), "meaning": (meaning, False),
            "words": (words, False), "words + constraints": (words, True)}
    values: dict[tuple[str, str], dict[str, list[float]]] = {}
    for kind, text, relevant in asked:
        constrained = parse_mood(text, catalog).narrow(Filter()).mask(catalog)
        for way, (index, constraints) in ways.items():
            shown = _answer(index, None, text, constrained if constraints else everything)
            got = ranking_metrics(shown, relevant, (K,))
            for name in (f"hit@{K}", f"ndcg@{K}"):
                values.setdefault((kind, way), {}).setdefault(name, []).append(got[name])
    rows = []
    for kind in ("keyword", "genre and decade"):
        for way in WAYS:
            if (kind, way) not in values:
                continue
            row = {"queries": kind, "way": way, "n": len(values[(kind, way)][f"ndcg@{K}"])}
            for name, got in values[(kind, way)].items():
                ci = bootstrap_ci(got, seed=seed)
                row.update({name: ci.mean, f"{name}_low": ci.low, f"{name}_high": ci.high})
            if way == OURS:
                paired = paired_comparison(values[(kind, way)][f"ndcg@{K}"],
                                           values[(kind, BASELINE)][f"ndcg@{K}"], seed=seed)
                row.update(vs_baseline=paired.diff, vs_baseline_low=paired.low,
                           vs_baseline_high=paired.high, p_value=paired.p_value)
            rows.append(row)
    return {"dataset": dataset.name, "k": K, "queries": len(asked), "seed": seed, "rows": rows,
            "baseline": BASELINE, "ours": OURS, "share_curve": curve, "share_chosen": chosen,
            "share_in_app": MEANING_SHARE, "validation_queries": len(validation),
            "seconds": round(time.perf_counter() - t0, 1)}
