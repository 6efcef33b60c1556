"""Feedback: the opaque session tokens reactions are stored under, the feedback store, and
`react` (store a reaction to a shown movie, answer the session's next list).

A mixin of `Service` (service/core.py): it reads the service's ``recommend``, ``catalog``,
``data_name``, ``default_method`` and ``_once``, and owns ``_sessions`` and
``_feedback`` (a store given to the service, or SQLite under ``app_dir()``).
"""

from __future__ import annotations

from typing import Callable, Sequence

from movierec.service.answer import Answer
from movierec.service.errors import ServiceError
from movierec.service.picks import PickSpec
from movierec.service.reactions import named
from movierec.service.request import Settings

Say = Callable[[str], None]
Thumb = tuple[int, bool | str]     # (movie index, a reaction: 👍 True, 👎 False, or its name)


class Reacting:
    """`Service`'s `sessions`, `feedback` and `react`."""

    @property
    def sessions(self):
        """Issues and checks the opaque session tokens feedback is stored under."""
        from movierec.service.sessions import Sessions

        return self._once("_sessions", Sessions)

    @property
    def feedback(self):
        """The `FeedbackStore` (SQLite under ``app_dir()`` unless one was given)."""
        from movierec.service.feedback import FeedbackStore

        return self._once("_feedback", FeedbackStore)

    def react(self, session: str, picks: Sequence[PickSpec | str], settings: Settings | None,
              thumbs: Sequence[Thumb], movie: int, reaction: bool | str,
              progress: Say | None = None, **request) -> Answer:
        """Store a reaction to ``movie`` (👍 True / 👎 False, or one of `REACTIONS` by name:
        liked, disliked, seen, not_interested) and answer the session's next list.

        The rank and score stored are the movie's in the list the person was shown -- the
        answer for the same picks without this reaction, which the answer cache usually
        holds. ``request``: the same ``history`` and ``mood`` as that list was asked with.
        """
        said = named(reaction)
        settings = settings or Settings(method=self.default_method)
        movie = int(movie)
        shown = self.recommend(picks, settings, thumbs, progress, **request)
        hit = next((r for r in shown.results if r.index == movie), None)
        if hit is None and not 0 <= movie < len(self.catalog):
            raise ServiceError("bad_argument", f"movie {movie} is not in the catalog "
                               f"(0..{len(self.catalog) - 1})")
        self.feedback.record(session=session, dataset=self.data_name, method=shown.method,
                             movie=movie, liked=said == "liked", reaction=said,
                             picks=[p["index"] for p in shown.picks],
                             rank=None if hit is None else hit.rank,
                             score=None if hit is None else hit.score,
                             title=self.catalog.label(movie),
                             shown=[r.index for r in shown.results])
        others = [(m, r) for m, r in thumbs if int(m) != movie]
        return self.recommend(picks, settings, [*others, (movie, said)], progress, **request)
