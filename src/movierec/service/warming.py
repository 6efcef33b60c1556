"""Warming the service before the first person arrives: dataset, title index, models and a
first recommendation through each (so lazily built caches are filled), in a background
thread a server can start beside; and the catalog facts the pages need at start.

A mixin of `Service` (service/core.py): it reads the service's ``index``, ``catalog``,
``dataset``, ``model()``, ``default_method``, ``item_space``, ``jobs`` and ``timings``, and
owns ``_warm_thread``, ``_warm_error`` and ``_ready``.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Sequence

import numpy as np

from movierec.models.profile import Profile

Say = Callable[[str], None]


class Warming:
    """`Service`'s `warm`, `start_warming`, `wait_ready`, `well_known` and `catalog_map`."""

    def well_known(self, n: int = 400) -> np.ndarray:
        """The ``n`` best-known movies (most ratings here, then TMDb votes), best first."""
        catalog = self.catalog
        known = np.asarray(catalog.n_ratings(), dtype=np.float64) + 1e-3 * catalog.popularity()
        order = np.argsort(-known, kind="stable")
        has_year = np.isfinite(catalog.year_array[order])
        return order[has_year][:n]

    def catalog_map(self, progress: Say | None = None):
        """The 2-D map of well-known movies for the Explore tab (built/cached on first use)."""
        from movierec.service.maps import build_map

        t0 = time.perf_counter()
        cmap = build_map(self.dataset, progress=progress or self._say)
        self.timings.setdefault("map", time.perf_counter() - t0)
        return cmap

    # --- warming -------------------------------------------------------------------------------
    def warm(self, methods: Sequence[str] | None = None, include_map: bool = False) -> dict:
        """Load the dataset, index and models now, and run one recommendation through each
        (filling lazily built caches so the first real person does not pay for them)."""
        t0 = time.perf_counter()
        self.index.search("warm up")
        top = self.well_known(3)
        for method in methods or (self.default_method,):
            model = self.model(method)
            if len(top) >= 3:
                model.recommend(Profile.from_picks(top[:3].tolist()), k=10)
        self.timings["warm"] = time.perf_counter() - t0
        self._say("ready")
        self.item_space   # noqa: B018 - built now, before anyone reacts to a list
        if include_map:
            try:
                self.catalog_map(lambda _m: None)
            except Exception:  # noqa: BLE001 - the Explore tab reports it when opened
                pass
        return dict(self.timings)

    def start_warming(self, methods: Sequence[str] | None = None,
                      include_map: bool = False) -> threading.Thread:
        """`warm` in a daemon thread; `wait_ready` re-raises what went wrong there. With
        ``include_map`` the map keeps loading in the same thread once the models are warm."""
        def run():
            try:
                self.warm(methods)
            except BaseException as exc:  # noqa: BLE001 - reported by wait_ready
                self._warm_error = exc
            finally:
                self._ready.set()
            if include_map and self._warm_error is None:   # a job: the Explore tab sees it
                self.jobs.start("map", "catalog map", self.catalog_map)

        self._warm_thread = threading.Thread(target=run, name="movierec-warm", daemon=True)
        self._warm_thread.start()
        return self._warm_thread

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until `start_warming` has the models ready; re-raise what went wrong there."""
        if self._warm_thread is not None:
            self._ready.wait(timeout)
        if self._warm_error is not None:
            raise self._warm_error

