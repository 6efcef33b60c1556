"""A mood in words -> how well each movie fits it, and the words that show why.

Two ways to compare free text ("slow-burn 70s paranoia thriller") with the catalog:

* ``meaning``: the text is embedded with the same offline MiniLM model as the movies'
  descriptions (title, genres, overview, keywords, director; `embeddings.movie_text`), and
  compared by cosine -- "paranoia" finds *The Conversation* whose overview says
  "surveillance" without ever saying the word;
* ``words``: TF-IDF over the movies' genres, keywords, overview and tagline -- the
  baseline a mood is evaluated against (`movierec.evaluation.mood`).

`evidence` quotes what the text and a movie share -- matching keywords, then a few words of
the tagline or overview around a matching word -- so an explanation never just says "similar".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from movierec.data.catalog import Catalog
from movierec.models.content import NOISE_KEYWORDS, word_tokens
from movierec.models.standard_scores import BELOW, zscores

SNIPPET_WORDS = 5        # words of context either side of a match in an overview or tagline
# Share of meaning (MiniLM) in the blend with words (TF-IDF), chosen on validation queries
# (`movierec evaluate --protocol mood` prints the curve; the report shows it).
MEANING_SHARE = 0.25


def _stem(word: str) -> str:
    """A crude English stem, enough to let 'paranoid' meet 'paranoia' and 'heists' 'heist'."""
    for suffix in ("ical", "ness", "ing", "ies", "ied", "ed", "es", "ia", "id", "ic", "s", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass
class MoodIndex:
    """Text similarity of every movie to a mood (``kind``: "meaning" or "words")."""

    catalog: Catalog
    kind: str
    vectors: object                   # movies x dims: dense unit rows, or L2-normed TF-IDF CSR
    valid: np.ndarray                 # movies that have text to compare
    vectorizer: object = None         # the fitted TfidfVectorizer ("words")

    @classmethod
    def by_meaning(cls, embeddings_model) -> "MoodIndex":
        """From a fitted `EmbeddingRecommender` (its cached catalog vectors)."""
        vectors = embeddings_model.item_vectors()
        return cls(embeddings_model.dataset.catalog, "meaning", vectors,
                   embeddings_model.has_text())

    @classmethod
    def by_words(cls, catalog: Catalog) -> "MoodIndex":
        """TF-IDF over genres, keywords, overview and tagline (the baseline)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [" ".join(_words(catalog, i)) for i in range(len(catalog))]
        valid = np.array([bool(d) for d in docs])
        vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, dtype=np.float32)
        x = vectorizer.fit_transform([d or "_" for d in docs])
        return cls(catalog, "words", sp.csr_matrix(x), valid, vectorizer)

    def similarity(self, text: str) -> np.ndarray:
        """Cosine of every movie to ``text`` (NaN for movies without text)."""
        if self.kind == "meaning":
            from movierec.models.embeddings import embed

            query = embed([text], progress=False)[0]
            scores = np.asarray(self.vectors @ query, dtype=np.float32)
        else:
            query = self.vectorizer.transform([" ".join(_stem(w) for w in word_tokens(text))])
            scores = np.asarray((self.vectors @ query.T).toarray()).ravel().astype(np.float32)
        scores[~self.valid] = np.nan
        return scores

    def evidence(self, text: str, movie: int) -> str:
        """What ``text`` and the movie share, quoted: keywords first, then a snippet."""
        wanted = {_stem(w) for w in word_tokens(text) if len(w) >= 3}
        if not wanted:
            return ""
        cols = self.catalog.columns
        keywords = [k for k in cols["keywords"][movie] if k.lower() not in NOISE_KEYWORDS]
        hits = [k for k in keywords if wanted & {_stem(w) for w in word_tokens(k)}]
        if hits:
            return "keywords " + ", ".join(f"'{k}'" for k in hits[:3])
        for field in ("tagline", "overview"):
            value = self.catalog.values(field)[movie]
            snippet = _snippet(value, wanted) if isinstance(value, str) else ""
            if snippet:
                return f"{field} '…{snippet}…'"
        return ""


def _words(catalog: Catalog, movie: int) -> list[str]:
    cols = catalog.columns
    words = [w for g in cols["genres"][movie] for w in word_tokens(g)]
    words += [w for k in cols["keywords"][movie] for w in word_tokens(k)]
    for field in ("overview", "tagline"):
        value = catalog.values(field)[movie]
        if isinstance(value, str):
            words += word_tokens(value)
    return [_stem(w) for w in words]


def _snippet(text: str, wanted: set[str]) -> str:
    words = re.findall(r"\S+", text)
    for i, word in enumerate(words):
        if _stem(re.sub(r"\W+", "", word.lower())) in wanted:
            lo, hi = max(0, i - SNIPPET_WORDS), i + SNIPPET_WORDS + 1
            return " ".join(words[lo:hi]).strip(" ,.;:")
    return ""


@dataclass
class BlendedMood:
    """Meaning and words together: ``share`` x z(meaning) + (1 - share) x z(words). Words
    catch a mood that names what it wants ("heist"); meaning catches one that describes it
    ("a robbery that goes wrong"). Evidence is quoted from the words."""

    meaning: MoodIndex
    words: MoodIndex
    share: float = MEANING_SHARE
    kind: str = "meaning + words"

    @property
    def catalog(self) -> Catalog:
        return self.words.catalog

    def similarity(self, text: str) -> np.ndarray:
        blend = (self.share * zscores(self.meaning.similarity(text), BELOW)
                 + (1 - self.share) * zscores(self.words.similarity(text), BELOW))
        blend[~(self.meaning.valid | self.words.valid)] = np.nan
        return blend.astype(np.float32)

    def evidence(self, text: str, movie: int) -> str:
        return self.words.evidence(text, movie)
