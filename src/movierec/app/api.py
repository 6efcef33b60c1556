"""The app's script endpoints (``recommend_api``, ``feedback_api``, ``search_api``).

They take picks as one text in the service's picks grammar -- a title per line,
``Heat=4.5`` rates, ``-Heat`` dislikes, ``+Heat`` likes, ``tmdb:949`` picks by id -- and
answer the service's JSON: an `Answer`'s ``to_json()`` (the same fields as ``movierec
recommend --json`` and `movierec.recommend`), or ``{"error": {"code", "message",
"suggestions"}}``. Every argument's type and range is checked; a missing one is named; an
unexpected failure is logged on the server and answered as ``internal_error``. Never a
traceback, a bare null, or a server path.

Feedback is stored under a session token the server issues: send ``session=""`` and the
answer carries ``"session"``; send it back with later thumbs. A made-up token is refused.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace

from movierec.app import handlers
from movierec.app.context import AppService
from movierec.service import ServiceError, Settings, parse_picks_text
from movierec.service.request import whole_number
from movierec.service.reactions import named

log = logging.getLogger("movierec.api")
ENDPOINTS = ("recommend_api", "feedback_api", "search_api", "import_api", "together_api",
             "mood_api")


def answering(fn):
    """Run an endpoint: a `ServiceError` becomes its JSON, anything else an internal error
    (logged with its traceback here, never sent)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            return exc.to_json()
        except Exception:  # noqa: BLE001 - the client gets a code, the log gets the details
            log.exception("%s failed", fn.__name__)
            return ServiceError("internal_error", "the server could not answer this request; "
                                "it has been logged").to_json()
    return run


def _settings(service: AppService, method: object, k: object) -> Settings:
    if method is not None and not isinstance(method, str):
        raise ServiceError("bad_argument", f"method must be text, not {type(method).__name__}")
    return Settings(method=method or service.default_method, k=10 if k is None else k)


def _picks(text: object) -> tuple[list, list[str]]:
    if text is None:
        raise ServiceError("bad_argument", "picks is missing: send the movies you love, one "
                           "title per line")
    if not isinstance(text, str):
        raise ServiceError("bad_argument", "picks must be text, one title per line, not "
                           f"{type(text).__name__}")
    return parse_picks_text(text)


def _with_notes(answer, notes: list[str]) -> dict:
    out = answer.to_json()
    out["notes"] = notes + out["notes"]
    return out


@answering
def recommend_api(service: AppService, picks: str, method: str = "", k: int = 10,
                  diversity: float = 0.0) -> dict:
    """Recommendations for the picks text (see the module docstring for its format);
    ``diversity`` 0..1 re-ranks for variety (0: the method's own list)."""
    specs, notes = _picks(picks)
    settings = replace(_settings(service, method, k), diversity=diversity)
    return _with_notes(service.recommend(specs, settings), notes)


@answering
def feedback_api(service: AppService, picks: str, method: str, k: int, movie: int,
                 liked: bool, session: str, reaction: str = "") -> dict:
    """Store a reaction to ``movie`` (catalog index) and answer the refreshed
    recommendations, with the ``session`` token it was stored under. ``reaction``, when
    given, is liked / disliked / seen / not_interested and overrides ``liked``."""
    specs, notes = _picks(picks)
    movie = whole_number(movie, "movie (a catalog index)", "bad_argument", 0,
                         len(service.catalog) - 1)
    if not isinstance(liked, bool):
        raise ServiceError("bad_argument", f"liked must be true or false, not {liked!r}"[:120])
    said = named(reaction) if reaction not in (None, "") else liked
    token = session_token(service, session)
    answer = service.react(token, specs, _settings(service, method, k), (), movie, said)
    return {**_with_notes(answer, notes), "session": token}


def session_token(service: AppService, session: object) -> str:
    """The caller's token when the server issued it; a new one when none was sent."""
    if session is None or session == "":
        return service.sessions.issue()
    if not service.sessions.valid(session):
        raise ServiceError("bad_argument", "unknown session: send the session token an "
                           "earlier answer gave you, or an empty one to start a session")
    return str(session)


@answering
def search_api(service: AppService, query: str) -> list[dict] | dict:
    """Search-as-you-type suggestions: index, label ('Heat (1995)') and confidence."""
    if query is not None and not isinstance(query, str):
        raise ServiceError("bad_argument", f"query must be text, not {type(query).__name__}")
    return [s.as_dict() for s in handlers.suggest(service, query)]


def _optional_picks(text: object) -> tuple[list, list[str]]:
    return ([], []) if text is None or text == "" else _picks(text)


def _history_bytes(history: object) -> tuple[bytes, str]:
    """An export sent as its text, or as an uploaded file (gradio's FileData: a path that
    must lie in gradio's own upload folder -- never any other file of the server)."""
    if isinstance(history, str):
        return history.encode("utf-8"), "history.csv"
    if isinstance(history, dict) and isinstance(history.get("path"), str):
        from pathlib import Path

        from gradio.utils import get_upload_folder

        path = Path(history["path"]).resolve()
        if not path.is_relative_to(Path(get_upload_folder()).resolve()) or not path.is_file():
            raise ServiceError("bad_argument", "history must be an uploaded file or the "
                               "export's text")
        return path.read_bytes(), str(history.get("orig_name") or path.name)
    raise ServiceError("bad_argument", "history is missing: send the export's text, or "
                       "upload the file")


@answering
def import_api(service: AppService, history: object, picks: str = "", method: str = "",
               k: int = 10) -> dict:
    """Recommendations from an imported history (Letterboxd, IMDb or MovieLens export, or a
    title[,year][,rating] list), plus optional picks; the answer's ``import`` reports every
    row that was matched, ambiguous or unmatched."""
    from movierec.service.history import match_history, read_history

    data, name = _history_bytes(history)
    imported = match_history(read_history(data, name), service.catalog, service.index)
    specs, notes = _optional_picks(picks)
    answer = service.recommend(specs, _settings(service, method, k), history=imported)
    return _with_notes(answer, notes)


@answering
def together_api(service: AppService, members: str, method: str = "", k: int = 10,
                 strategy: str = "fair") -> dict:
    """One list for a group: ``members`` one per line, ``Name: title; title; title``."""
    from movierec.service.api import members_from_text

    group = members_from_text(service, members)
    if not isinstance(strategy, str):
        raise ServiceError("bad_argument", "strategy must be text")
    return service.together(group, _settings(service, method, k), strategy).to_json()


@answering
def mood_api(service: AppService, mood: str, picks: str = "", method: str = "",
             k: int = 10) -> dict:
    """Movies for a mood in words, blended with the picks' taste when there are picks."""
    if not isinstance(mood, str):
        raise ServiceError("bad_argument", "mood is missing: describe it in words, e.g. "
                           "'slow-burn 70s paranoia thriller'")
    specs, notes = _optional_picks(picks)
    return _with_notes(service.recommend(specs, _settings(service, method, k), mood=mood), notes)
