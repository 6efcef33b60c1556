"""`movierec report`: regenerate docs/REPORT.md and its figures from runs and prepared data.

Numbers come from three places only: the prepared datasets (counts, the cleaning report),
models fitted on them (choices made at fit time, example recommendations, neural training
curves) and evaluation result folders written by `movierec evaluate` / `report --run`.
Whatever is missing is said to be missing, with the command that produces it.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from movierec.evaluation import figures
from movierec.evaluation import report_text as text
from movierec.evaluation.results import EvaluationResult
from movierec.evaluation.studies import STANDARD_STUDIES, load_study
from movierec.evaluation.studies import command as study_command
from movierec.evaluation.report_quality import cold_start_section, tuned_section
from movierec.evaluation.suite import STANDARD_RUNS, TUNED_RUNS, check_targets, find_result
from movierec.evaluation.sessions import session_settings_text
from movierec.models.registry import DESCRIPTIONS, NEURAL, available, model_class

EXAMPLE = {"the-movies-dataset": ["Toy Story", "Finding Nemo", "Up"],
           "ml-100k": ["Toy Story", "Aladdin", "The Lion King"]}
SHOWN_METRICS = ("ndcg@10", "recall@20", "map@10", "mrr", "coverage@10", "diversity@10", "novelty@10",
                 "arp@10")


@dataclass
class ReportInputs:
    """Everything the report is written from (gathered once, then rendered)."""

    datasets: dict = field(default_factory=dict)              # name -> Dataset
    results: dict = field(default_factory=dict)               # RunSpec -> EvaluationResult | None
    tuned: dict = field(default_factory=dict)                 # the same, tuned against tuned
    models: dict = field(default_factory=dict)                # (dataset, method) -> fitted model
    examples: dict = field(default_factory=dict)              # dataset -> (picks, records)
    studies: dict = field(default_factory=dict)               # (study, dataset) -> result | None


def _fmt(value, digits: int = 4) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return "–"


def _escape(value: object) -> str:
    """Markdown table cell: pipes and newlines from data can't break the table."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- gathering -----------------------------------------------------------------------------
def gather(datasets=("the-movies-dataset", "ml-100k"), runs=STANDARD_RUNS,
           root: Path | None = None, neural: bool = True,
           say: Callable[[str], None] = print) -> ReportInputs:
    """Load data, results and the fitted models the report quotes (trained once, cached)."""
    from movierec.data import load_dataset
    from movierec.models.trained import load_or_train
    from movierec.service import Service, Settings

    inputs = ReportInputs()
    for name in datasets:
        say(f"loading {name}")
        inputs.datasets[name] = load_dataset(name)
    inputs.results = {spec: find_result(spec, root) for spec in runs}
    inputs.tuned = {spec: find_result(spec, root) for spec in TUNED_RUNS}
    inputs.studies = {key: load_study(*key, root) for key in STANDARD_STUDIES}
    for name, ds in inputs.datasets.items():
        for method in ("hybrid", "cluster"):
            say(f"loading or training {method} on {name}")
            inputs.models[(name, method)] = load_or_train(method, ds)
        if name in EXAMPLE:   # what a person gets: the service's answer, as in the app
            answer = Service(dataset=ds).recommend(EXAMPLE[name], Settings(method="hybrid"))
            inputs.examples[name] = ([p["label"] for p in answer.picks],
                                     [r.to_json() for r in answer.results])
    if neural and "ml-100k" in inputs.datasets:
        for method in NEURAL:
            if method in available():
                say(f"loading or training {method} on ml-100k (training curves)")
                try:
                    inputs.models[("ml-100k", method)] = load_or_train(method, inputs.datasets["ml-100k"])
                except Exception as exc:  # a broken model is reported, not fatal
                    say(f"{method} could not be trained: {exc}")
    return inputs


# --- sections ------------------------------------------------------------------------------
def _data_section(inputs: ReportInputs, figs: Path) -> list[str]:
    out = ["## 1. Data and cleaning", ""]
    rows = []
    for name, ds in inputs.datasets.items():
        s = ds.summary()
        rows.append([name, s["movies"], s["rated_movies"], s["users"], s["ratings"],
                     f"{s['density']:.4f}", s["fingerprint"]])
    out += [_table(["dataset", "movies", "rated movies", "people", "ratings", "density",
                    "fingerprint"], rows), ""]
    for name, ds in inputs.datasets.items():
        report = ds.report
        out += [f"**{name}: what cleaning did, per raw file**", ""]
        frows = []
        for f in report.files.values():
            dropped = "; ".join(f"{k}: {v}" for k, v in f.dropped.items()) or "none"
            fixed = "; ".join(f"{k}: {v}" for k, v in f.fixed.items()) or "none"
            frows.append([f.file, f.read, f.kept, dropped, fixed])
        out += [_table(["file", "rows read", "kept", "dropped (reason: rows)", "repaired"], frows), ""]
        out += [f"- {note}" for note in report.notes] + [""]
        cov = ds.manifest.get("coverage", {})
        keys = [k for k in ("overview", "genres", "keywords", "cast", "director", "poster_path",
                            "vote_count") if k in cov]
        if keys:
            out += ["Field coverage: " + ", ".join(f"{k} {cov[k]:.0%}" for k in keys) + ".", ""]
    sets = list(inputs.datasets.values())
    figures.rating_distributions(sets, figs / "ratings.png")
    figures.long_tail(sets, figs / "long_tail.png")
    out += ["![Rating values](figures/ratings.png)", "",
            "![Ratings per movie and per person](figures/long_tail.png)", "",
            "Both rating sets are long-tailed: a few movies and people carry most ratings, "
            "which is why every method below guards against popularity (shrinkage, the lift "
            "of user-kNN, β in RP3beta) and why The Movies Dataset's unrated movies need "
            "content methods.", ""]
    return out


def _methods_section(inputs: ReportInputs, figs: Path) -> list[str]:
    out = ["## 2. Methods", "",
           "All methods implement one `Recommender` interface: `fit(dataset)`, then "
           "`recommend(profile, k, filters)` for a person the model has never seen.", ""]
    rows = []
    for name in available(include_neural=True):
        family, how, fold, why = text.METHODS.get(name, ("", DESCRIPTIONS.get(name, ""), "", ""))
        rows.append([f"`{name}`", family, how, fold, why])
    out += [_table(["method", "family", "similarity / score", "new person (fold-in)", "why"], rows), ""]
    out += ["Default settings, read from each method's config:", ""]
    crow = []
    for name in available(include_neural=True):
        try:
            cfg = model_class(name).Config()
        except Exception:  # noqa: BLE001 - optional extra missing
            continue
        crow.append([f"`{name}`", ", ".join(f"{k}={v}" for k, v in asdict(cfg).items())])
    out += [_table(["method", "config"], crow), ""]
    out += ["### Choices made at fit time", ""]
    for (name, method), model in inputs.models.items():
        sel = getattr(model, "selection", None) or {}
        if method == "hybrid" and sel.get("grid"):
            path = figures.selection_curve(sel["grid"], sel["scores"], sel["weight"],
                                           "collaborative weight", "NDCG@10 (validation)",
                                           f"hybrid weight on {name}", figs / f"hybrid_{name}.png")
            out += [f"- **hybrid on {name}**: collaborative weight **{sel['weight']:g}** chosen by "
                    f"NDCG@10 on {sel.get('validation_users', '?')} validation people "
                    f"(best {max(sel['scores']):.4f}; content alone {sel['scores'][0]:.4f}).",
                    f"  ![hybrid weight]({path.relative_to(figs.parent)})"]
        if method == "cluster" and sel.get("grid"):
            path = figures.selection_curve(sel["grid"], sel["silhouette"], sel["chosen"],
                                           "clusters (k)", "mean silhouette",
                                           f"cluster count on {name}", figs / f"clusters_{name}.png")
            names = model.cluster_names()[:6] if hasattr(model, "cluster_names") else []
            out += [f"- **cluster on {name}**: k = **{sel['chosen']}** by {sel['criterion']}"
                    + (f"; e.g. clusters named {', '.join(repr(n) for n in names)}." if names else "."),
                    f"  ![cluster count]({path.relative_to(figs.parent)})"]
    return out + [""]


def _procedure_section(inputs: ReportInputs) -> list[str]:
    out = ["## 3. How a recommendation is made", "", text.PROCEDURE, ""]
    for name, (picks, records) in inputs.examples.items():
        out += [f"Example on {name}, method `hybrid`, picks: {', '.join(picks)}:", ""]
        out += [_table(["#", "movie", "genres", "why"],
                       [[i + 1, f"{r['title']} ({r.get('year') or '?'})",
                         ", ".join(r.get("genres") or []), r["explanation"]]
                        for i, r in enumerate(records)]), ""]
    return out


def _result_table(result: EvaluationResult) -> str:
    rating = result.meta.get("protocol") == "ratings"
    metrics = ("rmse", "mae") if rating else SHOWN_METRICS
    rows = []
    ordered = sorted(result.rows, key=lambda r: (r.get("status") != "ok",
                                                 (1 if rating else -1) * (r.get(metrics[0]) or 0)
                                                 if isinstance(r.get(metrics[0]), (int, float))
                                                 and math.isfinite(r.get(metrics[0])) else math.inf))
    for r in ordered:
        if r.get("status") != "ok":
            rows.append([r["model"], r.get("kind", ""), f"error: {r.get('error', '')}"[:80]]
                        + [""] * (len(metrics) + 1))
            continue
        cells = []
        for m in metrics:
            lo, hi = r.get(f"{m}_low"), r.get(f"{m}_high")
            ci = f" [{_fmt(lo)}, {_fmt(hi)}]" if isinstance(lo, (int, float)) and math.isfinite(lo) else ""
            cells.append(_fmt(r.get(m)) + (ci if m == metrics[0] else ""))
        rows.append([r["model"], r.get("kind", ""), _fmt(r.get("fit_seconds"), 1)] + cells
                    + [_fmt(r.get("latency_p50_ms"), 2)])
    header = ["model", "kind", "fit s"] + [f"{metrics[0]} [95% CI]"] + list(metrics[1:]) + ["p50 ms"]
    return _table(header, rows)


def _results_section(inputs: ReportInputs, figs: Path) -> list[str]:
    out = ["## 4. Evaluation", "", text.PROTOCOL, "", "### Results", ""]
    for spec, result in inputs.results.items():
        out += [f"#### {spec.title}", ""]
        if result is None:
            out += [f"Not run yet: `{spec.command()}` (or `movierec report --run`).", ""]
            continue
        meta = result.meta
        out += [f"`{spec.command()}`: {meta.get('people', '?')} people, splits "
                f"{', '.join(meta.get('splits', []))}, seed {meta.get('seed')}, "
                f"{meta.get('seconds', '?')} s, {meta.get('date', '')}.", "",
                _result_table(result), ""]
        metric = result.main_metric
        slug = spec.folder_name.replace(".", "")
        path = figures.metric_bars(result.rows, metric, spec.title, figs / f"{slug}.png",
                                   lower_is_better=bool(meta.get("lower_is_better")))
        out += [f"![{spec.title}](figures/{path.name})", ""]
        if spec.protocol != "ratings":
            path = figures.quality_vs_latency(result.rows, metric, spec.title,
                                              figs / f"{slug}_latency.png")
            out += [f"![quality vs latency](figures/{path.name})", ""]
        c = result.comparison
        if c:
            out += [f"Best of ours vs best peer: **{c['ours']}** {_fmt(c['ours_value'])} vs "
                    f"**{c['peer']}** {_fmt(c['peer_value'])}; paired difference "
                    f"{c['diff']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}], p = {c['p_value']:.2g} "
                    f"({c['test']}, {c['people']} people).", ""]
        for note in meta.get("notes", []):
            out.append(f"- {note}")
        out.append("")
    out += ["### Targets", ""]
    rows = [[t.name, {True: "met", False: "**missed**", None: "not judged"}[t.met], t.detail]
            for t in check_targets(inputs.results)]
    out += [_table(["target", "result", "measured"], rows), "",
            "Each verdict is computed from the tables above by `movierec.evaluation.suite`; a "
            "target the numbers do not support is shown as missed, with what was measured.", ""]
    return out


def _neural_section(inputs: ReportInputs, figs: Path) -> list[str]:
    out = ["## 5. Neural methods", ""]
    histories, arch = {}, []
    for (name, method), model in inputs.models.items():
        if method in NEURAL:
            histories[method] = getattr(model, "history", None)
            net = getattr(model, "net", None) or getattr(model, "module", None)
            if net is not None:
                arch.append(f"**{method}** (trained on {name}):\n\n```\n{net}\n```\n")
    if not histories:
        return out + ["Neural models were not available when this report was generated "
                      "(install the `neural` extra).", ""]
    out += arch
    path = figures.training_curves(histories, figs / "training_curves.png")
    out += ["Training curves on ML-100k (the dashed line marks the epoch kept by early stopping):",
            "", f"![training curves](figures/{path.name})", "",
            "Their accuracy is in the tables of section 4, side by side with the other methods.", ""]
    return out


def _study_section(inputs: ReportInputs, study: str, heading: str, intro: str,
                   render: Callable[[dict], list[str]]) -> list[str]:
    """A section with one sub-section per dataset the study ran on (or the command to run)."""
    out = [heading, "", intro, ""]
    for (kind, dataset), result in inputs.studies.items():
        if kind != study:
            continue
        out += [f"### {dataset}", ""]
        out += (render(result) if result is not None else
                [f"_Not run yet: `{study_command(study, dataset)}`._", ""])
    return out


def _groups_section(inputs: ReportInputs) -> list[str]:
    return _study_section(inputs, "groups", "## 9. Watch together", text.GROUPS, _groups_table)


def _groups_table(result: dict) -> list[str]:
    intro = (f"{result['method']}, {result['people']} held-out people ({result['split']}), "
             f"{result['rows'][0]['groups']} groups per kind and size, per-member "
             f"NDCG@{result['k']}; 95% bootstrap intervals over groups; paired t-tests "
             "against plain averaging on the same groups. `alone`: each member's NDCG for "
             "their own individual list (the ceiling).")
    rows = [[r["kind"], r["size"], r["strategy"],
             f"{r['ndcg_mean']:.3f} [{r['ndcg_mean_low']:.3f}, {r['ndcg_mean_high']:.3f}]",
             f"{r['ndcg_min']:.3f} [{r['ndcg_min_low']:.3f}, {r['ndcg_min_high']:.3f}]",
             f"{r['mean_vs_average']:+.3f} (p={r['mean_p']:.2g})",
             f"{r['min_vs_average']:+.3f} (p={r['min_p']:.2g})", f"{r['alone_mean']:.3f}"]
            for r in result["rows"]]
    table = _table(["groups", "size", "strategy", "mean NDCG@10", "worst member's NDCG@10",
                    "mean vs average", "worst vs average", "alone"], rows)
    return [intro, "", table, "", _groups_verdict(result["rows"]), ""]


def _groups_verdict(rows: list[dict]) -> str:
    """Which strategy served the worst member best, cell by cell, in words (from the table)."""
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        cells.setdefault((r["kind"], r["size"]), []).append(r)
    wins = {r["strategy"]: 0 for r in rows}
    for group in cells.values():
        wins[max(group, key=lambda r: r["ndcg_min"])["strategy"]] += 1
    better = [f"{r['kind']} {r['size']} ({r['strategy']})" for r in rows
              if r["strategy"] != "average" and r["min_vs_average"] > 0 and r["min_p"] < 0.05]
    return (f"Highest worst-member NDCG@10, of {len(cells)} kinds and sizes: "
            + ", ".join(f"{s} in {n}" for s, n in wins.items())
            + ". Significantly above plain averaging for the worst member (p < 0.05): "
            + (", ".join(better) if better else "none") + ".")


def _mood_section(inputs: ReportInputs) -> list[str]:
    return _study_section(inputs, "mood", "## 10. A mood in words", text.MOOD, _mood_table)


def _mood_table(result: dict) -> list[str]:
    curve = ", ".join(f"{share:g}: {value:.3f}" for share, value in
                      sorted((float(k), v) for k, v in result["share_curve"].items()))
    intro = (f"Share of meaning chosen on {result['validation_queries']} validation keyword "
             f"queries (NDCG@10 by share: {curve}): **{result['share_chosen']:g}** (the app "
             f"uses {result['share_in_app']:g}). Test: {result['queries']} other queries, "
             "95% bootstrap intervals over queries, paired t-test against `words` (TF-IDF).")
    rows = [[r["queries"], r["way"], r["n"],
             f"{r['hit@10']:.3f} [{r['hit@10_low']:.3f}, {r['hit@10_high']:.3f}]",
             f"{r['ndcg@10']:.3f} [{r['ndcg@10_low']:.3f}, {r['ndcg@10_high']:.3f}]",
             f"{r['vs_baseline']:+.3f} (p={r['p_value']:.2g})" if "vs_baseline" in r else ""]
            for r in result["rows"]]
    return [intro, "", _table(["queries", "way", "n", "hit@10", "NDCG@10", "vs words"], rows), ""]


def _session_section(inputs: ReportInputs, figs: Path) -> list[str]:
    out = ["## 11. Sessions that learn, and a diversity dial", "", text.SESSIONS, ""]
    for (kind, dataset), result in inputs.studies.items():
        if kind != "session":
            continue
        out += [f"### {dataset}", ""]
        if result is None:
            out += [f"_Not run yet: `{study_command('session', dataset)}`._", ""]
            continue
        tuned = result["exploring"]
        best = max(tuned["grid"], key=lambda g: g["liked_last_round"])
        out += [f"{result['method']}, {result['people']} test people, {result['picks']} picks, "
                f"{result['rounds']} rounds of {result['shown']}. Exploring settings chosen on "
                f"{tuned['people']} validation people: **{session_settings_text(tuned)}** "
                f"({best['liked_last_round']:.2f} liked movies by the last round there, over a "
                f"grid of {len(tuned['grid'])}).", ""]
        if tuned["strength"] == 0:
            out += ["Validation chose no sampling (strength 0): the session ranks by its "
                    "posterior's mean, so what it gains over refine comes from learning from "
                    "every reaction (and folding watched movies in as watched), not from "
                    "exploring.", ""]
        rows = [[r["model"], *[f"{v:.2f}" for v in r["liked_by_round"]],
                 f"[{r['liked_last_low']:.2f}, {r['liked_last_high']:.2f}]",
                 " / ".join(f"{v:.3f}" for v in r["ndcg_by_round"])] for r in result["rows"]]
        heads = ["policy", *[f"round {i + 1}" for i in range(result["rounds"])],
                 "last round 95% CI", "NDCG@10 by round"]
        out += ["Cumulative liked movies found (mean per person):", "", _table(heads, rows), ""]
        out += [_table(["comparison at the last round", "difference", "95% CI", "p"],
                       [[f"{c['a']} - {c['b']}", f"{c['diff']:+.3f}",
                         f"[{c['low']:+.3f}, {c['high']:+.3f}]", f"{c['p_value']:.2g}"]
                        for c in result["comparisons"]]), ""]
        versus = next(c for c in result["comparisons"]
                      if (c["a"], c["b"]) == ("exploring", "refine"))
        out += [("The exploring session found significantly more liked movies than refining "
                 f"by thumbs (difference {versus['diff']:+.2f}, 95% CI [{versus['low']:+.2f}, "
                 f"{versus['high']:+.2f}], p = {versus['p_value']:.2g})."
                 if versus["diff"] > 0 and versus["p_value"] < 0.05 else
                 "The exploring session did **not** find significantly more liked movies than "
                 f"refining by thumbs (difference {versus['diff']:+.2f}, p = "
                 f"{versus['p_value']:.2g})."), ""]
        path = figures.session_curves(result["rows"], f"{dataset}: liked movies by round",
                                      figs / f"sessions_{dataset}.png")
        out += [f"![sessions](figures/{path.name})", ""]
        dial = result.get("dial") or []
        if dial:
            out += [f"The diversity dial on the first list ({result['method']}, same test "
                    "people): NDCG@10 against intra-list genre diversity, novelty and catalog "
                    "coverage.", "",
                    _table(["diversity", "NDCG@10", "intra-list diversity", "novelty",
                            "coverage"],
                           [[f"{d['diversity']:g}", f"{d['ndcg@10']:.4f}",
                             f"{d['intra_list_diversity']:.4f}", f"{d['novelty']:.3f}",
                             f"{d['coverage']:.4f}"] for d in dial]), ""]
            path = figures.diversity_dial(dial, f"{dataset}: the diversity dial",
                                          figs / f"diversity_{dataset}.png")
            out += [f"![diversity dial](figures/{path.name})", ""]
    return out


def build_report(inputs: ReportInputs, out: Path) -> Path:
    """Write ``out``/REPORT.md and ``out``/figures/*.png from ``inputs``."""
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = ["# movierec: project report", "",
             f"_Generated by `movierec report` on {when}. Every number comes from the prepared "
             "data, models fitted on it, or the evaluation runs listed in section 4; nothing is "
             "typed in by hand._", "",
             "movierec recommends movies from three or more a person loves, explains each "
             "recommendation, learns from thumbs up/down, and measures itself on held-out people "
             "through the same code path the app uses.", ""]
    parts += _data_section(inputs, figs)
    parts += _methods_section(inputs, figs)
    parts += _procedure_section(inputs)
    parts += _results_section(inputs, figs)
    parts += _neural_section(inputs, figs)
    parts += ["## 6. The app", "", text.APP, ""]
    shot = out / "figures" / "app.png"
    if shot.is_file():
        parts += ["![The app](figures/app.png)", ""]
    parts += ["## 7. Deployment", "", text.DEPLOY, "", "## 8. Beyond the basics", "", text.EXTRAS, ""]
    parts += _groups_section(inputs) + _mood_section(inputs) + _session_section(inputs, figs)
    parts += tuned_section(inputs.tuned, _table, _result_table)
    parts += cold_start_section({name: result for (study, name), result
                                 in inputs.studies.items() if study == "cold-start"}, _table)
    parts += ["## Reproduce", "", "```bash", "movierec report --run    # runs (or reuses) the "
              "evaluations below, then writes this file"]
    parts += [spec.command() for spec in (*inputs.results, *inputs.tuned)]
    parts += [study_command(*key) for key in inputs.studies] + ["```", ""]
    path = out / "REPORT.md"
    path.write_text("\n".join(parts))
    return path
