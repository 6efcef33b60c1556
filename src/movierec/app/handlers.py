"""What every click in the app does, as pure functions over the service (no gradio here).

The handlers only translate: widget values and page state in, a `Settings` and pick specs to
`Service.recommend` / `Service.react`, and the `Answer` (or the `ServiceError`) back out as
something to draw. State is plain JSON-ready data so the layout can keep it in ``gr.State``
and tests can build it by hand:

* a *pick* is ``{"index": int, "label": "Heat (1995)", "feel": "love" | "like" | "dislike" |
  "0.5".."5"}`` -- a star rating is a feel too;
* a *thumb* (a reaction) is ``{"index": int, "label": str, "reaction": "liked" | "disliked" |
  "seen" | "not_interested"}`` (older pages sent ``"liked": bool``, still understood);
* a shown result is ``{"index", "rank", "label", "explanation", "score"}``.

Bad input (empty, 10,000 characters, emoji, SQL, unknown or ambiguous titles, too few picks)
always comes back as a message, never as an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from movierec.app.context import AppService
from movierec.app.views import shorten
from movierec.models.profile import MIN_PICKS
from movierec.service import Answer, PickSpec, ServiceError, Settings
from movierec.service.picks import MAX_PICK_CHARS, MAX_PICKS, clean_line, parse_pick
from movierec.service.reactions import named

NOTED = {"liked": "👍 more like", "disliked": "👎 less like", "seen": "👁 you have seen",
         "not_interested": "🚫 no more like"}

Say = Callable[[str], None]

SUGGEST_LIMIT = 8
MAX_K = 50               # the slider's end (the service allows up to `service.MAX_K`)
DEFAULT_K = 12           # three rows of four posters
CAPTION_CHARS = 90
MAX_QUERY = MAX_PICK_CHARS
MAX_MOOD = 300
FEELS = ("love", "like", "dislike")
STARS = tuple(f"{s / 2:g}" for s in range(10, 0, -1))      # "5", "4.5", ..., "0.5"
FEEL_CHOICES: tuple[tuple[str, str], ...] = (
    ("❤️ love it", "love"), ("👍 liked it", "like"), ("👎 disliked it", "dislike"),
    *((f"{'★' * int(float(s))}{'½' if float(s) % 1 else ''} {s}", s) for s in STARS),
)
PICK_PREFIX = "movie:"   # value of a suggestion: "movie:<catalog index>"
TABLE_HEADERS = ["#", "Movie", "Genres", "Why", "Score"]


def parse_feel(value: object) -> str:
    """'love'/'like'/'dislike' or a star rating ('4.5', rounded to a half star, 0.5-5);
    anything else means 'love' (a dropdown can only send these)."""
    text = str(value or "love").strip().lower()
    if text in FEELS:
        return text
    try:
        stars = round(float(text) * 2) / 2
    except ValueError:
        return "love"
    if not math.isfinite(stars):
        return "love"
    return f"{min(max(stars, 0.5), 5.0):g}"


# --- search-as-you-type ------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    index: int
    label: str
    confidence: float

    @property
    def value(self) -> str:
        return f"{PICK_PREFIX}{self.index}"

    def as_dict(self) -> dict:
        return {"index": self.index, "label": self.label, "confidence": self.confidence}


def suggest(service: AppService, query: object, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Top candidates for what has been typed so far (server side: the page never holds
    the catalog). Titles starting that way first (best known first), then typo matches."""
    text = clean_line(query)
    if not text:
        return []
    catalog = service.catalog
    return [Suggestion(c.index, catalog.label(c.index), float(c.confidence))
            for c in service.suggest(text, limit)]


# --- picks -------------------------------------------------------------------------------
@dataclass
class PickChange:
    """New picks plus what to tell the person (and what to offer when a title was unclear)."""

    picks: list[dict]
    message: str = ""
    kind: str = "info"
    suggestions: list[Suggestion] = field(default_factory=list)


def _pick(service: AppService, index: int, feel: str = "love") -> dict:
    return {"index": int(index), "label": service.catalog.label(int(index)),
            "feel": parse_feel(feel)}


def _with_pick(service: AppService, picks: list[dict], index: int, feel: str) -> PickChange:
    picks = [dict(p) for p in picks or []]
    label = service.catalog.label(index)
    for p in picks:
        if p["index"] == index:
            p["feel"] = parse_feel(feel)
            return PickChange(picks, f"{label} is already in your picks (updated how you feel).")
    if len(picks) >= MAX_PICKS:
        return PickChange(picks, f"You have {MAX_PICKS} picks, the most movierec uses; "
                          "remove one first.", "warn")
    picks.append(_pick(service, index, feel))
    need = max(0, MIN_PICKS - len(picks))
    more = f" Add {need} more." if need else ""
    return PickChange(picks, f"Added {label}.{more}", "ok")


def add_pick(service: AppService, picks: list[dict], choice: object,
             feel: str = "love") -> PickChange:
    """Add a suggestion (``"movie:123"`` or an int) or a typed pick to the picks.

    Typed text follows the picks grammar (``Heat``, ``Heat=4.5``, ``-Heat``, ``tmdb:949``):
    clear matches are added; an ambiguous or unknown title is not, and the candidates come
    back as suggestions to click (a person at the page can choose; a script gets the best).
    """
    picks = list(picks or [])
    if isinstance(choice, (int, np.integer)) and not isinstance(choice, bool):
        index = int(choice)
    elif (isinstance(choice, str) and choice.startswith(PICK_PREFIX)
          and choice[len(PICK_PREFIX):].isascii() and choice[len(PICK_PREFIX):].isdigit()):
        index = int(choice[len(PICK_PREFIX):])
    else:
        try:
            spec = parse_pick(choice, parse_feel(feel) if parse_feel(feel) in FEELS else "love")
        except ServiceError as exc:
            return PickChange(picks, exc.message, "warn")
        if spec is None:
            return PickChange(picks, "Type a movie title first.", "warn")
        how = spec.how if (spec.rating is not None or spec.feel != "love") else feel
        if spec.title is None:                       # an id: the service looks it up
            try:
                found = service.resolve([spec]).picks[0]
            except ServiceError as exc:
                return PickChange(picks, exc.message, "warn")
            return _with_pick(service, picks, found.index, how)
        match = service.search(spec.title, limit=SUGGEST_LIMIT)
        catalog = service.catalog
        offers = [Suggestion(c.index, catalog.label(c.index), float(c.confidence))
                  for c in match.candidates]
        if not match.ok or match.best is None:
            hint = " Pick one of the suggestions." if offers else " Check the spelling."
            return PickChange(picks, match.message() + hint, "warn", offers)
        change = _with_pick(service, picks, match.best.index, how)
        if match.status == "confident":
            change.message = f"{match.message()}. " + change.message
        return change
    if not 0 <= index < len(service.catalog):
        return PickChange(picks, "That movie is not in the catalog; search for it again.", "warn")
    return _with_pick(service, picks, index, feel)


def remove_pick(picks: list[dict], index: int) -> list[dict]:
    return [dict(p) for p in picks or [] if p["index"] != int(index)]


def set_feel(picks: list[dict], index: int, feel: object) -> list[dict]:
    out = [dict(p) for p in picks or []]
    for p in out:
        if p["index"] == int(index):
            p["feel"] = parse_feel(feel)
    return out


def example_picks(service: AppService, name: str) -> PickChange:
    """The picks of a one-click example ('Pixar trio'); titles the data lacks are skipped."""
    titles = service.examples.get(name)
    if not titles:
        return PickChange([], f"Unknown example; choose one of: {', '.join(service.examples)}.",
                          "warn")
    picks: list[dict] = []
    for title in titles:
        match = service.search(title)
        if not match.ok or match.best is None:
            continue
        if all(p["index"] != match.best.index for p in picks):
            picks.append(_pick(service, match.best.index))
    if len(picks) < MIN_PICKS:
        return PickChange(picks, f"This dataset lacks some of the {name} movies; add more picks.",
                          "warn")
    return PickChange(picks, f"{name}: " + ", ".join(p["label"] for p in picks) + ".", "ok")


def onboarding_sample(service: AppService, n: int = 12, seed: int | None = None,
                      exclude: Sequence[int] = ()) -> list[dict]:
    """Random well-known movies to rate, like MovieLens' first page: index, label, poster."""
    skip = set(map(int, exclude))
    pool = [int(i) for i in service.well_known(300) if int(i) not in skip]
    if not pool:
        return []
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
    return [movie_card(service, pool[int(c)]) for c in chosen]


def movie_card(service: AppService, index: int) -> dict:
    """Index, label and poster of one movie (what a gallery tile needs)."""
    from movierec.app.posters import poster_for

    record = service.catalog.record(int(index), ("title", "year", "genres", "poster_path"))
    return {"index": int(index), "label": service.catalog.label(int(index)),
            "poster": poster_for(record)}


# --- recommendations ---------------------------------------------------------------------
def settings_from_widgets(method=None, k=None, era=None, year_from=None, year_to=None,
                          genres_in=(), genres_out=(), language=None, min_votes=None,
                          diversity=None, default_method: str | None = None) -> Settings:
    """The option widgets' values as service `Settings`. Only translation: an empty year box
    (None, "" or 0) means no bound; everything else is validated by the service, which names
    a bad value in its message."""
    def blank(value) -> bool:
        if isinstance(value, str):
            return not value.strip()
        return value is None or value == 0

    lang = None if blank(language) else str(language).strip().split(" ")[0]
    return Settings(method=str(method or default_method or ""),
                    k=DEFAULT_K if k is None else k, era=str(era or "any"),
                    year_from=None if blank(year_from) else _stripped(year_from),
                    year_to=None if blank(year_to) else _stripped(year_to),
                    genres=tuple(str(g) for g in genres_in or ()),
                    exclude_genres=tuple(str(g) for g in genres_out or ()),
                    language=lang, min_votes=0 if min_votes is None else min_votes,
                    diversity=0.0 if diversity is None else diversity)


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


@dataclass
class Results:
    """What the results panel shows: a message, and the answer when there is one."""

    message: str
    kind: str = "info"
    answer: Answer | None = None
    method: str = ""
    seconds: float = 0.0

    @property
    def items(self):
        return self.answer.results if self.answer is not None else ()

    @property
    def ok(self) -> bool:
        return bool(self.items)

    def gallery(self) -> list[tuple[str, str]]:
        from movierec.app.posters import poster_for

        return [(poster_for({"poster_path": r.poster_path, "title": r.title, "year": r.year,
                             "genres": list(r.genres)}),
                 f"{r.label} · {shorten(r.explanation, CAPTION_CHARS)}") for r in self.items]

    def table(self) -> list[list]:
        return [[r.rank, r.label, ", ".join(r.genres), r.explanation, round(r.score, 4)]
                for r in self.items]

    def shown(self) -> list[dict]:
        return [{"index": r.index, "rank": r.rank, "label": r.label,
                 "explanation": r.explanation, "score": r.score} for r in self.items]


def specs_of(picks: Sequence[dict]) -> list[PickSpec]:
    """The page's picks as pick specs of known catalog movies."""
    return [PickSpec.of_movie(int(p["index"]), parse_feel(p.get("feel")), str(p.get("label", "")))
            for p in picks or []]


def thumbs_of(thumbs: Sequence[dict]) -> list[tuple[int, bool | str]]:
    """The page's reactions as the service's ``(movie, reaction)`` pairs."""
    return [(int(t["index"]), t["reaction"] if "reaction" in t else bool(t.get("liked")))
            for t in thumbs or []]


def _results(answer: Answer) -> Results:
    if not answer.results:
        return Results(answer.message, "warn", answer, answer.method)
    text = (f"{answer.message} Click a poster for details, then react to it (👍, 👎, seen it, "
            "not interested): every reaction teaches the next list.")
    seconds = sum(answer.timings.values()) / 1e3
    return Results(text, "ok", answer, answer.method, seconds)


def _error(exc: ServiceError) -> Results:
    kind = "error" if exc.code in ("unknown_method", "method_unavailable") else "warn"
    return Results(exc.message[:1].upper() + exc.message[1:], kind)


def _request(history: dict | None, mood: object) -> dict:
    """The page's imported history and mood as the service's keyword arguments."""
    text = clean_line(mood, MAX_MOOD) if mood else ""
    return {"history": history_of(history), "mood": text or None}


def recommend(service: AppService, picks: Sequence[dict], thumbs: Sequence[dict] = (),
              settings: Settings | None = None, progress: Say | None = None,
              history: dict | None = None, mood: object = None) -> Results:
    """Recommendations for the picks (and an imported history, and a mood) under the
    settings, or a message saying what to fix."""
    settings = settings or Settings(method=service.default_method, k=DEFAULT_K)
    try:
        return _results(service.recommend(specs_of(picks), settings, thumbs_of(thumbs),
                                          progress, **_request(history, mood)))
    except ServiceError as exc:
        return _error(exc)


def give_thumb(service: AppService, session: str, picks: Sequence[dict], thumbs: Sequence[dict],
               settings: Settings | None, movie: int, reaction: bool | str,
               progress: Say | None = None, history: dict | None = None,
               mood: object = None) -> tuple[list[dict], Results]:
    """Store a reaction (👍 True, 👎 False, or "seen" / "not_interested") to a recommended
    movie and show the session's next list, which learnt from it."""
    settings = settings or Settings(method=service.default_method, k=DEFAULT_K)
    movie = int(movie)
    try:
        said = named(reaction)
        answer = service.react(clean_line(session, 100) or "anonymous", specs_of(picks),
                               settings, thumbs_of(thumbs), movie, said, progress,
                               **_request(history, mood))
    except ServiceError as exc:
        return list(thumbs), _error(exc)
    label = service.catalog.label(movie)
    new = [dict(t) for t in thumbs or [] if int(t["index"]) != movie]
    new.append({"index": movie, "label": label, "reaction": said})
    results = _results(answer)
    if results.ok:
        results.message = f"Noted: {NOTED[said]} {label}. " + results.message
    return new, results


def details(service: AppService, item: dict) -> str:
    """Details panel HTML of a shown result (its explanation, overview, people, links).

    A missing overview is filled from TMDb when ``TMDB_API_KEY`` is set (cached; silent
    when offline), so the panel has a story to show for MovieLens-only movies too.
    """
    from movierec.app.posters import enrich
    from movierec.app.views import details_html

    fields = ("title", "year", "genres", "overview", "director", "cast", "vote_average",
              "vote_count", "tmdb_id", "imdb_id", "poster_path")
    record = enrich(service.catalog.record(int(item["index"]), fields))
    return details_html(record, item.get("explanation", ""), item.get("rank"), item.get("score"))


# --- an imported history ---------------------------------------------------------------------
def import_history(service: AppService, path: object) -> tuple[dict | None, str, str]:
    """(page state of the import, message, kind) for an uploaded export file."""
    from movierec.service.history import match_history, read_history_file

    if not path:
        return None, "History removed.", "info"
    try:
        found = match_history(read_history_file(str(path)), service.catalog, service.index)
    except ServiceError as exc:
        return None, f"Nothing was imported: {exc.message}", "warn"
    state = {"format": found.format, "rows": found.rows, "rated": found.rated,
             "seen": found.seen, "report": found.to_json()}
    return state, f"Imported your {found.format}: {found.summary()}.", "ok"


def history_of(state: dict | None):
    """The `ImportedHistory` kept in the page state (None when nothing was imported)."""
    from movierec.service.history import ImportedHistory

    if not state:
        return None
    report = state.get("report", {})
    return ImportedHistory(state["format"], state["rows"],
                           [(int(m), float(r)) for m, r in state["rated"]],
                           [int(m) for m in state["seen"]], report.get("ambiguous", []),
                           report.get("unmatched", []), report.get("matched", 0))


# --- watch together ------------------------------------------------------------------------
def together(service: AppService, members: object, settings: Settings | None,
             strategy: str = "fair", progress: Say | None = None) -> Results:
    """One list for the group typed one person per line ('Ana: Toy Story; Up; Finding Nemo')."""
    from movierec.service.api import members_from_text

    settings = settings or Settings(method=service.default_method, k=DEFAULT_K)
    try:
        answer = service.together(members_from_text(service, members), settings, strategy,
                                  progress)
    except ServiceError as exc:
        return _error(exc)
    names = ", ".join(m["name"] for m in answer.members)
    return Results(f"{len(answer.results)} movies for {names} ({answer.strategy}). Each poster "
                   "says whose taste it serves.", "ok", answer, answer.method)
