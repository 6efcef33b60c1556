"""`movierec tune`: validation people only, resumable searches, and tuned settings that every
later fit of the same data uses (and says so)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

pytest.importorskip("optuna")

from movierec.cli import tune_commands  # noqa: E402
from movierec.cli.main import app  # noqa: E402
from movierec.evaluation.runner import run_evaluation  # noqa: E402
from movierec.evaluation.splitters import heldout_users  # noqa: E402
from movierec.evaluation.tuning import TuneError, tune, validation_split  # noqa: E402
from movierec.models.trained import fit  # noqa: E402
from movierec.models.tuned import best_tuned, read_tuned, tuned_options  # noqa: E402
from movierec.synthetic import block_dataset  # noqa: E402


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """Each test its own MOVIEREC_HOME: tuned settings must not reach other tests' fits."""
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def data():
    return block_dataset(seed=0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), fold_in=st.sampled_from([None, 0.8]))
def test_validation_people_never_are_test_people(seed, fold_in):
    data = block_dataset(seed=0)
    outer = heldout_users(data, None if fold_in else 3, fold_in, seed=seed)
    inner = validation_split(outer.train, None if fold_in else 3, fold_in, seed=seed, people=15)
    test_ids = {int(data.ratings.user_ids[c.user]) for c in outer.cases}
    val_ids = {int(outer.train.ratings.user_ids[c.user]) for c in inner.cases}
    assert val_ids and val_ids.isdisjoint(test_ids)
    # the models tuned there never saw a test person either
    assert test_ids.isdisjoint(int(u) for u in inner.train.ratings.user_ids)


def test_tuning_saves_what_won_and_every_later_fit_uses_it(home, data):
    result = tune(data, ["ease"], [], trials=4)["ease"]
    assert result["trials"] == 4 and len(result["search"]) == 4
    assert result["search"][0]["validation_ndcg@10"] == result["defaults_ndcg@10"]
    assert result["validation_ndcg@10"] >= result["defaults_ndcg@10"]    # defaults are trial 0
    saved = read_tuned(data.name, data.fingerprint)["ease"]
    assert saved["options"] == result["options"]
    if result["options"]:
        model = fit("ease", data, save=False).model
        assert {k: getattr(model.config, k) for k in result["options"]} == result["options"]
    other = block_dataset(seed=1)                 # other data: nothing tuned there
    assert tuned_options(other.name, other.fingerprint, "ease") is None
    assert best_tuned(data.name, data.fingerprint) == "ease"


def test_an_interrupted_search_resumes_and_a_finished_one_is_reused(home, data):
    first = tune(data, ["graph"], [], trials=2)["graph"]
    again = tune(data, ["graph"], [], trials=2)["graph"]   # nothing to do: the same result
    assert again["search"] == first["search"]
    more = tune(data, ["graph"], [], trials=3)["graph"]     # two finished, one more trial
    assert more["trials"] == 3 and more["search"][:2] == first["search"]


def test_a_changed_space_starts_a_fresh_search(home, data, monkeypatch):
    from movierec.evaluation import tuning

    first = tune(data, ["graph"], [], trials=2)["graph"]
    narrow = tuning.SPACES["graph"]
    assert tuning.space_key(narrow, data) == tuning.space_key(narrow, data)   # deterministic

    def wider(t, d):
        return {"alpha": t.suggest_float("alpha", 0.1, 1.5), "beta": t.suggest_float(
            "beta", 0.0, 2.0), "neighbours": t.suggest_int("neighbours", 10, 20, log=True)}

    assert tuning.space_key(wider, data) != tuning.space_key(narrow, data)
    monkeypatch.setitem(tuning.SPACES, "graph", wider)
    fresh = tune(data, ["graph"], [], trials=2)["graph"]
    # a new search of 2 trials (the defaults, then one drawn from the wider space), not the
    # old one's 2 trials reused
    assert fresh["trials"] == 2 and fresh["search"][1] != first["search"][1]
    monkeypatch.setitem(tuning.SPACES, "graph", narrow)
    assert tune(data, ["graph"], [], trials=2)["graph"]["search"] == first["search"]  # still kept
    # a composite's key covers every candidate's options, not just the first one asked
    one = tuning._composite_space("hybrid", {"ease": "{}", "graph": "{}"}, None)
    other = tuning._composite_space("hybrid", {"ease": "{}", "graph": '{"beta": 0.2}'}, None)
    assert tuning.space_key(one, data) != tuning.space_key(other, data)


def test_peers_get_the_same_search(home, data):
    out = tune(data, [], ["peer:implicit-bpr"], trials=2)
    assert out["peer:implicit-bpr"]["kind"] == "peer" and out["peer:implicit-bpr"]["trials"] == 2
    with pytest.raises(TuneError, match="hybrid"):
        tune(data, ["hybrid"], [], trials=1)          # nothing to fuse with
    with pytest.raises(TuneError, match="svd"):
        tune(data, ["svd"], [], trials=1)


def test_the_hybrid_is_tuned_with_the_tuned_collaborative_methods(home, data):
    out = tune(data, ["hybrid", "ease", "graph"], [], trials=2)
    assert list(out) == ["ease", "graph", "hybrid"]              # the hybrid last
    tried = {row.get("collaborative") for row in out["hybrid"]["search"]}
    assert {"ease", "graph"} <= tried
    chosen = out["hybrid"]["options"]
    if chosen:
        assert json.loads(chosen["cf_options"]) == out[chosen["collaborative"]]["options"]
    blend = tune(data, ["ease", "graph", "blend"], [], trials=2)["blend"]
    assert [row.get("members") for row in blend["search"]] == [None, "ease,graph"]
    assert "validation_fold_in" not in blend["search"][1]      # 3 picks: the blend's default
    # tuned for 80% fold-in, the composites choose their weights on people folded in so
    folded = tune(data, ["ease", "graph", "blend", "hybrid"], [], None, 0.8, trials=2)
    assert folded["blend"]["search"][1]["validation_fold_in"] == 0.8
    assert all(row["validation_fold_in"] == 0.8 for row in folded["hybrid"]["search"][1:])


def test_nested_tuning_in_the_evaluation_tunes_each_split_on_its_training_people(home, data):
    result = run_evaluation(data, "heldout-users", "ease,popularity", "implicit-als,popular",
                            folds=2, tune_trials=2, max_users=30)
    tuning = result.meta["tuning"]
    assert tuning["trials"] == 2 and set(tuning["chosen"]) == set(result.meta["splits"])
    for chosen in tuning["chosen"].values():
        assert set(chosen) == {"ease", "peer:implicit-als"}
    # nested choices are not saved as the data's settings
    assert read_tuned(data.name, data.fingerprint) == {}
    # the report's verdicts are computed from these numbers
    from movierec.evaluation.report_quality import default_scores, verdicts
    from movierec.evaluation.suite import RunSpec

    names, default, best = default_scores(result)
    assert names == "ease" and len(default) == len(best) > 0   # ease: the only one tuned
    rows = verdicts(RunSpec(data.name, "heldout-users", 3, None, 2, 2), result)
    assert [r[1] in ("met", "**missed**") for r in rows] == [True, True]
    assert "x best tuned peer" in rows[0][0] and "within 2%" in rows[1][0]
    with pytest.raises(ValueError, match="heldout-users"):
        run_evaluation(data, "per-user", "ease", "none", tune_trials=2)


def test_the_tune_command_prints_the_table_and_reuses_it(home, data, monkeypatch):
    monkeypatch.setattr(tune_commands, "open_dataset", lambda *a, **k: data)
    runner = CliRunner()
    args = ["tune", "--models", "ease", "--peers", "bpr", "--trials", "2", "--json"]
    first = runner.invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    body = json.loads(first.stdout)
    assert {r["model"] for r in body["results"]} == {"ease", "peer:implicit-bpr"}
    again = json.loads(runner.invoke(app, args, catch_exceptions=False).stdout)
    assert again["results"] == body["results"]
    table = runner.invoke(app, ["tune", "--models", "ease", "--peers", "none", "--trials", "2"])
    assert "validation people" in table.output and "ease" in table.output
    for bad, says in ((["--trials", "0"], "--trials"), (["--peers", "nope"], "nope"),
                      (["--models", "svd"], "svd")):
        out = runner.invoke(app, ["tune", *bad])
        assert out.exit_code != 0 and says in out.output


def test_the_service_says_when_it_uses_tuned_settings(home, data):
    from movierec.service import PickSpec, Service, Settings

    picks = [PickSpec.of_movie(int(i))
             for i in np.flatnonzero(np.array(data.manifest["blocks"]) == 0)[:3]]
    service = Service(dataset=data)
    before = service.recommend(picks, Settings(method="ease", k=5))
    assert not any("tune" in n for n in before.notes)
    assert service.default_method == "hybrid"         # nothing tuned: the house default
    tune(data, ["ease"], [], trials=2)
    if not tuned_options(data.name, data.fingerprint, "ease"):
        pytest.skip("the defaults won on this tiny data")
    fresh = Service(dataset=data)
    assert fresh.default_method == "ease"            # the only method tuned: the default
    assert Service(dataset=data, default_method="graph").default_method == "graph"
    after = fresh.recommend(picks, Settings(method="ease", k=5))
    assert any("movierec tune chose" in n for n in after.notes)
    assert after.settings["l2"] == tuned_options(data.name, data.fingerprint, "ease")["l2"]
