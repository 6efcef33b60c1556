"""`movierec tune`: search settings on validation people; every later fit of the data uses
them (see `movierec.evaluation.tuning`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from movierec.cli import render
from movierec.cli.evaluate_commands import _progress
from movierec.cli.main import DataDirOpt, DataOpt, JsonOpt, app, fail, open_dataset

NESTED = ("cf_options", "member_options")   # a composite's members' settings: shown with them
TUNE_MISSING = ("movierec tune needs optuna, which is not installed; install it with: "
                "pip install 'movierec[tune]'")


def _names(spec: str, every: tuple[str, ...], peers: bool = False) -> list[str]:
    from movierec.evaluation import peers as peer_lib

    from movierec.evaluation.choice import chosen_names

    names = chosen_names((spec or "").lower())
    if names is None:
        return list(every)
    return [peer_lib.peer_key(n) for n in names] if peers else names


@app.command()
def tune(
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    models: str = typer.Option("all", "--models", "-m",
                               help="'all' or comma-separated methods to tune."),
    peers: str = typer.Option("all", "--peers",
                              help="'all', 'none' or comma-separated peers (implicit-als, "
                              "implicit-bpr, implicit-lmf, cornac-ease; cornac-recvae only when "
                              "named: its fits are slow), tuned with the same "
                              "budget."),
    picks: int = typer.Option(3, "--picks", help="Liked movies each validation person names."),
    fold_in: Optional[float] = typer.Option(None, "--fold-in", help="Instead of --picks: the "
                                            "share of each validation person's liked movies "
                                            "folded in, e.g. 0.8."),
    trials: int = typer.Option(30, "--trials", help="Trials per method (the defaults are the "
                               "first; finished trials of an earlier run count)."),
    minutes: Optional[float] = typer.Option(None, "--minutes", help="Time budget for the "
                                            "whole run, shared equally by every method."),
    seed: int = typer.Option(0, "--seed", help="Seed of the validation people and the search."),
    as_json: bool = JsonOpt,
):
    """Search each method's settings on validation people carved from the training people
    (optuna TPE; resumable); `recommend`, the app, `train` and `evaluate` then use them."""
    from movierec.evaluation.tuning import DEFAULT_PEERS, TUNABLE, TuneError
    from movierec.evaluation.tuning import tune as run_tune
    from movierec.models.tuned import tuning_dir

    try:
        import optuna  # noqa: F401
    except ImportError:
        fail(TUNE_MISSING, as_json)
    if trials < 1:
        fail(f"--trials must be at least 1, not {trials}", as_json)
    if minutes is not None and minutes <= 0:
        fail(f"--minutes must be more than 0, not {minutes:g}", as_json)
    if fold_in is not None and not 0 < fold_in < 1:
        fail(f"--fold-in is a share between 0 and 1 (e.g. 0.8), not {fold_in:g}", as_json)
    try:
        ours, theirs = _names(models, TUNABLE), _names(peers, DEFAULT_PEERS, peers=True)
    except KeyError as exc:
        fail(str(exc.args[0]), as_json)
    dataset = open_dataset(data, data_dir, quiet=as_json)
    try:
        with _progress(not as_json) as say:
            result = run_tune(dataset, ours, theirs, None if fold_in else picks, fold_in,
                              trials, minutes, seed, say)
    except TuneError as exc:
        fail(str(exc), as_json)
    from movierec.evaluation.runner import protocol_tag

    folder = tuning_dir(dataset.name, dataset.fingerprint,
                        protocol_tag("heldout-users", None if fold_in else picks, fold_in))
    if as_json:
        render.print_json({"dataset": dataset.name, "folder": str(folder),
                           "results": [{"model": name, **{k: v for k, v in rec.items()
                                                          if k != "search"}}
                                       for name, rec in result.items()]})
        return
    table = Table(title=f"{dataset.name}: settings searched on "
                  f"{next(iter(result.values()))['people'] if result else 0} validation people "
                  "(NDCG@10)")
    for col in ("method", "kind", "defaults", "tuned", "trials", "chosen settings"):
        table.add_column(col, justify="left" if col in ("method", "kind", "chosen settings")
                         else "right")
    for name, rec in sorted(result.items(), key=lambda kv: -kv[1]["validation_ndcg@10"]):
        chosen = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in rec["options"].items()
                           if k not in NESTED) or "(the defaults)"
        table.add_row(name, rec["kind"], f"{rec['defaults_ndcg@10']:.4f}",
                      f"{rec['validation_ndcg@10']:.4f}", str(rec["trials"]), chosen)
    render.console.print(table)
    render.console.print(f"[dim]saved in {folder}; every fit of this data now uses them[/]",
                         highlight=False)
