"""`EvaluationResult`: one evaluation's table, per-person metrics and provenance, on disk.

A result folder holds

- ``results.csv``  -- one row per model (metrics, CI bounds, fit time, latency, errors);
- ``results.json`` -- the same rows plus the best models and the paired comparison;
- ``per_person.parquet`` -- one row per (model, split, person) for paired tests;
- ``meta.json`` -- dataset fingerprint, protocol, seed, settings, library versions, date.

The CLI writes it, the report generator and the app's Evaluation tab read it back with
`load_results` / `latest_results`, so nobody has to re-run an evaluation to show it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from movierec.atomic import atomic_folder

FILES = ("results.csv", "results.json", "per_person.parquet", "meta.json")
# Columns that describe a row rather than measure it, first in every table.
ID_COLUMNS = ("model", "kind", "status", "error")


def _clean(value: Any) -> Any:
    """JSON-safe scalars: NaN/inf become null, numpy scalars plain Python."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class EvaluationResult:
    """What an evaluation found: rows (one per model), per-person metrics, meta."""

    rows: list[dict]
    per_person: pd.DataFrame
    meta: dict
    comparison: dict | None = None
    best: dict = field(default_factory=dict)   # {"ours": name, "peer": name, "metric": ...}
    folder: Path | None = None

    # --- views -----------------------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """One row per model; identifying columns first, then metrics as measured."""
        frame = pd.DataFrame(self.rows)
        if frame.empty:
            return pd.DataFrame(columns=list(ID_COLUMNS))
        first = [c for c in ID_COLUMNS if c in frame.columns]
        return frame[first + [c for c in frame.columns if c not in first]]

    def row(self, model: str) -> dict | None:
        return next((r for r in self.rows if r.get("model") == model), None)

    @property
    def main_metric(self) -> str:
        return self.meta.get("main_metric", "ndcg@10")

    def to_json(self) -> dict:
        """The ``--json`` object: settings, one result per model, best models, comparison."""
        return {
            "dataset": self.meta.get("dataset"),
            "protocol": self.meta.get("protocol"),
            "main_metric": self.main_metric,
            "results": [{k: _clean(v) for k, v in r.items()} for r in self.rows],
            "best": self.best,
            "comparison": None if self.comparison is None else
            {k: _clean(v) for k, v in self.comparison.items()},
            "meta": self.meta,
        }

    # --- disk ------------------------------------------------------------------------------
    def write(self, folder: str | Path) -> Path:
        """Write all four files into ``folder`` at once (replacing an older result there)."""
        folder = Path(folder)
        with atomic_folder(folder) as tmp:
            self.table().to_csv(tmp / "results.csv", index=False)
            (tmp / "results.json").write_text(json.dumps(self.to_json(), indent=2, default=str))
            self.per_person.to_parquet(tmp / "per_person.parquet", index=False)
            (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str))
        self.folder = folder
        return folder


def load_results(folder: str | Path) -> EvaluationResult:
    """Read a folder written by `EvaluationResult.write`."""
    folder = Path(folder)
    missing = [f for f in ("results.json", "meta.json") if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not an evaluation result folder (missing "
                                f"{', '.join(missing)}); run `movierec evaluate` first")
    body = json.loads((folder / "results.json").read_text())
    meta = json.loads((folder / "meta.json").read_text())
    people = folder / "per_person.parquet"
    per_person = pd.read_parquet(people) if people.is_file() else pd.DataFrame()
    rows = [{k: (math.nan if v is None else v) for k, v in r.items()} for r in body["results"]]
    return EvaluationResult(rows, per_person, meta, body.get("comparison"), body.get("best") or {},
                            folder)


def latest_results(root: str | Path | None = None) -> list[EvaluationResult]:
    """Every readable result under ``root`` (default: `evaluations_dir()`), newest first."""
    from movierec.paths import evaluations_dir

    base = Path(root) if root is not None else evaluations_dir()
    found = []
    for meta in sorted(base.glob("*/meta.json")):
        try:
            found.append(load_results(meta.parent))
        except (OSError, ValueError, KeyError):
            continue   # half-written or foreign folder: not a result
    return sorted(found, key=lambda r: str(r.meta.get("date", "")), reverse=True)


PUBLISHED = Path(__file__).resolve().parent / "published"   # shipped with the package


def published_results(root: str | Path | None = None) -> list[EvaluationResult]:
    """The results docs/REPORT.md was written from, shipped so a fresh app shows them
    (``meta["published"]`` is True); `publish` writes them."""
    found = latest_results(root if root is not None else PUBLISHED)
    for result in found:
        result.meta["published"] = True
    return found


def publish(results: list[EvaluationResult], target: str | Path = PUBLISHED) -> list[Path]:
    """Write each result's summary (results.json, meta.json; no per-person rows) under
    ``target/<dataset>-<tag>/``, replacing what was published before."""
    target = Path(target)
    written = []
    for result in results:
        name = f"{result.meta.get('dataset', 'data')}-{result.meta.get('tag', 'evaluation')}"
        with atomic_folder(target / name) as tmp:
            (tmp / "results.json").write_text(json.dumps(result.to_json(), indent=1,
                                                         default=str))
            (tmp / "meta.json").write_text(json.dumps(result.meta, indent=1, default=str))
        written.append(target / name)
    return written
