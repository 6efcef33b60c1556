"""Typo-tolerant movie title search: find the movie a person means, or say clearly that we can't.

People type titles from memory: ``toy stroy``, ``Matrix``, ``heat 1995``, ``Amelie``,
``Cité des enfants perdus``. `TitleIndex` turns such a query into a `Match`: the movie it
resolves to, or an honest *ambiguous* / *not found* answer with the candidates to pick from.
It never guesses silently: every answer carries a status and a human-readable message.

How a query is compared with the catalog
----------------------------------------
Every title, original title and alias ("aka") of every movie is normalised once, when the
index is built: accents stripped (NFKD, combining marks removed, ``æ ø ß ł`` spelt out),
case folded, ``&`` read as ``and``, apostrophes and dots dropped (``Schindler's`` ->
``schindlers``, ``WALL·E`` -> ``walle``), every other punctuation made a space, roman
numerals II..IX read as numbers (``Part II`` == ``Part 2``), and an article written at the
end moved to the front (``Matrix, The`` -> ``the matrix``). Each string also gets a
*stripped* form without its leading English article (``matrix``), or without the article
that was written at the end in any language (``Boot, Das`` -> ``boot``), so ``Matrix``,
``The Matrix`` and ``Matrix, The`` all meet. The query is normalised the same way.

The query is scored against all normalised strings at once -- no Python loop over the
catalog: rapidfuzz ``process.cdist`` with ``fuzz.ratio`` (normalised Indel similarity) over
the strings of plausible length, plus a vectorised *word coverage*: the rarity-weighted
share of the query's words (each may have a typo) that a string contains, so ``empire
strikes back`` finds ``Star Wars: Episode V - The Empire Strikes Back``. The best few dozen
strings per reading are then re-scored precisely. A trailing year (``Heat 1995``,
``Heat (1995)``, ``heat,1995``) is read both as a year and as part of the title (``Death
Race 2000``, ``Wonder Woman 1984``); the better reading wins, per movie. A query that is
only a number (``1917``, ``2012``) is a title.

Confidence (0..1) of a movie: the best of its titles/aliases under the best reading:

* ``1.00`` normalised title equal (``the matrix`` / ``Matrix, The``);
* ``0.99`` equal once spaces are ignored too (``Wall-E`` / ``WALL·E``);
* ``0.985`` equal once the title's leading article is dropped (``matrix`` / ``The Matrix``);
* ``0.93`` when the query equals a title's main part, the part before its subtitle
  (``Lagaan`` / ``Lagaan: Once Upon a Time in India``): confident, and never a tie for a
  movie titled exactly that (``Alien`` / ``Alien: Resurrection``); only equality counts;
* ``0.95`` equal except for an article the *query* added (``the dark night`` / ``Dark
  Night``: people drop articles, they rarely invent them) or a foreign article at the
  front of the title (``Cité des enfants perdus`` / ``La Cité des enfants perdus``);
* at most ``0.95`` for a fuzzy match: the Indel similarity of the two strings (minus
  ``0.05`` when the title has a number the query lacks), or, when the query's words are
  found in a longer title, ``(0.70 + 0.25 * shorter / longer length) * coverage``; then
  minus ``0.25`` when the query has a number the title lacks. Sequels never collapse:
  ``Toy Story 2`` is not ``Toy Story``, ``Alien`` is not ``Aliens``;
* times the year factor when the query gives a year: ``1`` same year, ``0.97`` one year off,
  ``0.90`` year unknown, ``0.80`` otherwise -- the year dominates between remakes.

Ranking: ``rank = confidence + w * pop``, with ``pop`` the movie's popularity in 0..1 (half
percentile rank, half min-max scaled, so any "higher = better known" scale works) and
``w = 0.03 + 0.5 * (1 - confidence)``: ties go to the better-known movie, and the less
certain the text match, the more "which movie do people usually mean" counts.

Status rules
------------
* ``not_found``: nothing usable in the query (empty, whitespace, only punctuation/emoji), or
  no candidate reaches `NOT_FOUND_BELOW` (0.75). The candidates are then "did you mean"
  suggestions (confidence >= `SUGGEST_ABOVE`, 0.55), possibly none.
* ``ambiguous``: another movie is about as good as the first one -- confidence at least the
  first's minus `TIE_MARGIN` (0.03), or higher -- and the first does not *dominate* it. The
  first dominates a rival that is at most `DOMINANCE_SLACK` (0.02) more confident when it is
  far better known (``pop`` higher by `DOMINANCE_GAP`, 0.35): a famous film over an obscure
  remake of the same name. Typical case: same title, different years, similar fame -> the
  message asks for a year.
* ``exact``: not ambiguous, confidence >= `EXACT_ABOVE` (0.98): the normalised title is
  equal (up to spacing and a dropped article) and so is the year, when one was given.
* ``confident``: not ambiguous, confidence in 0.75..0.98: a typo, an added article, a
  shortened title, a year one off.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

__all__ = ["Candidate", "Match", "TitleIndex", "normalise_title"]

# ----------------------------------------------------------------------------- tunables
EXACT_FULL = 1.0        # normalised titles equal
EXACT_SPACING = 0.99    # equal when spaces are ignored too
EXACT_ARTICLE = 0.985   # equal when a leading article is dropped
ARTICLE_ADDED = 0.95    # equal apart from an article the query added, or a foreign one
FUZZY_MAX = 0.95        # a fuzzy match never reaches the "equal" levels
MAIN_TITLE = 0.93       # the query is a title's main part, before its subtitle ("Lagaan")
SUBSET_BASE, SUBSET_LEN = 0.70, 0.25  # query words in a longer title: (base + len x share) x cov
NUMBER_MISSING, NUMBER_EXTRA = 0.25, 0.05
YEAR_NEAR, YEAR_UNKNOWN, YEAR_WRONG = 0.97, 0.90, 0.80
POP_BASE, POP_SLOPE = 0.03, 0.5

EXACT_ABOVE = 0.98
NOT_FOUND_BELOW = 0.75
SUGGEST_ABOVE = 0.55
TIE_MARGIN = 0.03
DOMINANCE_GAP = 0.35
DOMINANCE_SLACK = 0.02  # a rival this much more confident can still be dominated

MAX_QUERY_CHARS = 200   # longer queries are cut (nobody types a 10,000-character title)
YEAR_MIN, YEAR_MAX = 1870, 2100
_SHORTLIST = 64         # strings re-scored precisely per reading of the query

# ----------------------------------------------------------------------------- normalising
# Articles MovieLens moves to the end ("Avventura, L'"); also dropped from the front for the
# stripped form. Lower case: matching happens after case folding.
_ARTICLES = (
    "the", "a", "an", "le", "la", "les", "l'", "un", "une", "el", "los", "las", "lo", "una",
    "il", "i", "gli", "uno", "der", "die", "das", "ein", "eine", "den", "det", "en", "ett",
    "et", "de", "het", "een", "o", "os", "as", "um", "uma", "ha-",
)
# English articles are dropped from the front for the stripped form. Other languages' only
# when the title wrote them at the end ("Boot, Das"): at the front they are too often words
# ("Die Hard", "La La Land", "El Dorado"); a query missing one still scores ARTICLE_ADDED.
_FRONT_ARTICLES = frozenset(("the", "a", "an"))
_FOREIGN_ARTICLES = frozenset(a for a in _ARTICLES if a[-1].isalpha() and a not in _FRONT_ARTICLES
                              and a not in ("i", "o"))
_ART_ALT = "|".join(re.escape(a) for a in sorted(_ARTICLES, key=len, reverse=True))
_TRAILING_ARTICLE = re.compile(
    rf"^(?P<head>.*\S)\s*,\s*(?P<art>{_ART_ALT})(?P<rest>(?:\s*[:;]\s.*|\s+-\s.*)?)\s*$")
_COMBINING = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")  # accents
# Letters NFKD leaves alone; "&" is a word. (A regex, not str.translate: translate is slow
# on large non-ASCII strings, and these characters are rare.)
_LETTERS = {"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
            "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
            "&": " and "}
_LETTERS_RE = re.compile("[" + "".join(_LETTERS) + "]")
_JOINERS = re.compile(r"['’‘`´ʼ.·•‧∙・]+")
_SEPARATORS = re.compile(r"[^\w\n]+|_+")   # newlines survive: many titles are cleaned at once
_LINE_EDGES = re.compile(r" *\n *")
_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}
_ROMAN_RE = re.compile(r"\b(?:ii|iii|iv|vi|vii|viii|ix)\b")
_QUERY_YEAR = re.compile(r"^(?P<title>.*?)[\s,;:(\[\-–—/]*(?P<year>\d{4})[\s)\]]*$")


def _fold(text: str) -> str:
    """Case-folded text without accents (``Amélie`` -> ``amelie``, ``Ærø`` -> ``aero``)."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        text = _LETTERS_RE.sub(lambda m: _LETTERS[m.group(0)], text)
    elif "&" in text:
        text = text.replace("&", " and ")
    return text.casefold()


def _clean(folded: str) -> str:
    """Folded text (one or many lines) -> words separated by single spaces, line by line."""
    text = _SEPARATORS.sub(" ", _JOINERS.sub("", folded))
    if "\n" in text:
        text = _LINE_EDGES.sub("\n", text)
    text = text.strip(" ")
    if "i" in text or "v" in text:
        text = _ROMAN_RE.sub(lambda m: _ROMAN[m.group(0)], text)
    return text


def _drop_article(text: str) -> str:
    first, _, rest = text.partition(" ")
    return rest if rest and first in _FRONT_ARTICLES else text


def _drop_foreign_article(text: str) -> str:
    first, _, rest = text.partition(" ")
    return rest if rest and first in _FOREIGN_ARTICLES else text


def _normalise_many(texts: list[str]) -> tuple[list[str], list[str]]:
    """`normalise_title` of many strings at once (one pass of each regex over all of them)."""
    if not texts:
        return [], []
    texts = [t.replace("\n", " ") if "\n" in t else t for t in texts]
    lines = _fold("\n".join(texts)).split("\n")
    bodies: dict[int, str] = {}  # line -> its text without the article moved from the end
    for k, line in enumerate(lines):
        if "," in line:
            match = _TRAILING_ARTICLE.match(line)
            if match:
                head, art, rest = match.group("head"), match.group("art"), match.group("rest")
                if head == art or head.startswith((art + " ", art + ",")):  # "Die, Mommie, Die"
                    continue
                joiner = "" if art.endswith(("'", "-")) else " "
                lines[k] = f"{art}{joiner}{head}{rest}"
                bodies[k] = f"{head}{rest}"
    full = _clean("\n".join(lines)).split("\n")
    stripped = [_drop_article(f) for f in full]
    for k, body in bodies.items():
        stripped[k] = _clean(body) or full[k]
    return full, stripped


def normalise_title(text: str) -> tuple[str, str]:
    """``(full, stripped)`` normalised forms of a title, as the index compares them.

    ``full`` keeps the leading article (moved to the front when written at the end),
    ``stripped`` drops it. Case, accents and punctuation are gone either way.

    >>> normalise_title("Matrix, The")
    ('the matrix', 'matrix')
    >>> normalise_title("WALL·E")
    ('walle', 'walle')
    >>> normalise_title("Godfather: Part II, The")
    ('the godfather part 2', 'godfather part 2')
    >>> normalise_title("Amélie")
    ('amelie', 'amelie')
    """
    full, stripped = _normalise_many([str(text)])
    return full[0], stripped[0]


def _main_title(text: str) -> str | None:
    """The part before a subtitle (``"Lagaan: Once Upon ..."`` -> ``"Lagaan"``), when the
    title has one and the part is a real name (at least 4 letters or two words)."""
    head, sep, rest = text.partition(":")
    head = head.strip()
    if not sep or not rest.strip() or not head:
        return None
    letters = sum(ch.isalnum() for ch in head)
    return head if letters >= 4 or " " in head else None


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _numbers(text: str) -> frozenset[str]:
    return frozenset(t for t in text.split() if t.isdigit())


def _as_list(value) -> list:
    """A list cell (list, tuple, numpy array, one string, None/NaN) as a list."""
    if value is None or value is pd.NA or isinstance(value, float):
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        return []


def _label(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year is not None else title


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Candidate:
    """One movie a query may mean.

    ``index`` is the movie's row position in the catalog frame (the dense movie index used
    everywhere else); ``matched`` is the title or alias that matched, as written in the
    catalog, so the app can show *why* (``Se7en`` -> "Seven (1995)").
    """

    index: int
    title: str
    year: int | None
    confidence: float
    matched: str

    @property
    def label(self) -> str:
        """``"Heat (1995)"``; just the title when the year is unknown."""
        return _label(self.title, self.year)


@dataclass(frozen=True)
class Match:
    """The answer to one query: a status, the candidates (best first) and a message.

    ``status`` is ``"exact"``, ``"confident"``, ``"ambiguous"`` or ``"not_found"`` (see the
    module docstring for the rules). Only ``exact`` and ``confident`` may be used without
    asking the person; for the other two, show `message` and the candidates.
    """

    query: str
    status: str
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The first candidate (the movie we would pick), or ``None`` when there is none."""
        return self.candidates[0] if self.candidates else None

    @property
    def ok(self) -> bool:
        """True when the query resolved to one movie (exact or confident)."""
        return self.status in ("exact", "confident")

    def message(self) -> str:
        """Human text for the app/CLI, e.g. ``Matched "Heat" (1995)`` or a did-you-mean."""
        shown = " ".join(str(self.query).split())
        if len(shown) > 60:
            shown = shown[:57] + "..."
        best = self.best
        if self.status in ("exact", "confident") and best is not None:
            text = f'Matched "{best.title}"' + (f" ({best.year})" if best.year is not None else "")
            if self.status == "confident":
                text += f' for "{shown}"'
            return text
        if self.status == "ambiguous" and best is not None:
            # the movies about as good as the first one (the ones that made it ambiguous)
            tied = [c for c in self.candidates if c.confidence >= best.confidence - TIE_MARGIN]
            tied = tied if len(tied) > 1 else list(self.candidates[:2])
            options = ", ".join(c.label for c in tied[:5])
            more = " ..." if len(tied) > 5 else ""
            years = {c.year for c in tied}
            hint = "add a year" if len(years) > 1 else "be more specific"
            return f'ambiguous: "{shown}" could be {options}{more} -- {hint}'
        if not self.candidates:
            if not _clean(_fold(str(self.query))):
                return f'not found: "{shown}" has no letters or digits to search for'
            return f'not found: nothing in the catalog looks like "{shown}"'
        options = ", ".join(c.label for c in self.candidates[:5])
        return f'not found: "{shown}" -- did you mean {options}?'


@dataclass(frozen=True)
class _Reading:
    """One way to read the query: its normalised title and the year it asks for, if any."""

    full: str
    stripped: str
    year: int | None


# ----------------------------------------------------------------------------- index
class TitleIndex:
    """Typo-tolerant search over every title, original title and alias of a catalog.

    ``frame`` has the catalog columns ``title``, ``original_title``, ``aka`` (list or None)
    and ``year``; row position ``i`` is movie index ``i``. ``popularity`` (one number per
    row, higher = better known, any scale, NaN = unknown) ranks ties; without it ties stay
    ambiguous. Build once per catalog: everything is normalised up front into lists and
    numpy arrays (about 0.3-0.7 s CPU for 90k titles), so `search` costs one vectorised
    rapidfuzz pass plus a few numpy operations.
    """

    def __init__(self, frame: pd.DataFrame, popularity: np.ndarray | None = None):
        n = len(frame)
        titles = frame["title"].tolist()
        columns = frame.columns
        originals = frame["original_title"].tolist() if "original_title" in columns else [None] * n
        akas = frame["aka"].tolist() if "aka" in columns else [None] * n
        if "year" in frame.columns:
            years = pd.to_numeric(frame["year"], errors="coerce").astype("float64").to_numpy()
        else:
            years = np.full(n, np.nan)
        self._n = n
        # display title: the title, else the original title, else the first alias
        self._titles = [
            t if isinstance(t, str) and t
            else o if isinstance(o, str) and o
            else next((x for x in _as_list(a) if isinstance(x, str) and x), "")
            for t, o, a in zip(titles, originals, akas)
        ]
        self._years: list[int | None] = [None if np.isnan(y) else int(y) for y in years]

        # -- popularity in 0..1: half percentile rank (scale-free), half min-max (magnitude)
        if popularity is None:
            pop = np.zeros(n)
        else:
            pop = np.asarray(popularity, dtype=np.float64).reshape(-1)
            if len(pop) != n:
                raise ValueError(f"popularity has {len(pop)} values for {n} movies")
            finite = np.isfinite(pop)
            # unknown popularity = the least known
            pop = np.where(finite, pop, pop[finite].min() if finite.any() else 0.0)
        if n and np.ptp(pop) > 0:
            pct = (pd.Series(pop).rank(method="average").to_numpy() - 1) / max(n - 1, 1)
            scaled = (pop - pop.min()) / np.ptp(pop)
            self._pop = (0.5 * pct + 0.5 * scaled).astype(np.float32)
        else:
            self._pop = np.zeros(n, dtype=np.float32)

        # -- every distinct normalised string (title, original title, aliases) of every movie
        with_title = [i for i, t in enumerate(self._titles) if t]
        raw = [self._titles[i] for i in with_title]
        own = with_title
        extra_raw: list[str] = []  # original titles and aliases: few, checked one by one
        extra_own: list[int] = []
        for i, (original, title) in enumerate(zip(originals, self._titles)):
            if isinstance(original, str) and original and original != title:
                extra_raw.append(original)
                extra_own.append(i)
        for i, aka in enumerate(akas):
            if aka is not None:
                for alias in _as_list(aka):
                    if isinstance(alias, str) and alias:
                        extra_raw.append(alias)
                        extra_own.append(i)
        # The main title before a subtitle ("Lagaan" of "Lagaan: Once Upon a Time in India"),
        # of every title and alias: people type it alone. Marked, so it scores MAIN_TITLE.
        n_named = len(extra_raw)
        for text, i in list(zip(raw, own)) + list(zip(extra_raw, extra_own)):
            head = _main_title(text)
            if head:
                extra_raw.append(head)
                extra_own.append(i)
        is_head = np.zeros(len(raw) + len(extra_raw), dtype=bool)
        is_head[len(raw) + n_named:] = True
        full, stripped = _normalise_many(raw + extra_raw)
        keep = [k for k in range(len(raw)) if full[k]]
        if extra_raw:
            seen = {(own[k], full[k]) for k in keep}
            for j, i in enumerate(extra_own):
                k = len(raw) + j
                if full[k] and (i, full[k]) not in seen:
                    seen.add((i, full[k]))
                    keep.append(k)
        owners = np.asarray(own + extra_own, dtype=np.int64)
        # Strings sorted by length: a query only needs the slice of plausible lengths.
        keep_arr = np.asarray(keep, dtype=np.int64)
        stripped_arr = np.asarray(stripped, dtype=object)
        lengths = np.fromiter(map(len, stripped_arr[keep_arr]), dtype=np.int64, count=len(keep))
        order = keep_arr[np.argsort(lengths, kind="stable")]
        self._lengths = np.sort(lengths, kind="stable")
        self._raw: list[str] = np.asarray(raw + extra_raw, dtype=object)[order].tolist()
        self._full: list[str] = np.asarray(full, dtype=object)[order].tolist()
        self._stripped: list[str] = stripped_arr[order].tolist()
        self._owner = owners[order]
        self._head = is_head[order]
        m = len(order)
        self._choice_pop = self._pop[self._owner]
        self._choice_year = years[self._owner]
        # compact (space-free) stripped string -> the strings that have it
        compact = [t.replace(" ", "") for t in self._stripped]
        self._by_compact: dict[str, int] = dict(zip(reversed(compact), range(m - 1, -1, -1)))
        self._by_compact_many: dict[str, list[int]] = {}
        if len(self._by_compact) < m:
            shared = pd.Series(compact, dtype=object).duplicated(keep=False).to_numpy()
            for c in np.flatnonzero(shared).tolist():
                self._by_compact_many.setdefault(compact[c], []).append(c)

        # -- word index: vocabulary (sorted by length), postings (word -> strings), rarity
        counts = np.fromiter((t.count(" ") + 1 for t in self._stripped), dtype=np.int64, count=m)
        flat = "\n".join(self._stripped).split()
        if flat:
            codes, uniques = pd.factorize(pd.Series(flat, dtype=object))
            vocab = np.asarray(uniques, dtype=object)
        else:
            codes, vocab = np.zeros(0, np.int64), np.zeros(0, dtype=object)
        vocab_len = np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))
        vorder = np.argsort(vocab_len, kind="stable")
        remap = np.empty(len(vocab), dtype=np.int64)
        remap[vorder] = np.arange(len(vocab))
        codes = remap[codes]
        self._vocab: list[str] = vocab[vorder].tolist()
        self._vocab_len = vocab_len[vorder]
        self._vocab_id = dict(zip(self._vocab, range(len(self._vocab))))
        owner_of_word = np.repeat(np.arange(m, dtype=np.int64), counts)
        self._post = owner_of_word[np.argsort(codes, kind="stable")]
        df = np.bincount(codes, minlength=len(self._vocab))
        self._post_ptr = np.concatenate([[0], np.cumsum(df)])
        self._idf = np.log1p(m / np.maximum(df, 1)).astype(np.float32)
        self._max_idf = float(np.log1p(max(m, 1)))
        self._sorted_keys: tuple | None = None  # built on first suggest()
        self._year_strings: dict | None = None  # year -> its strings, built on first close()

    @classmethod
    def for_catalog(cls, catalog) -> "TitleIndex":
        """The index of a `Catalog`: its titles, original titles and akas, ties ranked by how
        well known each movie is (`Catalog.popularity`). The one way movierec builds it."""
        return cls(catalog.frame, catalog.popularity())

    def exact(self, title: str, year: int | None = None) -> list[int]:
        """Movies one of whose titles or akas equals ``title`` once normalised (no fuzzy
        matching; a main title alone does not count), of ``year`` when given, best known
        first. A dictionary lookup: what imports of thousands of rows use before `search`."""
        _, stripped = normalise_title(str(title)[:MAX_QUERY_CHARS])
        if not stripped:
            return []
        movies = {int(self._owner[c]) for c in self._same_compact(stripped) if not self._head[c]}
        if year is not None:
            movies = {i for i in movies if self._years[i] == year}
        return sorted(movies, key=lambda i: (-float(self._pop[i]), i))

    def close(self, title: str, year: int, cutoff: float = 0.88) -> list[tuple[int, float]]:
        """Movies of ``year`` (or a year off) whose title is within a typo of ``title``:
        ``(movie, similarity)`` best first, similarity >= ``cutoff``. One small rapidfuzz
        pass over that year's titles -- the fast road for imports' misspelt rows."""
        _, stripped = normalise_title(str(title)[:MAX_QUERY_CHARS])
        if not stripped:
            return []
        if self._year_strings is None:
            by_year: dict[int, list[int]] = {}
            for c, y in enumerate(self._choice_year):
                if np.isfinite(y) and not self._head[c]:
                    by_year.setdefault(int(y), []).append(c)
            self._year_strings = {y: np.asarray(v, dtype=np.int64) for y, v in by_year.items()}
        ids = [self._year_strings.get(y) for y in (year - 1, year, year + 1)]
        ids = np.concatenate([i for i in ids if i is not None] or [np.zeros(0, np.int64)])
        if not len(ids):
            return []
        scores = process.cdist([stripped], [self._stripped[c] for c in ids], scorer=fuzz.ratio,
                               dtype=np.uint8, workers=1)[0]
        best: dict[int, float] = {}
        for c, score in zip(ids[scores >= cutoff * 100], scores[scores >= cutoff * 100]):
            movie = int(self._owner[c])
            value = score / 100.0 * (1.0 if self._years[movie] == year else YEAR_NEAR)
            best[movie] = max(best.get(movie, 0.0), value)
        return sorted(best.items(), key=lambda kv: (-kv[1], -float(self._pop[kv[0]]), kv[0]))

    def _same_compact(self, text: str) -> list[int]:
        """The strings equal to ``text`` once spaces are ignored."""
        key = text.replace(" ", "")
        many = self._by_compact_many.get(key)
        if many is not None:
            return many
        c = self._by_compact.get(key)
        return [] if c is None else [c]

    def __len__(self) -> int:
        return self._n

    # ------------------------------------------------------------------ public API
    def search(self, query: str, limit: int = 10) -> Match:
        """Resolve one typed title to a movie (see the module docstring for the rules)."""
        text = "" if query is None else str(query)
        limit = max(1, int(limit))
        readings = self._readings(text[:MAX_QUERY_CHARS])
        if not readings or self._n == 0 or not self._full:
            return Match(text, "not_found", ())
        scored = self._score(readings, max(limit, 10))
        return self._decide(text, scored, limit)

    def suggest(self, prefix: str, limit: int = 10) -> list[Candidate]:
        """Search-as-you-type: titles starting with ``prefix`` (best known first), then fuzzy.

        ``"the matr"`` -> The Matrix, The Matrix Reloaded, ...; when fewer than ``limit`` titles
        start that way, `search` fills up (typos: ``"matirx"``). Meant for every keystroke:
        a prefix costs a binary search in a sorted list (built on the first call).
        """
        text = "" if prefix is None else str(prefix)[:MAX_QUERY_CHARS]
        limit = max(1, int(limit))
        if not text.strip() or not self._full:
            return []
        full, stripped = normalise_title(text)
        if not stripped:
            return []
        keys, ids, lens = self._prefix_index()
        out: list[Candidate] = []
        taken: set[int] = set()
        for key in dict.fromkeys((stripped, full)):
            lo = bisect.bisect_left(keys, key)
            eq = bisect.bisect_right(keys, key, lo)  # keys[lo:eq] equal the prefix
            hi = bisect.bisect_left(keys, key + "\U0010ffff", eq)
            for a, b, equal in ((lo, eq, True), (eq, hi, False)):
                if b <= a:
                    continue
                span = ids[a:b]
                # best known first; among equals, the shortest (closest to what was typed)
                pops = self._choice_pop[span] - 1e-4 * lens[a:b]
                take = min(len(span), 4 * limit)
                if take < len(span):
                    pick = np.argpartition(-pops, take - 1)[:take]
                else:
                    pick = np.arange(len(span))
                pick = pick[np.argsort(-pops[pick], kind="stable")]
                for p in pick:
                    c = int(span[p])
                    i = int(self._owner[c])
                    if i in taken:
                        continue
                    taken.add(i)
                    if equal:
                        conf = EXACT_FULL if self._full[c] == full else EXACT_ARTICLE
                    else:  # a prefix: the more of the title typed, the surer
                        conf = 0.5 + 0.45 * len(key) / max(len(keys[a + p]), 1)
                    out.append(Candidate(i, self._titles[i], self._years[i], round(conf, 4),
                                         self._raw[c]))
                    if len(out) >= limit:
                        return out
        if len(out) < limit:  # too few titles start that way: typo-tolerant search
            for cand in self.search(text, limit).candidates:
                if cand.index not in taken and cand.confidence >= SUGGEST_ABOVE:
                    taken.add(cand.index)
                    out.append(cand)
                    if len(out) >= limit:
                        break
        return out

    def resolve_many(self, queries: list[str]) -> list[Match]:
        """`search` for each query, in order (e.g. the three favourite movies of a profile)."""
        return [self.search(q) for q in queries]

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _readings(text: str) -> list[_Reading]:
        """The ways to read a query: with a trailing year taken as a year, and as typed."""
        full, stripped = normalise_title(text)
        if not stripped:
            return []
        readings = []
        m = _QUERY_YEAR.match(text.strip())
        if m:
            year = int(m.group("year"))
            t_full, t_stripped = normalise_title(m.group("title"))
            if t_stripped and YEAR_MIN <= year <= YEAR_MAX:
                readings.append(_Reading(t_full, t_stripped, year))
        readings.append(_Reading(full, stripped, None))
        return readings

    def _word_hits(self, token: str) -> tuple[np.ndarray, float]:
        """Per string: how well it contains ``token`` (0..1, typo allowed); the word's weight.

        Words of 3+ letters match vocabulary words with an Indel similarity >= 0.80 (>= 0.85
        up to 4 letters); shorter words and numbers must be equal. The weight is the rarity
        (idf) of the word, so ``the``/``of`` count little and ``fellowship`` a lot.
        """
        m = len(self._stripped)
        exact = self._vocab_id.get(token)
        if len(token) > 2 and not token.isdigit() and self._vocab:
            size = len(token)
            lo = int(np.searchsorted(self._vocab_len, -(-2 * size // 3), "left"))
            hi = int(np.searchsorted(self._vocab_len, (3 * size) // 2, "right"))
            need = 85 if size <= 4 else 80
            scores = process.cdist([token], self._vocab[lo:hi], scorer=fuzz.ratio, dtype=np.uint8,
                                   score_cutoff=need, workers=1)[0]
            ids = np.flatnonzero(scores) + lo
            sims = scores[ids - lo].astype(np.float32) / 100.0
        else:
            ids = np.array([] if exact is None else [exact], dtype=np.int64)
            sims = np.ones(len(ids), dtype=np.float32)
        if exact is not None:
            weight = float(self._idf[exact])
        elif len(ids):
            weight = float(self._idf[ids[np.argmax(sims)]])
        else:
            weight = self._max_idf  # a word no title has: it must count, and it is missing
        hit = np.zeros(m, dtype=np.float32)
        if len(ids):
            order = np.argsort(sims, kind="stable")  # best last, so it wins the assignment
            ids, sims = ids[order], sims[order]
            starts, stops = self._post_ptr[ids], self._post_ptr[ids + 1]
            where = np.concatenate([self._post[a:b] for a, b in zip(starts, stops)])
            hit[where] = np.repeat(sims, stops - starts)
        return hit, weight

    def _coverage(self, tokens: list[str], cache: dict) -> np.ndarray:
        """Per string: the rarity-weighted share of the query words it contains."""
        for t in tokens:
            if t not in cache:
                cache[t] = self._word_hits(t)
        total = sum(cache[t][1] for t in tokens)
        cov = np.zeros(len(self._stripped), dtype=np.float32)
        if total > 0:
            for t in tokens:
                hit, weight = cache[t]
                cov += np.float32(weight / total) * hit
        return cov

    def _ratios(self, text: str, only: np.ndarray | None = None) -> np.ndarray:
        """Indel similarity (0..100) of ``text`` with every string (or the strings ``only``).

        Strings whose length rules out a similarity of 55 are skipped (left at 0): the
        strings are sorted by length, so that is one slice.
        """
        out = np.zeros(len(self._stripped), dtype=np.uint8)
        if only is not None:
            if len(only):
                out[only] = process.cdist([text], [self._stripped[c] for c in only],
                                          scorer=fuzz.ratio, dtype=np.uint8, workers=1)[0]
            return out
        size = len(text)
        lo = int(np.searchsorted(self._lengths, int(size * 0.37), "left"))
        hi = int(np.searchsorted(self._lengths, int(size * 2.7) + 1, "right"))
        if hi > lo:
            out[lo:hi] = process.cdist([text], self._stripped[lo:hi], scorer=fuzz.ratio,
                                       dtype=np.uint8, workers=1)[0]
        return out

    def _year_factor(self, years: np.ndarray, year: int) -> np.ndarray:
        diff = np.abs(years - year)
        factor = np.where(diff == 0, 1.0, np.where(diff <= 1, YEAR_NEAR, YEAR_WRONG))
        return np.where(np.isnan(years), YEAR_UNKNOWN, factor).astype(np.float32)

    def _score(self, readings: list[_Reading], limit: int) -> list[tuple[float, float, int, int]]:
        """Ranked ``(rank, confidence, movie, string)`` of the best movies over all readings."""
        token_cache: dict = {}
        ratios, covs = [], []
        shortlist: set[int] = set()
        k = min(max(_SHORTLIST, 3 * limit), len(self._stripped))
        year_given = any(r.year is not None for r in readings)
        for reading in readings:
            same = self._same_compact(reading.stripped)
            only = None
            if any(self._confidence(reading, c, 0, 0.0) >= EXACT_ARTICLE for c in same):
                # The title was typed exactly: a fuzzy match (<= 0.95) can neither tie with
                # it nor should it outrank it, and the typo-tolerant word coverage below
                # still finds the near misses (Alien / Aliens). Skip the full scan.
                only = np.zeros(0, np.int64)
            elif year_given and reading.year is None:
                # The query read as typed, year included, only beats its year reading on
                # titles that contain that number ("Death Race 2000"): score just those.
                number = reading.stripped.rsplit(" ", 1)[-1]
                v = self._vocab_id.get(number)
                only = (np.zeros(0, np.int64) if v is None
                        else self._post[self._post_ptr[v]:self._post_ptr[v + 1]])
            ratio = self._ratios(reading.stripped, only)
            cov = self._coverage(reading.stripped.split(), token_cache)
            ratios.append(ratio)
            covs.append(cov)
            s1 = np.maximum(ratio.astype(np.float32) / 100.0,
                            np.float32(SUBSET_BASE + SUBSET_LEN) * cov)
            if reading.year is not None:
                s1 *= self._year_factor(self._choice_year, reading.year)
            rank1 = s1 + (POP_BASE + POP_SLOPE * (1.0 - s1)) * self._choice_pop
            top = np.argpartition(-rank1, k - 1)[:k] if k < len(rank1) else np.arange(len(rank1))
            shortlist.update(top.tolist())
            shortlist.update(same)

        best: dict[int, tuple[float, int]] = {}  # movie -> (confidence, string)
        for c in shortlist:
            conf = max(self._confidence(reading, c, int(ratios[r][c]), float(covs[r][c]))
                       for r, reading in enumerate(readings))
            i = int(self._owner[c])
            if i not in best or conf > best[i][0]:
                best[i] = (conf, c)
        ranked = [(conf + (POP_BASE + POP_SLOPE * (1.0 - conf)) * float(self._pop[i]), conf, i, c)
                  for i, (conf, c) in best.items()]
        ranked.sort(key=lambda x: (-x[0], -x[1], -float(self._pop[x[2]]), x[2]))
        return ranked[: max(limit, 10)]

    def _confidence(self, reading: _Reading, c: int, ratio: int, cov: float) -> float:
        """Precise confidence that string ``c`` is what ``reading`` means (see module doc)."""
        q_full, q_str = reading.full, reading.stripped
        c_full, c_str = self._full[c], self._stripped[c]
        if q_full == c_full:
            conf = EXACT_FULL
        elif _compact(q_full) == _compact(c_full):
            conf = EXACT_SPACING
        elif q_str == c_str or _compact(q_str) == _compact(c_str):
            # People drop articles ("matrix"), they rarely add one a title lacks ("the dark
            # night" is more likely a typo of "The Dark Knight" than the film "Dark Night").
            conf = EXACT_ARTICLE if q_full == q_str else ARTICLE_ADDED
        elif _drop_foreign_article(c_full) == q_str:  # "Cité des enfants perdus" / "La Cité ..."
            conf = ARTICLE_ADDED
        else:
            q_num, c_num = _numbers(q_str), _numbers(c_str)
            sim = max(ratio, fuzz.ratio(_compact(q_str), _compact(c_str))) / 100.0
            if c_num - q_num:
                sim -= NUMBER_EXTRA  # "Toy Story 2" is not a typo of "Toy Story"
            if cov > 0:  # every query word in a longer title: extra words (numbers too) are fine
                share = min(len(q_str), len(c_str)) / max(len(q_str), len(c_str), 1)
                sub = cov * (SUBSET_BASE + SUBSET_LEN * share)
                sim = max(sim, sub)
            conf = min(sim, FUZZY_MAX)
            if q_num - c_num:
                conf -= NUMBER_MISSING
        if self._head[c]:   # the main title typed alone: confident, never exact; a fuzzy
            # match of a main title is no evidence (Godfathr is not The Godfather: Part II)
            conf = min(conf, MAIN_TITLE) if conf >= ARTICLE_ADDED else 0.0
        if reading.year is not None:
            movie_year = self._years[int(self._owner[c])]
            if movie_year is None:
                conf *= YEAR_UNKNOWN
            elif movie_year != reading.year:
                conf *= YEAR_NEAR if abs(movie_year - reading.year) <= 1 else YEAR_WRONG
        return float(min(max(conf, 0.0), 1.0))

    def _decide(self, query: str, ranked: list[tuple[float, float, int, int]], limit: int) -> Match:
        def candidate(conf: float, i: int, c: int) -> Candidate:
            return Candidate(i, self._titles[i], self._years[i], round(conf, 4), self._raw[c])

        if not ranked or max(r[1] for r in ranked) < NOT_FOUND_BELOW:
            hints = [candidate(conf, i, c) for _, conf, i, c in ranked if conf >= SUGGEST_ABOVE]
            return Match(query, "not_found", tuple(hints[:limit]))
        _, top_conf, top_i, _ = ranked[0]
        rivals = [
            i for _, conf, i, _ in ranked[1:]
            if conf >= top_conf - TIE_MARGIN
            and not (conf <= top_conf + DOMINANCE_SLACK
                     and self._pop[top_i] - self._pop[i] >= DOMINANCE_GAP)
        ]
        if rivals:
            status = "ambiguous"
        elif top_conf >= EXACT_ABOVE:
            status = "exact"
        elif top_conf >= NOT_FOUND_BELOW:
            status = "confident"
        else:  # a better-scored movie ranked lower would have been a rival
            status = "ambiguous"
        return Match(query, status,
                     tuple(candidate(conf, i, c) for _, conf, i, c in ranked[:limit]))

    def _prefix_index(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Sorted normalised strings (stripped, and full where different): ids, lengths.

        Built on the first `suggest` call (about a tenth of a second for 90k titles), so an
        index used only for `search` does not pay for it.
        """
        if self._sorted_keys is None:
            differs = [c for c, (f, s) in enumerate(zip(self._full, self._stripped)) if f != s]
            keys = np.asarray(self._stripped + [self._full[c] for c in differs], dtype=object)
            ids = np.concatenate([np.arange(len(self._full), dtype=np.int64),
                                  np.asarray(differs, dtype=np.int64)])
            order = np.argsort(keys, kind="stable")
            lens = np.fromiter(map(len, keys), dtype=np.float32, count=len(keys))
            self._sorted_keys = (keys[order].tolist(), ids[order], lens[order])
        return self._sorted_keys
