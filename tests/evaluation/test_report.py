"""The report is written from results and data: its tables quote the runs' numbers exactly,
targets are judged from them, and missing runs are named with the command that makes them."""

from __future__ import annotations

import pytest

from movierec.evaluation.report import ReportInputs, build_report
from movierec.evaluation.runner import run_evaluation
from movierec.evaluation.suite import RunSpec, check_targets, find_result, lift_target
from movierec.models.registry import create
from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def blocks():
    return block_dataset(seed=0)


@pytest.fixture(scope="module")
def result(blocks):
    return run_evaluation(blocks, "heldout-users", models="item_knn,popularity",
                          peers="peer:popular,peer:random", picks=3, seed=0)


def test_report_quotes_the_run(blocks, result, tmp_path):
    spec = RunSpec(blocks.name, "heldout-users", 3)
    missing = RunSpec(blocks.name, "heldout-users", None, 0.8)
    result.write(tmp_path / "runs" / spec.folder_name)
    loaded = find_result(spec, tmp_path / "runs")
    assert loaded is not None and find_result(missing, tmp_path / "runs") is None
    inputs = ReportInputs(datasets={blocks.name: blocks}, results={spec: loaded, missing: None},
                          models={(blocks.name, "hybrid"): create("hybrid").fit(blocks),
                                  (blocks.name, "cluster"): create("cluster").fit(blocks)})
    path = build_report(inputs, tmp_path / "docs")
    text = path.read_text()
    for heading in ("## 1. Data and cleaning", "## 2. Methods", "## 3. How a recommendation",
                    "## 4. Evaluation", "### Targets", "## 6. The app", "## 7. Deployment"):
        assert heading in text
    knn = loaded.row("item_knn")
    assert f"{knn['ndcg@10']:.4f} [{knn['ndcg@10_low']:.4f}, {knn['ndcg@10_high']:.4f}]" in text
    assert missing.command() in text and "Not run yet" in text
    figures = {p.name for p in (tmp_path / "docs" / "figures").iterdir()}
    assert {"ratings.png", "long_tail.png", f"{spec.folder_name}.png"} <= figures
    assert f"hybrid_{blocks.name}.png" in figures


def test_lift_target_is_judged_from_the_numbers(blocks, result):
    spec = RunSpec(blocks.name, "heldout-users", 3)
    target = lift_target(spec, result)
    ours = max(result.row(m)["ndcg@10"] for m in ("item_knn", "popularity"))
    base = result.row("peer:popular")["ndcg@10"]
    assert f"{ours:.4f}" in target.detail and f"{base:.4f}" in target.detail
    # on the checkerboard item_knn clearly beats most-popular, and the verdict says so
    assert ours >= 1.10 * base and target.met is True
    flat = lift_target(spec, result.__class__(
        [dict(r, **{"ndcg@10": base}) if r["model"] == "item_knn" else r for r in result.rows],
        result.per_person.iloc[0:0], result.meta))
    assert flat.met is False   # equal to the baseline: missed, whatever the CIs say
    judged = check_targets({spec: result})
    assert [t.met for t in judged[:2]] == [None, None]   # no rating run: not judged, not "met"
