"""The Explore, Evaluation and About tabs (built inside `layout.build_app`'s Blocks).

Each tab loads its content when it is opened, not when the page loads, so a visitor who
only wants recommendations never waits for the catalog map or the evaluation files.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from movierec.app.about import about_markdown
from movierec.app.context import AppService
from movierec.app.views import esc, evaluation_meta_html, message_html

PRIVATE: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": 2}
NO_EVALUATION = ("No evaluation results yet. Run `movierec evaluate` (for example "
                 "`movierec evaluate --data ml-100k`) and reopen this tab: it shows the "
                 "newest results found under MOVIEREC_HOME/evaluations, then the published "
                 "ones.")


# --- Explore ----------------------------------------------------------------------------
MAP_WAIT_S = 2.0   # a cached map loads within this; a first build goes on in the background


def map_view(service: AppService, picks: list[dict], shown: list[dict]):
    """(figure or None, status HTML, drawn?) for the catalog map, picks and results marked.

    The map is built by a background job (a minute of CPU the first time, then cached):
    while it runs the status says how far it is and the tab's timer draws it when done.
    """
    try:
        from movierec.app.catalog_map import map_figure
    except ImportError:
        return None, message_html("The catalog map is not part of this installation.",
                                  "warn"), True
    job = service.jobs.start("map", "catalog map", service.catalog_map)
    job = service.jobs.wait("map", MAP_WAIT_S)
    if job.running:
        return None, message_html(f"Preparing the catalog map in the background "
                                  f"({job.describe()}). It appears here when ready."), False
    if job.state == "failed":
        service.jobs.start("map", "catalog map", service.catalog_map)   # next look retries
        return None, message_html(f"The catalog map could not be drawn ({job.error}).",
                                  "error"), True
    try:
        figure = map_figure(job.result, service.catalog, [int(p["index"]) for p in picks or []],
                            [int(s["index"]) for s in shown or []])
    except Exception as exc:  # noqa: BLE001 - the page shows a message, never a traceback
        return None, message_html(f"The catalog map could not be drawn ({type(exc).__name__}: "
                                  f"{str(exc)[:200]}).", "error"), True
    n_picks, n_shown = len(picks or []), len(shown or [])
    text = ("Each dot is a well-known movie; nearby movies are alike. "
            + (f"Your {n_picks} picks and {n_shown} recommendations are highlighted."
               if n_picks or n_shown else "Pick movies on the Recommend tab to see them here."))
    return figure, message_html(text), True


def explore_tab(service: AppService, picks: gr.State, shown: gr.State) -> gr.Tab:
    with gr.Tab("Explore", id="explore") as tab:
        status = gr.HTML(message_html("Open this tab to draw the map."), elem_id="mr-map-msg")
        plot = gr.Plot(label="Catalog map", elem_id="mr-map")
        redraw = gr.Button("Redraw with my latest picks", size="sm", variant="secondary")
        pending = gr.State(False)   # the map is being built: the timer draws it when done
        timer = gr.Timer(3.0)

    def draw(ps, items):
        figure, message, drawn = map_view(service, ps, items)
        return figure, message, not drawn

    def draw_when_ready(ps, items, waiting):
        job = service.jobs.get("map")
        if not waiting or job is None or job.running:
            return gr.skip(), gr.skip(), waiting
        return draw(ps, items)

    tab.select(draw, [picks, shown], [plot, status, pending], **PRIVATE)
    redraw.click(draw, [picks, shown], [plot, status, pending], **PRIVATE)
    timer.tick(draw_when_ready, [picks, shown, pending], [plot, status, pending],
                       show_progress="hidden", **PRIVATE)
    return tab


# --- Watch together ---------------------------------------------------------------------
GROUP_PLACEHOLDER = ("Ana: Toy Story; Up; Finding Nemo\nBen: Heat; Se7en; Fargo\n"
                     "Cara: Amelie; Before Sunrise; Lost in Translation")
STRATEGY_CHOICES = [("fair: everyone above their own median", "fair"),
                    ("average: the most liked overall", "average"),
                    ("least misery: nobody's worst", "least_misery")]


def together_tab(service: AppService) -> gr.Tab:
    """2-8 people, one per line; one list that no one hates, each movie saying whose taste
    it serves and how much each member would like it."""
    from movierec.app import handlers

    with gr.Tab("Watch together", id="together") as tab:
        gr.HTML('<p class="mr-note">One person per line: a name, a colon, and three or more '
                'movies they love separated by semicolons.</p>')
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=300):
                members = gr.Textbox(label="Who is watching", lines=4, max_lines=8,
                                     placeholder=GROUP_PLACEHOLDER, elem_id="mr-group")
                strategy = gr.Radio(STRATEGY_CHOICES, value="fair", label="How to choose",
                                    elem_id="mr-strategy")
                go = gr.Button("Find movies for us", variant="primary", elem_id="mr-group-go")
            with gr.Column(scale=3, min_width=300):
                message = gr.HTML(message_html("Your group's movies appear here."),
                                  elem_id="mr-group-msg")
                gallery = gr.Gallery(columns=4, height="auto", allow_preview=False,
                                     show_label=False, object_fit="cover", buttons=[],
                                     elem_id="mr-group-results")
                table = gr.Dataframe(interactive=False, wrap=True, elem_id="mr-group-table")

    def find(text, how, progress=gr.Progress()):
        settings = handlers.settings_from_widgets(default_method=service.default_method)
        results = handlers.together(service, text, settings, how,
                                    lambda m: progress(None, desc=m))
        answer = results.answer
        names = [m["name"] for m in answer.members] if answer is not None else []
        rows = [[r.rank, r.label, *[f"{sat[n]:.0%}" for n in names], r.explanation]
                for r, sat in zip(answer.results, answer.satisfaction)] if answer else []
        frame = pd.DataFrame(rows, columns=["#", "Movie", *names, "Why"])
        return results.gallery(), message_html(results.message, results.kind), frame

    go.click(find, [members, strategy], [gallery, message, table], **PRIVATE)
    members.submit(find, [members, strategy], [gallery, message, table], **PRIVATE)
    strategy.input(find, [members, strategy], [gallery, message, table], **PRIVATE)
    return tab


# --- Evaluation -------------------------------------------------------------------------
def load_evaluations() -> list:
    """This machine's evaluation runs (MOVIEREC_HOME/evaluations, newest first), then the
    published ones docs/REPORT.md reports (shipped with movierec, so a fresh app has them)."""
    from movierec.evaluation.results import latest_results, published_results

    return list(latest_results()) + list(published_results())


def run_label(result, position: int) -> str:
    meta = getattr(result, "meta", {}) or {}
    bits = [str(meta.get(k)) for k in ("dataset", "tag", "date") if meta.get(k)]
    source = "published" if meta.get("published") else "your run"
    return f"{position + 1}. {source}: " + (" · ".join(bits) if bits else "evaluation")


KEY_METRICS = ("precision@10", "recall@10", "hit@10", "mrr", "coverage@10", "novelty@10",
               "rmse", "mae", "latency_p50_ms")


def _main_metric(result, frame: pd.DataFrame) -> str | None:
    metric = getattr(result, "main_metric", None) or (result.meta or {}).get("main_metric")
    if metric in frame.columns:
        return metric
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not str(c).endswith(("_low", "_high"))]
    return next((c for c in numeric if "ndcg" in str(c).lower()), numeric[0] if numeric else None)


def _lower_is_better(result) -> bool:
    return bool((getattr(result, "meta", {}) or {}).get("lower_is_better", False))


def _bounds(frame: pd.DataFrame, metric: str) -> tuple[str | None, str | None]:
    def first(suffixes: tuple[str, ...]) -> str | None:
        return next((metric + s for s in suffixes if metric + s in frame.columns), None)

    return first(("_low", "_lo", "_ci_low")), first(("_high", "_hi", "_ci_high"))


def summary_table(result, frame: pd.DataFrame) -> pd.DataFrame:
    """Best first: model, kind, the main metric with its 95% CI, then the key metrics."""
    metric = _main_metric(result, frame)
    if metric is None or "model" not in frame.columns:
        return frame
    data = frame.sort_values(metric, ascending=_lower_is_better(result), na_position="last")
    out = pd.DataFrame({"model": data["model"].astype(str)})
    if "kind" in data:
        out["kind"] = data["kind"].astype(str)
    out[metric] = data[metric].round(4)
    lo, hi = _bounds(data, metric)
    if lo and hi:
        out["95% CI"] = [f"{a:.3f} to {b:.3f}" if pd.notna(a) and pd.notna(b) else ""
                         for a, b in zip(data[lo], data[hi])]
    for column in KEY_METRICS:
        if column in data.columns and column != metric:
            out[column] = pd.to_numeric(data[column], errors="coerce").round(4)
    if "status" in data and (data["status"].astype(str) != "ok").any():
        out["status"] = data["status"].astype(str)
    return out.reset_index(drop=True)


def metric_figure(result, frame: pd.DataFrame):
    """Horizontal bar chart of the main metric per model, with its 95% CI when known."""
    import plotly.graph_objects as go

    metric = _main_metric(result, frame)
    if metric is None or "model" not in frame.columns:
        return None
    data = frame.dropna(subset=[metric]).sort_values(metric, ascending=not _lower_is_better(result))
    lo, hi = _bounds(data, metric)
    error = None
    if lo and hi:
        error = dict(type="data", symmetric=False, array=(data[hi] - data[metric]).tolist(),
                     arrayminus=(data[metric] - data[lo]).tolist(), color="#475569")
    kinds = data["kind"].astype(str).tolist() if "kind" in data else ["ours"] * len(data)
    colours = ["#f59e0b" if k == "ours" else "#6366f1" for k in kinds]
    fig = go.Figure(go.Bar(x=data[metric], y=[esc(m) for m in data["model"].astype(str)],
                           orientation="h", marker_color=colours, error_x=error))
    better = "lower is better" if _lower_is_better(result) else "higher is better"
    fig.update_layout(title=f"{esc(metric)} by method ({better}; amber: movierec, indigo: peers)",
                      height=max(280, 30 * len(data) + 120), margin=dict(l=10, r=10, t=50, b=30),
                      plot_bgcolor="rgba(0,0,0,0)")
    return fig


def evaluation_view(results: list, position: int = 0):
    """(meta HTML, summary table, figure, full table) of one result, or how to make one."""
    if not results:
        return message_html(NO_EVALUATION, "info"), pd.DataFrame(), None, pd.DataFrame()
    result = results[min(max(int(position or 0), 0), len(results) - 1)]
    frame = result.table()
    full = frame.copy()
    for column in full.columns:
        if pd.api.types.is_float_dtype(full[column]):
            full[column] = full[column].round(4)
    meta = evaluation_meta_html(getattr(result, "meta", {}) or {}, getattr(result, "best", None))
    return meta, summary_table(result, frame), metric_figure(result, frame), full


def evaluation_tab() -> gr.Tab:
    with gr.Tab("Evaluation", id="evaluation") as tab:
        gr.HTML('<p class="mr-note">How well each method predicts what held-out people '
                'went on to love, measured with the same <code>recommend()</code> the app '
                'uses.</p>')
        runs = gr.Dropdown([], label="Evaluation run", visible=False)
        meta = gr.HTML(message_html("Open this tab to load the latest results."))
        chart = gr.Plot(label="Main metric")
        table = gr.Dataframe(interactive=False, wrap=True, label="Methods, best first",
                             elem_classes="mr-table-wrap")
        with gr.Accordion("Every metric", open=False):
            full = gr.Dataframe(interactive=False, label="All columns",
                                elem_classes="mr-table-wrap")
        found = gr.State([])

    def load():
        try:
            results = load_evaluations()
        except Exception as exc:  # noqa: BLE001 - a broken results folder is a message
            return ([], gr.update(visible=False),
                    message_html(f"Evaluation results could not be read ({type(exc).__name__}: "
                                 f"{str(exc)[:200]}). {NO_EVALUATION}", "warn"), None, None, None)
        choices = [(run_label(r, i), i) for i, r in enumerate(results)]
        meta_html, summary, fig, every = evaluation_view(results, 0)
        return (results, gr.update(choices=choices, value=0 if choices else None,
                                   visible=len(choices) > 1), meta_html, fig, summary, every)

    def pick(results, position):
        meta_html, summary, fig, every = evaluation_view(results, position or 0)
        return meta_html, fig, summary, every

    tab.select(load, None, [found, runs, meta, chart, table, full], **PRIVATE)
    runs.input(pick, [found, runs], [meta, chart, table, full], **PRIVATE)
    return tab


# --- About ------------------------------------------------------------------------------
def about_tab(methods: list[str]) -> gr.Tab:
    names = list(dict.fromkeys(methods))
    with gr.Tab("About", id="about") as tab:
        gr.Markdown(about_markdown(names), elem_id="mr-about")
    return tab


__all__ = ["explore_tab", "evaluation_tab", "about_tab", "together_tab", "map_view",
           "evaluation_view", "load_evaluations", "esc"]
