"""`movierec evaluate`: our models and the peers on the same splits, one table, saved results."""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from movierec.cli import render
from movierec.cli.main import DataDirOpt, DataOpt, JsonOpt, app, fail, open_dataset

PROTOCOL_HELP = ("ratings (RMSE/MAE; ML-100k u1..u5, else k-fold), heldout-users (new people "
                 "folded in from their picks), per-user (random 20% of each person held out), "
                 "temporal (each person's last 20%), groups (watch together: groups of "
                 "held-out people), mood (queries in words built from the catalog) or "
                 "session (5 rounds of 10 answered by held-out ratings: static, refine, "
                 "exploring; and the diversity dial).")


@contextmanager
def _progress(enabled: bool) -> Iterator:
    """A bar over the whole run (on stderr, so --json stays clean): 'fitting als on u2 (2/5)'."""
    if not enabled:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  console=render.err, transient=True) as bar:
        task = bar.add_task("starting", total=1.0)

        def say(message: str, fraction: float) -> None:
            bar.update(task, description=message, completed=min(1.0, max(0.0, fraction)))

        yield say


def _cell(row: dict, metric: str, digits: int = 3) -> str:
    value = row.get(metric)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return "-"
    low, high = row.get(f"{metric}_low"), row.get(f"{metric}_high")
    if all(isinstance(v, float) and math.isfinite(v) for v in (low, high)):
        return f"{value:.{digits}f} ±{(high - low) / 2:.{digits}f}"
    return f"{value:.{digits}f}"


def _number(value, fmt: str) -> str:
    return format(value, fmt) if isinstance(value, (int, float)) and math.isfinite(value) else "-"


def results_table(result) -> Table:
    """One rich table: main metrics ± CI half-width, fit time and latency; failed models
    last (their errors are printed under the table by `comparison_lines`)."""
    meta = result.meta
    k = meta.get("k", 10)
    ratings = meta.get("protocol") == "ratings"
    metrics = (["rmse", "mae"] if ratings else
               [f"ndcg@{k}", f"recall@{k}", f"precision@{k}", f"hit@{k}", "mrr",
                f"coverage@{k}", f"diversity@{k}", f"novelty@{k}"])
    main = result.main_metric

    def rank(row: dict) -> tuple[bool, float]:   # best first, unmeasured last
        value = row.get(main)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return True, 0.0
        return False, value if ratings else -value

    rows = sorted((r for r in result.rows if r.get("status") == "ok"), key=rank)
    rows += [r for r in result.rows if r.get("status") != "ok"]
    tested = (f"{meta.get('ratings') or 0:,} test ratings" if ratings
              else f"{meta.get('people', 0):,} people")
    title = (f"{meta.get('dataset')}: {meta.get('tag')}, {len(meta.get('splits', []))} split(s), "
             f"{tested}, 95% bootstrap CI")
    table = Table(title=title)
    table.add_column("model")
    for name in metrics:
        table.add_column(name, justify="right")
    table.add_column("fit s", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    for r in rows:
        name = r["model"] if r.get("kind") == "ours" else f"[cyan]{r['model']}[/]"
        if r.get("status") != "ok":
            table.add_row(name, "[red]failed[/]", *[""] * (len(metrics) + 2))
            continue
        table.add_row(name, *[_cell(r, m, 4 if ratings else 3) for m in metrics],
                      _number(r.get("fit_seconds"), ".1f"), _number(r.get("latency_p50_ms"), ".1f"),
                      _number(r.get("latency_p99_ms"), ".1f"))
    return table


def comparison_lines(result) -> list[str]:
    """Why models failed, the best of ours and the best peer, and the paired test, in words."""
    best, comp = result.best, result.comparison
    metric = best.get("metric", result.main_metric)
    lines = [f"[red]{escape(r['model'])} failed:[/] {escape(str(r.get('error')))}"
             for r in result.rows if r.get("status") != "ok"]
    if best.get("ours"):
        lines.append(f"best of our models by {metric}: [bold]{best['ours']}[/]"
                     + (f"; best peer: [cyan]{best['peer']}[/]" if best.get("peer") else ""))
    if comp:
        unit = "per-person MSE" if comp["paired_on"] == "mse" else comp["paired_on"]
        verdict = "significant" if comp["p_value"] < 0.05 else "not significant"
        lines.append(
            f"{comp['ours']} vs {comp['peer']}: {metric} {comp['ours_value']:.4f} vs "
            f"{comp['peer_value']:.4f} (x{comp['ratio']:.2f}); paired difference in {unit} "
            f"{comp['diff']:+.4f} [{comp['low']:+.4f}, {comp['high']:+.4f}], "
            f"p={comp['p_value']:.3g} "
            f"over {comp['people']:,} {'person-folds' if comp['paired_on'] == 'mse' else 'people'} "
            f"({verdict}; CIs {'overlap' if comp['ci_overlap'] else 'do not overlap'})")
    return lines


@app.command()
def evaluate(
    data: str = DataOpt,
    data_dir: Optional[Path] = DataDirOpt,
    protocol: str = typer.Option("heldout-users", "--protocol", "-p", help=PROTOCOL_HELP),
    picks: int = typer.Option(3, "--picks", help="Liked movies each held-out person names."),
    fold_in: Optional[float] = typer.Option(None, "--fold-in", help="Instead of --picks: the "
                                            "share of each held-out person's liked movies "
                                            "folded in, e.g. 0.8."),
    models: str = typer.Option("all", "--models", "-m", help="'all' or comma-separated names "
                               "(from 5M ratings on, 'all' leaves out the methods slow to fit "
                               "there and says which)."),
    peers: str = typer.Option("all", "--peers", help="'all', 'none' or comma-separated peer names "
                              "(implicit-als, implicit-bpr, implicit-lmf, cornac-ease, "
                              "popular, random, surprise-svd, surprise-svdpp, "
                              "surprise-knnbaseline; cornac-recvae only when named)."),
    k: int = typer.Option(10, "-k", "--top", help="List length the headline metrics use."),
    folds: Optional[int] = typer.Option(None, "--folds", help="ratings: k-fold count (default 5, "
                                        "one split from 5M ratings on; ML-100k uses u1..u5); "
                                        "heldout-users: test everyone over "
                                        "this many splits (default: one split of 20% of people)."),
    max_users: Optional[int] = typer.Option(None, "--max-users",
                                            help="Evaluate at most this many people."),
    seed: int = typer.Option(0, "--seed", help="Seed of the splits and the bootstrap."),
    refit: bool = typer.Option(False, "--refit", help="Fit every model afresh and save no fits "
                               "(by default a fit on exactly the same training data, saved by an "
                               "earlier run under MOVIEREC_HOME/models, is reused)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Result folder (default: "
                                       "MOVIEREC_HOME/evaluations/DATASET-PROTOCOL)."),
    tune_trials: Optional[int] = typer.Option(
        None, "--tune", help="heldout-users: first tune every tunable method and peer on "
        "each split's own validation people (carved from its training people; this many "
        "trials each, resumable), then evaluate what won on the test people (needs "
        "movierec[tune])."),
    as_json: bool = JsonOpt,
):
    """Evaluate recommenders honestly: same splits, same recommend() as the app, CIs, peers."""
    from movierec.evaluation.runner import PROTOCOLS, protocol_tag, run_evaluation
    from movierec.evaluation.studies import STUDIES
    from movierec.paths import evaluations_dir

    if protocol not in PROTOCOLS + STUDIES:
        fail(f"unknown protocol {protocol!r}; choose one of: "
             f"{', '.join(PROTOCOLS + STUDIES)}", as_json)
    if protocol in STUDIES:
        _study(protocol, data, data_dir, models, seed, out, as_json)
        return
    if tune_trials is not None and protocol != "heldout-users":
        fail("--tune applies to the heldout-users protocol only", as_json)
    for name, value in (("-k", k), ("--picks", picks), ("--max-users", max_users),
                        ("--tune", tune_trials)):
        if value is not None and value < 1:
            fail(f"{name} must be at least 1, not {value}", as_json)
    if folds is not None and folds < 2:
        fail(f"--folds must be at least 2 (a split needs people or ratings to train on and to "
             f"test), not {folds}", as_json)
    if fold_in is not None and not 0 < fold_in < 1:
        fail(f"--fold-in is a share of each person's liked movies, between 0 and 1 (e.g. 0.8), "
             f"not {fold_in:g}", as_json)
    dataset = open_dataset(data, data_dir, quiet=as_json)
    try:
        with _progress(not as_json) as say:
            result = run_evaluation(dataset, protocol, models, peers, picks, fold_in, k, folds,
                                    max_users, seed, say, reuse_fits=not refit,
                                    tune_trials=tune_trials)
    except (KeyError, ValueError) as exc:
        fail(str(exc.args[0]) if exc.args else str(exc), as_json)
    tag = protocol_tag(protocol, picks, fold_in) + (f"-tuned{tune_trials}" if tune_trials else "")
    folder = out or evaluations_dir() / f"{dataset.name}-{tag}"
    result.write(folder)
    if as_json:
        body = result.to_json()
        body["folder"] = str(folder)
        render.print_json(body)
        return
    render.console.print(results_table(result))
    for line in comparison_lines(result):
        render.console.print(line, highlight=False)
    for note in result.meta.get("notes", []):
        render.err.print(f"[yellow]note:[/] {note}", highlight=False)
    render.console.print(f"[dim]{result.meta['seconds']:.0f} s; results in {folder}[/]",
                         highlight=False)


def _study(study: str, data: str, data_dir, models: str, seed: int, out, as_json: bool) -> None:
    """``--protocol groups``, ``mood`` or ``session``: run the study, save it, print its
    table."""
    from movierec.evaluation.studies import folder, run_study, write_study
    from movierec.service.errors import ServiceError

    method = None if models in ("all", "", None) else models.split(",")[0]
    dataset = open_dataset(data, data_dir, quiet=as_json)
    try:
        with _progress(not as_json) as say:
            result = run_study(study, dataset, method, seed,
                               lambda m: say(m, 0.5) if say else None)
    except (KeyError, ValueError, ServiceError) as exc:
        fail(str(exc.args[0]) if exc.args else str(exc), as_json)
    target = out or folder(study, dataset.name)
    write_study(result, target)
    if as_json:
        render.print_json({**result, "folder": str(target)})
        return
    render.console.print(study_table(study, result))
    render.console.print(f"[dim]{result['seconds']:.0f} s; results in {target}[/]",
                         highlight=False)


def study_table(study: str, result: dict) -> Table:
    if study == "groups":
        table = Table(title=f"{result['dataset']}: groups of held-out people, {result['method']},"
                      f" per-member NDCG@{result['k']} ({result['people']} people)")
        for col in ("groups", "size", "strategy", "mean", "worst member", "mean vs average",
                    "worst vs average (p)", "alone"):
            table.add_column(col, justify="left" if col in ("groups", "strategy") else "right")
        for r in result["rows"]:
            table.add_row(r["kind"], str(r["size"]), r["strategy"], f"{r['ndcg_mean']:.3f}",
                          f"{r['ndcg_min']:.3f}", f"{r['mean_vs_average']:+.3f}",
                          f"{r['min_vs_average']:+.3f} ({r['min_p']:.2g})",
                          f"{r['alone_mean']:.3f}")
        return table
    if study == "session":
        from movierec.evaluation.sessions import session_settings_text

        tuned = result["exploring"]
        versus = {(c["a"], c["b"]): c for c in result["comparisons"]}
        table = Table(title=f"{result['dataset']}: sessions replayed, {result['method']}, "
                      f"{result['people']} test people, {result['rounds']} rounds of "
                      f"{result['shown']} (exploring: {session_settings_text(tuned)}, chosen "
                      "on validation people)")
        for col in ("policy", "liked by round (cumulative)", "last round 95% CI",
                    "NDCG@10 by round", "vs refine (p)"):
            table.add_column(col, justify="left" if col == "policy" else "right")
        for r in result["rows"]:
            c = versus.get((r["model"], "refine"))
            table.add_row(r["model"], " ".join(f"{v:.2f}" for v in r["liked_by_round"]),
                          f"{r['liked_last_low']:.2f} to {r['liked_last_high']:.2f}",
                          " ".join(f"{v:.3f}" for v in r["ndcg_by_round"]),
                          f"{c['diff']:+.2f} ({c['p_value']:.2g})" if c else "")
        return table
    if study == "cold-start":
        return _cold_start_table(result)
    table = Table(title=f"{result['dataset']}: moods in words, {result['queries']} test queries "
                  f"(share of meaning {result['share_chosen']} chosen on validation)")
    for col in ("queries", "way", "n", "hit@10", "ndcg@10", "vs words (p)"):
        table.add_column(col, justify="left" if col in ("queries", "way") else "right")
    for r in result["rows"]:
        versus = (f"{r['vs_baseline']:+.3f} ({r['p_value']:.2g})" if "vs_baseline" in r else "")
        table.add_row(r["queries"], r["way"], str(r["n"]), f"{r['hit@10']:.3f}",
                      _cell(r, "ndcg@10"), versus)
    return table


def _cold_start_table(result: dict) -> Table:
    versus = {c["a"] + "|" + c["b"]: c for c in result["comparisons"]}
    table = Table(title=f"{result['dataset']}: {result['cold_movies']} movies nobody rated in "
                  f"training, ranked for {result['people']} held-out people (NDCG@10)")
    for col in ("method", "kind", "ndcg@10", "recall@10",
                f"vs {result['best_collaborative']} (p)", "vs content (p)"):
        table.add_column(col, justify="left" if col in ("method", "kind") else "right")
    for r in result["rows"]:
        cells = []
        for other in (result["best_collaborative"], "content"):
            c = versus.get(f"{r['model']}|{other}")
            cells.append(f"{c['diff']:+.3f} ({c['p_value']:.2g})" if c else "")
        table.add_row(r["model"], r["kind"], _cell(r, "ndcg@10"), f"{r['recall@10']:.3f}",
                      *cells)
    return table
