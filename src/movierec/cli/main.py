"""The typer application and the data commands: download, prepare, info, search."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.markup import escape

from movierec.cli import render
from movierec.data import DEFAULT_SOURCE, SOURCES, MissingFileError, get_spec, load_dataset
from movierec.data.download import DownloadError
from movierec.data.rawfiles import DataError
from movierec.service.errors import ServiceError

app = typer.Typer(
    name="movierec",
    help="Name three movies you love; get movies you would watch next, with reasons.\n\n"
         "Data commands prepare datasets on first use and cache them under MOVIEREC_HOME.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DataOpt = typer.Option(DEFAULT_SOURCE, "--data", "-d", help="Dataset name (see `movierec info --list`).")
DataDirOpt = typer.Option(None, "--data-dir", help="Folder holding raw dataset folders/zips "
                          "(searched before MOVIEREC_DATA and the downloads folder).")
FromOpt = typer.Option(None, "--from", help="The dataset's own folder or original zip.")
MovieListOpt = typer.Option(None, "--movie-list", help="MovieLens movies.csv giving titles to "
                            "The Movies Dataset's movies that lack metadata (found automatically "
                            "next to the data when present).")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object instead of tables.")


def fail(problem: "str | ServiceError", as_json: bool = False, code: int = 2) -> None:
    """Stop with a clear message and a non-zero exit: on stderr, or with ``--json`` as
    ``{"error": {"code", "message", "suggestions"}}`` on stdout (the HTTP API's shape)."""
    error = problem if isinstance(problem, ServiceError) else ServiceError("bad_argument",
                                                                            str(problem))
    if as_json:
        render.print_json(error.to_json())
    else:
        render.err.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False,
                         soft_wrap=True)   # the terminal wraps: paths stay whole to copy
    raise typer.Exit(code)


@contextmanager
def failing_clearly(as_json: bool = False) -> Iterator[None]:
    """Turn the library's errors into `fail` (a message naming the bad value, exit 2)."""
    try:
        yield
    except ServiceError as exc:
        fail(exc, as_json)
    except KeyError as exc:          # an unknown dataset name
        fail(ServiceError("unknown_dataset", str(exc.args[0]) if exc.args else str(exc)),
             as_json)
    except (MissingFileError, DownloadError) as exc:
        fail(ServiceError("data_missing", str(exc)), as_json)
    except DataError as exc:
        fail(ServiceError("data_invalid", str(exc)), as_json)


def open_dataset(data: str, data_dir: Optional[Path] = None, from_path: Optional[Path] = None,
                 movie_list: Optional[Path] = None, force: bool = False, quiet: bool = False):
    """Load (preparing on first use) with a progress display; errors become clear messages."""
    with failing_clearly(quiet):
        get_spec(data)
        if from_path is None:
            data = obtained(data, data_dir, quiet)
        with render.stage_progress(not quiet) as say:
            return load_dataset(data, from_path=from_path, data_dir=data_dir,
                                movie_list=movie_list, force=force, progress=say)


def obtained(data: str, data_dir: Optional[Path] = None, quiet: bool = False) -> str:
    """The dataset to use: ``data``, downloaded first when its files are not here (or the
    fallback when Kaggle refuses, said on stderr). Errors are `DownloadError`s."""
    from movierec.data.obtain import obtain

    got = obtain(data, data_dir=data_dir, bars=not quiet,
                 progress=None if quiet else lambda m: render.err.print(m, markup=False))
    return got.name


def serving(data_dir: Optional[Path] = None) -> str:
    """The dataset `movierec serve` uses when none is named (see `serving_source`)."""
    from movierec.data.obtain import serving_source

    got = serving_source(data_dir, bars=True,
                         progress=lambda m: render.err.print(m, markup=False))
    return got.name


def open_service(data: str, data_dir: Optional[Path] = None, quiet: bool = False):
    """The `Service` of a dataset, with the dataset loaded (or prepared) under a progress bar."""
    from movierec.service import Service

    with failing_clearly(quiet):
        get_spec(data)
        data = obtained(data, data_dir, quiet)
        with render.stage_progress(not quiet) as say:
            service = Service(data, data_dir=str(data_dir) if data_dir else None, progress=say)
            service.dataset   # noqa: B018 - load it now, under the progress bar
    return service


@app.command()
def download(
    name: str = typer.Argument(DEFAULT_SOURCE, help="Dataset to fetch, e.g. ml-100k."),
    from_path: Optional[Path] = FromOpt,
):
    """Fetch a dataset from its original public location (or install a local folder/zip)."""
    from movierec.data import download as dl

    with failing_clearly():
        spec = get_spec(name)
        try:
            path = dl.download_from(spec.name, from_path) if from_path else dl.download(spec.name)
        except dl.DownloadError as exc:
            fail(str(exc))
    render.console.print(f"[green]{spec.name}[/] is in {path}")


@app.command()
def prepare(
    source: str = typer.Argument(DEFAULT_SOURCE, help="Dataset name, e.g. the-movies-dataset, ml-100k."),
    from_path: Optional[Path] = FromOpt,
    data_dir: Optional[Path] = DataDirOpt,
    movie_list: Optional[Path] = MovieListOpt,
    force: bool = typer.Option(False, "--force", help="Rebuild even if a fresh artifact exists."),
    as_json: bool = JsonOpt,
):
    """Clean and cache a dataset (catalog parquet + ratings CSR), then print what happened."""
    dataset = open_dataset(source, data_dir, from_path, movie_list, force=force, quiet=as_json)
    if as_json:
        render.print_json({"dataset": dataset.name, "summary": dataset.summary(),
                           "report": dataset.manifest.get("report"),
                           "coverage": dataset.manifest.get("coverage")})
        return
    render.console.print(render.report_table(dataset.report))
    for note in dataset.report.notes:
        render.console.print(f"[dim]- {note}[/]")
    render.console.print(render.summary_table(dataset))


@app.command()
def info(
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    list_sources: bool = typer.Option(False, "--list", help="List the datasets movierec knows."),
    as_json: bool = JsonOpt,
):
    """Describe a prepared dataset (or list the known datasets)."""
    if list_sources:
        rows = [{"name": s.name, "description": s.description, "url": s.url} for s in SOURCES.values()]
        if as_json:
            render.print_json({"results": rows})
        else:
            for row in rows:
                render.console.print(f"[bold]{row['name']}[/]  {row['description']}")
        return
    dataset = open_dataset(data, data_dir, quiet=as_json)
    if as_json:
        render.print_json({"dataset": dataset.name, "summary": dataset.summary(),
                           "coverage": dataset.catalog.field_coverage(),
                           "genres": dataset.catalog.all_genres()})
        return
    render.console.print(render.summary_table(dataset))
    render.console.print(render.coverage_table(dataset))
    render.console.print("genres: " + ", ".join(dataset.catalog.all_genres()))


@app.command()
def search(
    query: list[str] = typer.Argument(..., help="Title to look for (typos, years and accents are fine)."),
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    limit: int = typer.Option(10, "--limit", "-n", help="How many candidates to show (1-100)."),
    as_json: bool = JsonOpt,
):
    """Find movies by title: shows candidates with a confidence, and says when it is unsure."""
    from movierec.service.request import whole_number

    with failing_clearly(as_json):
        limit = whole_number(limit, "--limit", "bad_argument", 1, 100)
    service = open_service(data, data_dir, quiet=as_json)
    match = service.search(" ".join(query), limit)
    catalog = service.catalog
    rows = []
    for cand in match.candidates:
        rec = catalog.record(cand.index)
        rec.update(confidence=round(float(cand.confidence), 4), matched=cand.matched)
        rows.append(rec)
    if as_json:
        render.print_json({"query": match.query, "status": match.status,
                           "message": match.message(), "results": rows})
        return
    colour = {"exact": "green", "confident": "green", "ambiguous": "yellow"}.get(match.status, "red")
    render.console.print(f"[{colour}]{match.status}[/]: {escape(match.message())}", highlight=False)
    if rows:
        render.console.print(render.movies_table(rows, f"Candidates for {match.query!r}",
                                                 extra=("confidence", "tmdb_id", "imdb_id")))


# Commands defined in other modules register themselves on `app` when imported.
from movierec.cli import model_commands  # noqa: E402,F401
from movierec.cli import evaluate_commands  # noqa: E402,F401
from movierec.cli import app_tools  # noqa: E402,F401
from movierec.cli import app_commands  # noqa: E402,F401
from movierec.cli import report_commands  # noqa: E402,F401
from movierec.cli import tune_commands  # noqa: E402,F401
