"""Names -> recommender classes, for the CLI, the app and the evaluation alike.

Imports are lazy so that asking for `popularity` never imports torch or
sentence-transformers.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from movierec.models.base import Recommender

# name -> "module:Class"; a name may carry preset options (e.g. a cluster strategy).
MODELS: dict[str, str] = {
    "popularity": "movierec.models.popularity:PopularityRecommender",
    "content": "movierec.models.content:ContentRecommender",
    "embeddings": "movierec.models.embeddings:EmbeddingRecommender",
    "cluster": "movierec.models.cluster:ClusterRecommender",
    "item_knn": "movierec.models.item_knn:ItemKNN",
    "user_knn": "movierec.models.user_knn:UserKNN",
    "als": "movierec.models.als:ALSRecommender",
    "ease": "movierec.models.ease:EASE",
    "svd": "movierec.models.svd:SVDRecommender",
    "nmf": "movierec.models.nmf:NMFRecommender",
    "graph": "movierec.models.graph:RP3Beta",
    "hybrid": "movierec.models.hybrid:HybridRecommender",
    "blend": "movierec.models.blend:BlendRecommender",
    "mlp": "movierec.models.neural.mlp:EmbeddingMLP",
    "ncf": "movierec.models.neural.ncf:NCFRecommender",
    "vae": "movierec.models.neural.vae:MultVAE",
    "sasrec": "movierec.models.neural.sasrec:SASRec",
}

# Models that need the ``neural`` extra (PyTorch); listed only when torch is importable.
NEURAL = ("mlp", "ncf", "vae", "sasrec")

DESCRIPTIONS: dict[str, str] = {
    "popularity": "Well-loved movies overall (IMDb weighted rating)",
    "content": "Similar story, genres, keywords and people (TF-IDF)",
    "embeddings": "Similar plots by meaning (MiniLM sentence embeddings)",
    "cluster": "Movies from the same taste clusters as your picks",
    "item_knn": "Movies rated like your picks (item-item neighbours)",
    "user_knn": "What people with your taste loved (user-user neighbours)",
    "als": "Latent taste factors from who watched what (ALS)",
    "ease": "Item-to-item linear model over ratings (EASE)",
    "svd": "Predicted star rating (biased matrix factorisation)",
    "nmf": "Predicted star rating (non-negative factorisation)",
    "graph": "Random walks on the people-movie graph (RP3beta)",
    "hybrid": "Collaborative + content, covers movies nobody rated",
    "blend": "EASE, user-kNN and RP3beta fused, weights learnt on held-out people",
    "mlp": "Predicted star rating (user/movie embeddings + side features, MLP)",
    "ncf": "Neural collaborative filtering trained against hard negatives",
    "vae": "Variational autoencoder over liked movies (Mult-VAE)",
    "sasrec": "What comes next after your picks, in order (self-attention)",
}


def neural_available() -> bool:
    from importlib.util import find_spec

    return find_spec("torch") is not None


def available(include_neural: bool | None = None) -> list[str]:
    """Registered names; neural ones only when PyTorch is installed (or when asked)."""
    with_neural = neural_available() if include_neural is None else include_neural
    return [name for name in MODELS if with_neural or name not in NEURAL]


def model_class(name: str) -> type[Recommender]:
    key = name.strip().lower().replace("-", "_")
    if key not in MODELS:
        raise KeyError(f"unknown method {name!r}; choose one of: {', '.join(MODELS)}")
    module, cls = MODELS[key].split(":")
    return getattr(import_module(module), cls)


def create(name: str, **options: Any) -> Recommender:
    """A fresh, unfitted model by registry name with optional config overrides."""
    return model_class(name)(**options)
