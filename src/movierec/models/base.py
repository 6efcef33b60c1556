"""The `Recommender` contract every method follows, and the shared recommend step.

A model only has to say how it fits and how it scores a *new* person (fold-in, no
retraining); filtering, top-k, validation and explanations plumbing are shared here so the
app and the evaluation get exactly the same behaviour from every method.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, ClassVar, Self

import numpy as np

from movierec.data.dataset import Dataset
from movierec.models.filters import Filter, top_k
from movierec.models.profile import MIN_PICKS, Profile
from movierec.models.recommendations import Recommendations


class NotFittedError(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters common to all models; each model extends this dataclass."""

    seed: int = 42


class Recommender(ABC):
    """Fit on a Dataset; recommend for any Profile (a person the model has never seen)."""

    name: ClassVar[str] = "base"
    Config: ClassVar[type] = ModelConfig
    rating_model: ClassVar[bool] = False   # also answers predict(users, movies)

    def __init__(self, config: ModelConfig | None = None, **overrides: Any):
        base = config if config is not None else self.Config()
        known = {f.name for f in fields(base)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"{self.name} has no option(s) {sorted(unknown)}; options: {sorted(known)}")
        self.config = replace(base, **overrides)
        self.dataset: Dataset | None = None

    # --- what each model implements ------------------------------------------------------
    @abstractmethod
    def _fit(self, dataset: Dataset) -> None:
        """Learn from ``dataset``."""

    @abstractmethod
    def score(self, profile: Profile) -> np.ndarray:
        """A score per catalog movie for this person (higher = better; NaN = cannot score)."""

    def explain(self, profile: Profile, items: np.ndarray, scores: np.ndarray) -> list[str]:
        """One reason per recommended movie, from the model's own evidence."""
        return [f"scored {scores[i]:.3g} by {self.name}" for i in items]

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that, with the config and the dataset, rebuild the fitted model."""
        return {}

    def _restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> None:
        """Inverse of `state`; the default refits (only for models that are cheap to fit)."""
        self._fit(dataset)

    # --- shared behaviour ----------------------------------------------------------------
    def fit(self, dataset: Dataset) -> Self:
        self.dataset = dataset
        self._fit(dataset)
        return self

    def restore(self, state: dict[str, np.ndarray], dataset: Dataset) -> Self:
        self.dataset = dataset
        self._restore(state, dataset)
        return self

    @property
    def fitted(self) -> bool:
        return self.dataset is not None

    def _need(self) -> Dataset:
        if self.dataset is None:
            raise NotFittedError(f"{self.name} is not fitted: call fit(dataset) or load it")
        return self.dataset

    def _checked(self, profile: Profile, min_picks: int | None) -> Dataset:
        """The fitted dataset, once ``profile`` is known to be servable (else `ProfileError`)."""
        dataset = self._need()
        n = len(dataset.catalog)
        profile.check(n, MIN_PICKS if min_picks is None else min_picks)
        return dataset

    def recommend(self, profile: Profile, k: int = 10, candidates: Filter | None = None,
                  *, min_picks: int | None = None) -> Recommendations:
        """Top-``k`` allowed movies for ``profile``, each with an explanation."""
        dataset = self._checked(profile, min_picks)
        n = len(dataset.catalog)
        scores = np.asarray(self.score(profile), dtype=np.float32)
        if scores.shape != (n,):
            raise RuntimeError(f"{self.name}.score returned shape {scores.shape}, expected ({n},)")
        allowed = (candidates or Filter()).mask(dataset.catalog, profile.items)
        items = top_k(scores, k, allowed)
        reasons = self.explain(profile, items, scores) if len(items) else []
        return Recommendations(items, scores[items], tuple(reasons), self.name)

    def config_dict(self) -> dict:
        return asdict(self.config)

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.config_dict().items())
        return f"{type(self).__name__}({opts})"


class RatingModel(Recommender):
    """A model that also predicts star ratings (for RMSE/MAE)."""

    rating_model: ClassVar[bool] = True

    @abstractmethod
    def predict(self, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        """Predicted ratings of training users (row indices) for movies."""

    @abstractmethod
    def predict_profile(self, profile: Profile, movies: np.ndarray | None = None) -> np.ndarray:
        """Predicted ratings for a new person (folded in from the profile)."""
