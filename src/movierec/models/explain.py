"""Reasons people understand, built from a model's own evidence.

Models hand over evidence -- which pick a recommendation is closest to and how strongly,
or what similar people rated it -- and these helpers turn it into a sentence such as
"Because you liked Heat (1995): Crime, Thriller · director Michael Mann".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from movierec.data.catalog import Catalog


NOISE_KEYWORDS = frozenset({"duringcreditsstinger", "aftercreditsstinger", "stinger"})


def shared_traits(catalog: Catalog, a: int, b: int, max_items: int = 3) -> list[str]:
    """What two movies have in common: series, director, cast, genres, keywords."""
    cols = catalog.columns
    traits: list[str] = []
    coll = cols["collection"][a]
    if coll and coll == cols["collection"][b]:
        traits.append(f"same series ({coll})")
    da = cols["director"][a]
    if da and da == cols["director"][b]:
        traits.append(f"director {da}")
    other_cast = set(cols["cast"][b])
    cast = [c for c in cols["cast"][a] if c in other_cast]
    if cast:
        traits.append("with " + ", ".join(cast[:2]))
    other_genres = set(cols["genres"][b])
    genres = [g for g in cols["genres"][a] if g in other_genres]
    if genres:
        traits.append(", ".join(genres[:max_items]))
    other_kw = set(cols["keywords"][b])
    kws = [k for k in cols["keywords"][a] if k in other_kw and k not in NOISE_KEYWORDS]
    if kws:
        traits.append("about " + ", ".join(kws[:2]))
    return traits


def because(catalog: Catalog, item: int, pick: int, evidence: str = "") -> str:
    """'Because you liked <pick>: <shared traits>' (+ model evidence)."""
    traits = shared_traits(catalog, pick, item)
    text = f"Because you liked {catalog.label(pick)}"
    if traits:
        text += ": " + " · ".join(traits)
    if evidence:
        text += f" ({evidence})"
    return text


def explain_by_contribution(catalog: Catalog, items: np.ndarray, picks: np.ndarray,
                            contributions: np.ndarray, evidence: str = "similarity") -> list[str]:
    """Reasons from a (recommended x picks) matrix of each pick's share of the score."""
    reasons = []
    for row, item in enumerate(items):
        contrib = np.asarray(contributions[row], dtype=np.float64)
        if len(picks) == 0 or not np.isfinite(contrib).any() or np.nanmax(contrib) <= 0:
            reasons.append(f"Popular with people like you ({catalog.label(int(item))})")
            continue
        best = int(np.nanargmax(contrib))
        reasons.append(because(catalog, int(item), int(picks[best]),
                               f"{evidence} {contrib[best]:.2f}" if evidence else ""))
    return reasons


def rating_evidence(catalog: Catalog, item: int, mean: float, n: int, who: str) -> str:
    """'People who loved <who> gave it 4.5 (12 ratings)'."""
    return f"People who loved {who} gave it {mean:.1f}/5 ({n} rating{'s' if n != 1 else ''})"


def popularity_evidence(catalog: Catalog, item: int) -> str:
    frame = catalog.frame
    avg, votes = frame.at[item, "vote_average"], frame.at[item, "vote_count"]
    if not _is_na(votes) and votes > 0:
        return f"Widely loved: {float(avg):.1f}/10 from {int(votes):,} TMDb votes"
    n = int(catalog.n_ratings()[item])
    mean = frame.at[item, "mean_rating"] if "mean_rating" in frame.columns else np.nan
    if n > 0 and not _is_na(mean):
        return f"Widely loved: {float(mean):.1f}/5 from {n:,} ratings"
    return "Widely known"


def _is_na(value) -> bool:
    return value is None or bool(pd.isna(value))
