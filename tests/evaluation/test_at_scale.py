"""What "all" means on large data: slow methods and peers left out with a note, one ratings
split, and nothing changed for small data or for what is named."""

from __future__ import annotations

from movierec.evaluation import at_scale, runner
from movierec.evaluation.at_scale import SLOW_METHODS, SLOW_PEERS, plan_for
from movierec.synthetic import block_dataset


def test_small_data_runs_as_asked():
    plan = plan_for(100_000, "ratings", "all", "all", None)
    assert plan.skip_models == plan.skip_peers == () and plan.folds is None and not plan.notes


def test_at_scale_all_skips_the_slow_methods_and_peers_and_says_how_to_ask():
    plan = plan_for(26_024_289, "heldout-users", "all", None, None)
    assert set(plan.skip_models) == set(SLOW_METHODS) and set(plan.skip_peers) == set(SLOW_PEERS)
    assert plan.folds is None, "heldout-users is one split already"
    assert "26,024,289 ratings" in plan.notes[0] and "--models" in plan.notes[0]
    assert plan.peer_threads == 0 and any("every core" in n for n in plan.notes)
    assert plan_for(1_000_000, "heldout-users", "all", None, None).peer_threads == 1
    assert not any("surprise" in n for n in plan.notes)    # they do not rank people anyway


def test_the_ratings_protocol_keeps_its_rating_models_and_makes_one_split():
    plan = plan_for(26_024_289, "ratings", "all", "all", None)
    assert "svd" not in plan.skip_models and "nmf" not in plan.skip_models
    assert "mlp" in plan.skip_models
    assert plan.folds == 1 and any("--folds 5" in n for n in plan.notes)
    assert any("--peers" in n for n in plan.notes)


def test_named_methods_peers_and_folds_are_run_as_asked():
    plan = plan_for(26_024_289, "ratings", "svd,mlp", "surprise-svd", 5)
    assert plan.skip_models == plan.skip_peers == () and plan.folds == 5
    assert plan.notes == []     # nothing left out; implicit's peers do not rate, so no note


def test_the_threads_note_comes_only_where_implicit_peers_run():
    def says(protocol, peers):
        notes = plan_for(26_024_289, protocol, "ease", peers, None).notes
        return any("every core" in n for n in notes)
    assert says("heldout-users", "all") and says("heldout-users", "bpr")
    assert not says("heldout-users", "none") and not says("ratings", "all")


def test_resolving_all_leaves_the_skipped_out():
    ours, _, _ = runner.resolve_models("all", "heldout-users", ("svd", "ease"))
    names = [c.name for c in ours]
    assert "svd" not in names and "ease" not in names and "item_knn" in names
    peers, _ = runner.resolve_peers("all", "heldout-users", 0, ("peer:random",))
    assert "peer:random" not in [p.name for p in peers]


def test_a_large_ratings_evaluation_makes_one_split_and_notes_it(monkeypatch):
    monkeypatch.setattr(at_scale, "LARGE", 1)
    result = runner.run_evaluation(block_dataset(seed=0), "ratings", models="svd", peers="none",
                                   seed=0, reuse_fits=False)
    assert len(result.meta["splits"]) == 1
    assert any("one 80/20 split" in n for n in result.meta["notes"])


def test_all_leaves_the_opt_in_peers_out_and_says_so_naming_them_runs_them():
    peers, notes = runner.resolve_peers("all", "heldout-users", 0)
    assert "peer:cornac-recvae" not in [p.name for p in peers]
    assert any("cornac-recvae" in n and "--peers" in n for n in notes)
    peers, notes = runner.resolve_peers("cornac-recvae", "heldout-users", 0)
    assert [p.name for p in peers] == ["peer:cornac-recvae"] and not notes


def test_without_cornac_there_is_no_opt_in_note(monkeypatch):
    from movierec.evaluation import peers as peer_lib

    monkeypatch.setattr(peer_lib, "cornac_available", lambda: False)
    _, notes = runner.resolve_peers("all", "heldout-users", 0)
    assert not any("cornac-recvae" in n for n in notes)
