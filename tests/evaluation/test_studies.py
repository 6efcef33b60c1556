"""The watch-together and mood studies on the two-block synthetic data (answers known)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from movierec.evaluation.groups import _similar_groups, evaluate_groups
from movierec.evaluation.mood import queries
from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def data():
    return block_dataset(movies_per_block=30, users_per_block=60, seed=1)


def test_group_study_covers_every_kind_size_and_strategy(data):
    result = evaluate_groups(data, "item_knn", sizes=(2, 4), groups=30, test_users=0.5)
    rows = {(r["kind"], r["size"], r["strategy"]): r for r in result["rows"]}
    assert len(rows) == 2 * 2 * 3
    for (_, _, strategy), r in rows.items():
        assert 0 <= r["ndcg_min"] <= r["ndcg_mean"] <= 1
        assert r["ndcg_min_low"] <= r["ndcg_min"] <= r["ndcg_min_high"]
        if strategy == "average":
            assert r["mean_vs_average"] == 0 and r["min_vs_average"] == 0
    # people of one taste block judge a shared list well; mixed random groups, worse
    similar, mixed = rows[("similar", 4, "average")], rows[("random", 4, "average")]
    assert similar["ndcg_min"] > mixed["ndcg_min"]


def test_similar_groups_take_the_nearest_people():
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [0.95, 0.05]], dtype=float)
    groups = _similar_groups(vectors, 3, 20, np.random.default_rng(0))
    for group in groups:
        side = {int(i) in (0, 1, 4) for i in group}
        assert len(side) == 1 or group[0] in (2, 3)     # a 2-person side fills with its nearest


def test_mood_queries_come_from_the_catalog_in_disjoint_halves(data):
    test = queries(data.catalog, 50, part="test")
    validation = queries(data.catalog, 50, part="validation")
    assert {q[1] for q in test}.isdisjoint({q[1] for q in validation})
    for kind, text, relevant in test + validation:
        assert len(relevant) >= 5 and kind in ("keyword", "genre and decade")
        if kind == "keyword":
            assert all(text in data.catalog.columns["keywords"][i] for i in relevant)


def test_evaluate_groups_through_the_cli(tmp_path, monkeypatch, data):
    from movierec.cli import evaluate_commands
    from movierec.cli.main import app

    monkeypatch.setattr(evaluate_commands, "open_dataset", lambda *a, **k: data)
    result = CliRunner().invoke(app, ["evaluate", "--protocol", "groups", "-m", "item_knn",
                                      "--out", str(tmp_path / "g"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["method"] == "item_knn" and len(body["rows"]) == 18
    assert json.loads((tmp_path / "g" / "result.json").read_text())["rows"] == body["rows"]
    table = CliRunner().invoke(app, ["evaluate", "--protocol", "groups", "-m", "item_knn",
                                     "--out", str(tmp_path / "h")])
    assert "worst" in table.stdout and "strategy" in table.stdout


def test_evaluate_sessions_through_the_cli(tmp_path, monkeypatch, data):
    from movierec.cli import evaluate_commands
    from movierec.cli.main import app

    monkeypatch.setattr(evaluate_commands, "open_dataset", lambda *a, **k: data)
    result = CliRunner().invoke(app, ["evaluate", "--protocol", "session", "-m", "item_knn",
                                      "--out", str(tmp_path / "s"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [r["model"] for r in body["rows"]] == ["static", "refine", "exploring"]
    for row in body["rows"]:
        curve = row["liked_by_round"]
        assert len(curve) == 5 and all(a <= b for a, b in zip(curve, curve[1:]))
        assert row["liked_last_low"] <= curve[-1] <= row["liked_last_high"]
    assert {(c["a"], c["b"]) for c in body["comparisons"]} == {
        ("exploring", "refine"), ("exploring", "static"), ("refine", "static")}
    assert body["exploring"]["people"] > 0 and len(body["dial"]) == 5
    table = CliRunner().invoke(app, ["evaluate", "--protocol", "session", "-m", "item_knn",
                                     "--out", str(tmp_path / "t")], env={"COLUMNS": "200"})
    assert "exploring" in table.stdout and "vs refine" in table.stdout
