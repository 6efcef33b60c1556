"""App tooling commands: `movierec feedback export` and `movierec deploy` (Hugging Face Spaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from movierec.cli import render
from movierec.cli.main import app, fail

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
    data: str = typer.Option("ml-latest-small", "--data", "-d", help="Dataset the Space serves "
                             "(downloaded on its first start)."),
    token: Optional[str] = typer.Option(None, "--token", help="Hugging Face token with write "
                                        "access (default: HF_TOKEN)."),
    private: bool = typer.Option(False, "--private", help="Create the Space as private."),
):
    """Bundle the app for a Hugging Face Space (app.py, README front matter, requirements,
    the movierec source) and upload it, or write it to a folder with --dry-run."""
    from movierec.app import deploy as dep

    try:
        if dry_run is not None:
            bundle = dep.build_bundle(dry_run, space=space, data=data)
            table = Table(title=f"Space bundle for {space} in {dry_run}")
            table.add_column("file")
            table.add_column("bytes", justify="right")
            for rel, size in bundle.files:
                table.add_row(rel, f"{size:,}")
            table.add_row("[bold]total[/]", f"[bold]{bundle.total_bytes:,}[/]")
            render.console.print(table)
            render.console.print(f"{len(bundle.files)} files. Upload with: "
                                 f"movierec deploy --space {space} --data {data}", highlight=False)
            return
        url = dep.deploy(space, data=data, token=token, private=private,
                         progress=lambda m: render.err.print(m, highlight=False))
    except dep.DeployError as exc:
        fail(str(exc))
    render.console.print(f"[green]uploaded[/] {space}: {url}")
