"""`movierec report`: regenerate docs/REPORT.md (and figures) from evaluation runs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from movierec.cli import render
from movierec.cli.main import app, fail


@app.command()
def report(
    out: Path = typer.Option(Path("docs"), "--out", help="Folder for REPORT.md and figures/."),
    run: bool = typer.Option(False, "--run", help="Run the standard evaluations that have no "
                             "results yet (the documented full evaluation) before writing."),
    rerun: bool = typer.Option(False, "--rerun", help="Run every standard evaluation again."),
    results: Optional[Path] = typer.Option(None, "--results", help="Folder holding evaluation "
                                           "result folders (default: MOVIEREC_HOME/evaluations)."),
    max_users: Optional[int] = typer.Option(None, "--max-users", help="With --run: cap the "
                                            "test people per evaluation (quick runs)."),
    neural: bool = typer.Option(True, "--neural/--no-neural", help="Train (or load) the neural "
                                "models on ML-100k for their architecture and training curves."),
    publish: bool = typer.Option(False, "--publish", help="Also ship the report's evaluation "
                                 "results with the package (the app's Evaluation tab shows "
                                 "them out of the box)."),
):
    """Write the project report from the prepared data, fitted models and evaluation results."""
    from movierec.evaluation.report import build_report, gather
    from movierec.evaluation.suite import STANDARD_RUNS, TUNED_RUNS, run_suite

    if results is not None and not results.is_dir():
        fail(f"--results {results}: no such folder (give the folder that holds the evaluation "
             "result folders, e.g. MOVIEREC_HOME/evaluations)")
    say = lambda m: render.err.print(f"[dim]{m}[/]", highlight=False)  # noqa: E731
    try:
        if run or rerun:
            run_suite(STANDARD_RUNS + TUNED_RUNS, root=results, rerun=rerun,
                      max_users=max_users, say=say)
        inputs = gather(root=results, neural=neural, say=say)
        path = build_report(inputs, out)
        if publish:
            from movierec.evaluation.results import publish as ship

            shipped = ship([r for r in inputs.results.values() if r is not None])
            say(f"published {len(shipped)} results with the package")
    except FileNotFoundError as exc:
        fail(str(exc))
    missing = [spec.command() for spec, r in (*inputs.results.items(), *inputs.tuned.items())
               if r is None]
    render.console.print(f"[green]wrote[/] {path}", highlight=False)
    if missing:
        render.console.print("[yellow]missing evaluations[/] (run them, or `movierec report "
                             "--run`):\n  " + "\n  ".join(missing), highlight=False)
