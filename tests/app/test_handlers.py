"""The app's handlers on a small synthetic catalog with hostile titles (no browser, no server)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from movierec.app import api, handlers
from movierec.app.context import AppService
from movierec.app.handlers import settings_from_widgets
from movierec.service import ServiceError, Settings, method_choices, parse_method
from movierec.app.tabs import evaluation_view, map_view
from movierec.app.views import details_html, esc, message_html, picks_html
from movierec.service.picks import MAX_PICKS

SCRIPT_TITLE = "<script>alert(1)</script>"  # titles of movies 0 and 22 (see conftest.py)
IMG_TITLE = "<img src=x onerror=alert(1)>"
FAMILY = [1, 2, 3]  # block 0 ("family") movies of block_dataset; 22.. are crime movies


def picks_of(service, indices, feel="love"):
    return [{"index": i, "label": service.catalog.label(i), "feel": feel} for i in indices]


def family_block(service) -> set[int]:
    blocks = np.asarray(service.dataset.manifest["blocks"])
    return set(np.flatnonzero(blocks == 0).tolist())


# --- methods -------------------------------------------------------------------------------
def test_method_menu_offers_each_cluster_strategy_and_parses_variants():
    keys = [c.key for c in method_choices()]
    assert {
        "hybrid",
        "item_knn",
        "cluster (same)",
        "cluster (explore)",
        "cluster (centres)",
    } <= set(keys)
    assert "cluster" not in keys
    assert parse_method("cluster (explore)").options == {"strategy": "explore"}
    assert parse_method("Cluster:centres").key == "cluster (centres)"
    assert parse_method("cluster").key == "cluster (same)"
    assert parse_method("Item-KNN").key == "item_knn"
    assert parse_method(None).key == "hybrid"
    assert parse_method(method_choices()[0].menu_label).key == keys[0]
    with pytest.raises(ServiceError, match="choose one of"):
        parse_method("'; DROP TABLE models; --")


# --- search-as-you-type --------------------------------------------------------------------
def test_suggest_finds_typos_and_caps_the_list(service):
    found = handlers.suggest(service, "famly movie 1")
    assert found and found[0].index == 1 and found[0].label == "Family Movie 1 (1981)"
    assert len(found) <= handlers.SUGGEST_LIMIT
    assert found[0].value == "movie:1"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "🎬🍿",
        "x" * 10_000,
        "'; DROP TABLE feedback; --",
        "\x00\x07\n\t",
        "<script>",
    ],
)
def test_suggest_never_raises_on_odd_input(service, text):
    found = handlers.suggest(service, text)
    assert isinstance(found, list) and len(found) <= handlers.SUGGEST_LIMIT


def test_suggest_returns_hostile_titles_as_data(service):
    found = handlers.suggest(service, "<script>alert")
    assert any(s.index == 0 and s.label.startswith(SCRIPT_TITLE) for s in found)


# --- picks ---------------------------------------------------------------------------------
def test_add_pick_from_suggestion_typed_title_and_rating(service):
    change = handlers.add_pick(service, [], "movie:1")
    assert change.picks == [{"index": 1, "label": "Family Movie 1 (1981)", "feel": "love"}]
    assert "Add 2 more" in change.message
    change = handlers.add_pick(service, change.picks, "Famly Movie 2", "4.5")  # typo
    assert [p["index"] for p in change.picks] == [1, 2]
    assert change.picks[1]["feel"] == "4.5"
    change = handlers.add_pick(service, change.picks, np.int64(3), "dislike")
    assert change.picks[2]["feel"] == "dislike" and change.kind == "ok"


def test_add_pick_again_updates_the_feel_instead_of_duplicating(service):
    picks = handlers.add_pick(service, [], "movie:1").picks
    change = handlers.add_pick(service, picks, "movie:1", "like")
    assert len(change.picks) == 1 and change.picks[0]["feel"] == "like"
    assert "already" in change.message


def test_ambiguous_and_unknown_titles_are_not_added_but_offered(service):
    change = handlers.add_pick(service, [], "movie")
    assert change.picks == [] and change.kind == "warn"
    assert change.message.startswith("ambiguous") and len(change.suggestions) >= 2
    change = handlers.add_pick(service, [], "Zzyzx Qwv")
    assert change.picks == [] and change.message.startswith("not found")
    for text in ("", "   ", "🎬🍿", "x" * 10_000, "'; DROP TABLE feedback; --"):
        change = handlers.add_pick(service, [], text)
        assert change.picks == [] and change.kind == "warn" and change.message
    change = handlers.add_pick(service, [], "movie:99999")
    assert change.picks == [] and "not in the catalog" in change.message


def test_the_catalog_really_has_hostile_titles(service):
    assert service.catalog.title(0) == SCRIPT_TITLE and service.catalog.title(22) == IMG_TITLE


def test_picks_are_capped(service):
    picks = [
        {"index": 100 + i, "label": f"m{i}", "feel": "love"} for i in range(MAX_PICKS)
    ]
    change = handlers.add_pick(service, picks, "movie:1")
    assert len(change.picks) == MAX_PICKS and change.kind == "warn"


def test_edit_remove_and_parse_feel():
    picks = [{"index": 1, "label": "a", "feel": "love"}, {"index": 2, "label": "b", "feel": "love"}]
    assert handlers.set_feel(picks, 2, "3.7")[1]["feel"] == "3.5"
    assert handlers.set_feel(picks, 2, "banana")[1]["feel"] == "love"
    assert handlers.set_feel(picks, 2, 9)[1]["feel"] == "5"
    assert [p["index"] for p in handlers.remove_pick(picks, 1)] == [2]
    assert picks[1]["feel"] == "love"  # inputs are never mutated


def test_page_picks_map_feels_and_fold_thumbs(service):
    picks = [
        {"index": 1, "label": "a", "feel": "love"},
        {"index": 2, "label": "b", "feel": "2"},
        {"index": 3, "label": "c", "feel": "like"},
        {"index": 4, "label": "d", "feel": "dislike"},
    ]
    resolved = service.resolve(handlers.specs_of(picks))
    profile = resolved.profile(handlers.thumbs_of([{"index": 9, "label": "z", "liked": False}]))
    assert profile.items.tolist() == [1, 2, 3, 4, 9]
    assert np.isnan(profile.ratings[0]) and profile.ratings[1] == 2.0
    assert profile.positives.tolist() == [1, 3]
    assert set(profile.negatives.tolist()) == {2, 4, 9}
    assert [p.matched_by for p in resolved.picks] == ["index"] * 4


def test_examples_and_onboarding_sample(service):
    change = handlers.example_picks(service, "Family trio")
    assert [p["index"] for p in change.picks] == [1, 2, 3] and change.kind == "ok"
    assert handlers.example_picks(service, "Nope").kind == "warn"
    assert service.usable_examples() == ["Family trio", "Crime trio"]
    service.examples["Missing trio"] = ("Family Movie 1", "Not A Movie At All", "Crime Movie 2")
    assert "Missing trio" not in service.usable_examples()
    cards = handlers.onboarding_sample(service, 6, seed=1, exclude=[1, 2])
    assert len(cards) == 6 and len({c["index"] for c in cards}) == 6
    assert not {1, 2} & {c["index"] for c in cards}
    assert cards == handlers.onboarding_sample(service, 6, seed=1, exclude=[1, 2])
    assert all(c["poster"] and c["label"] for c in cards)


# --- recommendations -----------------------------------------------------------------------
def test_fewer_than_three_picks_is_a_clear_message(service):
    results = handlers.recommend(service, picks_of(service, [1, 2]))
    assert not results.ok and results.kind == "warn" and "add 1 more" in results.message
    assert "at least 3" in results.message


def test_recommend_stays_in_the_block_and_fills_every_view(service):
    picks = picks_of(service, FAMILY)
    results = handlers.recommend(service, picks, (), Settings(method="item_knn", k=8))
    assert results.ok and len(results.items) == 8 and results.method == "item_knn"
    indices = [i.index for i in results.items]
    assert not set(indices) & set(FAMILY)
    assert set(indices) <= family_block(service)
    gallery = results.gallery()
    assert len(gallery) == 8 and all(poster and caption for poster, caption in gallery)
    assert all(item.explanation for item in results.items)
    assert [row[0] for row in results.table()] == list(range(1, 9))
    assert len(results.table()[0]) == len(handlers.TABLE_HEADERS)
    api_rows = results.answer.to_json()["results"]
    assert list(api_rows[0]) == ["rank", "index", "title", "year", "genres", "tmdb_id", "imdb_id",
                                 "movielens_id", "poster_url", "overview", "score", "explanation"]


def test_posters_are_urls_or_existing_cards(service):
    results = handlers.recommend(
        service, picks_of(service, FAMILY), (), Settings(method="item_knn", k=20)
    )
    from pathlib import Path

    for poster, _ in results.gallery():  # offline in tests: always a drawn card file
        assert Path(poster).is_file()
    for item in results.items:  # what leaves the server: public URLs only, never a path
        assert item.poster_url is None or item.poster_url.startswith("https://image.tmdb.org/")


def test_filters_and_impossible_filters(service):
    picks = picks_of(service, FAMILY)
    results = handlers.recommend(service, picks, (), Settings(method="item_knn", year_from=1990))
    assert results.ok and all(i.year >= 1990 for i in results.items)
    empty = handlers.recommend(
        service, picks, (), Settings(method="item_knn", genres=("Western",))
    )
    assert not empty.ok and "Western" in empty.message
    nothing = handlers.recommend(service, picks, (), Settings(method="item_knn",
                                                              min_votes=10**9))
    assert not nothing.ok and "filters" in nothing.message and "1000000000" in nothing.message


def test_bad_method_and_all_disliked_are_messages(service):
    bad = handlers.recommend(service, picks_of(service, FAMILY), (), Settings(method="nope"))
    assert bad.kind == "error" and "choose one of" in bad.message
    sour = handlers.recommend(
        service, picks_of(service, FAMILY, "dislike"), (), Settings(method="item_knn")
    )
    assert not sour.ok and "like" in sour.message


def test_widget_values_become_settings_and_bad_ones_are_named(service):
    s = settings_from_widgets("ease", 20.0, "NEW", 1990.0, 2005, ["Drama"], None,
                              "en", 10.0)
    assert (s.method, s.k, s.era, s.year_from, s.year_to, s.genres, s.language) == (
        "ease", 20.0, "NEW", 1990.0, 2005, ("Drama",), "en")
    # empty year boxes (None, "" or the 0 Gradio shows) and "any" language mean no filter
    d = settings_from_widgets(None, None, None, 0, "", (), (), "any", None,
                              default_method="item_knn")
    assert (d.method, d.k, d.era, d.year_from, d.year_to, d.language, d.min_votes) == (
        "item_knn", handlers.DEFAULT_K, "any", None, None, "any", 0)
    from movierec.service.request import check_settings

    assert check_settings(d, service.catalog).filter.language is None
    picks = picks_of(service, FAMILY)
    for widgets, named in (((("item_knn", 8, "any", 2005, 1990)), "2005"),
                           (("item_knn", 8, "weird"), "weird"),
                           (("item_knn", 8, "any", 99999), "99999"),
                           (("item_knn", 8, "any", None, None, ["Cartoons"]), "Cartoons"),
                           (("item_knn", 8, "any", None, None, (), (), "xx"), "xx")):
        results = handlers.recommend(service, picks, (), settings_from_widgets(*widgets))
        assert not results.ok and named in results.message, results.message


def test_thumbs_down_is_stored_and_changes_the_list(service):
    picks = picks_of(service, FAMILY)
    settings = Settings(method="item_knn", k=8)
    first = handlers.recommend(service, picks, (), settings)
    target = first.items[0]
    thumbs, again = handlers.give_thumb(service, "sess-1", picks, [], settings, target.index,
                                        False)
    assert thumbs == [{"index": target.index, "label": target.label, "reaction": "disliked"}]
    assert again.ok and target.index not in [i.index for i in again.items]
    assert again.message.startswith("Noted")
    rows = service.feedback.rows()
    assert len(rows) == 1
    row = rows[0]
    assert (row["session"], row["movie"], row["liked"], row["rank"]) == (
        "sess-1",
        target.index,
        False,
        1,
    )
    assert row["verdict"] == "bad" and row["picks"] == FAMILY and row["title"] == target.label
    assert row["method"] == "item_knn" and row["dataset"] == service.data_name
    thumbs, _ = handlers.give_thumb(
        service, "sess-1", picks, thumbs, settings, again.items[0].index, True
    )
    assert [t["reaction"] for t in thumbs] == ["disliked", "liked"]
    assert service.feedback.count() == 2


def test_seen_and_not_interested_leave_the_list_and_show_as_chips(service):
    picks = picks_of(service, FAMILY)
    settings = Settings(method="item_knn", k=8)
    first = handlers.recommend(service, picks, (), settings).items
    thumbs, after = handlers.give_thumb(service, "sess-3", picks, [], settings, first[0].index,
                                        "seen")
    thumbs, after = handlers.give_thumb(service, "sess-3", picks, thumbs, settings,
                                        first[1].index, "not_interested")
    assert [t["reaction"] for t in thumbs] == ["seen", "not_interested"]
    assert {first[0].index, first[1].index}.isdisjoint(i.index for i in after.items)
    chips = picks_html(picks, thumbs)
    assert "👁" in chips and "🚫" in chips and "Your reactions" in chips
    old_page = picks_html(picks, [{"index": 1, "label": "Old <b>", "liked": True}])
    assert "👍 Old &lt;b&gt;" in old_page                 # a page from before reactions
    kept, bad = handlers.give_thumb(service, "sess-3", picks, thumbs, settings, first[2].index,
                                    "meh")
    assert kept == thumbs and not bad.ok and "'meh'" in bad.message


# --- escaping ------------------------------------------------------------------------------
def test_details_escape_every_data_string(service):
    html = handlers.details(
        service, {"index": 0, "explanation": "Because <b>you</b> liked it", "rank": 1, "score": 0.5}
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;you&lt;/b&gt;" in html
    html = handlers.details(service, {"index": 22})
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in handlers.details(service, {"index": 4})  # hostile overview
    assert "DROP TABLE feedback;--" in handlers.details(service, {"index": 5})
    assert "&#x27;)" in handlers.details(service, {"index": 5})
    linked = handlers.details(service, {"index": 7})  # hostile imdb id
    assert "imdb.com" not in linked and "onmouseover" not in linked


def test_views_escape_picks_and_messages(service):
    picks = picks_of(service, [0, 22, 6])
    html = picks_html(picks, [{"index": 22, "label": IMG_TITLE, "liked": False}])
    assert "<script>" not in html and "<img" not in html
    assert esc(SCRIPT_TITLE) in html and esc(IMG_TITLE) in html
    assert "<script" not in message_html(f'not found: "{SCRIPT_TITLE}"', "warn")
    assert message_html("", "info") == ""
    assert 'class="mr-msg mr-info"' in message_html("x", "made-up-kind")
    assert "<script>" not in details_html(
        {
            "title": SCRIPT_TITLE,
            "genres": [IMG_TITLE],
            "cast": [SCRIPT_TITLE],
            "director": IMG_TITLE,
        }
    )


# --- script endpoints ----------------------------------------------------------------------
def test_picks_text_ratings_likes_dislikes(service):
    text = ("Family Movie 1\r\nFamly Movie 2 = 4.5\n\n-Crime Movie 3\n+Family Movie 4\n"
            "Family Movie 1")
    out = api.recommend_api(service, text, "item_knn", 5)
    assert [(p["index"], p["feel"]) for p in out["picks"]] == [
        (1, "love"),
        (2, "4.5"),
        (25, "dislike"),
        (4, "like"),
    ]
    assert any("picked twice" in n for n in out["notes"])
    bad = api.recommend_api(service, "Family Movie 1=9\nFamily Movie 2\nFamily Movie 3",
                            "item_knn", 5)
    assert bad["error"]["code"] == "bad_pick" and "outside 0.5-5" in bad["error"]["message"]


@pytest.mark.parametrize(
    "text",
    ["", "x" * 10_000, "🎬\n🍿\n🎥", "'; DROP TABLE feedback; --", SCRIPT_TITLE * 500, "\n" * 5000],
)
def test_recommend_api_answers_odd_input_with_an_error_object(service, text):
    out = api.recommend_api(service, text, "item_knn", 5)
    assert set(out) == {"error"} and set(out["error"]) == {"code", "message", "suggestions"}
    assert out["error"]["message"] and "<script>" not in out["error"]["message"][:0]


def test_recommend_api_and_feedback_api(service):
    text = "Family Movie 1\nFamily Movie 2=4\nFamily Movie 3"
    out = api.recommend_api(service, text, "Content", 5)
    assert len(out["results"]) == 5 and out["method"] == "content"
    assert [p["index"] for p in out["picks"]] == [1, 2, 3]
    bad = api.recommend_api(service, text, "nope", 5)
    assert bad["error"]["code"] == "unknown_method" and "choose one of" in bad["error"]["message"]
    assert "item_knn" in bad["error"]["suggestions"]
    first = api.recommend_api(service, text, "item_knn", 5)["results"][0]["index"]
    after = api.feedback_api(service, text, "item_knn", 5, first, False, "")
    assert first not in [r["index"] for r in after["results"]] and len(after["results"]) == 5
    row = service.feedback.rows()[-1]
    assert row["session"] == after["session"] and row["rank"] == 1 and row["liked"] is False
    assert service.sessions.valid(after["session"]) and not service.sessions.valid("script-1")
    count = service.feedback.count()
    for movie, liked in (("x", True), (10**6, True), (first, "false"), (first, None), (first, 2)):
        out = api.feedback_api(service, text, "item_knn", 5, movie, liked, "")
        assert out["error"]["code"] == "bad_argument", (movie, liked)
    assert service.feedback.count() == count, "a refused thumb is never stored"
    for k in (0, -1, 101, "ten"):
        assert api.recommend_api(service, text, "item_knn", k)["error"]["code"] == "bad_k"
    found = api.search_api(service, "crime movie 1")
    assert found[0]["label"].startswith("Crime Movie 1") and set(found[0]) == {
        "index",
        "label",
        "confidence",
    }


def test_too_many_titles_and_long_text_are_cut_with_a_note(service):
    text = "\n".join(f"Family Movie {8 + i % 12}" for i in range(80))
    out = api.recommend_api(service, text, "item_knn", 5)
    assert len(out["picks"]) == 12 and any("first 50" in n for n in out["notes"])
    out = api.recommend_api(service, "Family Movie 1\nFamily Movie 2\nFamily Movie 3"
                            + " " * 20_000, "item_knn", 5)
    assert any("10,000 characters" in n for n in out["notes"]) and out["results"]
    out = api.recommend_api(service, "Family Movie 1\n" + "y" * 20_000, "item_knn", 5)
    assert out["error"]["code"] == "unknown_title" and "not found" in out["error"]["message"]


# --- other tabs ----------------------------------------------------------------------------
class FakeResult:
    meta = {
        "dataset": "ml-100k",
        "protocol": "leave-out",
        "main_metric": "ndcg@10",
        "date": "2026-01-01",
    }
    best = {"ours": "ease"}

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "model": ["popularity", "ease", "<b>x</b>"],
                "kind": ["ours", "ours", "peer"],
                "ndcg@10": [0.12, 0.31234567, 0.2],
                "ndcg@10_low": [0.1, 0.3, 0.15],
                "ndcg@10_high": [0.14, 0.33, 0.25],
                "recall@10": [0.1, 0.2, 0.15],
            }
        )


def test_evaluation_view_with_and_without_results():
    meta, table, fig, full = evaluation_view([])
    assert "movierec evaluate" in meta and table.empty and full.empty and fig is None
    meta, table, fig, full = evaluation_view([FakeResult()], 0)
    assert "ml-100k" in meta and "best of movierec" in meta
    assert table["model"].tolist() == ["ease", "<b>x</b>", "popularity"]  # best first
    assert table["ndcg@10"].iloc[0] == 0.3123 and table["95% CI"].iloc[0] == "0.300 to 0.330"
    assert "ndcg@10_low" not in table and "ndcg@10_low" in full
    assert list(fig.data[0].y) == ["popularity", "&lt;b&gt;x&lt;/b&gt;", "ease"]
    assert list(fig.data[0].error_x.array) == pytest.approx([0.02, 0.05, 0.0176543], abs=1e-6)


def test_map_view_reports_problems_as_messages(service, monkeypatch):
    def broken(progress=None):
        raise RuntimeError("<boom>")

    monkeypatch.setattr(service, "catalog_map", broken)
    figure, status, done = map_view(service, picks_of(service, FAMILY), [])
    assert figure is None and "&lt;boom&gt;" in status and done


def test_map_view_builds_in_the_background_then_draws(service, monkeypatch):
    import threading

    release = threading.Event()
    real = service.catalog_map

    def slow(progress=None):
        progress("placing movies")
        release.wait(10)
        return real(progress)

    monkeypatch.setattr(service, "catalog_map", slow)
    monkeypatch.setattr("movierec.app.tabs.MAP_WAIT_S", 0.05)
    figure, status, done = map_view(service, picks_of(service, FAMILY), [])
    assert figure is None and not done
    assert "in the background" in status and "placing movies" in status
    release.set()
    service.jobs.wait("map", 60)
    figure, status, done = map_view(service, picks_of(service, FAMILY), [])
    assert figure is not None and done and "well-known movie" in status


def test_service_loads_each_model_once(app_dataset):
    service = AppService(dataset=app_dataset, default_method="item_knn")
    first = service.model("item_knn")
    assert service.model("Item-KNN") is first
    assert service.is_ready("item_knn") and not service.is_ready("ease")
    timings = service.warm()
    assert "warm" in timings and service.index is service.index
    assert service.search("Family Movie 1") is service.search("Family Movie 1")
    assert service.genres() and service.languages()[0][0] in ("en", "fr")


def test_a_group_member_given_as_a_path_is_named_not_dropped(service):
    results = handlers.together(service, "Ana: Family Movie 1; Family Movie 2; Family Movie 3\n"
                                "Ben: @/etc/passwd", Settings(method="item_knn", k=4))
    assert not results.ok and "Ben" in results.message and "path" in results.message


def test_a_fresh_home_shows_the_published_evaluation_then_local_runs_first(tmp_path,
                                                                           monkeypatch):
    from movierec.app.tabs import load_evaluations, run_label
    from movierec.evaluation.results import published_results

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    shipped = load_evaluations()
    assert {(r.meta["dataset"], r.meta["tag"]) for r in shipped} >= {
        ("ml-100k", "heldout-users-picks3"), ("the-movies-dataset", "heldout-users-picks3")}
    assert all(r.meta["published"] for r in shipped)
    meta, table, figure, full = evaluation_view(shipped, 0)
    assert "published with movierec" in meta and "docs/REPORT.md" in meta
    assert "95% CI" in table.columns and len(table) >= 10 and figure is not None
    assert run_label(shipped[0], 0).startswith("1. published: ")

    mine = published_results()[0]                       # a local run of one's own
    mine.meta.pop("published")
    mine.meta["date"] = "2030-01-01T00:00:00+00:00"
    mine.write(tmp_path / "home" / "evaluations" / "mine")
    runs = load_evaluations()
    assert len(runs) == len(shipped) + 1
    assert run_label(runs[0], 0).startswith("1. your run: ")
    assert "published with movierec" not in evaluation_view(runs, 0)[0]


def test_page_facts_are_cached_by_fingerprint_and_recomputed_when_the_data_changes(
        tmp_path, monkeypatch, app_dataset):
    import json as _json

    from movierec.app.context import AppService

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    first = AppService(dataset=app_dataset, background=False)
    facts = first.page_facts()
    path = tmp_path / "home" / "app" / f"page-{app_dataset.name}.json"
    stored = _json.loads(path.read_text())
    assert stored["examples"] == facts["examples"] and app_dataset.fingerprint in stored["key"]
    again = AppService(dataset=app_dataset, background=False)
    monkeypatch.setattr(again, "_usable_examples", lambda: pytest.fail("not read from cache"))
    assert again.page_facts()["genres"] == facts["genres"]
    stored["key"] = stored["key"].replace(app_dataset.fingerprint, "other-data")
    path.write_text(_json.dumps(stored))
    third = AppService(dataset=app_dataset, background=False)
    assert third.page_facts()["examples"] == facts["examples"]      # recomputed, rewritten
    assert app_dataset.fingerprint in _json.loads(path.read_text())["key"]


def test_the_method_menu_is_resent_only_when_a_background_job_changes_it(service):
    import gradio as gr

    from movierec.app.recommend_tab import _jobs_text, _method_menu, _refresh_menu

    shown = [[list(e) for e in _method_menu(service)], _jobs_text(service)]
    menu, line, kept = _refresh_menu(service, shown)
    assert isinstance(menu, type(gr.skip())) and kept is shown
    service.jobs.start("fit:ease", "ease", lambda say: say("training ease"))
    service.jobs.wait("fit:ease", 10)
    service.model("ease")          # now ready: its label loses "(trained ... on first use)"
    menu, line, kept = _refresh_menu(service, shown)
    assert kept != shown and isinstance(menu, gr.Dropdown)
