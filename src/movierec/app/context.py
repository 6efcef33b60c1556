"""`AppService`: the service plus what only the page needs (example trios, menus' contents).

Every request still takes the service's road (`movierec.service.Service.recommend`); this
adds the one-click examples and the values the option widgets list (genres, languages,
the catalog's years), computed once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from movierec.service import Service
from movierec.service.request import languages

# Three-movie starting points, one click away; titles are resolved against the catalog, and
# any that the dataset lacks are simply left out.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "Pixar trio": ("Toy Story (1995)", "Finding Nemo (2003)", "Up (2009)"),
    "Crime trio": ("Heat (1995)", "Reservoir Dogs (1992)", "The Usual Suspects (1995)"),
    "Sci-fi trio": ("Alien (1979)", "Blade Runner (1982)", "The Terminator (1984)"),
    "Feel-good trio": ("Forrest Gump (1994)", "The Princess Bride (1987)", "Groundhog Day (1993)"),
    "Classics trio": ("Casablanca (1942)", "Vertigo (1958)", "Some Like It Hot (1959)"),
}


class AppService(Service):
    """A `Service` with the app's examples (``examples``: name -> three titles)."""

    def __init__(self, data: str | None = None, *,
                 examples: dict[str, tuple[str, ...]] | None = None, **options: Any):
        super().__init__(data, **options)
        self.examples = dict(EXAMPLES if examples is None else examples)

    def usable_examples(self) -> list[str]:
        """Names of the examples whose movies are all in this dataset (shown as buttons)."""
        out = []
        for name, titles in self.examples.items():
            found = {m.best.index for m in map(self.search, titles) if m.ok and m.best is not None}
            if len(found) == len(titles):
                out.append(name)
        return out

    def genres(self) -> list[str]:
        return list(self.catalog.genre_vocabulary)

    def languages(self, top: int = 25) -> list[tuple[str, int]]:
        """Most common original languages with their movie counts."""
        return languages(self.catalog, top)

    def year_span(self) -> tuple[int, int]:
        years = self.catalog.year_array
        finite = years[np.isfinite(years)]
        if not len(finite):
            return 1900, 2030
        return int(finite.min()), int(finite.max())
