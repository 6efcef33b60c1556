"""`movierec.recommend(...)`: the Python API, one call from picks to an explained `Answer`.

>>> import movierec
>>> answer = movierec.recommend(["Toy Story", "Finding Nemo", "Up"], k=5)  # doctest: +SKIP
>>> [r.title for r in answer.results]                                       # doctest: +SKIP
['The Incredibles', 'Monsters, Inc.', ...]

One `Service` per (dataset, data folder) is kept for the process, so the second call answers
from memory. Bad input raises `ServiceError` (``.code``, ``.message``, ``.suggestions``).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from movierec.service.answer import Answer
from movierec.service.core import Service
from movierec.service.errors import ServiceError, neutral
from movierec.service.groups import DEFAULT_STRATEGY, GroupAnswer, Member, parse_member
from movierec.service.history import match_history, read_history, read_history_file
from movierec.service.picks import PickSpec, parse_picks
from movierec.service.request import DEFAULT_K, Settings

_services: dict[tuple[str | None, str | None], Service] = {}
_lock = threading.Lock()


def service_for(data: str | None = None, data_dir: str | None = None) -> Service:
    """The process-wide `Service` of dataset ``data`` (default: The Movies Dataset)."""
    from movierec.data import DEFAULT_SOURCE, get_spec

    try:
        name = get_spec(data or DEFAULT_SOURCE).name
    except KeyError:
        name = data     # Service reports the unknown name as a ServiceError
    key = (name, None if data_dir is None else str(data_dir))
    with _lock:
        if key not in _services:
            _services[key] = Service(name, data_dir=key[1])
        return _services[key]


def pick_specs(picks: Sequence[str] | str, like: Iterable[str] | None = None,
               dislike: Iterable[str] | None = None) -> list[PickSpec | str]:
    """Loved picks (texts in the picks grammar) plus movies liked and disliked."""
    entries: list[PickSpec | str] = [picks] if isinstance(picks, str) else list(picks)
    return (entries + parse_picks(like or (), "like")[0]
            + parse_picks(dislike or (), "dislike")[0])


def imported(service: Service, history: str | Path | bytes | None):
    """An export (a path, or its bytes) read and matched against the service's catalog."""
    if history is None:
        return None
    read = (read_history(history, "history") if isinstance(history, bytes)
            else read_history_file(history))
    return match_history(read, service.catalog, service.index)


def recommend(picks: Sequence[str] | str = (), *, method: str = "", k: int = DEFAULT_K,
              like: Iterable[str] | None = None, dislike: Iterable[str] | None = None,
              from_year: int | None = None, to_year: int | None = None, era: str = "any",
              genres: Iterable[str] = (), exclude_genres: Iterable[str] = (),
              language: str | None = None, min_votes: int = 0,
              options: dict[str, Any] | None = None, history: str | Path | bytes | None = None,
              mood: str | None = None, diversity: float = 0.0, data: str | None = None,
              data_dir: str | None = None) -> Answer:
    """Movies to watch next for someone who loves ``picks``, each with a reason.

    ``picks``: titles in the picks grammar (``"Heat (1995)"``, ``"Heat=4.5"``, ``"-Heat"``,
    ``"tmdb:949"``), a list or one text with a title per line. ``like`` / ``dislike``: more
    movies liked or disliked. ``history``: a Letterboxd, IMDb or MovieLens export (path or
    bytes): its ratings count as picks and everything in it is left out (the answer's
    ``history`` reports the matching). ``mood``: what you are in the mood for, in words.
    ``diversity``: 0 (the method's own list) to 1 (as varied as the top 50 allow).
    The rest mirror ``movierec recommend``'s options.
    """
    specs = pick_specs(picks, like, dislike)
    settings = replace(_settings(method, k, from_year, to_year, era, genres, exclude_genres,
                                 language, min_votes, options), diversity=diversity)
    service = service_for(data, data_dir)
    return service.recommend(specs, settings, history=imported(service, history), mood=mood)


def together(members: Sequence[str | Member], *, strategy: str = DEFAULT_STRATEGY,
             method: str = "", k: int = DEFAULT_K, data: str | None = None,
             data_dir: str | None = None, **filters: Any) -> GroupAnswer:
    """One list for a group: ``members`` like ``"Ana: Toy Story; Up; Finding Nemo"`` (or
    ``"Ana: @ratings.csv"`` for an export), 2 to 8 of them; ``strategy`` ``fair``,
    ``average`` or ``least_misery``; ``filters`` as in `recommend`."""
    service = service_for(data, data_dir)
    group = [m if isinstance(m, Member) else member_of(service, m, i + 1)
             for i, m in enumerate(members)]
    settings = _settings(method, k, filters.get("from_year"), filters.get("to_year"),
                         filters.get("era", "any"), filters.get("genres", ()),
                         filters.get("exclude_genres", ()), filters.get("language"),
                         filters.get("min_votes", 0), filters.get("options"))
    return service.together(group, settings, strategy)


def members_from_text(service: Service, text: object) -> list[Member]:
    """A group typed one person per line (``Name: title; title; title``), as the HTTP API
    and the app take it; a member given as ``@path`` is refused (a server reads no path a
    request names: upload the export instead)."""
    if not isinstance(text, str) or not text.strip():
        raise ServiceError("bad_argument", "members is missing: one person per line, like "
                           "'Ana: Toy Story; Up; Finding Nemo'")
    group = []
    for i, line in enumerate(line for line in text.splitlines() if line.strip()):
        name, picks, path = parse_member(line, i + 1)
        if path is not None:
            raise ServiceError("bad_group", f"{neutral(name)}: a history is not read from a "
                               "path here; list the member's titles instead")
        group.append(Member(name, tuple(picks)))
    return group


def member_of(service: Service, text: str, position: int = 1) -> Member:
    """A group member from ``"Name: title; title; title"`` or ``"Name: @export.csv"``."""
    name, picks, path = parse_member(text, position)
    return Member(name, tuple(picks), imported(service, path) if path else None)


def _settings(method, k, from_year, to_year, era, genres, exclude_genres, language, min_votes,
              options) -> Settings:
    return Settings(method=method, k=k, year_from=from_year, year_to=to_year, era=era,
                    genres=tuple(genres or ()), exclude_genres=tuple(exclude_genres or ()),
                    language=language, min_votes=min_votes, options=dict(options or {}))


def search(query: str, *, limit: int = 10, data: str | None = None,
           data_dir: str | None = None):
    """The title search's `movierec.search.Match` for ``query`` (typos, years, akas)."""
    return service_for(data, data_dir).search(query, limit)
