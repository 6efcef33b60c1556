"""`Dataset` = `Catalog` + `Ratings` + the fingerprint of the raw files they came from.

Every artifact made from a dataset (trained models, evaluation results) records the
fingerprint, so nothing trained on other data is ever silently reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from movierec.data.catalog import Catalog
from movierec.data.ratings import Ratings
from movierec.data.report import PrepareReport

# Bump when cleaning changes what a prepared dataset contains: old artifacts become stale.
CLEANING_VERSION = "2"


@dataclass(frozen=True)
class Dataset:
    name: str
    catalog: Catalog
    ratings: Ratings
    fingerprint: str
    manifest: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.ratings.n_movies != len(self.catalog):
            raise ValueError(
                f"ratings have {self.ratings.n_movies} movie columns but the catalog has "
                f"{len(self.catalog)} movies"
            )

    @property
    def report(self) -> PrepareReport:
        return PrepareReport.from_dict(self.manifest.get("report", {}))

    def summary(self) -> dict:
        """Counts people ask about first: users, movies, ratings, density."""
        r = self.ratings
        rated = int((r.counts_per_movie() > 0).sum())
        return {
            "dataset": self.name,
            "users": r.n_users,
            "movies": len(self.catalog),
            "rated_movies": rated,
            "ratings": r.nnz,
            "density": r.nnz / (r.n_users * rated) if r.n_users and rated else 0.0,
            "fingerprint": self.fingerprint[:12],
        }

    def with_ratings(self, ratings: Ratings, suffix: str = "") -> "Dataset":
        """Same catalog, other ratings (a training split): fingerprint records the change."""
        return Dataset(self.name + suffix, self.catalog, ratings,
                       self.fingerprint + (f"+{suffix}" if suffix else ""), self.manifest)
