"""Cleaning of MovieLens titles, genre names and dates into one shared vocabulary.

MovieLens writes titles the IMDb-catalogue way: ``"Matrix, The (1999)"``, with the leading
article moved to the end, alternate titles in parentheses and the year last. TMDb writes
``"The Matrix"`` and a separate date. Search, display and joining across sources all need
the two to meet, so every parser funnels titles, genres and dates through these pure
functions.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache

__all__ = [
    "ARTICLES",
    "CANONICAL_GENRES",
    "move_article_to_front",
    "normalise_genres",
    "parse_date",
    "parse_year",
    "split_movielens_title",
]

YEAR_MIN, YEAR_MAX = 1870, 2100

# Leading articles that MovieLens moves to the end ("Avventura, L'"). Case-sensitive on
# purpose: titles are capitalised, and "the" inside a title must not match. Articles ending
# in an apostrophe or hyphen join the next word without a space ("L'Avventura", "Ha-Sodot").
ARTICLES: tuple[str, ...] = (
    "The", "A", "An",                                   # English
    "Le", "La", "Les", "L'", "Un", "Une",                # French (La, L' also Italian)
    "El", "Los", "Las", "Lo", "Una",                     # Spanish / Italian
    "Il", "I", "Gli", "Uno",                             # Italian
    "Der", "Die", "Das", "Ein", "Eine",                  # German
    "Den", "Det", "En", "Ett", "Et",                     # Scandinavian
    "De", "Het", "Een",                                  # Dutch
    "O", "Os", "As", "Um", "Uma",                        # Portuguese
    "Ha-",                                               # Hebrew
)
_ARTICLE_ALT = "|".join(re.escape(a) for a in sorted(ARTICLES, key=len, reverse=True))
# "<head>, <article>" at the end, or before a subtitle ("Crow, The: Wicked Prayer").
_TRAILING_ARTICLE = re.compile(rf"^(?P<head>.*\S), (?P<art>{_ARTICLE_ALT})(?P<rest>(?:[:;] .*| - .*)?)$")
_YEAR_GROUP = re.compile(r"^(\d{4})(?:\s*[-\u2013\u2014]\s*(?:\d{4})?)?\s*$")
# Parenthesised markers that are neither a year nor a title: "(V)" = video release.
_MARKERS = {"v", "tv", "vg", "video", "tv movie", "tv series", "mini-series"}
_AKA_PREFIX = re.compile(r"^(?:a\.k\.a\.?|aka)\s+", re.IGNORECASE)
_AKA_SPLIT = re.compile(r",?\s+a\.k\.a\.?\s+", re.IGNORECASE)
_GLUED_YEAR = re.compile(r"(?<=[^\s(])(\(\d{4}\))$")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def move_article_to_front(title: str) -> str:
    """``"Matrix, The"`` -> ``"The Matrix"``; ``"Avventura, L'"`` -> ``"L'Avventura"``.

    Also handles a subtitle after the article (``"Crow, The: Wicked Prayer"`` ->
    ``"The Crow: Wicked Prayer"``). Titles that start with the same word they end with
    (``"Die, Mommie, Die"``) are genuine and left alone.
    """
    text = title.strip()
    match = _TRAILING_ARTICLE.match(text)
    if not match:
        return text
    head, art, rest = match.group("head"), match.group("art"), match.group("rest")
    if head == art or head.startswith(art + " ") or head.startswith(art + ","):
        return text
    joiner = "" if art.endswith(("'", "-")) else " "
    return f"{art}{joiner}{head}{rest}"


def _balanced_tail(text: str) -> int | None:
    """Index of the ``(`` that opens the group ending ``text``, if it is a separate group.

    The group must be preceded by whitespace (``"Spy(ies)"`` is a word, not an alias)
    and must not be the whole text.
    """
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                if i == 0 or not text[i - 1].isspace() or not text[:i].strip():
                    return None
                return i
    return None


def _clean_aliases(group: str) -> list[str]:
    """One parenthesised group -> its alternate titles (``a.k.a.`` prefixes removed)."""
    text = _AKA_PREFIX.sub("", group.strip())
    return [move_article_to_front(part) for part in _AKA_SPLIT.split(text) if part.strip()]


@lru_cache(maxsize=1 << 17)
def _split_cached(raw: str) -> tuple[str, int | None, tuple[str, ...]]:
    text = " ".join(raw.split())  # trims, and folds runs of (non-breaking) whitespace
    # A stray closing parenthesis ("... (1983))") would hide the year.
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()
    text = _GLUED_YEAR.sub(r" \1", text)  # "Deadly Advice(1994)"
    year: int | None = None
    groups: list[str] = []
    seen_year = False
    while True:
        start = _balanced_tail(text)
        if start is None:
            break
        inner = text[start + 1:-1].strip()
        rest = text[:start].rstrip()
        if not groups and not seen_year:
            if inner.lower() in _MARKERS:
                text = rest
                continue
            year_match = _YEAR_GROUP.match(inner)
            if year_match:
                year = int(year_match.group(1))
                seen_year = True
                text = rest
                continue
        seen_year = True  # only the last groups can be a year or a marker
        groups.append(inner)
        text = rest
    # An unclosed alias ("Beautiful (A-leum-dab-da"): everything after " (" is the alias.
    open_at = text.rfind(" (")
    if open_at > 0 and ")" not in text[open_at:]:
        groups.append(text[open_at + 2:].strip())
        text = text[:open_at].rstrip()
    if not text:  # nothing left but parentheses: keep the raw text as the title
        return " ".join(raw.split()), year, ()
    title = move_article_to_front(text)
    aliases: list[str] = []
    seen = {title.casefold()}
    for group in reversed(groups):  # left-to-right order as written
        for alias in _clean_aliases(group):
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        year = None
    return title, year, tuple(aliases)


def split_movielens_title(raw: str) -> tuple[str, int | None, list[str]]:
    """Split a MovieLens title into (display title, year, alternate titles).

    >>> split_movielens_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)")
    ('The City of Lost Children', 1995, ['La Cité des enfants perdus'])

    The year is the last parenthesised group when it looks like ``1995``, ``1995-2000`` or
    ``2009– `` (TV series); a trailing ``(V)`` marker is skipped. Every other trailing
    group becomes an alias (``a.k.a.`` removed), with its own trailing article moved to the
    front. Whitespace is trimmed; a title without a year gets ``None``.
    """
    if raw is None:
        raise TypeError("split_movielens_title needs a string, got None")
    title, year, aliases = _split_cached(str(raw))
    return title, year, list(aliases)


# ---------------------------------------------------------------- genres

# TMDb's genre names, plus Film Noir which only MovieLens has.
CANONICAL_GENRES: tuple[str, ...] = (
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family",
    "Fantasy", "Film Noir", "Foreign", "History", "Horror", "Music", "Mystery", "Romance",
    "Science Fiction", "Thriller", "TV Movie", "War", "Western",
)
_GENRE_MAP: dict[str, str | None] = {g.casefold(): g for g in CANONICAL_GENRES}
_GENRE_MAP.update({
    "children": "Family", "children's": "Family", "childrens": "Family", "kids": "Family",
    "sci-fi": "Science Fiction", "scifi": "Science Fiction", "sci fi": "Science Fiction",
    "science-fiction": "Science Fiction",
    "film-noir": "Film Noir", "noir": "Film Noir",
    "musical": "Music",
    "imax": None, "(no genres listed)": None, "unknown": None, "": None,
})


def normalise_genres(names) -> list[str]:
    """Map MovieLens/TMDb genre names onto `CANONICAL_GENRES` (TMDb's names win).

    Accepts a list of names or one ``|``-joined string (``"Children's|Sci-Fi"``); ``None``
    gives ``[]``. ``Children``/``Children's`` -> ``Family``, ``Sci-Fi`` -> ``Science
    Fiction``, ``Film-Noir`` -> ``Film Noir``, ``Musical`` -> ``Music``; ``IMAX``, ``(no
    genres listed)`` and ``unknown`` are dropped (they are not genres). Matching ignores
    case; a name outside the vocabulary is kept as written. Order is kept, duplicates go.
    """
    if names is None or (isinstance(names, float) and math.isnan(names)):
        return []
    if isinstance(names, str):
        return list(_normalise_joined(names))
    out: list[str] = []
    for name in names:
        if name is None:
            continue
        for genre in _normalise_joined(str(name)):
            if genre not in out:
                out.append(genre)
    return out


@lru_cache(maxsize=4096)
def _normalise_joined(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in text.split("|"):
        name = " ".join(part.split())
        genre = _GENRE_MAP.get(name.casefold(), name)
        if genre and genre not in out:
            out.append(genre)
    return tuple(out)


# ---------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"^\s*(\d{1,2})-([A-Za-z]{3})[a-z]*-(\d{4})\s*$")


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("", "NaT", "<NA>", "nan")


def parse_year(text) -> int | None:
    """Year of a date or year-like value, or ``None`` when absent or implausible.

    Understands ``1995-10-30`` (TMDb), ``01-Jan-1995`` (ml-100k ``u.item``), ``1995``,
    ints and dates. Years outside 1870..2100 (the first films .. far future) are treated
    as errors and give ``None``.
    """
    if _is_missing(text):
        return None
    if isinstance(text, (date, datetime)):
        year = text.year
    elif isinstance(text, int) or (isinstance(text, float) and text.is_integer()):
        year = int(text)
    else:
        match = _YEAR_IN_TEXT.search(str(text))
        if not match:
            return None
        year = int(match.group(1))
    return year if YEAR_MIN <= year <= YEAR_MAX else None


def parse_date(text) -> str | None:
    """ISO ``yyyy-mm-dd`` for ``1995-10-30`` or ``01-Jan-1995``; ``None`` if not a valid date."""
    if _is_missing(text):
        return None
    if isinstance(text, (date, datetime)):
        y, m, d = text.year, text.month, text.day
    else:
        s = str(text)
        iso, dmy = _ISO.match(s), _DMY.match(s)
        if iso:
            y, m, d = int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
        elif dmy and dmy.group(2).lower() in _MONTHS:
            y, m, d = int(dmy.group(3)), _MONTHS[dmy.group(2).lower()], int(dmy.group(1))
        else:
            return None
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None
