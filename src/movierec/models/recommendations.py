"""`Recommendations`: an immutable ranked list of movies, each with a score and a reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from movierec.data.catalog import Catalog


@dataclass(frozen=True)
class Recommendations:
    """Movie indices best first, their scores, and one explanation per movie."""

    items: np.ndarray
    scores: np.ndarray
    explanations: tuple[str, ...]
    method: str = ""

    def __post_init__(self):
        items = np.asarray(self.items, dtype=np.int64)
        scores = np.asarray(self.scores, dtype=np.float32)
        if len(items) != len(scores) or len(items) != len(self.explanations):
            raise ValueError("items, scores and explanations must have the same length")
        items.setflags(write=False)
        scores.setflags(write=False)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "explanations", tuple(self.explanations))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(zip(self.items.tolist(), self.scores.tolist(), self.explanations))

    def to_records(self, catalog: Catalog, fields: tuple[str, ...] | None = None) -> list[dict]:
        """JSON-ready rows: title, year, genres, ids, score, explanation."""
        rows = catalog.records(self.items, fields)
        for row, score, why in zip(rows, self.scores.tolist(), self.explanations):
            row["score"] = round(float(score), 6)
            row["explanation"] = why
        return rows

    def to_frame(self, catalog: Catalog) -> pd.DataFrame:
        return pd.DataFrame(self.to_records(catalog))
