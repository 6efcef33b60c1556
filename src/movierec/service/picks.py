"""The picks grammar, once for every entry point, and resolving picks to catalog movies.

One pick is one line of text:

====================  ==========================================================
``Heat``              a movie you love (typos fine: ``heat``, ``hea t``)
``Heat (1995)``       the same with its year, to choose between remakes
``Heat=4.5``          a movie you rated 4.5 stars (0.5 to 5)
``+Heat``             a movie you liked (less than loved)
``-Heat``             a movie you disliked
``tmdb:949``          by TMDb id; also ``imdb:tt0113277`` and ``ml:6`` (MovieLens)
====================  ==========================================================

`parse_pick` turns a line into a `PickSpec` (or raises `ServiceError` naming the bad part);
`resolve_picks` finds each spec's movie through the dataset's `TitleIndex` (ids first),
reports how each was matched, and refuses, in one message, every pick it cannot find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from movierec.data.catalog import Catalog
from movierec.models.profile import Profile
from movierec.service.errors import ServiceError, neutral, shown

MAX_PICK_CHARS = 200        # characters of one typed title that are looked at
MAX_PICKS_TEXT = 10_000     # characters of a picks text that are read
MAX_PICKS = 50              # picks used from one request
FEELS = ("love", "like", "dislike")
MIN_STARS, MAX_STARS = 0.5, 5.0
ID_FIELDS = {"tmdb": "tmdb_id", "imdb": "imdb_id", "ml": "movielens_id",
             "movielens": "movielens_id"}
ID_NAMES = {"tmdb_id": "TMDb", "imdb_id": "IMDb", "movielens_id": "MovieLens", "index": "catalog"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_LINES = re.compile(r"[\r\n]+")
_ID = re.compile(r"^(?P<kind>tmdb|imdb|ml|movielens)\s*:\s*(?P<value>\S+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_DIGITS = re.compile(r"^[0-9]{1,12}$")     # ASCII digits: "²" and "٣" are not ids
_IMDB = re.compile(r"^(?:tt)?(?P<digits>[0-9]{1,10})$", re.IGNORECASE)


def clean_line(text: object, limit: int = MAX_PICK_CHARS) -> str:
    """One line of typed text: control characters gone, spaces collapsed, at most ``limit``."""
    value = "" if text is None else str(text)[: limit * 4]
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def stars_of(value: object, title: str = "") -> float:
    """A star rating from ``4.5`` / ``"4.5"``; `ServiceError` naming the value otherwise."""
    text = str(value).strip()
    about = f" of {shown(title)}" if title else ""
    if not _NUMBER.match(text):
        raise ServiceError("bad_pick", f"the rating {shown(text)}{about} is not a number of "
                           f"stars: write it like {neutral(title) if title else 'Title'}=4.5 "
                           f"({MIN_STARS:g} to {MAX_STARS:g} stars)")
    stars = float(text)
    if not MIN_STARS <= stars <= MAX_STARS:
        raise ServiceError("bad_pick", f"the rating {stars:g}{about} is outside "
                           f"{MIN_STARS:g}-{MAX_STARS:g} stars")
    return stars


@dataclass(frozen=True)
class PickSpec:
    """What one pick asks for, before it is looked up: a title or an id, and a feeling."""

    text: str                          # the pick as given
    title: str | None = None           # title to search for (None when an id is given)
    id_field: str | None = None        # "tmdb_id", "imdb_id", "movielens_id" or "index"
    id_value: int | str | None = None
    feel: str = "love"                 # "love", "like" or "dislike"
    rating: float | None = None        # stars, when rated (then the rating says how)

    @property
    def how(self) -> str:
        """``"love"`` / ``"like"`` / ``"dislike"``, or the stars as text (``"4.5"``)."""
        return f"{self.rating:g}" if self.rating is not None else self.feel

    @classmethod
    def of_movie(cls, index: int, how: object = "love", label: str = "") -> "PickSpec":
        """A pick of a known catalog movie (the app's chosen suggestions), feel or stars."""
        text = str(how or "love").strip().lower()
        if text in FEELS:
            return cls(label or f"movie {int(index)}", None, "index", int(index), text)
        return cls(label or f"movie {int(index)}", None, "index", int(index), "love",
                   stars_of(text, label))


def _id_value(kind: str, value: str) -> tuple[str, int | str]:
    column = ID_FIELDS[kind.lower()]
    if column == "imdb_id":
        m = _IMDB.match(value)
        if not m:
            raise ServiceError("bad_pick", f"{shown(value)} is not an IMDb id: write it like "
                               "imdb:tt0133093")
        return column, f"tt{int(m.group('digits')):07d}"
    if not _DIGITS.match(value) or int(value) <= 0:
        raise ServiceError("bad_pick", f"{shown(value)} is not a {ID_NAMES[column]} id: write "
                           f"it as a whole number, like {kind.lower()}:603")
    return column, int(value)


def parse_pick(text: object, feel: str = "love") -> PickSpec | None:
    """One pick from its text (see the module docstring); None for an empty line."""
    line = clean_line(text)
    if not line:
        return None
    if line[0] in "+-" and len(line) > 1:
        feel = "dislike" if line[0] == "-" else "like"
        line = line[1:].strip()
    rating = None
    if "=" in line:
        title, _, raw = line.rpartition("=")
        title = title.strip()
        if not title:
            raise ServiceError("bad_pick", f"{shown(line)} has a rating but no title: write "
                               "it like Heat=4.5")
        rating, line = stars_of(raw, title), title
    m = _ID.match(line)
    if m:
        column, value = _id_value(m.group("kind"), m.group("value"))
        return PickSpec(line, None, column, value, feel, rating)
    return PickSpec(line, line, None, None, feel, rating)


def parse_picks(entries: Iterable[PickSpec | object],
                feel: str = "love") -> tuple[list[PickSpec], list[str]]:
    """Picks from entries: specs are kept, texts parsed (one pick per line); notes on what
    was left out (at most `MAX_PICKS` are used)."""
    specs: list[PickSpec] = []
    notes: list[str] = []
    for entry in entries:
        if isinstance(entry, PickSpec):
            specs.append(entry)
            continue
        for line in _LINES.split("" if entry is None else str(entry)):
            spec = parse_pick(line, feel)
            if spec is not None:
                specs.append(spec)
    if len(specs) > MAX_PICKS:
        notes.append(f"only the first {MAX_PICKS} picks were used")
        specs = specs[:MAX_PICKS]
    return specs, notes


def parse_picks_text(text: object) -> tuple[list[PickSpec], list[str]]:
    """Picks from one text, one per line (the HTTP endpoints' format)."""
    raw = "" if text is None else str(text)
    notes = []
    if len(raw) > MAX_PICKS_TEXT:
        notes.append(f"only the first {MAX_PICKS_TEXT:,} characters were read")
        raw = raw[:MAX_PICKS_TEXT]
    specs, more = parse_picks([raw])
    return specs, notes + more


# --- resolving ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ResolvedPick:
    """A pick found in the catalog, and how: by title (with the search's verdict) or by id."""

    query: str
    index: int
    label: str
    how: str                 # "love" / "like" / "dislike" / stars as text
    matched_by: str          # "title", "tmdb_id", "imdb_id", "movielens_id" or "index"
    status: str              # "exact", "confident", "ambiguous" (best guess used) or "id"
    confidence: float = 1.0

    def to_json(self, catalog: Catalog) -> dict:
        record = catalog.record(self.index, ("title", "year", "tmdb_id", "imdb_id",
                                             "movielens_id"))
        return {"query": self.query, "index": self.index, "label": self.label, **record,
                "feel": self.how, "matched_by": self.matched_by, "status": self.status,
                "confidence": round(float(self.confidence), 4)}


@dataclass
class ResolvedPicks:
    picks: list[ResolvedPick]
    notes: list[str] = field(default_factory=list)

    def profile(self, thumbs: Sequence[tuple[int, bool]] = ()) -> Profile:
        """The `Profile` of the picks (loved / rated / liked / disliked), thumbs folded in."""
        items, ratings, liked, disliked, labels = [], [], [], [], []
        for p in self.picks:
            if p.how == "like":
                liked.append(p.index)
            elif p.how == "dislike":
                disliked.append(p.index)
            else:
                items.append(p.index)
                ratings.append(None if p.how == "love" else float(p.how))
                labels.append(p.label)
        profile = Profile.from_picks(items, ratings, liked=liked, disliked=disliked,
                                     labels=labels)
        for movie, up in thumbs:
            profile = profile.with_feedback(int(movie), bool(up))
        return profile


def resolve_picks(specs: Sequence[PickSpec], catalog: Catalog, search) -> ResolvedPicks:
    """Find each pick's movie (``search(title)`` -> `movierec.search.Match`).

    Ids are looked up in the catalog; titles through the search: an *ambiguous* title uses
    the best-known candidate and says so. Every pick that cannot be found is named in one
    `ServiceError` (``unknown_title``) with "did you mean" suggestions. A movie given twice
    is used once (the first time), with a note.
    """
    out: list[ResolvedPick] = []
    notes: list[str] = []
    problems: list[str] = []
    offers: list[str] = []
    seen: dict[int, str] = {}
    for spec in specs:
        found = _find(spec, catalog, search, notes, problems, offers)
        if found is None:
            continue
        if found.index in seen:
            notes.append(f"{found.label} was picked twice ({shown(seen[found.index])} and "
                         f"{shown(spec.text)}): used once")
            continue
        seen[found.index] = spec.text
        out.append(found)
    if problems:
        raise ServiceError("unknown_title", "; ".join(problems), list(dict.fromkeys(offers)))
    return ResolvedPicks(out, notes)


def _find(spec: PickSpec, catalog: Catalog, search, notes: list[str], problems: list[str],
          offers: list[str]) -> ResolvedPick | None:
    if spec.id_field is not None:
        if spec.id_field == "index":
            index = int(spec.id_value) if 0 <= int(spec.id_value) < len(catalog) else None
        else:
            index = catalog.index_of(spec.id_field, spec.id_value)
        if index is None:
            problems.append(f"no movie has {ID_NAMES[spec.id_field]} id {spec.id_value} in "
                            "this dataset")
            return None
        return ResolvedPick(spec.text, int(index), catalog.label(index), spec.how,
                            spec.id_field, "id")
    match = search(spec.title)
    best = match.best
    if match.status == "not_found" or best is None:
        problems.append(neutral(match.message()))
        offers.extend(c.label for c in match.candidates[:5])
        return None
    label = catalog.label(best.index)
    if match.status == "ambiguous":
        others = ", ".join(catalog.label(c.index) for c in match.candidates[1:4])
        notes.append(f"{shown(spec.title)} is ambiguous: using {label} (others: {others}); "
                     "add the year to choose")
    elif match.status == "confident" and best.confidence < 0.95:
        notes.append(f"{shown(spec.title)} -> {label}")
    return ResolvedPick(spec.text, int(best.index), label, spec.how, "title", match.status,
                        float(best.confidence))
