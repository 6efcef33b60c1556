"""Reactions to a shown list, and the session list they lead to.

A person reacts to recommended movies with 👍 (liked), 👎 (disliked), "seen it" or "not
interested" (`movierec.models.exploring.REACTIONS`). The service folds the reactions into the
profile (`fold_reactions`: a liked movie as a pick, a watched one as watched, an unwanted one
left out of every later list) and ranks the next list by the session's posterior over the
person's taste (`ExploringSession`): the method's own scores plus what the reactions taught,
sampled so the list keeps trying directions it is unsure of. The sample is seeded by the
reactions themselves, so the same state always gives the same list (and the answer cache
stays right).
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

from movierec.models.base import Recommender
from movierec.models.exploring import (ExploringSession, ReactionError, SessionSettings,
                                       fold_reactions, reaction_of)
from movierec.models.filters import top_k
from movierec.models.profile import Profile
from movierec.service.errors import ServiceError

Reaction = tuple[int, str]          # (movie index, one of REACTIONS)


def named(said: object) -> str:
    """The reaction's name (one of `REACTIONS`; a bool is 👍/👎), or a `ServiceError`."""
    try:
        return reaction_of(said)
    except ReactionError as exc:
        raise ServiceError("bad_reaction", str(exc)) from None


def check_reactions(thumbs: Sequence[tuple[int, object]], n_movies: int) -> list[Reaction]:
    """``(movie, reaction)`` pairs with each reaction named (a bool is 👍/👎), the movie in
    the catalog; the last reaction to a movie wins. A bad one is a `ServiceError` naming it."""
    out: dict[int, str] = {}
    for movie, said in thumbs:
        movie = int(movie)
        if not 0 <= movie < n_movies:
            raise ServiceError("bad_argument", f"movie {movie} is not in the catalog "
                               f"(0..{n_movies - 1})")
        out.pop(movie, None)
        out[movie] = named(said)
    return list(out.items())


def unwanted(reactions: Sequence[Reaction]) -> set[int]:
    """Movies the person said they are not interested in (kept out of every later list)."""
    return {movie for movie, said in reactions if said == "not_interested"}


def folded(profile: Profile, reactions: Sequence[Reaction]) -> Profile:
    return fold_reactions(profile, reactions) if reactions else profile


def seed_of(reactions: Sequence[Reaction]) -> int:
    """A stable random seed from the session's reactions (same reactions, same sample)."""
    text = ";".join(f"{m}:{r}" for m, r in reactions)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def session_list(model: Recommender, profile: Profile, reactions: Sequence[Reaction],
                 allowed: np.ndarray, vectors: np.ndarray, k: int,
                 settings: SessionSettings = SessionSettings()
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The next ``k`` movies after ``reactions``: (items, session scores, explanations).

    ``profile`` has the reactions folded in already; ``allowed`` is the filter's mask (the
    profile's movies and unwanted ones are left out here too). Explanations come from the
    method's own evidence for each movie.
    """
    session = ExploringSession(vectors, settings, seed=seed_of(reactions))
    for movie, said in reactions:
        session.observe(movie, said)
    scores = np.asarray(model.score(profile), dtype=np.float64)
    ranked = session.rank(scores)
    allowed = allowed.copy()
    allowed[profile.items] = False
    allowed[list(unwanted(reactions))] = False
    items = top_k(ranked, k, allowed & np.isfinite(ranked))
    reasons = model.explain(profile, items, scores.astype(np.float32)) if len(items) else []
    return items, ranked[items].astype(np.float32), list(reasons)
