"""Figures for the report, drawn with matplotlib from data and results (never from typed numbers).

Each function takes what it plots and a path, writes a PNG there and returns the path, so
the report can link it. Matplotlib runs headless (Agg) and is imported only when drawing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

OURS, PEER = "#2f6db5", "#b0b0b0"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "axes.spines.top": False, "axes.spines.right": False,
                         "axes.titlesize": 11, "font.size": 9})
    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    _plt().close(fig)
    return path


def rating_distributions(datasets: Sequence, path: Path) -> Path:
    """Share of ratings at each star value, one panel per dataset."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        values, counts = np.unique(ds.ratings.matrix.data, return_counts=True)
        ax.bar(values, counts / counts.sum(), width=0.35 if len(values) > 5 else 0.6, color=OURS)
        ax.set_title(ds.name)
        ax.set_xlabel("stars")
        ax.set_ylabel("share of ratings")
    return _save(fig, path)


def long_tail(datasets: Sequence, path: Path) -> Path:
    """Ratings per movie and per person, sorted, on log axes: the power law every model meets."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3))
    for ds in datasets:
        per_movie = np.sort(ds.ratings.counts_per_movie())[::-1]
        per_movie = per_movie[per_movie > 0]
        per_user = np.sort(np.diff(ds.ratings.matrix.indptr))[::-1]
        axes[0].loglog(np.arange(1, len(per_movie) + 1), per_movie, label=ds.name)
        axes[1].loglog(np.arange(1, len(per_user) + 1), per_user, label=ds.name)
    axes[0].set(title="ratings per movie", xlabel="movie rank", ylabel="ratings")
    axes[1].set(title="ratings per person", xlabel="person rank", ylabel="ratings")
    axes[0].legend()
    return _save(fig, path)


def metric_bars(rows: Sequence[dict], metric: str, title: str, path: Path,
                lower_is_better: bool = False) -> Path:
    """One horizontal bar per model with its bootstrap CI; our models blue, peers grey."""
    plt = _plt()
    ok = [r for r in rows if isinstance(r.get(metric), (int, float)) and math.isfinite(r[metric])]
    ok.sort(key=lambda r: r[metric], reverse=lower_is_better)
    fig, ax = plt.subplots(figsize=(6.4, 0.28 * max(len(ok), 3) + 1.0))
    y = np.arange(len(ok))
    values = np.array([r[metric] for r in ok])
    low = np.array([r.get(f"{metric}_low", np.nan) for r in ok], dtype=float)
    high = np.array([r.get(f"{metric}_high", np.nan) for r in ok], dtype=float)
    err = np.vstack([np.nan_to_num(values - low), np.nan_to_num(high - values)])
    colours = [OURS if r.get("kind") == "ours" else PEER for r in ok]
    ax.barh(y, values, xerr=err, color=colours, capsize=2, ecolor="#444")
    ax.set_yticks(y, [r["model"] for r in ok])
    ax.set_xlabel(metric + (" (lower is better)" if lower_is_better else ""))
    ax.set_title(title)
    return _save(fig, path)


def quality_vs_latency(rows: Sequence[dict], metric: str, title: str, path: Path) -> Path:
    """Each model's quality against its recommend() p50 latency (log scale)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for r in rows:
        x, y = r.get("latency_p50_ms"), r.get(metric)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in (x, y)):
            continue
        ax.scatter(x, y, color=OURS if r.get("kind") == "ours" else PEER)
        ax.annotate(r["model"], (x, y), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set(xlabel="latency p50 (ms, log)", ylabel=metric, title=title)
    return _save(fig, path)


def selection_curve(grid: Sequence[float], scores: Sequence[float], chosen: float, xlabel: str,
                    ylabel: str, title: str, path: Path) -> Path:
    """A fit-time choice (hybrid weight, number of clusters) against its criterion."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.0, 3.0))
    ax.plot(grid, scores, marker="o", color=OURS)
    ax.axvline(chosen, color="#d9534f", linestyle="--", label=f"chosen: {chosen:g}")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return _save(fig, path)


def training_curves(histories: dict, path: Path) -> Path:
    """Training loss and validation metric per epoch for each neural model."""
    plt = _plt()
    names = [n for n, h in histories.items() if h is not None and len(h.train_loss)]
    fig, axes = plt.subplots(2, max(len(names), 1), figsize=(3.4 * max(len(names), 1), 5.2),
                             squeeze=False)
    for col, name in enumerate(names):
        h = histories[name]
        epochs = np.arange(1, len(h.train_loss) + 1)
        axes[0][col].plot(epochs, h.train_loss, color=OURS)
        axes[0][col].set(title=f"{name}: training loss", xlabel="epoch")
        if len(h.validation):
            axes[1][col].plot(np.arange(1, len(h.validation) + 1), h.validation, color="#5cb85c")
            if h.best_epoch >= 0:
                axes[1][col].axvline(h.best_epoch + 1, color="#d9534f", linestyle="--",
                                     label="kept")
                axes[1][col].legend()
        axes[1][col].set(title=f"{name}: validation {h.metric}", xlabel="epoch")
    return _save(fig, path)


def session_curves(rows: Sequence[dict], title: str, path: Path) -> Path:
    """Cumulative liked movies found by round, one line per policy, with the last round's
    95% interval as an error bar."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.0, 3.2))
    colours = {"static": PEER, "refine": "#f0ad4e", "exploring": OURS}
    for row in rows:
        curve = row["liked_by_round"]
        rounds = np.arange(1, len(curve) + 1)
        ax.plot(rounds, curve, marker="o", label=row["model"],
                color=colours.get(row["model"], "#555555"))
        last = curve[-1]
        ax.errorbar([rounds[-1]], [last], yerr=[[last - row["liked_last_low"]],
                                               [row["liked_last_high"] - last]],
                    color=colours.get(row["model"], "#555555"), capsize=3)
    ax.set_xticks(np.arange(1, len(rows[0]["liked_by_round"]) + 1) if rows else [])
    ax.set(xlabel="round (10 movies shown per round)", ylabel="liked movies found (mean)",
           title=title)
    ax.legend()
    return _save(fig, path)


def diversity_dial(dial: Sequence[dict], title: str, path: Path) -> Path:
    """NDCG@10 against intra-list diversity, novelty and coverage along the dial."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.0), sharey=True)
    ndcg = [d["ndcg@10"] for d in dial]
    for ax, key, label in zip(axes, ("intra_list_diversity", "novelty", "coverage"),
                              ("intra-list genre diversity", "novelty (bits)",
                               "catalog coverage")):
        xs = [d[key] for d in dial]
        ax.plot(xs, ndcg, marker="o", color=OURS)
        for x, y, d in zip(xs, ndcg, dial):
            ax.annotate(f"{d['diversity']:g}", (x, y), textcoords="offset points",
                        xytext=(4, 4), fontsize=7)
        ax.set(xlabel=label)
    axes[0].set_ylabel("NDCG@10")
    fig.suptitle(title)
    return _save(fig, path)
