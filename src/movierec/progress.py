"""How far long work has got, reported from deep inside it without threading a callback
through every signature.

A background job (`movierec.service.jobs`) runs its work inside `reporting(callback)`; code
with a long loop it can count (embedding 45k movie descriptions, fitting epochs) calls
`report(done, total)`. Outside a job `report` does nothing, so library code calls it freely.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

Fraction = Callable[[float], None]
_current: ContextVar[Fraction | None] = ContextVar("movierec_progress", default=None)


def report(done: float, total: float) -> None:
    """Tell the job this code runs in (if any) that ``done`` of ``total`` units are done."""
    callback = _current.get()
    if callback is not None and total > 0:
        callback(min(1.0, max(0.0, float(done) / float(total))))


@contextmanager
def reporting(callback: Fraction) -> Iterator[None]:
    """Send `report` calls made in this context (this thread) to ``callback`` (0..1)."""
    token = _current.set(callback)
    try:
        yield
    finally:
        _current.reset(token)
