"""A recommendation request's settings, and their validation against the dataset.

`Settings` is what every entry point fills in from its own input (CLI flags, HTTP arguments,
app widgets, keyword arguments); `check_settings` turns it into a `Checked` request -- the
method choice with its model options, the `Filter`, ``k`` -- or raises `ServiceError` naming
the first bad value and what would be right. Nothing is clamped or swapped silently.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, fields
from typing import Any, Iterable

import numpy as np
from rapidfuzz import process

from movierec.data.catalog import Catalog
from movierec.data.titles import normalise_genres
from movierec.models.filters import ERAS, Filter
from movierec.service.errors import ServiceError, shown
from movierec.service.methods import DEFAULT_METHOD, MethodChoice, parse_method

DEFAULT_K = 10
MAX_K = 100
YEAR_MIN, YEAR_MAX = 1870, 2100
ANY_LANGUAGE = ("", "any", "all")
_WHOLE = re.compile(r"^[+-]?[0-9]{1,12}$")


@dataclass(frozen=True)
class Settings:
    """How to recommend: method (menu key or registry name), list length, filters, options."""

    method: str = DEFAULT_METHOD
    k: Any = DEFAULT_K
    year_from: Any = None
    year_to: Any = None
    era: str = "any"
    genres: tuple[str, ...] = ()            # at least one of these
    exclude_genres: tuple[str, ...] = ()    # none of these
    language: str | None = None             # ISO 639-1 original language
    min_votes: Any = 0
    options: dict[str, Any] = field(default_factory=dict)   # model options (key -> value)
    diversity: Any = 0.0                    # 0: the model's list; up to 1: more varied (MMR)


@dataclass(frozen=True)
class Checked:
    """A validated request: what to fit and ask, with which filter."""

    choice: MethodChoice
    options: dict[str, Any]      # preset options with the request's on top
    k: int
    filter: Filter
    diversity: float = 0.0       # 0..1, the MMR dial (`models.diversity`)

    @property
    def model_key(self) -> str:
        return model_key(self.choice.name, self.options)

    def filters_json(self) -> dict:
        f = self.filter
        return {"year_from": f.year_min, "year_to": f.year_max, "era": f.era,
                "genres": list(f.genres_in), "exclude_genres": list(f.genres_out),
                "language": f.language, "min_votes": f.min_votes}


def model_key(name: str, options: dict[str, Any] | None) -> str:
    """What identifies a fitted model: registry name plus options."""
    return name + (json.dumps(options, sort_keys=True, default=str) if options else "")


# --- numbers -------------------------------------------------------------------------------
def whole_number(value: object, name: str, code: str, lo: int | None = None,
                 hi: int | None = None) -> int:
    """``value`` as an int in ``lo..hi``; `ServiceError` naming ``name`` and the value."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
        number = int(value)
    elif isinstance(value, str) and _WHOLE.match(value.strip()):   # ASCII digits ("²" is not)
        number = int(value.strip())
    if number is None:
        raise ServiceError(code, f"{name} must be a whole number, not {shown(value)}")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        span = (f"between {lo} and {hi}" if lo is not None and hi is not None
                else f"at least {lo}" if lo is not None else f"at most {hi}")
        raise ServiceError(code, f"{name} must be {span}, not {number}")
    return number


def _year(value: object, name: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return whole_number(value, name, "bad_year", YEAR_MIN, YEAR_MAX)


# --- genres and languages --------------------------------------------------------------------
def _genre(name: object, vocabulary: list[str], role: str) -> str:
    text = " ".join(str(name).split())
    canonical = normalise_genres([text])
    wanted = (canonical[0] if canonical else text).casefold()
    for genre in vocabulary:
        if genre.casefold() == wanted:
            return genre
    close = [g for g, _, _ in process.extract(text, vocabulary, limit=3, score_cutoff=60)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ServiceError("bad_genre", f"unknown genre {shown(text)} in {role}{hint} This dataset's "
                       f"genres: {', '.join(vocabulary)}", close or vocabulary)


def check_genres(wanted: Iterable[object], unwanted: Iterable[object],
                 vocabulary: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    genres_in = tuple(dict.fromkeys(_genre(g, vocabulary, "--genre") for g in wanted or ()))
    genres_out = tuple(dict.fromkeys(_genre(g, vocabulary, "--exclude-genre")
                                     for g in unwanted or ()))
    both = [g for g in genres_in if g in genres_out]
    if both:
        raise ServiceError("bad_genre", f"{', '.join(both)} is both wanted and excluded: "
                           "keep it in one of the two lists")
    return genres_in, genres_out


def languages(catalog: Catalog, top: int | None = None) -> list[tuple[str, int]]:
    """The catalog's original languages with their movie counts, most common first
    (counted once per catalog: requests that name a language check it against this)."""
    cache = catalog._value_lists
    if "languages" not in cache:
        langs = [x for x in catalog.language_array.tolist() if isinstance(x, str) and x]
        values, counts = np.unique(np.asarray(langs, dtype=object), return_counts=True)
        order = np.argsort(-counts, kind="stable")
        cache["languages"] = [(str(values[i]), int(counts[i])) for i in order]
    return cache["languages"][:top]


def check_language(value: object, catalog: Catalog) -> str | None:
    text = "" if value is None else " ".join(str(value).split()).lower()
    if text in ANY_LANGUAGE:
        return None
    known = languages(catalog)
    codes = [code for code, _ in known]
    if text in codes:
        return text
    top = ", ".join(codes[:12])
    raise ServiceError("bad_language", f"unknown language {shown(text)}: give a two-letter "
                       f"ISO 639-1 code this dataset has, e.g. {top}", codes[:12])


# --- model options ---------------------------------------------------------------------------
def parse_option_pairs(pairs: Iterable[str] | None) -> dict[str, Any]:
    """``key=value`` strings -> options (JSON values where they parse: 3, 0.5, true, [1,2])."""
    out: dict[str, Any] = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise ServiceError("bad_option", f"option {shown(pair)} must look like key=value")
        key, value = (part.strip() for part in pair.split("=", 1))
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _option_value(method: str, key: str, value: Any, default: Any) -> Any:
    """``value`` of the default's type; numbers finite and not negative where the default
    is not (counts, weights, rates); `ServiceError` naming the option otherwise."""
    def bad(why: str) -> ServiceError:
        return ServiceError("bad_option", f"{method} option {key}={shown(value)} {why}")

    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad("must be true or false")
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(f"must be a number like {default!r}")
        if isinstance(default, int) and not float(value).is_integer():
            raise bad("must be a whole number")
        if not math.isfinite(value):
            raise bad("must be a finite number")
        if default >= 0 and value < 0:
            raise bad("must not be negative")
        return int(value) if isinstance(default, int) else float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise bad(f"must be text like {default!r}")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)):
            raise bad("must be a list like [1, 2]")
        return tuple(value)
    return value


def check_options(choice: MethodChoice, options: dict[str, Any] | None) -> dict[str, Any]:
    """The preset's options with the request's on top, each checked against the model's
    settings; the model's own checks (``Config.__post_init__``) run too."""
    from movierec.models.registry import model_class

    merged = {**choice.options, **(options or {})}
    if not merged:
        return {}
    try:
        cls = model_class(choice.name)
    except ImportError as exc:
        raise ServiceError("method_unavailable", f"{choice.key} is not available here: {exc}")
    defaults = {f.name: f.default for f in fields(cls.Config)}
    checked: dict[str, Any] = {}
    for key, value in merged.items():
        if key not in defaults:
            raise ServiceError("bad_option", f"{choice.name} has no option {shown(key)}; its "
                               f"options: {', '.join(sorted(defaults))}", sorted(defaults))
        checked[key] = _option_value(choice.name, key, value, defaults[key])
    try:
        cls.Config(**checked)
    except (TypeError, ValueError) as exc:
        raise ServiceError("bad_option", f"{choice.name}: {exc}")
    return checked


# --- the whole request -----------------------------------------------------------------------
def check_settings(settings: Settings, catalog: Catalog) -> Checked:
    """Validate every setting against ``catalog``; the first bad one raises `ServiceError`."""
    choice = parse_method(settings.method)
    options = check_options(choice, settings.options)
    k = whole_number(settings.k, "k (how many movies)", "bad_k", 1, MAX_K)
    year_from = _year(settings.year_from, "from-year")
    year_to = _year(settings.year_to, "to-year")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ServiceError("bad_year", f"from-year {year_from} is after to-year {year_to}: "
                           "swap them or drop one")
    era = str(settings.era or "any").strip().lower()
    if era not in ERAS:
        raise ServiceError("bad_era", f"era must be one of {', '.join(ERAS)}, not {shown(era)}",
                           list(ERAS))
    genres_in, genres_out = check_genres(settings.genres, settings.exclude_genres,
                                         catalog.genre_vocabulary)
    language = check_language(settings.language, catalog)
    min_votes = whole_number(settings.min_votes if settings.min_votes is not None else 0,
                             "min-votes", "bad_min_votes", 0)
    flt = Filter(year_min=year_from, year_max=year_to, era=era, genres_in=genres_in,
                 genres_out=genres_out, language=language, min_votes=min_votes)
    if flt != Filter() and not flt.mask(catalog).any():
        raise ServiceError("no_movie_passes", "no movie in this dataset passes these filters ("
                           + describe_filter(flt) + "): loosen them")
    return Checked(choice, options, k, flt, fraction(settings.diversity, "diversity",
                                                     "bad_diversity"))


def fraction(value: object, name: str, code: str) -> float:
    """``value`` as a float in 0..1 (None or "" is 0); `ServiceError` naming the value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    number = None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise ServiceError(code, f"{name} must be a number from 0 to 1, not {shown(value)}")
    return number


def describe_filter(flt: Filter) -> str:
    """The active filters in words: 'years 1990-1999, genres Crime, min votes 100'."""
    bits = []
    if flt.year_min is not None or flt.year_max is not None:
        bits.append(f"years {flt.year_min or '...'}-{flt.year_max or '...'}")
    if flt.era != "any":
        bits.append(f"era {flt.era}")
    if flt.genres_in:
        bits.append("genres " + ", ".join(flt.genres_in))
    if flt.genres_out:
        bits.append("no " + ", ".join(flt.genres_out))
    if flt.language:
        bits.append(f"language {flt.language}")
    if flt.min_votes:
        bits.append(f"at least {flt.min_votes} votes")
    return "; ".join(bits) or "none"
