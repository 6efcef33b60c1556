"""`movierec recommend` and `movierec train`: picks in, explained recommendations out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from movierec.cli import render
from movierec.cli.main import DataDirOpt, DataOpt, JsonOpt, app, fail, open_dataset
from movierec.models.filters import Filter
from movierec.models.profile import ProfileError

MethodOpt = typer.Option("hybrid", "--method", "-m", help="Recommendation method (see `movierec methods`).")
OptionOpt = typer.Option(None, "--option", "-o", help="Model option as key=value (repeatable), "
                         "e.g. -o strategy=explore for cluster.")


def parse_options(pairs: Optional[list[str]]) -> dict:
    """'key=value' strings -> typed options (JSON values where they parse, else strings)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            fail(f"option {pair!r} must look like key=value")
        key, value = pair.split("=", 1)
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value.strip()
    return out


def _model(method: str, dataset, options: dict, quiet: bool, retrain: bool = False):
    from movierec.models.registry import model_class
    from movierec.models.trained import load_or_train

    try:
        model_class(method)
    except KeyError as exc:
        fail(str(exc.args[0]))
    try:
        with render.stage_progress(not quiet) as say:
            return load_or_train(method, dataset, options, say, retrain=retrain)
    except (TypeError, ValueError, ImportError) as exc:
        fail(f"{method}: {exc}")


@app.command()
def recommend(
    picks: list[str] = typer.Argument(..., help='Three or more movies you love, e.g. "Toy Story" '
                                      '"Finding Nemo" "Up"; add a rating with "Heat=4.5".'),
    method: str = MethodOpt,
    k: int = typer.Option(10, "-k", "--top", help="How many movies to recommend."),
    like: Optional[list[str]] = typer.Option(None, "--like", help="Another movie you liked (repeatable)."),
    dislike: Optional[list[str]] = typer.Option(None, "--dislike", help="A movie you disliked (repeatable)."),
    from_year: Optional[int] = typer.Option(None, "--from-year", help="Only movies from this year on."),
    to_year: Optional[int] = typer.Option(None, "--to-year", help="Only movies up to this year."),
    era: str = typer.Option("any", "--era", help="old, new or any (relative to the newest movie)."),
    genre: Optional[list[str]] = typer.Option(None, "--genre", help="Only movies with this genre (repeatable)."),
    exclude_genre: Optional[list[str]] = typer.Option(None, "--exclude-genre", help="No movies with this genre."),
    language: Optional[str] = typer.Option(None, "--language", help="Original language, e.g. en, fr."),
    min_votes: int = typer.Option(0, "--min-votes", help="Only movies with at least this many votes."),
    option: Optional[list[str]] = OptionOpt,
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    as_json: bool = JsonOpt,
):
    """Recommend movies for someone who loves the given movies, with a reason for each."""
    from movierec.picks import resolve_picks
    from movierec.search import TitleIndex

    dataset = open_dataset(data, data_dir, quiet=as_json)
    index = TitleIndex(dataset.catalog.frame, dataset.catalog.popularity())
    try:
        resolved = resolve_picks(index, dataset.catalog, picks, like or [], dislike or [])
        resolved.profile.check(len(dataset.catalog))
        flt = Filter(year_min=from_year, year_max=to_year, era=era, genres_in=tuple(genre or ()),
                     genres_out=tuple(exclude_genre or ()), language=language, min_votes=min_votes)
    except (ProfileError, ValueError) as exc:
        fail(str(exc))
    model = _model(method, dataset, parse_options(option), as_json)
    recs = model.recommend(resolved.profile, k=k, candidates=flt)
    rows = recs.to_records(dataset.catalog)
    picks_out = dataset.catalog.records(resolved.profile.items)
    if as_json:
        render.print_json({"method": model.name, "dataset": dataset.name, "picks": picks_out,
                           "notes": resolved.notes, "results": rows})
        return
    for note in resolved.notes:
        render.err.print(f"[yellow]note:[/] {note}", highlight=False)
    render.console.print("You picked: " + "; ".join(dataset.catalog.label(i) for i in resolved.profile.items),
                         highlight=False)
    if not rows:
        if flt == Filter():
            render.console.print(f"[yellow]{model.name} has no evidence about these picks (nobody "
                                 "rated them in this dataset); try --method hybrid or content.[/]")
        else:
            render.console.print("[yellow]No movie passes these filters; loosen them and try again.[/]")
        return
    table = render.movies_table(rows, f"{model.name} recommendations", extra=("score", "explanation"))
    render.console.print(table)


@app.command()
def train(
    method: str = typer.Argument(..., help="Method to train (see `movierec methods`)."),
    option: Optional[list[str]] = OptionOpt,
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    as_json: bool = JsonOpt,
):
    """Fit a method on a dataset and save it (npz + JSON, tagged with the data fingerprint)."""
    from movierec.models.registry import model_class
    from movierec.models.trained import train as train_model

    dataset = open_dataset(data, data_dir, quiet=as_json)
    try:
        model_class(method)
        with render.stage_progress(not as_json) as say:
            model, cost = train_model(method, dataset, parse_options(option), say)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except (TypeError, ValueError, ImportError) as exc:
        fail(f"{method}: {exc}")
    result = {"model": model.name, "dataset": dataset.name, "config": model.config_dict(), **cost}
    if hasattr(model, "selection") and model.selection:
        result["selection"] = model.selection
    if as_json:
        render.print_json({"results": [result]})
        return
    render.console.print(f"[green]trained {model.name}[/] on {dataset.name} in {cost['fit_seconds']:.1f} s; "
                         f"{cost['bytes'] / 1e6:.1f} MB at {cost['path']}", highlight=False)
    if result.get("selection"):
        render.console.print(render.selection_text(model.name, result["selection"]), highlight=False)


@app.command()
def methods(as_json: bool = JsonOpt):
    """List the recommendation methods."""
    from movierec.models.registry import DESCRIPTIONS

    if as_json:
        render.print_json({"results": [{"method": k, "description": v} for k, v in DESCRIPTIONS.items()]})
        return
    for name, text in DESCRIPTIONS.items():
        render.console.print(f"[bold]{name:<11}[/] {text}")
