"""First-time work in the background, with visible progress, so no request waits on it.

Fitting a method for the first time (minutes for embeddings on 45k movies), building the
catalog map: each runs once as a `Job` in a daemon thread. Requests ask a job's state and
carry on (the service answers with a method that is ready, and says so); the app shows
``status_line()`` ("embeddings: embedding movie descriptions, 40%") and the method menu
marks what is ready. A job that failed keeps its error, shown instead of a percentage, and
is tried again when asked again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from movierec.progress import reporting

Work = Callable[[Callable[[str], None]], Any]


def fit_job(method_key: str) -> str:
    """The job key of fitting the method with this menu key."""
    return f"fit:{method_key}"


@dataclass
class Job:
    """One piece of background work: its state, last message and completed fraction."""

    key: str
    label: str
    state: str = "running"            # running | done | failed
    message: str = "starting"
    fraction: float | None = None
    error: str | None = None
    result: Any = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    def describe(self) -> str:
        """``label: message, 40%`` while running; ``label: failed (why)`` after a failure."""
        if self.state == "failed":
            return f"{self.label}: failed ({self.error})"
        if self.state == "done":
            return f"{self.label}: ready"
        pct = "" if self.fraction is None else f", {100 * self.fraction:.0f}%"
        return f"{self.label}: {self.message}{pct}"


class Jobs:
    """The background jobs of one service, by key (one job per key at a time)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, key: str, label: str, work: Work) -> Job:
        """Start ``work(say)`` unless a job with ``key`` is running or done; return the job."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.state != "failed":
                return job
            job = Job(key, label)
            self._jobs[key] = job

        def say(message: str) -> None:
            job.message = message

        def fraction(value: float) -> None:
            job.fraction = value

        def run() -> None:
            try:
                with reporting(fraction):
                    job.result = work(say)
                job.state = "done"
            except BaseException as exc:  # noqa: BLE001 - kept on the job, shown to people
                job.error = f"{type(exc).__name__}: {str(exc)[:200]}"
                job.state = "failed"

        threading.Thread(target=run, name=f"movierec-job-{key}", daemon=True).start()
        return job

    def get(self, key: str) -> Job | None:
        return self._jobs.get(key)

    def running(self) -> list[Job]:
        return [j for j in list(self._jobs.values()) if j.running]

    def status_line(self) -> str:
        """What is being prepared now, one clause per running or failed job ('' if none)."""
        shown = [j.describe() for j in list(self._jobs.values()) if j.state != "done"]
        return "; ".join(shown)

    def wait(self, key: str, timeout: float | None = None) -> Job | None:
        """Block until job ``key`` is no longer running (tests, `warm`); None if unknown."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self._jobs.get(key)
            if job is None or not job.running:
                return job
            if deadline is not None and time.monotonic() > deadline:
                return job
            time.sleep(0.05)
