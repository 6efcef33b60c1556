"""A mood in words: the hard constraints the catalog can check, read out of the text.

``"slow-burn 70s paranoia thriller"`` -> years 1970-1979 and the genre Thriller; the whole
text is also compared with every movie by meaning (`movierec.models.mood.MoodIndex`).
Read: decades ("70s", "1970s", "the seventies"), year bounds ("before 1980", "after 2000"),
genres by name or common word ("funny" -> Comedy, "animated" -> Animation; several mean
all of them, as in "romantic comedy"), original language ("French", "Japanese") and length
("short", "under 2 hours", "long"). What was read is said back (`Mood.understood`).
`mood_list` ranks the catalog for a mood, and `Moods` (a mixin of `Service`) keeps the
index it ranks by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from movierec.data.catalog import Catalog
from movierec.models.filters import Filter, top_k
from movierec.models.standard_scores import BELOW, zscores
from movierec.service.errors import ServiceError
from movierec.service.jobs import fit_job

Say = Callable[[str], None]
MAX_MOOD = 300
MOOD_WEIGHT = 0.5        # a mood's share of the score when there are picks too
DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950,
                "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990}
GENRE_WORDS = {
    "thriller": "Thriller", "thrillers": "Thriller", "suspense": "Thriller",
    "horror": "Horror", "scary": "Horror", "comedy": "Comedy", "comedies": "Comedy",
    "funny": "Comedy", "romance": "Romance", "romantic": "Romance", "romcom": "Romance",
    "sci-fi": "Science Fiction", "scifi": "Science Fiction", "science fiction": "Science Fiction",
    "animated": "Animation", "animation": "Animation", "cartoon": "Animation",
    "documentary": "Documentary", "documentaries": "Documentary", "western": "Western",
    "westerns": "Western", "war": "War", "crime": "Crime", "gangster": "Crime",
    "mystery": "Mystery", "whodunit": "Mystery", "fantasy": "Fantasy", "family": "Family",
    "kids": "Family", "drama": "Drama", "dramas": "Drama", "musical": "Music", "music": "Music",
    "action": "Action", "adventure": "Adventure", "historical": "History", "history": "History",
    "noir": "Film Noir",
}
LANGUAGES = {"english": "en", "french": "fr", "japanese": "ja", "korean": "ko", "spanish": "es",
             "italian": "it", "german": "de", "hindi": "hi", "chinese": "zh", "mandarin": "zh",
             "cantonese": "cn", "swedish": "sv", "danish": "da", "russian": "ru",
             "portuguese": "pt", "turkish": "tr", "persian": "fa", "iranian": "fa"}
_DECADE = re.compile(r"\b(?:(1[89]|20)(\d)0|'?(\d)0)'?s\b")
_BOUND = re.compile(r"\b(before|until|after|since|from)\s+(1[89]\d\d|20\d\d)\b")
_UNDER = re.compile(r"\b(?:under|less than|at most)\s+(\d+(?:\.\d+)?)\s*"
                    r"(hours?|h|minutes?|mins?)\b")


@dataclass(frozen=True)
class Mood:
    """The mood text and the constraints read from it."""

    text: str
    year_min: int | None = None
    year_max: int | None = None
    genres: tuple[str, ...] = ()           # all of these
    language: str | None = None
    runtime_min: int | None = None
    runtime_max: int | None = None
    understood: tuple[str, ...] = field(default=())   # what was read, in words
    free: str = ""                         # the words no constraint used ("slow-burn paranoia")

    def narrow(self, flt: Filter) -> Filter:
        """``flt`` with the mood's constraints added (the tighter bound wins)."""
        lo = max(b for b in (flt.year_min, self.year_min, -10**9) if b is not None)
        hi = min(b for b in (flt.year_max, self.year_max, 10**9) if b is not None)
        return replace(flt, year_min=None if lo == -10**9 else lo,
                       year_max=None if hi == 10**9 else hi,
                       genres_all=tuple(dict.fromkeys(flt.genres_all + self.genres)),
                       language=flt.language or self.language,
                       runtime_min=self.runtime_min if flt.runtime_min is None else flt.runtime_min,
                       runtime_max=self.runtime_max if flt.runtime_max is None else flt.runtime_max)


def parse_mood(text: object, catalog: Catalog) -> Mood:
    """Read a mood; `ServiceError` (``bad_mood``) when there is nothing to read."""
    raw = " ".join(str(text or "").split())[:MAX_MOOD]
    if not re.search(r"\w", raw):
        raise ServiceError("bad_mood", "describe a mood in words, e.g. 'slow-burn 70s "
                           "paranoia thriller' or 'funny French animated'")
    low = raw.lower()
    said: list[str] = []
    year_min = year_max = None
    decades = [_decade(m) for m in _DECADE.finditer(low)]
    decades += [start for word, start in DECADE_WORDS.items() if re.search(rf"\b{word}\b", low)]
    if decades:
        year_min, year_max = min(decades), max(decades) + 9
        said.append(f"{year_min}-{year_max}")
    for word, year in ((m.group(1), int(m.group(2))) for m in _BOUND.finditer(low)):
        if word in ("before", "until"):
            year_max = year - (word == "before")
        else:
            year_min = year
        said.append(f"{word} {year}")
    vocab = set(catalog.genre_vocabulary)
    genres = []
    for word, genre in GENRE_WORDS.items():
        if genre in vocab and genre not in genres and re.search(rf"(?<![\w-]){re.escape(word)}"
                                                                rf"(?![\w-])", low):
            genres.append(genre)
    if genres:
        said.append(" + ".join(genres))
    language = next((code for word, code in LANGUAGES.items() if re.search(rf"\b{word}\b", low)),
                    None)
    if language:
        said.append(f"language {language}")
    runtime_min = runtime_max = None
    if m := _UNDER.search(low):
        amount = float(m.group(1)) * (60 if m.group(2).startswith("h") else 1)
        runtime_max = int(amount)
        said.append(f"at most {runtime_max} min")
    elif re.search(r"\bshort\b", low) and "short film" not in low:
        runtime_max = 95
        said.append("at most 95 min")
    elif re.search(r"\b(long|epic)\b", low):
        runtime_min = 150
        said.append("at least 150 min")
    free = _DECADE.sub(" ", low)
    free = _BOUND.sub(" ", _UNDER.sub(" ", free))
    used = [w for w, g in GENRE_WORDS.items() if g in genres] + list(DECADE_WORDS)
    used += [w for w, code in LANGUAGES.items() if code == language]
    for word in sorted(used, key=len, reverse=True):
        free = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", free)
    return Mood(raw, year_min, year_max, tuple(genres), language, runtime_min, runtime_max,
                tuple(said), " ".join(free.split()))


def _decade(m: re.Match) -> int:
    if m.group(1):                       # "1970s", "2010s"
        return int(m.group(1) + m.group(2) + "0")
    digit = int(m.group(3))              # "70s", "'90s", "00s", "10s"
    return 2000 + 10 * digit if digit <= 1 else 1900 + 10 * digit


def mood_list(index, wish: Mood, model, profile, allowed: np.ndarray,
              k: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(movies, scores, reasons): the top ``k`` ``allowed`` movies by fit with the mood
    (``index``: a `MoodIndex`), blended half and half (as z-scores over the catalog) with
    ``model``'s scores when there are picks; reasons quote what matched."""
    fit = index.similarity(wish.text)
    scores = zscores(fit, BELOW)
    taste = None
    if model is not None:
        taste = np.asarray(model.score(profile), dtype=np.float32)
        scores = MOOD_WEIGHT * scores + (1 - MOOD_WEIGHT) * zscores(taste, BELOW)
    items = top_k(scores, k, allowed)
    taste_reasons = (model.explain(profile, items, taste) if taste is not None and len(items)
                     else [""] * len(items))
    reasons = []
    for item, why in zip(items, taste_reasons):
        quoted = index.evidence(wish.free, int(item)) if wish.free else ""
        fit_text = (f"Fits '{wish.text[:60]}'" + (f": {quoted}" if quoted else
                                                  " (close in meaning)"))
        if wish.understood:
            fit_text += " · " + ", ".join(wish.understood)
        reasons.append(fit_text + (f". {why}" if why else ""))
    return items, scores[items], reasons


class Moods:
    """`Service`'s `mood_index`. A mixin of `Service` (service/core.py): it reads the
    service's ``catalog``, ``background``, ``jobs``, ``is_ready``, ``model`` and the per-key
    ``_lock``, and owns ``_mood`` and ``_mood_words``."""

    def mood_index(self, progress: Say | None = None):
        """How movies are compared with a mood: by meaning (MiniLM embeddings, the
        embeddings method's cached vectors) blended with words (TF-IDF) when the embeddings
        are installed, else by words alone."""
        if self._mood is None:
            with self._lock("mood"):
                if self._mood is None:
                    from movierec.models.mood import BlendedMood, MoodIndex

                    if self._mood_words is None:
                        self._mood_words = MoodIndex.by_words(self.catalog)
                    words = self._mood_words
                    if self.background and not self.is_ready("embeddings"):
                        # embedding 45k descriptions takes minutes: words alone meanwhile
                        job = self.jobs.get(fit_job("embeddings"))
                        if job is None or job.state != "failed":
                            self.jobs.start(fit_job("embeddings"), "embeddings",
                                            lambda say: self.model("embeddings", say))
                            return words
                    try:
                        meaning = MoodIndex.by_meaning(self.model("embeddings", progress))
                    except ServiceError:       # no sentence-transformers here: words alone
                        self._mood = words
                    else:
                        self._mood = BlendedMood(meaning, words)
        return self._mood
