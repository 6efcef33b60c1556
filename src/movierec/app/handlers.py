"""What every click in the app does, as pure functions over an `AppService` (no gradio here).

State is plain JSON-ready data so the layout can keep it in ``gr.State`` and tests can build
it by hand:

* a *pick* is ``{"index": int, "label": "Heat (1995)", "feel": "love" | "like" | "dislike" |
  "0.5".."5"}`` -- a star rating is a feel too;
* a *thumb* is ``{"index": int, "label": str, "liked": bool}``, folded into the profile with
  `Profile.with_feedback`;
* a shown result is `ResultItem.as_dict()`.

Bad input (empty, 10,000 characters, emoji, SQL, unknown or ambiguous titles, too few picks)
always comes back as a `message`, never as an exception.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from movierec.app.service import AppService, parse_method
from movierec.app.views import shorten
from movierec.models.filters import ERAS, Filter
from movierec.models.profile import MIN_PICKS, Profile, ProfileError

Say = Callable[[str], None]

MAX_QUERY = 200          # characters of one typed title that are looked at
MAX_PICKS = 50
SUGGEST_LIMIT = 8
MAX_K = 50
DEFAULT_K = 12
CAPTION_CHARS = 90
FEELS = ("love", "like", "dislike")
STARS = tuple(f"{s / 2:g}" for s in range(10, 0, -1))      # "5", "4.5", ..., "0.5"
FEEL_CHOICES: tuple[tuple[str, str], ...] = (
    ("❤️ love it", "love"), ("👍 liked it", "like"), ("👎 disliked it", "dislike"),
    *((f"{'★' * int(float(s))}{'½' if float(s) % 1 else ''} {s}", s) for s in STARS),
)
PICK_PREFIX = "movie:"   # value of a suggestion: "movie:<catalog index>"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean_text(text: object, limit: int = MAX_QUERY) -> str:
    """One line of typed text: control characters gone, spaces collapsed, at most ``limit``."""
    value = "" if text is None else str(text)[: limit * 4]
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def parse_feel(value: object) -> str:
    """'love'/'like'/'dislike' or a star rating ('4.5'); anything else means 'love'."""
    text = str(value or "love").strip().lower()
    if text in FEELS:
        return text
    try:
        stars = round(float(text) * 2) / 2
    except ValueError:
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
    text = clean_text(query)
    if not text:
        return []
    catalog = service.catalog
    return [Suggestion(c.index, catalog.label(c.index), float(c.confidence))
            for c in service.index.suggest(text, max(1, min(int(limit), 25)))]


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
    """Add a suggestion (``"movie:123"`` or an int) or a typed title to the picks.

    A typed title is resolved with the title search: clear matches are added; an ambiguous
    or unknown title is not, and the candidates come back as suggestions to click.
    """
    picks = list(picks or [])
    if isinstance(choice, (int, np.integer)) and not isinstance(choice, bool):
        index = int(choice)
    elif (isinstance(choice, str) and choice.startswith(PICK_PREFIX)
          and choice[len(PICK_PREFIX):].isdigit()):
        index = int(choice[len(PICK_PREFIX):])
    else:
        text = clean_text(choice)
        if not text:
            return PickChange(picks, "Type a movie title first.", "warn")
        match = service.search(text, limit=SUGGEST_LIMIT)
        catalog = service.catalog
        offers = [Suggestion(c.index, catalog.label(c.index), float(c.confidence))
                  for c in match.candidates]
        if not match.ok or match.best is None:
            hint = " Pick one of the suggestions." if offers else " Check the spelling."
            return PickChange(picks, match.message() + hint, "warn", offers)
        index = match.best.index
        change = _with_pick(service, picks, index, feel)
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
    pool = [int(i) for i in service.well_known(300) if int(i) not in set(map(int, exclude))]
    if not pool:
        return []
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
    return [movie_card(service, pool[int(c)]) for c in chosen]


def movie_card(service: AppService, index: int) -> dict:
    """Index, label and poster of one movie (what a gallery tile needs)."""
    from movierec.app.posters import poster_for

    return {"index": int(index), "label": service.catalog.label(int(index)),
            "poster": poster_for(service.brief(index))}


# --- recommendations ---------------------------------------------------------------------
@dataclass(frozen=True)
class Controls:
    """The knobs next to the results; values straight from the widgets are coerced."""

    method: str = "hybrid"
    k: int = DEFAULT_K
    era: str = "any"
    year_from: int | None = None
    year_to: int | None = None
    genres_in: tuple[str, ...] = ()
    genres_out: tuple[str, ...] = ()
    language: str | None = None
    min_votes: int = 0

    @classmethod
    def coerce(cls, method=None, k=None, era=None, year_from=None, year_to=None, genres_in=(),
               genres_out=(), language=None, min_votes=None) -> "Controls":
        def year(v):
            try:
                y = int(float(v))
            except (TypeError, ValueError):
                return None
            return y if 1800 <= y <= 2200 else None

        def count(v, default, lo, hi):
            try:
                return min(max(int(float(v)), lo), hi)
            except (TypeError, ValueError):
                return default

        lo, hi = year(year_from), year(year_to)
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        lang = clean_text(language, 12).lower().split(" ")[0] if language else ""
        era_value = str(era or "any").strip().lower()
        return cls(method=str(method or "hybrid"), k=count(k, DEFAULT_K, 1, MAX_K),
                   era=era_value if era_value in ERAS else "any", year_from=lo, year_to=hi,
                   genres_in=tuple(str(g) for g in genres_in or ()),
                   genres_out=tuple(str(g) for g in genres_out or ()),
                   language=lang if lang and lang not in ("any", "all") else None,
                   min_votes=count(min_votes, 0, 0, 10**7))

    def to_filter(self) -> Filter:
        return Filter(year_min=self.year_from, year_max=self.year_to, era=self.era,
                      genres_in=self.genres_in, genres_out=self.genres_out,
                      language=self.language, min_votes=self.min_votes)


@dataclass
class ResultItem:
    rank: int
    index: int
    title: str
    year: int | None
    label: str
    genres: list[str]
    poster: str
    explanation: str
    score: float

    @property
    def caption(self) -> str:
        return f"{self.label} · {shorten(self.explanation, CAPTION_CHARS)}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Results:
    """One answer: the movies, a message, and the picks as understood."""

    message: str
    items: list[ResultItem] = field(default_factory=list)
    kind: str = "info"
    method: str = ""
    picks: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.items)

    def gallery(self) -> list[tuple[str, str]]:
        return [(item.poster, item.caption) for item in self.items]

    def table(self) -> list[list]:
        return [[item.rank, item.label, ", ".join(item.genres), item.explanation,
                 round(item.score, 4)] for item in self.items]

    def shown(self) -> list[dict]:
        return [item.as_dict() for item in self.items]

    def to_api(self) -> dict:
        return {"message": self.message, "method": self.method, "picks": self.picks,
                "results": [{"index": i.index, "title": i.title, "year": i.year,
                             "genres": i.genres, "poster": i.poster,
                             "explanation": i.explanation, "score": i.score}
                            for i in self.items]}


TABLE_HEADERS = ["#", "Movie", "Genres", "Why", "Score"]


def profile_from(picks: Sequence[dict], thumbs: Sequence[dict] = ()) -> Profile:
    """The `Profile` of the picks (feel -> loved / rated / liked / disliked), thumbs folded in."""
    items, ratings, liked, disliked, labels = [], [], [], [], []
    for p in picks:
        feel = parse_feel(p.get("feel"))
        index = int(p["index"])
        if feel == "like":
            liked.append(index)
        elif feel == "dislike":
            disliked.append(index)
        else:
            items.append(index)
            ratings.append(None if feel == "love" else float(feel))
            labels.append(str(p.get("label", "")))
    profile = Profile.from_picks(items, ratings, liked=liked, disliked=disliked, labels=labels)
    for thumb in thumbs:
        profile = profile.with_feedback(int(thumb["index"]), bool(thumb["liked"]))
    return profile


def _items(service: AppService, recs) -> list[ResultItem]:
    from movierec.app.posters import poster_for

    catalog = service.catalog
    out = []
    for rank, (index, score, why) in enumerate(recs, start=1):
        record = service.brief(index)
        out.append(ResultItem(rank, int(index), str(record["title"]), record["year"],
                              catalog.label(index), list(record["genres"]), poster_for(record),
                              str(why), float(score)))
    return out


def recommend(service: AppService, picks: Sequence[dict], thumbs: Sequence[dict] = (),
              controls: Controls | None = None, progress: Say | None = None) -> Results:
    """Recommendations for the picks under the controls, or a message saying what to fix."""
    controls = controls or Controls(method=service.default_method)
    picks = list(picks or [])
    try:
        choice = parse_method(controls.method)
    except ValueError as exc:
        return Results(str(exc), kind="error", picks=picks)
    if len(picks) < MIN_PICKS:
        need = MIN_PICKS - len(picks)
        return Results(f"Pick at least {MIN_PICKS} movies: add {need} more "
                       f"(search above, try an example, or rate popular movies).", kind="warn",
                       method=choice.key, picks=picks)
    try:
        profile = profile_from(picks, thumbs)
        profile.check(len(service.catalog))
        flt = controls.to_filter()
    except (ProfileError, ValueError) as exc:
        return Results(str(exc), kind="warn", method=choice.key, picks=picks)
    try:
        model = service.model(choice.key, progress)
    except (ImportError, OSError, RuntimeError, ValueError, TypeError) as exc:
        return Results(f"{choice.key} is not available here ({type(exc).__name__}: "
                       f"{shorten(exc, 200)}); choose another method.", kind="error",
                       method=choice.key, picks=picks)
    t0 = time.perf_counter()
    recs = model.recommend(profile, k=controls.k, candidates=flt)
    items = _items(service, recs)
    seconds = time.perf_counter() - t0
    if not items:
        if flt == Filter():
            text = (f"{choice.key} has no evidence about these picks (nobody rated them in "
                    "this dataset); try hybrid or content.")
        else:
            text = "No movie passes these filters; loosen them and try again."
        return Results(text, kind="warn", method=choice.key, picks=picks, seconds=seconds)
    loved = [p["label"] for p in picks if p.get("feel") != "dislike"]
    names = ", ".join(loved[:4]) + (" ..." if len(loved) > 4 else "")
    text = (f"{len(items)} movies by {choice.key} for {names}. Click a poster for details, "
            "then 👍 or 👎 to steer the list.")
    return Results(text, items, "ok", choice.key, picks, seconds)


def give_thumb(service: AppService, session: str, picks: Sequence[dict], thumbs: Sequence[dict],
               controls: Controls, shown: Sequence[dict], movie: int, liked: bool,
               progress: Say | None = None) -> tuple[list[dict], Results]:
    """Store a 👍/👎 on a recommended movie and recommend again with it folded in."""
    controls = controls or Controls(method=service.default_method)
    catalog = service.catalog
    movie = int(movie)
    if not 0 <= movie < len(catalog):
        return list(thumbs), Results("That movie is not in the catalog.", kind="warn",
                                     picks=list(picks))
    hit = next((s for s in shown or [] if int(s["index"]) == movie), None)
    label = catalog.label(movie)
    try:
        method = parse_method(controls.method).key
    except ValueError:
        method = controls.method
    service.feedback.record(
        session=clean_text(session, 100) or "anonymous", dataset=service.data_name,
        method=method, movie=movie, liked=bool(liked), picks=[int(p["index"]) for p in picks],
        rank=None if hit is None else int(hit["rank"]),
        score=None if hit is None else float(hit["score"]), title=label)
    new = [dict(t) for t in thumbs or [] if int(t["index"]) != movie]
    new.append({"index": movie, "label": label, "liked": bool(liked)})
    results = recommend(service, picks, new, controls, progress)
    verdict = "👍 more like" if liked else "👎 less like"
    if results.ok:
        results.message = f"Noted: {verdict} {label}. " + results.message
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
