"""`Answer`: the one shape of a recommendation, whichever door the request came through.

The CLI prints it as a table (or ``to_json()`` with ``--json``), `movierec.recommend` returns
it, the HTTP endpoints answer ``to_json()`` and the app draws it as posters. Every field a
movie has in one place it has in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from movierec.data.catalog import Catalog, poster_url

# What every result carries, in this order (the same keys in every entry point).
RESULT_FIELDS = ("rank", "index", "title", "year", "genres", "tmdb_id", "imdb_id",
                 "movielens_id", "poster_url", "overview", "score", "explanation")


@dataclass(frozen=True)
class MovieResult:
    """One recommended movie: who it is, where its poster is, its score and why."""

    rank: int
    index: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    tmdb_id: int | None
    imdb_id: str | None
    movielens_id: int | None
    poster_url: str | None          # public TMDb image URL, None when the movie has no poster
    poster_path: str | None         # TMDb's path (the app draws a card when it cannot show it)
    overview: str | None            # TMDb's plot summary (None for MovieLens-only movies)
    score: float
    explanation: str

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year is not None else self.title

    def to_json(self) -> dict:
        return {name: (list(self.genres) if name == "genres" else getattr(self, name))
                for name in RESULT_FIELDS}


def movie_results(catalog: Catalog, items, scores, explanations) -> list[MovieResult]:
    """`MovieResult` rows for recommended movie indices (best first)."""
    col = {name: catalog.values(name) for name in ("title", "year", "genres", "tmdb_id",
                                                    "imdb_id", "movielens_id", "poster_path",
                                                    "overview")}
    out = []
    for rank, (index, score, why) in enumerate(zip(items, scores, explanations), start=1):
        i = int(index)
        path = col["poster_path"][i]
        out.append(MovieResult(rank, i, str(col["title"][i]), col["year"][i],
                               tuple(col["genres"][i]), col["tmdb_id"][i], col["imdb_id"][i],
                               col["movielens_id"][i], poster_url(path), path,
                               _text(col["overview"][i]), round(float(score), 6), str(why)))
    return out


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class Answer:
    """Recommendations for one request, with everything needed to trust and reproduce them."""

    dataset: str
    method: str                          # the menu key asked for ("hybrid", "cluster (explore)")
    model: str                           # registry name of the model that answered
    options: dict[str, Any]              # options given on top of the model's defaults
    settings: dict[str, Any]             # the model's full settings
    k: int
    filters: dict[str, Any]
    picks: list[dict]                    # each pick: query, movie, feel, how it was matched
    results: tuple[MovieResult, ...]
    notes: tuple[str, ...] = ()          # how picks were read ("'toy stroy' -> Toy Story")
    warnings: tuple[str, ...] = ()       # why a list is short or empty
    timings: dict[str, float] = field(default_factory=dict)   # milliseconds per stage
    history: dict | None = None          # the import report, when a history was imported
    mood: dict | None = None             # the mood and what was read from it
    diversity: float = 0.0               # the diversity dial (0: the model's own list)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def message(self) -> str:
        """One line for a person: what was done, or why nothing came back."""
        if not self.results:
            return " ".join(self.warnings) or "No recommendations."
        names = [p["label"] for p in self.picks if p["feel"] != "dislike"]
        shown = ", ".join(names[:4]) + (" ..." if len(names) > 4 else "")
        return f"{len(self.results)} movies by {self.method} for {shown}."

    def to_json(self) -> dict:
        return {"dataset": self.dataset, "method": self.method, "model": self.model,
                "options": dict(self.options), "settings": dict(self.settings), "k": self.k,
                "diversity": self.diversity,
                "filters": dict(self.filters), "picks": list(self.picks),
                "results": [r.to_json() for r in self.results], "notes": list(self.notes),
                "warnings": list(self.warnings), "message": self.message,
                "import": self.history, "mood": self.mood,
                "timings": {k: round(v, 3) for k, v in self.timings.items()}}
