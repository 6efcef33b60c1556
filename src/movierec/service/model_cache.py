"""The service's fitted models: from memory, else the trained-model cache, else fitted now
(or, in the app, in a background job while a ready method stands in), and the settings
`movierec tune` chose for this data.

A mixin of `Service` (service/core.py): it reads the service's ``dataset``, ``data_name``,
``fingerprint()``, ``default_method``, ``background``, ``jobs``, ``timings`` and the
per-key ``_lock``, and owns ``_models`` (menu key -> fitted model) and ``_tuned``.
"""

from __future__ import annotations

import time
from typing import Callable

from movierec.models.base import Recommender
from movierec.service.errors import ServiceError
from movierec.service.jobs import fit_job
from movierec.service.methods import parse_method
from movierec.service.request import Checked, model_key

Say = Callable[[str], None]


class ModelCache:
    """`Service`'s models: `model`, `is_ready`, `method_state` and the background stand-in."""

    def model(self, method: str | Checked | None = None,
              progress: Say | None = None) -> Recommender:
        """The fitted model of a menu key (or a checked request): from memory, else from the
        trained-model cache, else fitted now (and saved)."""
        if isinstance(method, Checked):
            name, options = method.choice.name, method.options
        else:
            choice = parse_method(method or self.default_method)
            name, options = choice.name, choice.options
        key = model_key(name, options)
        model = self._models.get(key)
        if model is not None:
            return model
        dataset = self.dataset
        with self._lock(f"model:{key}"):
            model = self._models.get(key)
            if model is None:
                from movierec.models.trained import fit

                t0 = time.perf_counter()
                try:
                    model = fit(name, dataset, options or None,
                                progress=progress or self._say).model
                except (ImportError, OSError, RuntimeError, MemoryError) as exc:
                    raise ServiceError("method_unavailable", f"{name} is not available here "
                                       f"({type(exc).__name__}: {str(exc)[:200]}); choose "
                                       "another method")
                self.timings[f"model:{key}"] = time.perf_counter() - t0
                self._models[key] = model
        return model

    def is_ready(self, method: str) -> bool:
        """Loaded, or saved for this dataset (so choosing it needs no training). Asked of
        a dataset not loaded yet, it reads the fingerprint from the manifest alone."""
        from movierec.models.trained import folder_for

        choice = parse_method(method)
        if model_key(choice.name, choice.options) in self._models:
            return True
        fingerprint = self.fingerprint()
        if fingerprint is None:
            return False
        options = choice.options or self._tuned_options(choice.name)
        return (folder_for(self.data_name, fingerprint, choice.name, options)
                / "model.json").is_file()

    def fingerprint(self) -> str | None:
        """The dataset's fingerprint, without loading it when it is not loaded yet."""
        if self._dataset is not None:
            return self._dataset.fingerprint
        if self._fingerprint is None:
            from movierec.data.prepare import peek_fingerprint

            try:
                self._fingerprint = peek_fingerprint(self.data_name, self.data_dir)
            except (KeyError, OSError, ValueError):
                return None
        return self._fingerprint

    def method_state(self, method: str) -> str:
        """``ready``, ``training`` (a background fit is running), ``failed: why`` or
        ``not trained`` for a menu key."""
        if self.is_ready(method):
            return "ready"
        job = self.jobs.get(fit_job(parse_method(method).key))
        if job is None:
            return "not trained"
        if job.running:
            pct = "" if job.fraction is None else f" {100 * job.fraction:.0f}%"
            return f"training{pct}"
        return "ready" if job.state == "done" else f"failed: {job.error}"

    def _model_for(self, checked: Checked,
                   progress: Say | None) -> tuple[Recommender, str, str]:
        """The model to answer with, a note when it stands in for the one asked, and the
        menu key of the method that answers.

        Without ``background`` this is `model` (fitted now when it must be). With it, a
        method that would have to be fitted first is fitted in a background job instead,
        and the answer comes from the default method (or popularity, while the default
        itself is still being fitted); the note says so and how far the job has got.
        """
        key = checked.choice.key
        if not self.background or self.is_ready(key):
            return self.model(checked, progress), "", key
        prior = self.jobs.get(fit_job(key))
        if prior is not None and prior.state == "failed":
            raise ServiceError("method_unavailable", f"{key} could not be trained here "
                               f"({prior.error}); choose another method")
        job = self.jobs.start(fit_job(key), key, lambda say: self.model(checked, say))
        for stand_in in (self.default_method, "popularity"):
            if stand_in != key and (stand_in == "popularity" or self.is_ready(stand_in)):
                model = self.model(stand_in, progress)
                return model, (f"{key} is being trained in the background ({job.describe()}); "
                               f"this list is from {stand_in} meanwhile. Ask again once the "
                               "menu shows it ready."), stand_in
        return self.model(checked, progress), "", key

    def _tuned_options(self, method: str) -> dict | None:
        """What `movierec tune` chose for ``method`` on this data (read once per process:
        the menu's timer and every answer ask)."""
        if method not in self._tuned:
            from movierec.models.tuned import tuned_options

            fingerprint = self.fingerprint()
            if fingerprint is None:
                return None
            self._tuned[method] = tuned_options(self.data_name, fingerprint, method)
        return self._tuned[method]

    def _tuned_note(self, checked: Checked, model, stand_in: str) -> tuple[str, ...]:
        """A note when the method runs with settings `movierec tune` chose for this data."""
        if model is None or stand_in or checked.options:
            return ()
        if not self._tuned_options(checked.choice.name):
            return ()
        return (f"{checked.choice.name} uses the settings movierec tune chose for "
                f"{self.data_name} on validation people",)

