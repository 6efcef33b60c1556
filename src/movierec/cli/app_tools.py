"""App tooling commands: `movierec feedback export` and `movierec deploy` (Hugging Face Spaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from movierec.cli import render
from movierec.cli.main import app, fail, failing_clearly
from movierec.data import DEFAULT_SOURCE

feedback_app = typer.Typer(help="The thumbs up/down people gave in the app.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="File to write (default: stdout)."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or json."),
    db: Optional[Path] = typer.Option(None, "--db", help="Feedback database (default: "
                                      "MOVIEREC_HOME/app/feedback.sqlite)."),
):
    """Write every feedback row (session, method, movie, verdict, picks...) as CSV or JSON."""
    from movierec.service.feedback import FORMATS, FeedbackError, FeedbackStore

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if db is not None and not db.is_file():
        fail(f"no feedback database at {db}")
    try:
        store = FeedbackStore(db, create=db is None)
        n = store.export(out, fmt)
    except (FeedbackError, OSError) as exc:
        fail(str(exc))
    if out is not None:
        render.err.print(f"wrote {n:,} feedback rows to {out}", highlight=False)


@app.command()
def deploy(
    space: str = typer.Option(..., "--space", help="Hugging Face Space id, OWNER/NAME."),
    dry_run: Optional[Path] = typer.Option(None, "--dry-run", help="Write the bundle to this "
                                           "folder and list it instead of uploading."),
    data: str = typer.Option(DEFAULT_SOURCE, "--data", "-d", help="Dataset the Space "
                             "serves (shipped prepared, with its fitted default method)."),
    method: Optional[str] = typer.Option(None, "--method", "-m", help="Method fitted and "
                                         "shipped as the Space's default (default: hybrid)."),
    artifacts: bool = typer.Option(True, "--artifacts/--no-artifacts", help="Ship the "
                                   "prepared data and fitted model (else the Space downloads "
                                   "and prepares them on its first start)."),
    token: Optional[str] = typer.Option(None, "--token", help="Hugging Face token with write "
                                        "access (default: HF_TOKEN)."),
    private: bool = typer.Option(False, "--private", help="Create the Space as private."),
):
    """Bundle the app for a Hugging Face Space (app.py, README front matter, requirements,
    the movierec source, the prepared data and fitted model) and upload it, or write it to
    a folder with --dry-run."""
    from movierec.app import deploy as dep

    say = (lambda m: render.err.print(m, highlight=False, markup=False))
    try:
        with failing_clearly():
            if dry_run is not None:
                bundle = dep.build_bundle(dry_run, space=space, data=data, method=method,
                                          artifacts=artifacts, progress=say)
                _print_bundle(bundle, space, dry_run, data)
                return
            url = dep.deploy(space, data=data, token=token, private=private, method=method,
                             artifacts=artifacts, progress=say)
    except dep.DeployError as exc:
        fail(str(exc))
    render.console.print(f"[green]uploaded[/] {space}: {url}")


def _print_bundle(bundle, space: str, folder: Path, data: str) -> None:
    """The bundle's files (folders of the home summed) and its size against the 500 MB aim."""
    table = Table(title=f"Space bundle for {space} in {folder}")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    source = [(rel, size) for rel, size in bundle.files if rel.startswith("movierec/")]
    for rel, size in bundle.files:
        if not rel.startswith("movierec/"):
            table.add_row(rel, f"{size:,}")
    table.add_row(f"movierec/ ({len(source)} source files)", f"{sum(s for _, s in source):,}")
    table.add_row("[bold]total[/]", f"[bold]{bundle.total_bytes:,}[/]")
    render.console.print(table)
    render.console.print(f"{len(bundle.files)} files, {bundle.total_bytes / 1e6:.1f} MB "
                         f"(Hub LFS takes the large ones; aim: at most 500 MB). Upload with: "
                         f"movierec deploy --space {space} --data {data}", highlight=False)
