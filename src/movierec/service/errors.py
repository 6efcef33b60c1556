"""`ServiceError`: the one error every entry point shows, with a code, a message and suggestions.

The CLI prints it (``{"error": {...}}`` on stdout with ``--json``) and exits non-zero, the HTTP
endpoints answer the same object, the app shows the message, and Python callers catch it.
The message always names the value that was wrong and says what would be right.
"""

from __future__ import annotations

from typing import Iterable

# Codes are stable strings a script can branch on.
CODES = (
    "bad_pick",            # a pick that does not follow the grammar (e.g. "Toy Story=abc")
    "unknown_title",       # a title or id that matches no movie
    "too_few_picks",       # fewer than MIN_PICKS movies the person likes
    "unknown_method",      # not a method or preset
    "method_unavailable",  # a method whose extra is not installed, or that failed to load
    "bad_option",          # a model option that does not exist or has a wrong value
    "bad_k",               # how many movies to recommend
    "bad_diversity",       # the diversity dial is a number from 0 to 1
    "bad_reaction",        # a reaction that is not liked, disliked, seen or not_interested
    "bad_year",            # a year bound out of range, or from-year after to-year
    "bad_era",
    "bad_genre",           # a genre the catalog does not have, or one both wanted and not
    "bad_language",
    "bad_min_votes",
    "no_movie_passes",     # filters that leave nothing to recommend
    "bad_argument",        # any other argument of the wrong type or range
    "bad_import",          # a history export that cannot be read
    "bad_mood",            # a mood with nothing in it
    "bad_group",           # a watch-together group that cannot be served
    "unknown_dataset",
    "data_missing",        # the raw files of a dataset cannot be found
    "data_invalid",        # a raw file that cannot be used (binary, empty, damaged, a link out)
    "not_found",           # a file, folder or endpoint that does not exist
    "internal_error",      # the server failed; the details are in its log, not in the answer
)


class ServiceError(ValueError):
    """A request that cannot be served as given; ``code`` says which kind, ``message`` why."""

    def __init__(self, code: str, message: str, suggestions: Iterable[str] = ()):
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.suggestions = [str(s) for s in suggestions]

    def to_json(self) -> dict:
        """``{"error": {"code", "message", "suggestions"}}``: what the CLI and HTTP answer."""
        return {"error": {"code": self.code, "message": self.message,
                          "suggestions": list(self.suggestions)}}

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r})"


def neutral(text: str) -> str:
    """Text that echoes input, with ``<`` and ``>`` as look-alikes that no page runs as HTML."""
    return str(text).replace("<", "\u2039").replace(">", "\u203a")


def shown(value: object, limit: int = 60) -> str:
    """A value as it may appear in a message: repr-quoted, cut to ``limit`` characters, and
    never markup (see `neutral`)."""
    text = repr(value) if isinstance(value, str) else str(value)
    return neutral(text if len(text) <= limit else text[: limit - 4] + "...'")
