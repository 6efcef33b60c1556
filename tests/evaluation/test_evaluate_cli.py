"""`movierec evaluate` through typer's CliRunner: JSON shape, table, files, errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from movierec.cli import evaluate_commands
from movierec.cli.main import app
from movierec.evaluation.results import load_results
from movierec.synthetic import block_dataset

runner = CliRunner()


@pytest.fixture()
def synthetic(monkeypatch):
    """`--data` resolves to the checkerboard, so no real files are needed."""
    data = block_dataset(seed=0)
    monkeypatch.setattr(evaluate_commands, "open_dataset", lambda *a, **k: data)
    return data


def invoke(*args: str):
    return runner.invoke(app, ["evaluate", *args], catch_exceptions=False)


def test_json_has_one_result_per_model_with_metrics_cis_and_costs(synthetic, tmp_path):
    out = tmp_path / "res"
    result = invoke("--models", "item_knn,popularity", "--peers", "random,popular",
                    "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    rows = {r["model"]: r for r in body["results"]}
    assert set(rows) == {"item_knn", "popularity", "peer:random", "peer:popular"}
    knn = rows["item_knn"]
    for key in ("ndcg@10", "ndcg@10_low", "ndcg@10_high", "recall@20", "precision@10",
                "fit_seconds", "latency_p50_ms", "latency_p99_ms", "coverage@10"):
        assert isinstance(knn[key], float), key
    assert knn["ndcg@10"] > 1.8 * rows["peer:random"]["ndcg@10"]
    assert body["best"]["ours"] == "item_knn"
    assert body["comparison"]["ours"] == "item_knn"
    assert body["folder"] == str(out)
    assert body["meta"]["fingerprint"] == synthetic.fingerprint
    back = load_results(out)
    assert {r["model"] for r in back.rows} == set(rows)
    assert (out / "per_person.parquet").is_file() and (out / "results.csv").is_file()


def test_table_names_the_best_model_and_the_paired_comparison(synthetic, tmp_path):
    result = invoke("--models", "item_knn", "--peers", "random", "--fold-in", "0.5",
                    "-k", "5", "--out", str(tmp_path / "t"))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "heldout-users-foldin0.5" in text and "ndcg@5" in text
    assert "item_knn" in text and "peer:random" in text
    assert "best of our models by ndcg@5: item_knn" in text
    assert "item_knn vs peer:random" in text and "p=" in text


def test_default_folder_is_under_evaluations_dir(synthetic):
    from movierec.paths import evaluations_dir

    result = invoke("--protocol", "ratings", "--models", "svd", "--peers", "none", "--folds", "2",
                    "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["folder"] == str(evaluations_dir() / "synthetic-blocks-ratings")
    assert body["results"][0]["model"] == "svd" and body["results"][0]["rmse"] > 0


def test_a_failing_model_shows_as_an_error_row(synthetic, monkeypatch, tmp_path):
    from movierec.models import registry

    monkeypatch.setitem(registry.MODELS, "broken", "movierec.no_such_module:Nope")
    result = invoke("--models", "broken,popularity", "--peers", "none",
                    "--out", str(tmp_path / "e"))
    assert result.exit_code == 0, result.output
    assert "ModuleNotFoundError" in result.stdout


@pytest.mark.parametrize("args, message", [
    (("--protocol", "loo"), "unknown protocol"),
    (("--models", "nope"), "unknown model"),
    (("--peers", "lightfm"), "unknown peer"),
    (("--fold-in", "1.5"), "between 0 and 1 (e.g. 0.8), not 1.5"),
    (("-k", "0"), "at least 1"),
])
def test_bad_input_is_a_clear_error(synthetic, args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.integration
def test_small_real_evaluation_on_ml100k(real_data, tmp_path):
    """A quick, real run: few models, 50 people of ML-100k, through the CLI with --json."""
    result = invoke("--data", "ml-100k", "--data-dir", str(real_data), "--protocol",
                    "heldout-users", "--picks", "3", "--models", "item_knn,ease,popularity",
                    "--peers", "implicit-als,popular,random", "--max-users", "50",
                    "--out", str(tmp_path / "ml"), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    rows = {r["model"]: r for r in body["results"]}
    assert all(r["status"] == "ok" for r in rows.values()), rows
    assert body["meta"]["people"] == 50
    # collaborative models find held-out favourites far more often than chance
    assert rows["ease"]["ndcg@10"] > 3 * rows["peer:random"]["ndcg@10"]
    assert rows["item_knn"]["hit@10"] > rows["peer:random"]["hit@10"]
