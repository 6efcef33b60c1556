"""The app's script endpoints (``recommend_api``, ``feedback_api``, ``search_api``).

They take picks as one text in the service's picks grammar -- a title per line,
``Heat=4.5`` rates, ``-Heat`` dislikes, ``+Heat`` likes, ``tmdb:949`` picks by id -- and
answer the service's JSON: an `Answer`'s ``to_json()`` (the same fields as ``movierec
recommend --json`` and `movierec.recommend`), or ``{"error": {"code", "message",
"suggestions"}}``. Never an exception, never a bare null.
"""

from __future__ import annotations

from movierec.app import handlers
from movierec.app.context import AppService
from movierec.service import ServiceError, Settings, parse_picks_text
from movierec.service.picks import clean_line
from movierec.service.request import whole_number


def _settings(service: AppService, method: object, k: object) -> Settings:
    return Settings(method=str(method or service.default_method), k=10 if k is None else k)


def _picks(text: object) -> tuple[list, list[str]]:
    if text is not None and not isinstance(text, str):
        raise ServiceError("bad_argument", "picks must be text: one title per line, not "
                           f"{type(text).__name__}")
    return parse_picks_text(text)


def _with_notes(answer, notes: list[str]) -> dict:
    out = answer.to_json()
    out["notes"] = notes + out["notes"]
    return out


def recommend_api(service: AppService, picks: str, method: str = "", k: int = 10) -> dict:
    """Recommendations for the picks text (see the module docstring for its format)."""
    try:
        specs, notes = _picks(picks)
        return _with_notes(service.recommend(specs, _settings(service, method, k)), notes)
    except ServiceError as exc:
        return exc.to_json()


def feedback_api(service: AppService, picks: str, method: str, k: int, movie: int,
                 liked: bool, session: str) -> dict:
    """Store a thumb on ``movie`` (catalog index) and answer the refreshed recommendations."""
    try:
        specs, notes = _picks(picks)
        movie = whole_number(movie, "movie (a catalog index)", "bad_argument", 0,
                             len(service.catalog) - 1)
        if not isinstance(liked, bool):
            raise ServiceError("bad_argument", f"liked must be true or false, not {liked!r}")
        session_id = clean_line(session, 100) or "api"
        answer = service.react(session_id, specs, _settings(service, method, k), (), movie,
                               liked)
        return _with_notes(answer, notes)
    except ServiceError as exc:
        return exc.to_json()


def search_api(service: AppService, query: str) -> list[dict]:
    """Search-as-you-type suggestions: index, label ('Heat (1995)') and confidence."""
    return [s.as_dict() for s in handlers.suggest(service, query)]
