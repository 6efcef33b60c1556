"""`AppService`: what every app session shares, loaded once and kept in memory.

The handlers never load data themselves: they ask the service for the dataset, the
`TitleIndex`, a fitted model or the feedback store. Everything is built lazily and at most
once per process (a lock per thing), so the first person to pick a method waits for it to
load or train and everyone after gets it at once; requests never touch the dataset on disk.

`start_warming()` does the slow part (dataset, title index, default model, one dummy
recommendation to fill the models' caches) in a background thread, so the server can build
its page while the data loads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from typing import Any, Callable

import numpy as np
import pandas as pd

from movierec.data.dataset import Dataset
from movierec.models.base import Recommender

Say = Callable[[str], None]

DEFAULT_METHOD = "hybrid"
SEARCH_CACHE = 4096      # title searches remembered (LRU)
CLUSTER_STRATEGIES = ("same", "explore", "centres")
STRATEGY_WORDS = {
    "same": "more from your own taste clusters",
    "explore": "neighbouring clusters, to widen your taste",
    "centres": "the most typical movie of each of your clusters",
}
# Three-movie starting points, one click away; titles are resolved against the catalog, and
# any that the dataset lacks are simply left out.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "Pixar trio": ("Toy Story (1995)", "Finding Nemo (2003)", "Up (2009)"),
    "Crime trio": ("Heat (1995)", "Reservoir Dogs (1992)", "The Usual Suspects (1995)"),
    "Sci-fi trio": ("Alien (1979)", "Blade Runner (1982)", "The Terminator (1984)"),
    "Feel-good trio": ("Forrest Gump (1994)", "The Princess Bride (1987)", "Groundhog Day (1993)"),
    "Classics trio": ("Casablanca (1942)", "Vertigo (1958)", "Some Like It Hot (1959)"),
}


@dataclass(frozen=True)
class MethodChoice:
    """One entry of the app's method menu: a registry name plus preset options."""

    key: str                       # what the menu and the API use: "hybrid", "cluster (explore)"
    name: str                      # registry name
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def menu_label(self) -> str:
        return f"{self.key} - {self.description}" if self.description else self.key


@lru_cache(maxsize=2)
def _choices(include_unbuilt: bool) -> tuple[MethodChoice, ...]:
    return tuple(_find_choices(include_unbuilt))


def method_choices(include_unbuilt: bool = False) -> list[MethodChoice]:
    """Every registered method the app can offer (see `_find_choices`), cached."""
    return list(_choices(include_unbuilt))


def _find_choices(include_unbuilt: bool = False) -> list[MethodChoice]:
    """Every registered method the app can offer; cluster once per strategy.

    Methods whose module is not installed/importable (e.g. a neural model not written yet,
    or PyTorch missing) are left out unless ``include_unbuilt``.
    """
    from movierec.models.registry import DESCRIPTIONS, MODELS, available

    out: list[MethodChoice] = []
    for name in available():
        module = MODELS[name].split(":")[0]
        if not include_unbuilt and find_spec(module) is None:
            continue
        text = DESCRIPTIONS.get(name, "")
        if name == "cluster":
            for strategy in CLUSTER_STRATEGIES:
                out.append(MethodChoice(f"cluster ({strategy})", name, {"strategy": strategy},
                                        f"{text}: {STRATEGY_WORDS[strategy]}"))
        else:
            out.append(MethodChoice(name, name, {}, text))
    return out


def parse_method(text: str | None) -> MethodChoice:
    """``"hybrid"``, ``"cluster (explore)"``, ``"cluster:explore"``, ``"Item-KNN"`` -> a choice.

    Raises `ValueError` naming the valid methods when ``text`` is not one of them.
    """
    raw = (text or DEFAULT_METHOD).strip().lower()
    key = raw.split(" - ")[0].strip()          # a full menu label is accepted too
    key = key.replace("-", "_").replace(":", " ").replace("(", " ").replace(")", " ")
    parts = key.split()
    choices = method_choices()
    if parts:
        name = parts[0]
        strategy = parts[1] if len(parts) > 1 else None
        if name == "cluster":
            strategy = strategy or "same"
            wanted = f"cluster ({strategy})"
        else:
            wanted = name if strategy is None else ""
        for choice in choices:
            if choice.key == wanted:
                return choice
    names = ", ".join(c.key for c in choices)
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    raise ValueError(f"unknown method {shown!r}; choose one of: {names}")


class AppService:
    """Dataset, title index, fitted models and feedback store for all app sessions.

    Give ``data`` (a dataset name, prepared on first use) or an already-built ``dataset``
    (tests). ``progress`` receives short status lines ("loading hybrid", "training ease").
    """

    def __init__(self, data: str | None = None, *, dataset: Dataset | None = None,
                 data_dir: str | None = None, default_method: str = DEFAULT_METHOD,
                 feedback: Any = None, examples: dict[str, tuple[str, ...]] | None = None,
                 progress: Say | None = None):
        from movierec.data import DEFAULT_SOURCE

        self.data_name = dataset.name if dataset is not None else (data or DEFAULT_SOURCE)
        self.data_dir = data_dir
        self.default_method = parse_method(default_method).key
        self.examples = dict(EXAMPLES if examples is None else examples)
        self._say: Say = progress or (lambda _m: None)
        self._dataset = dataset
        self._dataset_error: BaseException | None = None
        self._dataset_lock = threading.Lock()
        self._index = None
        self._index_lock = threading.Lock()
        self._models: dict[str, Recommender] = {}
        self._model_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._feedback = feedback
        self._feedback_lock = threading.Lock()
        self._map = None
        self._map_lock = threading.Lock()
        self._search_cache: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self._search_lock = threading.Lock()
        self._brief: dict[str, list] | None = None
        self._brief_lock = threading.Lock()
        self._warm_thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.timings: dict[str, float] = {}

    # --- data ------------------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The prepared dataset (loaded, or prepared with progress, on first use)."""
        if self._dataset is None:
            with self._dataset_lock:
                if self._dataset is None:
                    from movierec.data import load_dataset

                    t0 = time.perf_counter()
                    self._say(f"loading {self.data_name}")
                    self._dataset = load_dataset(self.data_name, data_dir=self.data_dir,
                                                 progress=self._say)
                    self.timings["dataset"] = time.perf_counter() - t0
        return self._dataset

    @property
    def catalog(self):
        return self.dataset.catalog

    @property
    def index(self):
        """The typo-tolerant `TitleIndex` over the catalog (built once)."""
        if self._index is None:
            catalog = self.catalog
            with self._index_lock:
                if self._index is None:
                    from movierec.search import TitleIndex

                    t0 = time.perf_counter()
                    self._say("indexing titles")
                    index = TitleIndex(catalog.frame, catalog.popularity())
                    index.suggest("a", 1)  # builds the prefix index search-as-you-type uses
                    self._index = index
                    self.timings["index"] = time.perf_counter() - t0
        return self._index

    def search(self, text: str, limit: int = 10):
        """`TitleIndex.search`, remembered for the last `SEARCH_CACHE` queries.

        People and scripts send the same titles again and again (every refresh of a pick
        list re-sends it); a repeated title costs a dictionary lookup instead of a fuzzy scan.
        """
        key = (text, int(limit))
        with self._search_lock:
            hit = self._search_cache.get(key)
            if hit is not None:
                self._search_cache.move_to_end(key)
                return hit
        match = self.index.search(text, limit=limit)
        with self._search_lock:
            self._search_cache[key] = match
            while len(self._search_cache) > SEARCH_CACHE:
                self._search_cache.popitem(last=False)
        return match

    # --- models ----------------------------------------------------------------------------
    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_lock:
            return self._model_locks.setdefault(key, threading.Lock())

    def is_loaded(self, method: str) -> bool:
        return parse_method(method).key in self._models

    def is_ready(self, method: str) -> bool:
        """Loaded, or saved on disk for this dataset (so choosing it needs no training)."""
        from movierec.models.trained import model_folder

        choice = parse_method(method)
        if choice.key in self._models:
            return True
        return model_folder(self.dataset, choice.name, choice.options or None).is_dir()

    def model(self, method: str | None = None, progress: Say | None = None) -> Recommender:
        """The fitted model for a menu key: from memory, else from disk, else trained now."""
        choice = parse_method(method or self.default_method)
        model = self._models.get(choice.key)
        if model is not None:
            return model
        dataset = self.dataset
        with self._lock_for(choice.key):
            model = self._models.get(choice.key)
            if model is None:
                from movierec.models.trained import load_or_train

                say = progress or self._say
                t0 = time.perf_counter()
                model = load_or_train(choice.name, dataset, choice.options or None, say)
                self.timings[f"model:{choice.key}"] = time.perf_counter() - t0
                self._models[choice.key] = model
        return model

    # --- feedback and the map --------------------------------------------------------------
    @property
    def feedback(self):
        """The `FeedbackStore` (SQLite under ``app_dir()`` unless one was given)."""
        if self._feedback is None:
            with self._feedback_lock:
                if self._feedback is None:
                    from movierec.app.feedback import FeedbackStore

                    self._feedback = FeedbackStore()
        return self._feedback

    def catalog_map(self, progress: Say | None = None):
        """The 2-D map of well-known movies for the Explore tab (built/cached on first use)."""
        if self._map is None:
            dataset = self.dataset
            with self._map_lock:
                if self._map is None:
                    from movierec.app.catalog_map import build_map

                    t0 = time.perf_counter()
                    say = progress or self._say
                    say("loading the catalog map")
                    self._map = build_map(dataset, progress=say)
                    self.timings["map"] = time.perf_counter() - t0
        return self._map

    # --- catalog facts the pages need -------------------------------------------------------
    def brief(self, index: int) -> dict:
        """Title, year, genres, poster path and TMDb id of one movie, from cached columns.

        What a gallery tile needs, without building a pandas row per movie per request.
        """
        if self._brief is None:
            with self._brief_lock:
                if self._brief is None:
                    from movierec.data.catalog import as_list

                    frame = self.catalog.frame

                    def plain(column: str) -> list:
                        values = frame[column].astype(object).tolist()
                        return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                                else v for v in values]

                    self._brief = {
                        "title": plain("title"),
                        "year": [None if y is None else int(y) for y in plain("year")],
                        "genres": [as_list(g) for g in frame["genres"].tolist()],
                        "poster_path": plain("poster_path"),
                        "tmdb_id": [None if t is None else int(t) for t in plain("tmdb_id")],
                    }
        i = int(index)
        return {"index": i, **{name: column[i] for name, column in self._brief.items()}}

    def well_known(self, n: int = 400) -> np.ndarray:
        """The ``n`` best-known movies (most ratings here, then TMDb votes), best first."""
        catalog = self.catalog
        known = np.asarray(catalog.n_ratings(), dtype=np.float64) + 1e-3 * catalog.popularity()
        order = np.argsort(-known, kind="stable")
        has_year = np.isfinite(catalog.year_array[order])
        return order[has_year][:n]

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
        langs = [x for x in self.catalog.language_array.tolist() if isinstance(x, str) and x]
        values, counts = np.unique(np.asarray(langs, dtype=object), return_counts=True)
        order = np.argsort(-counts, kind="stable")[:top]
        return [(str(values[i]), int(counts[i])) for i in order]

    def year_span(self) -> tuple[int, int]:
        years = self.catalog.year_array
        finite = years[np.isfinite(years)]
        if not len(finite):
            return 1900, 2030
        return int(finite.min()), int(finite.max())

    # --- warming ---------------------------------------------------------------------------
    def warm(self, methods: tuple[str, ...] | None = None,
             include_map: bool = False) -> dict[str, float]:
        """Load the dataset, index and models now, and run one recommendation through each.

        The dummy recommendation fills lazily built caches (explanation columns, similarity
        blocks) so the first real person does not pay for them. ``include_map`` then also
        loads (or builds, tens of seconds the first time) the Explore tab's catalog map.
        """
        from movierec.models.profile import Profile

        t0 = time.perf_counter()
        self.index.search("warm up")
        self.brief(0)
        top = self.well_known(3)
        for method in methods or (self.default_method,):
            model = self.model(method)
            if len(top) >= 3:
                model.recommend(Profile.from_picks(top[:3].tolist()), k=10)
        self.timings["warm"] = time.perf_counter() - t0
        self._say("ready")
        if include_map:
            try:
                self.catalog_map(lambda _m: None)
            except Exception:  # noqa: BLE001 - the Explore tab reports it when opened
                pass
        return dict(self.timings)

    def start_warming(self, methods: tuple[str, ...] | None = None,
                      include_map: bool = False) -> threading.Thread:
        """`warm` in a daemon thread (errors are kept and re-raised by `wait_ready`).

        With ``include_map``, `wait_ready` returns once the models are warm; the map keeps
        loading in the same thread afterwards.
        """
        def run():
            try:
                self.warm(methods, include_map=False)
            except BaseException as exc:  # noqa: BLE001 - reported by wait_ready
                self._dataset_error = exc
            finally:
                self._ready.set()
            if include_map and self._dataset_error is None:
                try:
                    self.catalog_map(lambda _m: None)
                except Exception:  # noqa: BLE001 - the Explore tab reports it when opened
                    pass

        self._warm_thread = threading.Thread(target=run, name="movierec-warm", daemon=True)
        self._warm_thread.start()
        return self._warm_thread

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until `start_warming` has the models ready; re-raise what went wrong there."""
        if self._warm_thread is not None:
            self._ready.wait(timeout)
        if self._dataset_error is not None:
            raise self._dataset_error
