"""The command line as a new user meets it: one shape for answers and errors, every bad
input named with a non-zero exit and nothing written.

The data is a MovieLens-format copy of the synthetic two-block catalog (family films, crime
thrillers), prepared with ``prepare ml-latest-small --from FOLDER`` into a home of its own,
with no data folder configured: every later command finds the files through the manifest.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from movierec.cli.main import app
from movierec.synthetic import block_dataset

runner = CliRunner()
PICKS = ["Family Movie 1", "Famly Movie 2", "Family Movie 3"]


def write_movielens(folder):
    """The checkerboard as MovieLens CSV files (movies.csv, ratings.csv, links.csv)."""
    data = block_dataset(seed=0)
    folder.mkdir(parents=True)
    genres = {"Family": "Children"}
    lines = ["movieId,title,genres"]
    for i, row in data.catalog.frame.iterrows():
        names = "|".join(genres.get(g, g) for g in row["genres"])
        lines.append(f'{i + 1},"{row["title"]} ({row["year"]})",{names}')
    (folder / "movies.csv").write_text("\n".join(lines) + "\n")
    m = data.ratings.matrix.tocoo()
    rows = ["userId,movieId,rating,timestamp"] + [
        f"{u + 1},{j + 1},{r:g},{1_000_000_000 + k}"
        for k, (u, j, r) in enumerate(zip(m.row, m.col, m.data))]
    (folder / "ratings.csv").write_text("\n".join(rows) + "\n")
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n" + "".join(
        f"{i + 1},{1000 + i:07d},{5000 + i}\n" for i in range(len(data.catalog))))
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli-front-door")
    source = write_movielens(base / "somewhere" / "my-ratings")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIEREC_HOME", str(base / "home"))
        mp.setenv("MOVIEREC_DATA", str(base / "empty"))
        mp.setenv("MOVIEREC_OFFLINE", "1")
        out = runner.invoke(app, ["prepare", "ml-latest-small", "--from", str(source)])
        assert out.exit_code == 0, out.output
        yield base


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def recommend(*args: str, picks=PICKS):
    return cli("recommend", *picks, "--data", "ml-latest-small", *args)


def error_of(result) -> dict:
    """The JSON error a --json command printed on stdout (and that it exited non-zero)."""
    assert result.exit_code != 0, result.output
    return json.loads(result.stdout)["error"]


# --- after prepare --from, every command finds the data ---------------------------------------
def test_commands_find_the_data_a_prepare_from_recorded(home):
    out = recommend("-m", "item_knn", "--json")
    assert out.exit_code == 0, out.output
    answer = json.loads(out.stdout)
    assert answer["dataset"] == "ml-latest-small" and len(answer["results"]) == 10
    assert {r["title"].split(" Movie")[0] for r in answer["results"]} == {"Family"}
    assert [p["status"] for p in answer["picks"]] == ["exact", "confident", "exact"]
    info = cli("info", "--data", "ml-latest-small", "--json")
    assert info.exit_code == 0 and json.loads(info.stdout)["summary"]["users"] == 60
    found = cli("search", "crime movie 7", "--data", "ml-latest-small", "--json")
    assert json.loads(found.stdout)["results"][0]["title"] == "Crime Movie 7"


def test_text_output_lists_explained_movies(home):
    out = recommend("-m", "item_knn", "-k", "4", "--dislike", "Crime Movie 3")
    assert out.exit_code == 0, out.output
    assert "You picked: Family Movie 1 (1981); Family Movie 2 (1982)" in out.stdout
    assert "item_knn recommendations" in out.stdout and "Because you liked" in out.stdout


def test_ids_and_ratings_in_picks(home):
    out = recommend("-m", "item_knn", "--json", picks=["ml:2", "tmdb:5002", "imdb:tt0001003=4.5"])
    assert out.exit_code == 0, out.output
    picks = json.loads(out.stdout)["picks"]
    assert [(p["index"], p["matched_by"], p["feel"]) for p in picks] == [
        (1, "movielens_id", "love"), (2, "tmdb_id", "love"), (3, "imdb_id", "4.5")]


# --- every bad input: the value named, exit 2, stdout JSON with --json --------------------------
@pytest.mark.parametrize("args, code, named", [
    (["-k", "0"], "bad_k", "not 0"),
    (["-k", "-1"], "bad_k", "not -1"),
    (["-k", "1000"], "bad_k", "not 1000"),
    (["--from-year", "2000", "--to-year", "1990"], "bad_year", "from-year 2000 is after to-year 1990"),
    (["--from-year", "99999"], "bad_year", "99999"),
    (["--genre", "Cartoons"], "bad_genre", "'Cartoons'"),
    (["--genre", "Crime", "--exclude-genre", "crime"], "bad_genre", "Crime is both"),
    (["--exclude-genre", "Animation", "--exclude-genre", "Crime"], "no_movie_passes", "no Animation, Crime"),
    (["--language", "klingon"], "bad_language", "'klingon'"),
    (["--min-votes", "-5"], "bad_min_votes", "not -5"),
    (["--era", "medieval"], "bad_era", "'medieval'"),
    (["-m", "nope"], "unknown_method", "'nope'"),
    (["-m", "cluster", "-o", "n_clusters=-3"], "bad_option", "n_clusters=-3"),
    (["-m", "cluster", "-o", "clusters=4"], "bad_option", "'clusters'"),
    (["-m", "ease", "-o", "l2=lots"], "bad_option", "l2='lots'"),
    (["-m", "cluster", "-o", "strategy=sideways"], "bad_option", "sideways"),
    (["-o", "novalue"], "bad_option", "'novalue'"),
])
def test_bad_recommend_options_are_named(home, args, code, named):
    text = recommend("-m", "item_knn", *args)
    assert text.exit_code == 2 and named in text.output, text.output
    error = error_of(recommend("-m", "item_knn", *args, "--json"))
    assert error["code"] == code and named in error["message"], error


@pytest.mark.parametrize("picks, code, named", [
    (["Toy Story=abc", "Family Movie 2", "Family Movie 3"], "bad_pick", "'abc'"),
    (["Family Movie 1=7", "Family Movie 2", "Family Movie 3"], "bad_pick", "7"),
    (["Zzyzx Qwv", "Family Movie 2", "Family Movie 3"], "unknown_title", "Zzyzx Qwv"),
    (["tmdb:99999", "Family Movie 2", "Family Movie 3"], "unknown_title", "TMDb id 99999"),
    (["Family Movie 1", "Family Movie 2"], "too_few_picks", "at least 3"),
    (["Family Movie 1", "Family Movie 2", "Family Movie 3=2"], "too_few_picks", "you gave 2"),
])
def test_bad_picks_are_named(home, picks, code, named):
    error = error_of(recommend("--json", picks=picks))
    assert error["code"] == code and named in error["message"], error


def test_errors_write_no_model(home):
    models = home / "home" / "models"
    before = sorted(p.name for p in models.rglob("*")) if models.exists() else []
    for args in (["-m", "ease", "-k", "0"], ["-m", "ease", "--genre", "Cartoons"],
                 ["-m", "cluster", "-o", "n_clusters=-3"]):
        assert recommend(*args).exit_code == 2
    after = sorted(p.name for p in models.rglob("*")) if models.exists() else []
    assert after == before


@pytest.mark.parametrize("args, named", [
    (["search", "heat", "--data", "ml-latest-small", "--limit", "0"], "not 0"),
    (["search", "heat", "--data", "ml-latest-small", "--limit", "-5"], "not -5"),
    (["evaluate", "--data", "ml-latest-small", "--folds", "1"], "not 1"),
    (["evaluate", "--data", "ml-latest-small", "--fold-in", "1.5"], "not 1.5"),
    (["evaluate", "--data", "ml-latest-small", "--picks", "0"], "not 0"),
    (["recommend", "a", "b", "c", "--data", "no-such-data"], "'no-such-data'"),
])
def test_other_bad_arguments_are_named(home, args, named):
    out = cli(*args)
    assert out.exit_code == 2 and named in out.output, out.output
    error = error_of(cli(*args, "--json"))
    assert named in error["message"]


@pytest.mark.parametrize("port", ["99999", "-1", "0"])
def test_serve_refuses_a_port_out_of_range(home, port):
    out = cli("serve", "--port", port, "--data", "ml-latest-small")
    assert out.exit_code == 2 and f"between 1 and 65535, not {port}" in out.output


def test_deploy_onto_an_existing_file_is_refused_untouched(home, tmp_path):
    target = tmp_path / "bundle"
    target.write_text("mine")
    out = cli("deploy", "--space", "me/movies", "--dry-run", str(target))
    assert out.exit_code == 2 and "is a file" in out.output and str(target) in out.output
    assert target.read_text() == "mine"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_feedback_export_refuses_files_that_are_not_our_database(home, tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all\n" * 100)
    out = cli("feedback", "export", "--db", str(text))
    assert out.exit_code == 2 and "not a movierec feedback database" in out.output
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE contacts (name TEXT)")
        con.execute("INSERT INTO contacts VALUES ('Ana')")
    before = _digest(other)
    out = cli("feedback", "export", "--db", str(other))
    assert out.exit_code == 2 and "contacts" in out.output and str(other) in out.output
    assert _digest(other) == before and _digest(text) == _digest(text)
    with sqlite3.connect(other) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["contacts"]
    out = cli("feedback", "export", "--db", str(tmp_path / "missing.sqlite"))
    assert out.exit_code == 2 and "no feedback database" in out.output


def test_report_with_a_missing_results_folder_stops_before_any_run(home, tmp_path):
    missing = tmp_path / "no-such-results"
    out = cli("report", "--results", str(missing), "--run", "--out", str(tmp_path / "docs"))
    assert out.exit_code == 2 and str(missing) in out.output and "no such folder" in out.output
    assert not (tmp_path / "docs").exists()
    assert not (home / "home" / "evaluations").exists()


def test_methods_lists_presets_and_the_default(home):
    out = cli("methods", "--json")
    body = json.loads(out.stdout)
    keys = [m["method"] for m in body["results"]]
    assert body["default"] == "hybrid" and "cluster (explore)" in keys and "item_knn" in keys


def test_serve_answers_on_its_port_like_make_app(home):
    """`movierec serve` in its own process (what `make app` ends with): the page loads and
    /recommend_api answers the same JSON as `movierec recommend --json`."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    gradio_client = pytest.importorskip("gradio_client")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-c", "from movierec.cli import app; app()", "serve", "--port",
           str(port), "--data", "ml-latest-small", "--method", "item_knn"]
    server = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                with urllib.request.urlopen(url, timeout=2) as page:
                    assert page.status == 200 and "movierec" in page.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer in 120 s"
                time.sleep(0.5)
        served = gradio_client.Client(url, verbose=False).predict(
            "\n".join(PICKS), "item_knn", 10, api_name="/recommend_api")
    finally:
        server.terminate()
        server.wait(30)
    printed = json.loads(recommend("-m", "item_knn", "--json").stdout)
    assert [r["index"] for r in served["results"]] == [r["index"] for r in printed["results"]]


# --- bring your history, watch together, a mood ---------------------------------------------
def test_recommend_from_an_imported_letterboxd_export(home, tmp_path):
    export = tmp_path / "ratings.csv"
    rows = ["Date,Name,Year,Letterboxd URI,Rating"]
    rows += [f"2022-01-01,Crime Movie {n},{1981 + n},https://boxd.it/{n},5" for n in range(5)]
    rows += ["2022-01-01,A Film Nobody Made,1999,https://boxd.it/x,4"]
    export.write_text("\n".join(rows) + "\n")
    out = recommend("-m", "item_knn", "--import", str(export), "--json", picks=[])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["import"]["matched"] == 5 and body["import"]["format"] == "letterboxd"
    assert body["import"]["unmatched"][0]["title"] == "A Film Nobody Made (1999)"
    assert all(r["title"].startswith("Crime") for r in body["results"])
    text = recommend("-m", "item_knn", "--import", str(export), picks=[])
    assert "5 of 6 rows matched" in text.stdout and "A Film Nobody Made" in text.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n")
    error = error_of(recommend("--import", str(bad), "--json", picks=[]))
    assert error["code"] == "bad_import" and "bad.csv" in error["message"]
    missing = error_of(recommend("--import", str(tmp_path / "nope.csv"), "--json", picks=[]))
    assert missing["code"] == "not_found"


def test_recommend_for_a_mood(home):
    out = recommend("-m", "item_knn", "--mood", "a heartwarming 90s friendship", "-k", "4",
                    "--json", picks=[])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["mood"]["understood"] == ["1990-1999"]
    assert all(1990 <= r["year"] <= 1999 and r["title"].startswith("Family")
               for r in body["results"])


def test_together_in_one_command(home):
    out = cli("together", "Ana: Family Movie 1; Family Movie 2; Family Movie 3",
              "Ben: Family Movie 4; Family Movie 5; Family Movie 6",
              "Cara: Crime Movie 1; Crime Movie 2; Crime Movie 3", "--data", "ml-latest-small",
              "-m", "item_knn", "-k", "5", "--json")
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert [m["name"] for m in body["members"]] == ["Ana", "Ben", "Cara"]
    assert len(body["results"]) == 5 and body["strategy"] == "fair"
    assert all(set(r["satisfaction"]) == {"Ana", "Ben", "Cara"} for r in body["results"])
    table = cli("together", "Ana: Family Movie 1; Family Movie 2; Family Movie 3",
                "Ben: Crime Movie 1; Crime Movie 2; Crime Movie 3", "--data", "ml-latest-small",
                "-m", "item_knn", "-s", "least_misery")
    assert table.exit_code == 0 and "least_misery" in table.stdout and "Ana" in table.stdout
    error = error_of(cli("together", "Ana: Family Movie 1; Family Movie 2; Family Movie 3",
                         "--data", "ml-latest-small", "--json"))
    assert error["code"] == "bad_group" and "not 1" in error["message"]
    error = error_of(cli("together", "Ana: Family Movie 1; Family Movie 2; Family Movie 3",
                         "Ben: Crime Movie 1; Crime Movie 2; Crime Movie 3", "-s", "loud",
                         "--data", "ml-latest-small", "--json"))
    assert error["code"] == "bad_group" and "'loud'" in error["message"]
