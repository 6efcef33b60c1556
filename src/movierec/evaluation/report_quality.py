"""The report's sections on quality that generalises.

"Tuned against tuned": every tunable method and peer tuned on each split's own validation
people (`movierec evaluate --tune`), then judged on its test people. "Movies nobody rated":
the cold-start-movies study (`evaluation.cold_start`).

Two verdicts are computed from the numbers, never typed in: is our best at least
`LIFT_GOAL` x the best tuned peer's NDCG@10 with a paired p < 0.05, and is the app's default
-- on each split, the method of ours that validated best there, as `Service` picks it --
within `DEFAULT_GAP` of our best.
"""

from __future__ import annotations

import numpy as np

from movierec.evaluation.results import EvaluationResult
from movierec.evaluation.suite import RunSpec

LIFT_GOAL = 1.10      # our best vs the best tuned peer
DEFAULT_GAP = 0.02    # the app's default may trail our best by at most this share
METRIC = "ndcg@10"

INTRO = """\
Every setting above was chosen once, before this project measured itself honestly. Here
each tunable method of ours and each peer is tuned **per split, on validation people carved
from that split's training people** (`movierec evaluate --tune N`: optuna's TPE, N trials
each, the library defaults as trial 0, mean NDCG@10 of the validation people folded in
exactly like test people), then fitted on the split's training people with what won and
judged on its test people -- 5 folds of people, so everyone is tested once and no setting was
chosen by looking at the people it is judged on. The peers: implicit's ALS, BPR and LMF and
Cornac's textbook EASE (on the 6,000 most-liked movies, as ours keeps). ALS folds each person
in through its own `recalculate_user` and EASE through its learnt item-item matrix; BPR and
LMF have no fold-in and train with the test profiles inside their matrix, as their examples
do. Our EASE searches, besides its ridge and weighting, the dropout emphasis of Steck's
EDLAE (a ridge that grows with each movie's own ratings); the peer stays textbook EASE. The
hybrid is tuned as the fusion of content with one of the best tuned methods of ours, the
blend as the fusion of the three best (their weights learnt on their own validation people,
folded in like the protocol: 3 loved picks, or 80% of their liked movies). The app's default
is, on each split, the method of ours that validated best there (`Service.default_method`
reads the same choice from `movierec tune`)."""


def default_scores(result: EvaluationResult) -> tuple[str, np.ndarray, np.ndarray] | None:
    """(what the default was per split, its per-person NDCG@10, our best's), paired by
    person; None when the run was not tuned."""
    chosen = (result.meta.get("tuning") or {}).get("chosen") or {}
    if not chosen or not result.best:
        return None
    people = result.per_person
    ours = {r["model"] for r in result.rows if r.get("kind") == "ours"
            and r.get("status", "ok") != "error"}
    picks, parts_default, parts_best = [], [], []
    best = result.best.get("ours")
    for split, records in chosen.items():
        scored = {n: rec["validation_ndcg@10"] for n, rec in records.items() if n in ours}
        if not scored:
            return None
        pick = max(scored, key=scored.get)
        picks.append(pick)
        here = people[people["split"] == split]
        a = here[here["model"] == pick].set_index("user")[METRIC]
        b = here[here["model"] == best].set_index("user")[METRIC]
        joined = a.to_frame("default").join(b.to_frame("best"), how="inner")
        parts_default.append(joined["default"].to_numpy())
        parts_best.append(joined["best"].to_numpy())
    names = ", ".join(sorted(set(picks), key=picks.index))
    return names, np.concatenate(parts_default), np.concatenate(parts_best)


def verdicts(spec: RunSpec, result: EvaluationResult) -> list[list[str]]:
    """Rows (goal, met or missed, measured) for one tuned run."""
    out = []
    c = result.comparison
    if c:
        lift = c["ours_value"] / c["peer_value"] if c["peer_value"] else float("inf")
        met = lift >= LIFT_GOAL and c["p_value"] < 0.05 and c["diff"] > 0
        out.append([f"{spec.title}: our best >= {LIFT_GOAL:.2f} x best tuned peer, p < 0.05",
                    "met" if met else "**missed**",
                    f"{c['ours']} {c['ours_value']:.4f} vs {c['peer']} {c['peer_value']:.4f} "
                    f"(x{lift:.3f}), p = {c['p_value']:.2g}"])
    found = default_scores(result)
    if found is not None:
        names, default, best = found
        gap = 1 - default.mean() / best.mean() if best.mean() else 0.0
        out.append([f"{spec.title}: the app's default within {DEFAULT_GAP:.0%} of our best",
                    "met" if gap <= DEFAULT_GAP else "**missed**",
                    f"default ({names}) {default.mean():.4f} vs best {best.mean():.4f} "
                    f"({-gap:+.1%})"])
    return out


def tuned_section(results: dict, table, result_table) -> list[str]:
    """Markdown lines of the section; ``table`` and ``result_table`` render like the rest of
    the report."""
    out = ["## 12. Tuned against tuned", "", INTRO, ""]
    rows = []
    for spec, result in results.items():
        out += [f"### {spec.title}", ""]
        if result is None:
            out += [f"_Not run yet: `{spec.command()}`._", ""]
            continue
        meta = result.meta
        out += [f"`{spec.command()}`: {meta.get('people', '?')} test people, splits "
                f"{', '.join(meta.get('splits', []))}, {meta.get('seconds', '?')} s.", "",
                result_table(result), ""]
        c = result.comparison
        if c:
            out += [f"Best of ours vs best tuned peer: **{c['ours']}** {c['ours_value']:.4f} "
                    f"vs **{c['peer']}** {c['peer_value']:.4f}; paired difference "
                    f"{c['diff']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}], p = "
                    f"{c['p_value']:.2g} ({c['people']} people).", ""]
        chosen = (meta.get("tuning") or {}).get("chosen") or {}
        if chosen:
            first = next(iter(chosen))
            out += [f"Settings chosen on split {first}'s validation people (NDCG@10 there):",
                    "", table(["method", "validation NDCG@10", "settings"],
                              [[name, f"{rec['validation_ndcg@10']:.4f}",
                                _settings(rec["options"])]
                               for name, rec in sorted(chosen[first].items(),
                                                       key=lambda kv: -kv[1]["validation_ndcg@10"])]),
                    ""]
        rows += verdicts(spec, result)
    if rows:
        out += ["### Verdicts", "", table(["goal", "result", "measured"], rows), ""]
    return out


def _settings(options: dict) -> str:
    if not options:
        return "the defaults"
    shown = []
    for key, value in options.items():
        if key in ("cf_options", "member_options"):
            continue
        shown.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(shown)



COLD_INTRO = """\
A seeded 20% of the rated movies lose every rating in training (their metadata stays); 20% of
the people are held out, folded in from all their liked *warm* movies, and rank the cold
movies only; the truth is the cold movies they liked (`movierec evaluate --protocol
cold-start`). A collaborative method has no evidence about any candidate; content has only
metadata; `hybrid (transfer)` gives each cold movie the collaborative z-score of its 20 most
content-similar rated movies (`HybridConfig.cold_neighbours`), where the plain hybrid gives
them all one fill value (and so ranks them exactly as content does). Popularity here is
TMDb's vote counts and averages, outside knowledge about the very movies that are cold in our
ratings."""


def cold_start_section(results: dict, table) -> list[str]:
    """Markdown lines of the cold-start section; ``results``: dataset -> study or None."""
    out = ["## 13. Movies nobody rated", "", COLD_INTRO, ""]
    for dataset, result in results.items():
        out += [f"### {dataset}", ""]
        if result is None:
            out += [f"_Not run yet: `movierec evaluate --data {dataset} --protocol "
                    "cold-start`._", ""]
            continue
        out += [f"{result['cold_movies']} cold movies, {result['people']} held-out people, "
                f"seed {result['seed']}, {result['seconds']} s.", "",
                table(["method", "kind", "NDCG@10 [95% CI]", "recall@10"],
                      [[r["model"], r["kind"], f"{r['ndcg@10']:.4f} [{r['ndcg@10_low']:.4f}, "
                        f"{r['ndcg@10_high']:.4f}]", f"{r['recall@10']:.4f}"]
                       for r in result["rows"]]), "",
                table(["comparison", "difference", "95% CI", "p"],
                      [[f"{c['a']} - {c['b']}", f"{c['diff']:+.4f}",
                        f"[{c['low']:+.4f}, {c['high']:+.4f}]", f"{c['p_value']:.2g}"]
                       for c in result["comparisons"]]), ""]
        wins = [c for c in result["comparisons"] if c["a"] == "hybrid (transfer)"]
        beaten = all(c["diff"] > 0 and c["p_value"] < 0.05 for c in wins)
        out += [("The hybrid with transfer beats both the best collaborative method and content "
                 "on the cold movies (paired, p < 0.05)." if beaten and wins else
                 "The hybrid does **not** beat both the best collaborative method and content "
                 "on the cold movies."), ""]
    return out
