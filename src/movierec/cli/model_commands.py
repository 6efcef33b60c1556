"""`movierec recommend`, `movierec train` and `movierec methods`: thin over the service."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from movierec.cli import render
from movierec.cli.main import (DataDirOpt, DataOpt, JsonOpt, app, failing_clearly, open_dataset,
                               open_service)
from movierec.service.methods import DEFAULT_METHOD

MethodOpt = typer.Option("", "--method", "-m", show_default=False,
                         help="Recommendation method (see `movierec methods`; default: the "
                         "one that validated best when `movierec tune` ran on this data, else "
                         f"{DEFAULT_METHOD}).")
OptionOpt = typer.Option(None, "--option", "-o", help="Model option as key=value (repeatable), "
                         "e.g. -o strategy=explore for cluster.")


@app.command()
def recommend(
    picks: Optional[list[str]] = typer.Argument(None, help='Three or more movies you love, e.g. '
                                                '"Toy Story" "Finding Nemo" "Up"; "Heat=4.5" '
                                                'rates one, "tmdb:862" / "imdb:tt0114709" / '
                                                '"ml:1" pick by id (optional with --import or '
                                                '--mood).'),
    method: str = MethodOpt,
    k: int = typer.Option(10, "-k", "--top", help="How many movies to recommend (1-100)."),
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
    history: Optional[Path] = typer.Option(None, "--import", help="Your history: a Letterboxd "
                                           "export (zip, ratings.csv, diary.csv or watched.csv), "
                                           "an IMDb ratings export, a MovieLens export, or a CSV "
                                           "of title[,year][,rating]."),
    mood: Optional[str] = typer.Option(None, "--mood", help='What you are in the mood for, e.g. '
                                       '"slow-burn 70s paranoia thriller".'),
    diversity: str = typer.Option("0", "--diversity", help="0 (the method's own list) to 1 "
                                  "(as varied in genres and keywords as its top 50 allow)."),
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    as_json: bool = JsonOpt,
):
    """Recommend movies for someone who loves the given movies, with a reason for each."""
    from movierec.service import Settings, parse_method
    from movierec.service.api import imported, pick_specs
    from movierec.service.request import parse_option_pairs

    with failing_clearly(as_json):
        if method:
            parse_method(method)                  # an unknown method fails before any loading
        settings = Settings(method=method, k=k, year_from=from_year, year_to=to_year, era=era,
                            genres=tuple(genre or ()), exclude_genres=tuple(exclude_genre or ()),
                            language=language, min_votes=min_votes,
                            options=parse_option_pairs(option), diversity=diversity)
        specs = pick_specs(picks or [], like, dislike)
    service = open_service(data, data_dir, quiet=as_json)
    with failing_clearly(as_json), render.stage_progress(not as_json) as say:
        answer = service.recommend(specs, settings, progress=say,
                                   history=imported(service, history), mood=mood)
    if as_json:
        render.print_json(answer.to_json())
        return
    for note in answer.notes:
        render.err.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    if answer.history:
        render.console.print(render.import_text(answer.history), highlight=False)
    if answer.mood:
        understood = ", ".join(answer.mood["understood"]) or "no constraint"
        render.console.print(f"Mood: {escape(answer.mood['text'])} (read as: "
                             f"{escape(understood)}; matched by {answer.mood['by']})",
                             highlight=False)
    if answer.picks:
        render.console.print("You picked: " + "; ".join(p["label"] for p in answer.picks[:10])
                             + (" ..." if len(answer.picks) > 10 else ""), highlight=False)
    if not answer.results:
        render.console.print(f"[yellow]{escape(answer.message)}[/]", highlight=False)
        return
    rows = [r.to_json() for r in answer.results]
    render.console.print(render.movies_table(rows, f"{answer.method} recommendations",
                                             extra=("score", "explanation")))


@app.command()
def train(
    method: str = typer.Argument(..., help="Method to train (see `movierec methods`)."),
    option: Optional[list[str]] = OptionOpt,
    engine: str = typer.Option("local", "--engine", help="local (this machine) or spark "
                               "(als only: pyspark MLlib, see --master)."),
    master: str = typer.Option("local[2]", "--master", help="With --engine spark: the Spark "
                               "master (local[N], spark://HOST:7077, yarn)."),
    stage: Optional[str] = typer.Option(None, "--stage", help="With --engine spark on a "
                                        "cluster: shared storage for the ratings parquet "
                                        "(s3a://..., hdfs://...; default: sent from memory)."),
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    as_json: bool = JsonOpt,
):
    """Fit a method on a dataset and save it (npz + JSON, tagged with the data fingerprint).

    ``--engine spark`` fits ALS on a Spark cluster and saves it in the same format, so
    `recommend`, the app and `evaluate` serve it like an ALS fitted here."""
    from movierec.models.trained import fit
    from movierec.service import parse_method
    from movierec.service.errors import ServiceError
    from movierec.service.request import check_options, parse_option_pairs

    with failing_clearly(as_json):
        choice = parse_method(method)
        options = check_options(choice, parse_option_pairs(option))
        if engine not in ("local", "spark"):
            raise ServiceError("bad_argument", f"--engine must be local or spark, not {engine!r}")
        if engine == "spark" and choice.name != "als":
            raise ServiceError("bad_argument", f"only als trains on Spark, not {choice.key}")
    dataset = open_dataset(data, data_dir, quiet=as_json)
    with failing_clearly(as_json), render.stage_progress(not as_json) as say:
        try:
            if engine == "spark":
                fitted = _fit_on_spark(dataset, choice.name, options, master, stage, say)
            else:
                fitted = fit(choice.name, dataset, options or None, reuse=False, progress=say)
        except ImportError as exc:
            raise ServiceError("method_unavailable", f"{choice.key} is not available here: {exc}")
        except Exception as exc:  # noqa: BLE001 - Spark's own errors (Py4J, Java missing)
            if engine != "spark":
                raise
            raise ServiceError("method_unavailable", f"Spark could not fit {choice.key} on "
                               f"{master}: {type(exc).__name__}: {str(exc)[:300]}")
    from movierec.models.scaling import scaled_settings
    from movierec.models.tuned import tuned_options

    model, cost = fitted.model, fitted.cost()
    tuned = not options and engine == "local" and bool(
        tuned_options(dataset.name, dataset.fingerprint, choice.name))
    scaled = scaled_settings(model.name, model.config, dataset.ratings.matrix)
    result = {"model": model.name, "dataset": dataset.name, "config": model.config_dict(),
              "scaled": scaled, "engine": engine,
              **({"master": master} if engine == "spark" else {}), "tuned": tuned, **cost}
    if getattr(model, "selection", None):
        result["selection"] = model.selection
    if as_json:
        render.print_json({"results": [result]})
        return
    where = f" on Spark ({master})" if engine == "spark" else ""
    render.console.print(f"[green]trained {model.name}[/] on {dataset.name}{where} in "
                         f"{cost['fit_seconds']:.1f} s; {cost['bytes'] / 1e6:.1f} MB at "
                         f"{cost['path']}", highlight=False)
    if tuned:
        render.console.print(f"with the settings movierec tune chose for {dataset.name} on "
                             "validation people", highlight=False)
    if scaled:
        render.console.print("settings scaled with the data: " + ", ".join(
            f"{k}={v:g}" for k, v in scaled.items()), highlight=False)
    if result.get("selection"):
        render.console.print(render.selection_text(model.name, result["selection"]),
                             highlight=False)


def _fit_on_spark(dataset, method: str, options: dict, master: str, stage, say):
    """ALS fitted by Spark MLlib, saved where `recommend --method als` loads it."""
    import time

    from movierec.models.als import ALSConfig
    from movierec.models.spark_als import fit_on_spark
    from movierec.models.trained import store

    t0 = time.perf_counter()
    model = fit_on_spark(dataset, ALSConfig(**options), master=master, progress=say,
                         stage=stage)
    say("saving als")
    return store(model, dataset, method, options or None, time.perf_counter() - t0,
                 engine="spark", master=master)


@app.command()
def methods(as_json: bool = JsonOpt):
    """List the recommendation methods (and presets, such as the cluster strategies)."""
    from movierec.service import method_choices

    choices = method_choices()
    if as_json:
        render.print_json({"default": DEFAULT_METHOD, "results": [
            {"method": c.key, "model": c.name, "options": c.options,
             "description": c.description} for c in choices]})
        return
    for c in choices:
        default = " [dim](default)[/]" if c.key == DEFAULT_METHOD else ""
        render.console.print(f"[bold]{escape(c.key):<18}[/] {escape(c.description)}{default}")
    render.console.print("[dim]After `movierec tune` on a dataset, its default is the method "
                         "that validated best there.[/]", highlight=False)


@app.command()
def together(
    members: list[str] = typer.Argument(..., help='2 to 8 people, each "Name: title; title; '
                                        'title" or "Name: @export.csv" (an imported history).'),
    strategy: str = typer.Option("fair", "--strategy", "-s", help="fair (everyone above their "
                                 "own median, the least served first), average, or "
                                 "least_misery."),
    method: str = MethodOpt,
    k: int = typer.Option(10, "-k", "--top", help="How many movies (1-100)."),
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    as_json: bool = JsonOpt,
):
    """One list for a group that no one hates, with each member's predicted satisfaction."""
    from movierec.service import Settings, parse_method
    from movierec.service.api import member_of

    with failing_clearly(as_json):
        if method:
            parse_method(method)
    service = open_service(data, data_dir, quiet=as_json)
    with failing_clearly(as_json), render.stage_progress(not as_json) as say:
        group = [member_of(service, text, i + 1) for i, text in enumerate(members)]
        answer = service.together(group, Settings(method=method or service.default_method,
                                                  k=k), strategy, progress=say)
    if as_json:
        render.print_json(answer.to_json())
        return
    for member in answer.members:
        picks = "; ".join(member["picks"][:5]) + (" ..." if len(member["picks"]) > 5 else "")
        render.console.print(f"[bold]{escape(member['name'])}[/]: {escape(picks)} (mean "
                             f"satisfaction {member['satisfaction_mean']:.0%})", highlight=False)
    render.console.print(render.group_table(answer))
