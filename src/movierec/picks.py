"""From what a person typed to a `Profile`: titles resolved, doubts reported, nothing guessed silently.

Clear matches are used; an ambiguous title uses the best-known candidate and says so (with
the alternatives and how to choose: add the year); an unknown title stops with "did you
mean ...?" suggestions. Ratings may be attached as ``"Heat=4.5"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from movierec.data.catalog import Catalog
from movierec.models.profile import Profile, ProfileError
from movierec.search import Match, TitleIndex

_RATED = re.compile(r"^(?P<title>.+?)\s*=\s*(?P<stars>\d+(?:\.\d+)?)\s*$")


@dataclass
class ResolvedPicks:
    profile: Profile
    notes: list[str] = field(default_factory=list)   # e.g. "assumed Heat (1995) for 'heat'"
    matches: list[Match] = field(default_factory=list)


def split_rating(text: str) -> tuple[str, float | None]:
    """'Heat=4.5' -> ('Heat', 4.5); ratings must be 0.5..5 stars."""
    m = _RATED.match(text.strip())
    if not m:
        return text.strip(), None
    stars = float(m.group("stars"))
    if not 0.5 <= stars <= 5.0:
        raise ProfileError(f"rating {stars:g} for {m.group('title')!r} is outside 0.5-5 stars")
    return m.group("title"), stars


def resolve_picks(index: TitleIndex, catalog: Catalog, loved: list[str], liked: list[str] = (),
                  disliked: list[str] = ()) -> ResolvedPicks:
    """Resolve typed titles; raise `ProfileError` listing every title that could not be found."""
    notes: list[str] = []
    problems: list[str] = []
    matches: list[Match] = []

    def one(text: str) -> int | None:
        match = index.search(text)
        matches.append(match)
        if match.status == "not_found" or match.best is None:
            problems.append(match.message())
            return None
        if match.status == "ambiguous":
            others = ", ".join(catalog.label(c.index) for c in match.candidates[1:4])
            notes.append(f"{text!r} is ambiguous: using {catalog.label(match.best.index)} "
                         f"(others: {others}); add the year to choose")
        elif match.status == "confident" and match.best.confidence < 0.95:
            notes.append(f"{text!r} -> {catalog.label(match.best.index)}")
        return match.best.index

    items, ratings, like_idx, dislike_idx, labels = [], [], [], [], []
    for text in loved:
        title, stars = split_rating(text)
        idx = one(title)
        if idx is not None and idx not in items:
            items.append(idx)
            ratings.append(stars)
            labels.append(title)
    for group, target in ((liked, like_idx), (disliked, dislike_idx)):
        for text in group:
            idx = one(split_rating(text)[0])
            if idx is not None:
                target.append(idx)
    if problems:
        raise ProfileError("; ".join(problems))
    like_idx = [i for i in like_idx if i not in items]
    dislike_idx = [i for i in dislike_idx if i not in items and i not in like_idx]
    profile = Profile.from_picks(items, ratings, liked=like_idx, disliked=dislike_idx, labels=labels)
    return ResolvedPicks(profile, notes, matches)
