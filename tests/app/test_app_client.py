"""The served app, driven through its public endpoints with `gradio_client` (in-process)."""

from __future__ import annotations

import socket

import pytest

gr = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

PICKS = "Famly Movie 1\nFamily Movie 2=4.5\nFamily Movie 3\n-Crime Movie 3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(app_dataset, tmp_path_factory):
    """The app on a free localhost port; yields (client, service); closed afterwards."""
    from movierec.app import create_app
    from movierec.service.feedback import FeedbackStore
    from movierec.app.context import AppService

    mp = pytest.MonkeyPatch()
    mp.setenv("MOVIEREC_OFFLINE", "1")
    service = AppService(
        dataset=app_dataset,
        default_method="item_knn",
        feedback=FeedbackStore(tmp_path_factory.mktemp("fb") / "f.sqlite"),
    )
    demo = create_app(service=service)
    service.wait_ready(60)
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    try:
        client = gradio_client.Client(demo.local_url, verbose=False)
        yield client, service
    finally:
        demo.close()
        mp.undo()


def test_only_the_stable_endpoints_are_public(served):
    client, _ = served
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(named) == {"/recommend_api", "/feedback_api", "/search_api", "/import_api",
                          "/together_api", "/mood_api"}


def test_search_endpoint(served):
    client, _ = served
    found = client.predict("crime movi 1", api_name="/search_api")
    assert 1 <= len(found) <= 8 and found[0]["label"].startswith("Crime Movie 1")
    assert client.predict("🎬" * 300, api_name="/search_api") == []


def test_recommend_endpoint(served):
    client, _ = served
    out = client.predict(PICKS, "item_knn", 6, api_name="/recommend_api")
    assert [p["feel"] for p in out["picks"]] == ["love", "4.5", "love", "dislike"]
    assert len(out["results"]) == 6
    row = out["results"][0]
    assert list(row) == ["rank", "index", "title", "year", "genres", "tmdb_id", "imdb_id",
                         "movielens_id", "poster_url", "overview", "score", "explanation"]
    assert row["explanation"] and row["index"] not in (1, 2, 3, 25)
    assert all(r["poster_url"] is None or r["poster_url"].startswith("https://")
               for r in out["results"])
    bad = client.predict("x" * 10_000, "item_knn", 6, api_name="/recommend_api")
    assert bad["error"]["code"] == "unknown_title"
    assert bad["error"]["message"].startswith("not found")
    few = client.predict("Family Movie 1", "hybrid", 6, api_name="/recommend_api")
    assert few["error"]["code"] == "too_few_picks" and "at least 3" in few["error"]["message"]


def test_feedback_endpoint_stores_and_refreshes(served):
    client, service = served
    before = client.predict(PICKS, "item_knn", 6, api_name="/recommend_api")
    movie = before["results"][0]["index"]
    count = service.feedback.count()
    after = client.predict(PICKS, "item_knn", 6, movie, False, "", api_name="/feedback_api")
    assert movie not in [r["index"] for r in after["results"]] and len(after["results"]) == 6
    assert service.feedback.count() == count + 1
    token = after["session"]
    assert service.sessions.valid(token)
    row = service.feedback.rows(session=token)[-1]
    assert row["movie"] == movie and row["liked"] is False and row["rank"] == 1
    again = client.predict(PICKS, "item_knn", 6, after["results"][0]["index"], True, token,
                           api_name="/feedback_api")
    assert again["session"] == token and service.feedback.count(session=token) == 2
    forged = client.predict(PICKS, "item_knn", 6, movie, True, "client-test",
                            api_name="/feedback_api")
    assert forged["error"]["code"] == "bad_argument" and "session" in forged["error"]["message"]
    assert service.feedback.count() == count + 2
    skipped = again["results"][0]["index"]
    third = client.predict(PICKS, "item_knn", 6, skipped, False, token, "not_interested",
                           api_name="/feedback_api")
    assert skipped not in [r["index"] for r in third["results"]]
    assert service.feedback.rows(session=token)[-1]["reaction"] == "not_interested"
    bad = client.predict(PICKS, "item_knn", 6, skipped, False, token, "meh",
                         api_name="/feedback_api")
    assert bad["error"]["code"] == "bad_reaction" and "'meh'" in bad["error"]["message"]


def test_serve_command_rejects_bad_options_clearly():
    from typer.testing import CliRunner

    from movierec.cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--data", "no-such-data"])
    assert result.exit_code == 2 and "no-such-data" in result.output
    result = runner.invoke(app, ["serve", "--method", "nope"])
    assert result.exit_code == 2 and "choose one of" in result.output
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


def _letterboxd_zip(path):
    import zipfile

    rows = "Date,Name,Year,Letterboxd URI,Rating\n" + "".join(
        f"2022-01-01,Crime Movie {n},{1981 + n},https://boxd.it/{n},4.5\n" for n in range(1, 6))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("letterboxd-ana/ratings.csv", rows)
        zf.writestr("letterboxd-ana/watched.csv", "Date,Name,Year,Letterboxd URI\n"
                    "2022-01-01,Crime Movie 7,1987,https://boxd.it/7\n")
    return path


def test_import_endpoint_takes_an_uploaded_zip_or_text(served, tmp_path):
    client, _ = served
    upload = gradio_client.handle_file(str(_letterboxd_zip(tmp_path / "letterboxd.zip")))
    out = client.predict(upload, "", "item_knn", 5, api_name="/import_api")
    assert out["import"]["matched"] == 6 and out["import"]["rated"] == 5
    assert len(out["results"]) == 5 and 29 not in [r["index"] for r in out["results"]]
    text = "title,year,rating\nCrime Movie 1,1982,5\nCrime Movie 2,1983,5\nCrime Movie 3,1984,4\n"
    out = client.predict(text, "", "item_knn", 5, api_name="/import_api")
    assert out["import"]["matched"] == 3 and out["results"]
    bad = client.predict("not,an,export\n", "", "item_knn", 5, api_name="/import_api")
    assert bad["error"]["code"] == "bad_import"
    sneaky = client.predict({"path": "/etc/passwd", "meta": {"_type": "unknown"}}, "",
                            "item_knn", 5, api_name="/import_api")
    assert sneaky["error"]["code"] == "bad_argument"


def test_together_and_mood_endpoints(served):
    client, _ = served
    members = ("Ana: Family Movie 1; Family Movie 2; Family Movie 3\n"
               "Ben: Family Movie 4; Family Movie 5; Family Movie 7\n"
               "Cara: Crime Movie 1; Crime Movie 2; Crime Movie 3")
    out = client.predict(members, "item_knn", 4, "least_misery", api_name="/together_api")
    assert out["strategy"] == "least_misery" and len(out["results"]) == 4
    assert set(out["results"][0]["satisfaction"]) == {"Ana", "Ben", "Cara"}
    mood = client.predict("a heartwarming animated adventure", "", "item_knn", 4,
                          api_name="/mood_api")
    assert len(mood["results"]) == 4 and mood["mood"]["text"].startswith("a heartwarming")
    assert all(r["explanation"].startswith("Fits") for r in mood["results"])
