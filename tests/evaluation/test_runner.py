"""The evaluation runner on synthetic data where the right answer is known."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from movierec.evaluation import results as res
from movierec.evaluation import runner
from movierec.models import registry
from movierec.synthetic import block_dataset


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


@pytest.fixture(scope="module")
def heldout(data):
    return runner.run_evaluation(data, "heldout-users", models="item_knn,popularity",
                                 peers="popular,random", picks=3, k=10, folds=3, seed=0)


def test_item_knn_beats_random_by_a_wide_margin_on_the_checkerboard(heldout):
    knn, rnd = heldout.row("item_knn"), heldout.row("peer:random")
    assert knn["status"] == "ok" and rnd["status"] == "ok"
    assert knn["ndcg@10"] > 1.8 * rnd["ndcg@10"]   # ~0.53 is the most any method can reach here
    assert knn["ndcg@10_low"] > rnd["ndcg@10_high"], "confidence intervals must not overlap"
    assert heldout.best["ours"] == "item_knn"
    comp = heldout.comparison
    assert comp["ours"] == "item_knn" and comp["peer"] in ("peer:popular", "peer:random")
    assert comp["diff"] > 0 and comp["low"] > 0 and comp["p_value"] < 0.05


def test_every_eligible_person_is_tested_once_over_the_folds(data, heldout):
    people = heldout.per_person
    knn = people[people["model"] == "item_knn"]
    assert knn["user"].is_unique
    assert len(knn["split"].unique()) == 3
    assert heldout.row("item_knn")["people"] == len(knn) == heldout.meta["people"]
    # all models are scored on exactly the same people
    for model, group in people.groupby("model"):
        assert sorted(group["user"]) == sorted(knn["user"]), model


def test_table_has_metrics_cis_costs_and_beyond_accuracy(heldout):
    table = heldout.table()
    assert list(table.columns[:4]) == ["model", "kind", "status", "error"]
    assert set(table["model"]) == {"item_knn", "popularity", "peer:popular", "peer:random"}
    for col in ("ndcg@10", "recall@20", "precision@5", "mrr", "hit@10", "map@10",
                "ndcg@10_low", "ndcg@10_high", "coverage@10", "diversity@10", "novelty@10",
                "arp@10", "fit_seconds", "latency_p50_ms", "latency_p99_ms"):
        assert col in table.columns, col
    ok = table[table["status"] == "ok"]
    assert (ok["ndcg@10_low"] <= ok["ndcg@10"]).all()
    assert (ok["ndcg@10"] <= ok["ndcg@10_high"]).all()
    assert (ok["latency_p50_ms"] <= ok["latency_p99_ms"]).all()
    assert ((ok["coverage@10"] > 0) & (ok["coverage@10"] <= 1)).all()
    # popularity recommends the same few movies to everyone: lowest coverage of the lot
    pop = table.set_index("model").loc["peer:popular"]
    assert pop["coverage@10"] < table.set_index("model").loc["item_knn", "coverage@10"]


def test_per_person_metrics_match_the_table(heldout):
    people = heldout.per_person
    knn = people[people["model"] == "item_knn"]
    assert heldout.row("item_knn")["ndcg@10"] == pytest.approx(knn["ndcg@10"].mean())
    assert (knn["n_recommended"] <= 10).all() and (knn["n_truth"] >= 1).all()


def test_a_broken_model_is_an_error_row_and_the_run_goes_on(data, monkeypatch):
    monkeypatch.setitem(registry.MODELS, "broken", "movierec.no_such_module:Nope")
    result = runner.run_evaluation(data, "heldout-users", models="broken,popularity",
                                   peers="none", seed=0)
    broken = result.row("broken")
    assert broken["status"] == "error" and "ModuleNotFoundError" in broken["error"]
    assert result.row("popularity")["status"] == "ok"
    assert result.comparison is None and result.best["peer"] is None


def test_a_model_that_fails_to_fit_is_an_error_row(data, monkeypatch):
    cls = registry.model_class("ease")

    def explode(self, dataset):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(cls, "_fit", explode)
    result = runner.run_evaluation(data, "heldout-users", models="ease,item_knn", peers="random",
                                   seed=0, reuse_fits=False)
    assert result.row("ease")["error"] == "RuntimeError: out of memory"
    assert result.row("item_knn")["status"] == "ok"


def test_unknown_names_are_clear_errors(data):
    with pytest.raises(KeyError, match="unknown model 'nope'"):
        runner.run_evaluation(data, "heldout-users", models="nope")
    with pytest.raises(KeyError, match="unknown peer"):
        runner.run_evaluation(data, "heldout-users", models="popularity", peers="lightfm")
    with pytest.raises(ValueError, match="unknown protocol"):
        runner.run_evaluation(data, "leave-one-out")


def test_ratings_protocol_rmse_is_pooled_over_folds(data):
    result = runner.run_evaluation(data, "ratings", models="svd,item_knn",
                                   peers="surprise-knnbaseline,popular", folds=3, seed=0)
    assert result.meta["splits"] == ["fold-1", "fold-2", "fold-3"]
    names = [r["model"] for r in result.rows]
    assert "svd" in names and "item_knn" not in names      # only rating models
    assert any("item_knn does not predict ratings" in n for n in result.meta["notes"])
    assert any("peer:popular does not apply" in n for n in result.meta["notes"])
    people = result.per_person
    for row in result.rows:
        if row["status"] != "ok":
            continue
        sub = people[people["model"] == row["model"]]
        assert row["rmse"] == pytest.approx(math.sqrt(sub["sse"].sum() / sub["n_ratings"].sum()))
        assert row["rmse_low"] <= row["rmse"] <= row["rmse_high"]
        assert row["mae"] <= row["rmse"]
        assert row["ratings"] == data.ratings.nnz          # every rating tested exactly once
    svd = result.row("svd")
    spread = float(np.std(data.ratings.matrix.data))
    assert svd["rmse"] < 0.6 * spread, "the checkerboard is easy to predict"
    assert result.best["lower_is_better"] and result.best["metric"] == "rmse"


def test_within_person_protocols_and_max_users(data):
    # block_dataset stamps each person's liked movies before the disliked ones; shuffle the
    # times so that the last 20% (temporal truth) holds liked movies too
    stamps = np.random.default_rng(0).permutation(data.ratings.timestamps)
    shuffled = data.with_ratings(replace(data.ratings, timestamps=stamps), "-shuffled")
    for protocol, ds in (("per-user", data), ("temporal", shuffled)):
        result = runner.run_evaluation(ds, protocol, models="item_knn", peers="implicit-bpr",
                                       max_users=12, seed=0)
        assert result.row("item_knn")["people"] == 12
        assert result.row("peer:implicit-bpr")["status"] == "ok"
        assert result.row("item_knn")["ndcg@10"] > 0.3


def test_max_users_limits_heldout_people_and_notes_explain_ignored_options(data):
    result = runner.run_evaluation(data, "heldout-users", models="popularity", peers="none",
                                   max_users=7, seed=0)
    assert result.meta["people"] == 7
    result = runner.run_evaluation(data, "per-user", models="popularity", peers="none",
                                   picks=5, max_users=5, seed=0)
    assert any("--picks/--fold-in do not apply" in n for n in result.meta["notes"])


def test_progress_reports_fractions_up_to_one(data):
    seen: list[tuple[str, float]] = []
    runner.run_evaluation(data, "heldout-users", models="popularity", peers="random", seed=0,
                          progress=lambda message, fraction: seen.append((message, fraction)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("fitting (or loading) popularity") for m, _ in seen)


def test_write_load_and_latest(heldout, tmp_path):
    folder = heldout.write(tmp_path / "synthetic-heldout")
    for name in res.FILES:
        assert (folder / name).is_file(), name
    back = res.load_results(folder)
    pd.testing.assert_frame_equal(back.table(), heldout.table(), check_dtype=False)
    assert len(back.per_person) == len(heldout.per_person)
    assert back.meta["fingerprint"] == heldout.meta["fingerprint"]
    assert back.comparison["ours"] == heldout.comparison["ours"]
    assert back.comparison["p_value"] == pytest.approx(heldout.comparison["p_value"])
    for key in ("versions", "date", "seed", "protocol"):
        assert key in back.meta
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "meta.json").write_text("{not json")
    assert [r.folder for r in res.latest_results(tmp_path)] == [folder]
    with pytest.raises(FileNotFoundError, match="not an evaluation result"):
        res.load_results(tmp_path / "junk-missing")


def test_protocol_tags_name_the_folders():
    assert runner.protocol_tag("heldout-users", 3, None) == "heldout-users-picks3"
    assert runner.protocol_tag("heldout-users", 3, 0.8) == "heldout-users-foldin0.8"
    assert runner.protocol_tag("ratings") == "ratings"


def test_a_fit_on_the_same_training_data_is_reused_with_its_fit_time(data):
    # 3 picks and a 0.8 fold-in hold out the same people here, so both train on the same data
    first = runner.run_evaluation(data, "heldout-users", models="ease", peers="none", picks=3,
                                  seed=5, reuse_fits=True)
    second = runner.run_evaluation(data, "heldout-users", models="ease", peers="none",
                                   fold_in=0.8, seed=5, reuse_fits=True)
    assert first.meta["reused_fits"] == [] and second.meta["reused_fits"] == ["ease"]
    assert second.row("ease")["fit_seconds"] == pytest.approx(first.row("ease")["fit_seconds"])
    again = runner.run_evaluation(data, "heldout-users", models="ease", peers="none", picks=3,
                                  seed=5, reuse_fits=True)
    pd.testing.assert_frame_equal(again.per_person.drop(columns="latency_ms"),
                                  first.per_person.drop(columns="latency_ms"))
    fresh = runner.run_evaluation(data, "heldout-users", models="ease", peers="none", picks=3,
                                  seed=5, reuse_fits=False)
    assert fresh.meta["reused_fits"] == []
