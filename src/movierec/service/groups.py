"""Watch together: one list for a group, from each member's own predicted taste.

Each member's picks (or imported history) give that member's scores over the catalog from
the chosen method. The candidates are the union of every member's `POOL` best allowed
movies. Scores of different people are not on one scale, so each becomes a *satisfaction*:
the movie's percentile among the candidates by that member's score (1.0 = the member's
favourite candidate, 0.5 = their median one). Three ways to combine them:

* ``average``: the highest mean satisfaction (utilitarian; can leave one member out);
* ``least_misery``: the highest lowest satisfaction (nobody hates it; ties by the mean);
* ``fair`` (default): only movies every member likes at least as much as their own median,
  chosen one at a time, each favouring whoever the list so far has served least
  (proportional: ``sum_m (1 + deficit_m) * satisfaction_m``); when too few movies clear
  everyone's median, the list is filled by least misery.

Every result says whose taste it serves (members at 80% or more) and each member's
satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from movierec.models.filters import top_k
from movierec.service.errors import ServiceError, neutral

STRATEGIES = ("fair", "average", "least_misery")
DEFAULT_STRATEGY = "fair"
SERVES_AT = 0.8
POOL = 100             # each member's best movies that become the group's candidates
MIN_MEMBERS, MAX_MEMBERS = 2, 8


@dataclass(frozen=True)
class Member:
    """One person in the group: a name and picks (texts or specs), or an imported history."""

    name: str
    picks: tuple = ()
    history: object = None          # an `ImportedHistory`


def parse_member(text: str, position: int = 1) -> tuple[str, list[str], str | None]:
    """``"Ana: Toy Story; Up; Finding Nemo"`` -> ("Ana", [...], None); ``"Ana: @ratings.csv"``
    -> ("Ana", [], "ratings.csv"). Without a name the member is "Person N"."""
    raw = " ".join(str(text or "").split())
    name, sep, rest = raw.partition(":")
    if not sep or len(name) > 40 or ";" not in rest and not rest.strip().startswith("@"):
        name, rest = f"Person {position}", raw
    name = name.strip() or f"Person {position}"
    rest = rest.strip()
    if rest.startswith("@"):
        return name, [], rest[1:].strip()
    picks = [p.strip() for p in rest.split(";") if p.strip()]
    if not picks:
        raise ServiceError("bad_group", f"{neutral(name)} has no picks: write them like "
                           "'Ana: Toy Story; Up; Finding Nemo'")
    return name, picks, None


def candidates(scores: list[np.ndarray], allowed: np.ndarray, pool: int = POOL) -> np.ndarray:
    """Mask of the union of each member's ``pool`` best allowed movies."""
    out = np.zeros(len(allowed), dtype=bool)
    for s in scores:
        out[top_k(s, pool, allowed)] = True
    return out


def satisfaction(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Percentile (0..1] of each allowed movie among the allowed ones by ``scores``; movies
    the member has no score for count as their least liked; 0 where not allowed."""
    s = np.where(np.isfinite(scores), scores, -np.inf)
    idx = np.flatnonzero(allowed)
    out = np.zeros(len(s), dtype=np.float64)
    if len(idx):
        order = np.argsort(s[idx], kind="stable")
        ranks = np.empty(len(idx))
        ranks[order] = np.arange(1, len(idx) + 1)
        out[idx] = ranks / len(idx)
    return out


def combine(sat: np.ndarray, allowed: np.ndarray, k: int, strategy: str) -> np.ndarray:
    """Movie indices of the group's list (``sat``: members x movies satisfactions)."""
    if strategy not in STRATEGIES:
        raise ServiceError("bad_group", f"unknown strategy {neutral(strategy)!r}; choose one of "
                           f"{', '.join(STRATEGIES)}", list(STRATEGIES))
    idx = np.flatnonzero(allowed)
    if not len(idx):
        return np.zeros(0, dtype=np.int64)
    mean, low = sat[:, idx].mean(axis=0), sat[:, idx].min(axis=0)
    if strategy == "average":
        order = np.lexsort((idx, -low, -mean))
        return idx[order[:k]]
    misery = idx[np.lexsort((idx, -mean, -low))]
    if strategy == "least_misery":
        return misery[:k]
    eligible = idx[low >= 0.5]
    chosen: list[int] = []
    served = np.zeros(sat.shape[0])
    pool = list(eligible)
    while pool and len(chosen) < k:
        weight = 1.0 + (served.max() - served)
        gain = weight @ sat[:, pool]
        best = int(pool[int(np.argmax(gain))])
        chosen.append(best)
        served += sat[:, best]
        pool.remove(best)
    for movie in misery:
        if len(chosen) >= k:
            break
        if movie not in chosen:
            chosen.append(int(movie))
    return np.asarray(chosen, dtype=np.int64)


@dataclass(frozen=True)
class GroupAnswer:
    """One list for the group, each movie with every member's satisfaction and why."""

    dataset: str
    method: str
    strategy: str
    members: list[dict]
    results: tuple                        # MovieResult rows
    satisfaction: list[dict]              # per result: member -> 0..1
    serves: list[list[str]]               # per result: members at `SERVES_AT` or more
    notes: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        rows = []
        for r, sat, serves in zip(self.results, self.satisfaction, self.serves):
            rows.append({**r.to_json(), "satisfaction": {m: round(v, 3) for m, v in sat.items()},
                         "serves": serves})
        return {"dataset": self.dataset, "method": self.method, "strategy": self.strategy,
                "members": self.members, "filters": self.filters, "results": rows,
                "notes": list(self.notes)}


def serves(sat: dict[str, float]) -> list[str]:
    """The members a movie serves: satisfaction of `SERVES_AT` or more, as shown (rounded)."""
    return [n for n, v in sat.items() if round(v * 100) >= SERVES_AT * 100]


def reason(names: list[str], sat: dict[str, float], member_reason: str, best: str = "") -> str:
    """'For Ana (96%) and Ben (88%); Cara 61%. Ana: <why, from the model's evidence>'."""
    served = serves(sat)
    rest = [n for n in names if n not in served]
    pct = lambda n: f"{n} ({sat[n]:.0%})"  # noqa: E731
    head = ("For " + _and([pct(n) for n in served]) if served else
            "A compromise: " + ", ".join(pct(n) for n in names))
    if served and rest:
        head += "; " + ", ".join(f"{n} {sat[n]:.0%}" for n in rest)
    return head + (f". {best}: {member_reason}" if member_reason and best else
                   f". {member_reason}" if member_reason else "")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def group_list(model, profiles: list, names: list[str], allowed: np.ndarray, k: int,
               strategy: str) -> tuple[np.ndarray, np.ndarray, list[dict], list[str]]:
    """(movies, members x catalog satisfaction, each movie's satisfaction per member, reasons):
    every member scored by ``model``, the movies ``allowed`` combined by ``strategy``; each
    movie is explained by the model's reason for the member it pleases most."""
    scores = [np.asarray(model.score(p), dtype=np.float32) for p in profiles]
    allowed = candidates(scores, allowed)
    sat = np.vstack([satisfaction(s, allowed) for s in scores])
    items = combine(sat, allowed, k, strategy)
    per_movie = [{n: float(sat[m, i]) for m, n in enumerate(names)} for i in items]
    reasons = []
    for i, movie_sat in zip(items, per_movie):
        best = int(np.argmax([movie_sat[n] for n in names]))
        why = model.explain(profiles[best], np.asarray([i]), scores[best])[0]
        reasons.append(reason(names, movie_sat, why, names[best]))
    return items, sat, per_movie, reasons
