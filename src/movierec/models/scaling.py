"""Untuned defaults that scale with the data, instead of constants that suit one data set.

A setting left at 0 (its default) is worked out from the shape of the training ratings when
the model is fitted; any other value is used as given, and `movierec tune`'s choices always
are. The rules follow how each setting's effect grows with the data:

- **EASE's ridge** ``l2`` grows with the ratings per rated movie, the scale of the diagonal
  of ``X^T X``: ``B`` is unchanged when ``X^T X`` and the ridge are scaled together (every
  person counted twice doubles both);
- **ALS's regularization** grows with the number of people: with implicit feedback every
  person's cell counts in each movie's least-squares step (an unrated one as a weak 0);
- **neighbour counts** (item-kNN's and RP3beta's movies) grow with the square root of how
  many there are: a larger data set holds more near-equivalents of each
  person or movie, but keeping a fixed share of them would let the far ones drown the near
  (and cost memory), so they stop at `NEIGHBOURS_CAP`. User-kNN keeps its fixed 100 people:
  the count that validated best (246 on ML-100k) answers three animated favourites with
  Star Wars and Raiders instead of family films (`tests/integration/test_models_real.py`).
- **ALS's factors** stay 64: on validation people of a quarter, half and all of the training
  people (`benchmarks/bench_factor_scaling.py`), small subsamples validated 16-32 and the
  whole training sets 64-256, but no count proportional to the people beat a constant over
  all of them (0.962 of each case's best against 0.969 for 32), and the margins at full size
  are about 1%.

Each constant is the multiple that validated best on *validation people* (carved from the
training people of a split, as `movierec tune` carves them; never test people) of ML-100k and
of The Movies Dataset's ratings_small, averaged over 3 picks and 80% fold-in:
`benchmarks/bench_default_scaling.py` tries the grid and prints the table. On ML-100k the
rules give l2 951, regularization 37.7, 205 item-kNN and 410 RP3beta neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

AUTO = 0     # an option at this value is scaled with the data


@dataclass(frozen=True)
class DataShape:
    """How big the training ratings are: what the rules scale with."""

    people: int           # people with at least one rating
    movies: int           # movies with at least one rating
    ratings: int

    @property
    def per_movie(self) -> float:
        """Ratings per rated movie."""
        return self.ratings / max(1, self.movies)


def data_shape(matrix: sp.spmatrix) -> DataShape:
    """The shape of a users x movies ratings matrix (`Ratings.matrix`)."""
    m = sp.csr_matrix(matrix)
    people = int(np.count_nonzero(np.diff(m.indptr)))
    movies = int(np.count_nonzero(np.bincount(m.indices, minlength=m.shape[1])))
    return DataShape(people, movies, int(m.nnz))


def ratings_per_movie(matrix: sp.spmatrix) -> float:
    """Ratings per rated movie (the scale of ridge strengths, here and in `movierec tune`)."""
    return data_shape(matrix).per_movie


NEIGHBOURS_CAP = 1000   # the most neighbours a rule (or `movierec tune`) keeps: memory and
                        # time grow with them, and no data set here validated more


@dataclass(frozen=True)
class Rule:
    """``value = times x scale(shape)``; a count is rounded, at least 10 and at most
    `NEIGHBOURS_CAP` and everyone there is (``population``)."""

    times: float
    scale: Callable[[DataShape], float]
    population: Callable[[DataShape], int] | None = None    # set for counts

    def value(self, shape: DataShape, times: float | None = None) -> float | int:
        raw = (self.times if times is None else times) * self.scale(shape)
        if self.population is None:
            return round(raw, 2)
        most = max(1, min(self.population(shape), NEIGHBOURS_CAP))
        return int(min(most, max(10, round(raw))))


def _per_movie(s: DataShape) -> float:
    return s.per_movie


def _people(s: DataShape) -> int:
    return s.people


def _movies(s: DataShape) -> int:
    return s.movies


def _root(count: Callable[[DataShape], int]) -> Callable[[DataShape], float]:
    return lambda s: math.sqrt(count(s))


RULES: dict[str, dict[str, Rule]] = {
    "ease": {"l2": Rule(16.0, _per_movie)},
    "als": {"regularization": Rule(0.04, _people)},
    "item_knn": {"neighbours": Rule(5.0, _root(_movies), _movies)},
    "graph": {"neighbours": Rule(10.0, _root(_movies), _movies)},
}


def scaled_settings(method: str, config: Any, matrix: sp.spmatrix) -> dict[str, Any]:
    """{option: value} for each of ``method``'s options left at `AUTO` in ``config``,
    worked out from the ratings ``matrix`` (empty when every option was given)."""
    rules = {opt: rule for opt, rule in RULES.get(method, {}).items()
             if getattr(config, opt) == AUTO}
    if not rules:
        return {}
    shape = data_shape(matrix)
    return {opt: rule.value(shape) for opt, rule in rules.items()}


def setting(method: str, config: Any, option: str, matrix: sp.spmatrix) -> Any:
    """The value ``method`` fits with for ``option``: the configured one, or when that is
    `AUTO`, the one scaled with the ratings ``matrix``."""
    return scaled_settings(method, config, matrix).get(option, getattr(config, option))
