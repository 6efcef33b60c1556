"""Settings chosen by `movierec tune` for one dataset, and where every fit finds them.

`movierec tune` (`evaluation.tuning`) searches each method's settings on validation people
carved from the training people and writes what won to
``MOVIEREC_HOME/tuning/<dataset>-<fingerprint>/<protocol>/tuned.json``. A fit with no
options of its own (`trained.fit`: recommend, the app, train, evaluate) uses them for that
exact data -- another fingerprint (a new download, a split's training part) finds nothing,
so settings never leak from one data set, or from test people, to another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from movierec.paths import tuning_root

TUNED_JSON = "tuned.json"
SERVING_PROTOCOL = "heldout-users-picks3"   # what the app sees: a new person, a few picks


def tuning_dir(name: str, fingerprint: str, protocol: str = SERVING_PROTOCOL) -> Path:
    return tuning_root() / f"{name}-{fingerprint[:12]}" / protocol


def read_tuned(name: str, fingerprint: str, protocol: str = SERVING_PROTOCOL) -> dict:
    """{method: record} chosen for this data (empty when never tuned or unreadable)."""
    path = tuning_dir(name, fingerprint, protocol) / TUNED_JSON
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    methods = data.get("methods") if isinstance(data, dict) else None
    return methods if isinstance(methods, dict) else {}


def write_tuned(name: str, fingerprint: str, protocol: str, methods: dict[str, dict],
                **facts: Any) -> Path:
    """Merge ``methods`` into the dataset's tuned.json (written atomically)."""
    folder = tuning_dir(name, fingerprint, protocol)
    folder.mkdir(parents=True, exist_ok=True)
    merged = {**read_tuned(name, fingerprint, protocol), **methods}
    path = folder / TUNED_JSON
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"dataset": name, "fingerprint": fingerprint,
                               "protocol": protocol, **facts, "methods": merged},
                              indent=2, sort_keys=True))
    tmp.replace(path)
    return path


def tuned_options(name: str, fingerprint: str, method: str) -> dict[str, Any] | None:
    """The options `movierec tune` chose for ``method`` on this data, or None."""
    record = read_tuned(name, fingerprint).get(method)
    if not isinstance(record, dict) or not isinstance(record.get("options"), dict):
        return None
    return dict(record["options"]) or None


def effective_options(name: str, fingerprint: str, method: str,
                      options: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a fit uses: the caller's options when given, else the tuned ones, else None."""
    return options if options else tuned_options(name, fingerprint, method)


def best_tuned(name: str, fingerprint: str, among: list[str] | None = None) -> str | None:
    """The method (ours) that validated best on this data, or None when none was tuned."""
    scored = [(rec.get("validation_ndcg@10", float("-inf")), method)
              for method, rec in read_tuned(name, fingerprint).items()
              if rec.get("kind") == "ours" and (among is None or method in among)]
    return max(scored)[1] if scored else None
