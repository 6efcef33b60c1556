"""The app's stable script endpoints (``recommend_api``, ``feedback_api``, ``search_api``).

They take picks as one text -- titles separated by newlines, ``"Heat=4.5"`` for a rating, a
leading ``-`` for a movie disliked and ``+`` for one liked -- and answer plain dicts, so a
script or the load test needs nothing but ``gradio_client``. Errors are answers too: a
``message`` and empty ``results``, never an exception.
"""

from __future__ import annotations

import re

from movierec.app import handlers
from movierec.app.handlers import Controls, Results, clean_text
from movierec.app.service import AppService
from movierec.models.profile import ProfileError
from movierec.picks import split_rating

MAX_TEXT = 10_000
_LINES = re.compile(r"[\r\n]+")


class PicksError(ValueError):
    """Picks text that cannot be used as given (the message says which titles and why)."""


def parse_picks_text(service: AppService, text: object) -> tuple[list[dict], list[str]]:
    """Picks from text; ambiguous titles use the best-known movie (with a note).

    Raises `PicksError` listing every title that could not be found, with suggestions.
    """
    raw = "" if text is None else str(text)
    notes: list[str] = []
    if len(raw) > MAX_TEXT:
        notes.append(f"only the first {MAX_TEXT:,} characters were read")
        raw = raw[:MAX_TEXT]
    lines = [line for line in (clean_text(x) for x in _LINES.split(raw)) if line]
    if len(lines) > handlers.MAX_PICKS:
        notes.append(f"only the first {handlers.MAX_PICKS} titles were used")
        lines = lines[: handlers.MAX_PICKS]
    picks: list[dict] = []
    problems: list[str] = []
    catalog = service.catalog
    for line in lines:
        feel = "love"
        if line[0] in "-+" and len(line) > 1:
            feel = "dislike" if line[0] == "-" else "like"
            line = line[1:].strip()
        try:
            title, stars = split_rating(line)
        except ProfileError as exc:
            problems.append(str(exc))
            continue
        if stars is not None and feel == "love":
            feel = f"{stars:g}"
        match = service.search(title)
        if match.best is None or match.status == "not_found":
            problems.append(match.message())
            continue
        index = match.best.index
        if match.status == "ambiguous":
            others = ", ".join(catalog.label(c.index) for c in match.candidates[1:4])
            notes.append(f"{title!r} is ambiguous: using {catalog.label(index)} "
                         f"(others: {others}); add the year to choose")
        if any(p["index"] == index for p in picks):
            continue
        picks.append({"index": int(index), "label": catalog.label(index),
                      "feel": handlers.parse_feel(feel)})
    if problems:
        raise PicksError("; ".join(problems))
    return picks, notes


def _answer(results: Results, notes: list[str]) -> dict:
    out = results.to_api()
    if notes:
        out["message"] = "; ".join(notes) + ". " + out["message"]
    out["notes"] = notes
    return out


def _fail(message: str, method: str = "") -> dict:
    return {"message": message, "method": method, "picks": [], "results": [], "notes": []}


def recommend_api(service: AppService, picks: str, method: str, k: int) -> dict:
    """Recommendations for the picks text (see the module docstring for its format)."""
    try:
        chosen, notes = parse_picks_text(service, picks)
    except PicksError as exc:
        return _fail(str(exc), str(method or ""))
    controls = Controls.coerce(method=method or service.default_method, k=k)
    return _answer(handlers.recommend(service, chosen, (), controls), notes)


def feedback_api(service: AppService, picks: str, method: str, k: int, movie: int,
                 liked: bool, session: str) -> dict:
    """Store a thumb on ``movie`` (catalog index) and answer refreshed recommendations."""
    try:
        chosen, notes = parse_picks_text(service, picks)
    except PicksError as exc:
        return _fail(str(exc), str(method or ""))
    try:
        movie = int(movie)
    except (TypeError, ValueError):
        return _fail(f"movie must be a catalog index (a whole number), not {movie!r}")
    controls = Controls.coerce(method=method or service.default_method, k=k)
    shown = handlers.recommend(service, chosen, (), controls).shown()
    _, results = handlers.give_thumb(service, session or "api", chosen, (), controls, shown,
                                     movie, bool(liked))
    return _answer(results, notes)


def search_api(service: AppService, query: str) -> list[dict]:
    """Search-as-you-type suggestions: index, label ('Heat (1995)') and confidence."""
    return [s.as_dict() for s in handlers.suggest(service, query)]
