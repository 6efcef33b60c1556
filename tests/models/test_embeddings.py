"""Embedding model specifics: the text recipe, the on-disk cache, the install hint."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from movierec.models import embeddings as emb
from movierec.models.profile import Profile
from movierec.synthetic import block_dataset


def test_movie_text_recipe():
    row = dict(title="Heat", genres=["Crime", "Thriller"], overview="A heist goes wrong.",
               keywords=["bank", "police"], director="Michael Mann")
    assert emb.movie_text(row) == ("Heat. Crime, Thriller. A heist goes wrong. bank, police. "
                                   "Directed by Michael Mann.")
    assert emb.movie_text(dict(title="Only A Title")) is None


def test_missing_package_gives_install_hint(monkeypatch):
    emb.load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError, match=r'pip install "movierec\[embeddings\]"'):
        emb.load_encoder()
    emb.load_encoder.cache_clear()


def test_embeddings_are_cached_and_reused(monkeypatch):
    pytest.importorskip("sentence_transformers")
    data = block_dataset(seed=0)
    model = emb.EmbeddingRecommender(progress=False).fit(data)
    texts = emb.catalog_texts(data.catalog)
    assert emb.cache_path(emb.texts_key(texts, 128)).is_file()
    e = model.item_vectors()
    assert e.shape == (len(data.catalog), 384)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)

    def no_model(*args, **kwargs):
        raise AssertionError("a refit on the same catalog must not embed again")

    monkeypatch.setattr(emb, "embed", no_model)
    again = emb.EmbeddingRecommender(progress=False).fit(data.with_ratings(data.ratings, "split"))
    np.testing.assert_array_equal(again.item_vectors(), e)
    b, cold = np.array(data.manifest["blocks"]), np.array(data.manifest["cold"])
    recs = again.recommend(Profile.from_picks(np.flatnonzero((b == 1) & ~cold)[:3]), k=5)
    assert (b[recs.items] == 1).all()
    assert all(r.startswith("Because you liked") for r in recs.explanations)


def test_cache_folder_can_be_shared(monkeypatch, tmp_path):
    monkeypatch.setenv(emb.CACHE_ENV, str(tmp_path))
    assert emb.cache_path("ab" * 32) == tmp_path / f"{'ab' * 16}.npz"
