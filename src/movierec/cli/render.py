"""Turning library results into rich tables and JSON for the terminal."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from movierec.data.dataset import Dataset
from movierec.data.report import PrepareReport

console = Console(stderr=False)
err = Console(stderr=True)


def print_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


@contextmanager
def stage_progress(enabled: bool = True) -> Iterator:
    """A spinner that shows the current stage of long work (on stderr, so --json stays clean)."""
    if not enabled:
        yield lambda _msg: None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def say(message: str) -> None:
            bar.update(task, description=message)

        yield say


def report_table(report: PrepareReport) -> Table:
    table = Table(title="Cleaning report", show_lines=False)
    for col in ("file", "rows read", "kept", "dropped", "why dropped / repaired"):
        table.add_column(col, justify="right" if col in ("rows read", "kept", "dropped") else "left")
    for f in report.files.values():
        def eg(reason: str) -> str:
            shown = f.examples.get(reason) or []
            return f" (e.g. {shown[0]!r})" if shown else ""

        why = [f"{n:,} {reason}{eg(reason)}" for reason, n in f.dropped.most_common()]
        why += [f"{n:,} repaired: {what}{eg(what)}" for what, n in f.fixed.most_common()]
        table.add_row(escape(f.file), f"{f.read:,}", f"{f.kept:,}", f"{f.dropped_total:,}",
                      escape("\n".join(why)) or "-")
    return table


def summary_table(dataset: Dataset) -> Table:
    s = dataset.summary()
    table = Table(title=f"Prepared dataset: {dataset.name}")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("users", f"{s['users']:,}")
    table.add_row("movies in catalog", f"{s['movies']:,}")
    table.add_row("movies with ratings", f"{s['rated_movies']:,}")
    table.add_row("ratings", f"{s['ratings']:,}")
    table.add_row("density (of rated movies)", f"{s['density']:.4%}")
    table.add_row("fingerprint", s["fingerprint"])
    if "artifact" in dataset.manifest:
        table.add_row("artifact", str(dataset.manifest["artifact"]))
    return table


def coverage_table(dataset: Dataset) -> Table:
    table = Table(title="Catalog fields present")
    table.add_column("field")
    table.add_column("movies", justify="right")
    n = len(dataset.catalog)
    for name, share in dataset.catalog.field_coverage().items():
        if name in ("source_item_id",):
            continue
        table.add_row(name, f"{share:.1%} ({round(share * n):,})")
    return table


def movies_table(rows: list[dict], title: str, extra: tuple[str, ...] = ()) -> Table:
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("title")
    table.add_column("year", justify="right")
    table.add_column("genres")
    for col in extra:
        table.add_column(col.replace("_", " "), justify="right" if col in ("score", "confidence") else "left")
    for i, row in enumerate(rows, 1):
        cells = [str(i), str(row.get("title") or ""), str(row.get("year") or ""),
                 ", ".join(row.get("genres") or [])]
        for col in extra:
            value = row.get(col)
            cells.append(f"{value:.3f}" if isinstance(value, float) else str(value if value is not None else ""))
        table.add_row(*cells)
    return table


def selection_text(method: str, selection: dict) -> str:
    """One readable paragraph for a choice a model made at fit time (hybrid weight, k)."""
    if "note" in selection:
        return f"{method}: {selection['note']}"
    grid, scores = selection.get("grid", []), selection.get("scores", [])
    metric = selection.get("metric", "score")
    pairs = ", ".join(f"{g:g}: {s:.4f}" for g, s in zip(grid, scores))
    chosen = {k: v for k, v in selection.items() if k not in ("grid", "scores", "metric")}
    said = ", ".join(f"{k}={v}" for k, v in chosen.items())
    return f"{method} chose {said} by {metric}" + (f" ({pairs})" if pairs else "")


def import_text(report: dict) -> str:
    """The import report in a few lines: counts, then the ambiguous and unmatched rows."""
    lines = [f"Imported {report['format']}: {report['matched']:,} of {report['rows']:,} rows "
             f"matched ({report['rated']:,} rated, {report['excluded']:,} left out of the "
             f"answer) in {report['seconds']:.2f} s"]
    for row in report["ambiguous"][:5]:
        lines.append(f"  ambiguous, line {row['line']}: {escape(row['title'])} -> "
                     f"{escape(row['chosen'])} (also: {escape(', '.join(row['others']))})")
    for row in report["unmatched"][:10]:
        lines.append(f"  unmatched, line {row['line']}: {escape(row['title'])}: "
                     f"{escape(row['reason'])}")
    more = len(report["unmatched"]) - 10
    if more > 0:
        lines.append(f"  ... and {more:,} more unmatched (--json lists them all)")
    return "\n".join(lines)


def group_table(answer) -> Table:
    names = [m["name"] for m in answer.members]
    table = Table(title=f"Together: {answer.method}, {answer.strategy}")
    table.add_column("#", justify="right")
    table.add_column("movie")
    for name in names:
        table.add_column(escape(name), justify="right")
    table.add_column("why")
    for r, sat in zip(answer.results, answer.satisfaction):
        table.add_row(str(r.rank), escape(r.label), *[f"{sat[n]:.0%}" for n in names],
                      escape(r.explanation))
    return table
