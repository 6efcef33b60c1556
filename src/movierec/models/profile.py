"""`Profile`: what one person told us -- movies, each optionally rated, liked or disliked.

A profile is all a recommender sees of a person: the app builds one from typed titles, the
evaluation from a held-out user's rows. Both go through the same `recommend(profile)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from movierec.data.liking import NEUTRAL_AT, preference

MIN_PICKS = 3
LIKE, NEUTRAL, DISLIKE = 1, 0, -1
# Rating assumed for a movie someone names as loved without rating it.
LOVED_RATING = 4.5


class ProfileError(ValueError):
    """The person's input can't make a profile; the message says what to do instead."""


@dataclass(frozen=True)
class Profile:
    """Movie indices in the order given, with optional ratings and like/dislike flags."""

    items: np.ndarray                      # int64 movie indices, in the order given
    ratings: np.ndarray | None = None      # float32, NaN where not rated
    feedback: np.ndarray | None = None     # int8: +1 liked, -1 disliked, 0 no flag
    timestamps: np.ndarray | None = None   # optional, for sequence models
    labels: tuple[str, ...] = field(default=(), compare=False)  # what the person typed

    def __post_init__(self):
        items = np.asarray(self.items, dtype=np.int64).ravel()
        object.__setattr__(self, "items", items)
        n = len(items)
        for name, dtype in (("ratings", np.float32), ("feedback", np.int8), ("timestamps", np.int64)):
            value = getattr(self, name)
            if value is not None:
                arr = np.asarray(value, dtype=dtype).ravel()
                if len(arr) != n:
                    raise ProfileError(f"profile {name} has {len(arr)} values for {n} movies")
                object.__setattr__(self, name, arr)
        if len(np.unique(items)) != n:
            raise ProfileError("the same movie is picked twice; pick each movie once")

    # --- construction ----------------------------------------------------------------
    @classmethod
    def from_picks(cls, items: Sequence[int], ratings: Sequence[float | None] | None = None,
                   liked: Iterable[int] = (), disliked: Iterable[int] = (),
                   labels: Sequence[str] = ()) -> "Profile":
        """Picks (loved unless said otherwise), optional ratings, and extra liked/disliked movies."""
        position: dict[int, int] = {}        # movie -> its place (first mention wins)
        for i in list(items) + list(liked) + list(disliked):
            position.setdefault(int(i), len(position))
        n = len(position)
        r = np.full(n, np.nan, dtype=np.float32)
        if ratings is not None:
            for pos, value in enumerate(ratings):
                if value is not None and pos < len(items):
                    r[position[int(items[pos])]] = float(value)
        fb = np.zeros(n, dtype=np.int8)
        for i in liked:
            fb[position[int(i)]] = LIKE
        for i in disliked:
            fb[position[int(i)]] = DISLIKE
        return cls(np.fromiter(position, dtype=np.int64, count=n), r, fb, labels=tuple(labels))

    def with_feedback(self, item: int, liked: bool) -> "Profile":
        """A new profile with a thumbs up/down on ``item`` (added if it wasn't there)."""
        items = list(self.items)
        r = self.rating_array().tolist()
        fb = self.feedback_array().tolist()
        if int(item) in items:
            fb[items.index(int(item))] = LIKE if liked else DISLIKE
        else:
            items.append(int(item))
            r.append(np.nan)
            fb.append(LIKE if liked else DISLIKE)
        return Profile(np.array(items), np.array(r, dtype=np.float32), np.array(fb, dtype=np.int8),
                       labels=self.labels)

    # --- views models use --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.items)

    def rating_array(self) -> np.ndarray:
        return self.ratings if self.ratings is not None else np.full(len(self), np.nan, np.float32)

    def feedback_array(self) -> np.ndarray:
        return self.feedback if self.feedback is not None else np.zeros(len(self), np.int8)

    def preference(self) -> np.ndarray:
        """Signed strength per movie in [-1, 1]: +1 loved/liked, -1 disliked, ratings in between
        (`movierec.data.liking.preference`).

        An unrated, unflagged pick counts as loved (people name movies they love).
        """
        r = self.rating_array()
        fb = self.feedback_array()
        pref = np.where(np.isnan(r), 1.0, preference(np.nan_to_num(r, nan=NEUTRAL_AT)))
        pref = np.where(fb == LIKE, np.maximum(pref, 1.0), pref)
        pref = np.where(fb == DISLIKE, -1.0, pref)
        return pref.astype(np.float32)

    def effective_ratings(self) -> np.ndarray:
        """A 5-star value per movie for rating models: given, else loved (4.5) / disliked (1.0)."""
        r = self.rating_array().astype(np.float32).copy()
        fb = self.feedback_array()
        r[np.isnan(r) & (fb == DISLIKE)] = 1.0
        r[np.isnan(r)] = LOVED_RATING
        return r

    def key(self) -> tuple[bytes, bytes, bytes]:
        """A hashable summary of what a fold-in reads (picks, stars, preference): methods
        keep their last person's work under it, since `recommend` scores and then explains
        the same person."""
        return (self.items.tobytes(), self.effective_ratings().tobytes(),
                self.preference().tobytes())

    @property
    def positives(self) -> np.ndarray:
        return self.items[self.preference() > 0]

    @property
    def negatives(self) -> np.ndarray:
        return self.items[self.preference() < 0]

    def check(self, n_movies: int, min_picks: int = MIN_PICKS) -> None:
        """Raise `ProfileError` with a clear reason when this profile can't be served."""
        bad = self.items[(self.items < 0) | (self.items >= n_movies)]
        if len(bad):
            raise ProfileError(f"unknown movie index {int(bad[0])}: the catalog has movies "
                               f"0..{n_movies - 1}; look titles up with `movierec search`")
        if len(self) < min_picks:
            have = len(self)
            raise ProfileError(
                f"pick at least {min_picks} movies (you gave {have}): with fewer there is too "
                "little to go on; add a few more favourites")
        if len(self.positives) == 0:
            raise ProfileError("all picks are disliked: add at least one movie you like")


class LastPerson:
    """One computation's answer for the last person, kept under `Profile.key`: `recommend`
    scores and then explains the same person, so a fold-in or a neighbour search runs once.
    A new slot per fit (set it where the model's state is set)."""

    def __init__(self) -> None:
        self._slot: tuple | None = None

    def get(self, profile: Profile, compute):
        """``compute(profile)``, or what it gave for this same person last time."""
        key = profile.key()
        slot = self._slot
        if slot is not None and slot[0] == key:
            return slot[1]
        value = compute(profile)
        self._slot = (key, value)
        return value
