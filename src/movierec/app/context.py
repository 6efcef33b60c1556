"""`AppService`: the service plus what only the page needs (example trios, menus' contents).

Every request still takes the service's road (`movierec.service.Service.recommend`); this
adds the one-click examples and the values the option widgets list (genres, languages,
the catalog's years), computed once.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from movierec.atomic import atomic_write_text
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
    """A `Service` with the app's examples (``examples``: name -> three titles) and the
    values the page's widgets list, cached per dataset so the page is built at once."""

    def __init__(self, data: str | None = None, *,
                 examples: dict[str, tuple[str, ...]] | None = None, **options: Any):
        options.setdefault("background", True)   # no visitor waits on a first-time fit
        super().__init__(data, **options)
        self.examples = dict(EXAMPLES if examples is None else examples)
        self._facts: dict | None = None

    def page_facts(self) -> dict:
        """Usable examples, genres, languages and the catalog's years.

        Read from ``MOVIEREC_HOME/app/page-<dataset>.json`` when it was written for this
        dataset's fingerprint and these examples, so building the page loads no data (the
        dataset, index and model then load in the background); else computed and written.
        """
        if self._facts is not None:
            return self._facts
        from movierec.data.prepare import peek_fingerprint
        from movierec.paths import app_dir

        fingerprint = (self._dataset.fingerprint if self._dataset is not None
                       else peek_fingerprint(self.data_name, self.data_dir))
        key = json.dumps([fingerprint, self.examples], sort_keys=True)
        path = app_dir() / f"page-{self.data_name}.json"
        if fingerprint is not None:
            try:
                facts = json.loads(path.read_text(encoding="utf-8"))
                if facts.get("key") == key:
                    self._facts = facts
                    return facts
            except (OSError, ValueError, AttributeError):
                pass   # absent or unreadable: computed again below
        facts = {"examples": self._usable_examples(), "genres": self._genres(),
                 "languages": self._languages(), "years": list(self._year_span())}
        # computing them loaded (or prepared) the dataset: key them by its fingerprint
        facts["key"] = json.dumps([self.dataset.fingerprint, self.examples], sort_keys=True)
        atomic_write_text(path, json.dumps(facts, ensure_ascii=False))
        self._facts = facts
        return facts

    def usable_examples(self) -> list[str]:
        """Names of the examples whose movies are all in this dataset (shown as buttons)."""
        return list(self.page_facts()["examples"])

    def genres(self) -> list[str]:
        return list(self.page_facts()["genres"])

    def languages(self, top: int = 25) -> list[tuple[str, int]]:
        """Most common original languages with their movie counts."""
        return [(code, n) for code, n in self.page_facts()["languages"]][:top]

    def year_span(self) -> tuple[int, int]:
        low, high = self.page_facts()["years"]
        return int(low), int(high)

    def _usable_examples(self) -> list[str]:
        out = []
        for name, titles in self.examples.items():
            found = {m.best.index for m in map(self.search, titles) if m.ok and m.best is not None}
            if len(found) == len(titles):
                out.append(name)
        return out

    def _genres(self) -> list[str]:
        return [str(g) for g in self.catalog.genre_vocabulary]

    def _languages(self, top: int = 25) -> list[list]:
        return [[str(code), int(n)] for code, n in languages(self.catalog, top)]

    def _year_span(self) -> tuple[int, int]:
        years = self.catalog.year_array
        finite = years[np.isfinite(years)]
        if not len(finite):
            return 1900, 2030
        return int(finite.min()), int(finite.max())
