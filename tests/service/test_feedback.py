"""FeedbackStore: every thumbs up/down stored, also under many concurrent writers; export."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

from movierec.service.feedback import SCHEMA_VERSION, FeedbackError, FeedbackStore


@pytest.fixture()
def store(tmp_path):
    s = FeedbackStore(tmp_path / "fb.sqlite")
    yield s
    s.close()


def test_record_and_read_back(store):
    store.record("s1", "ml-100k", "hybrid", 42, True, [1, 2, 3], rank=1, score=0.9,
                 title="Heat (1995)")
    store.record("s1", "ml-100k", "hybrid", np.int64(7), False, np.array([1, 2, 3]))
    assert store.count() == 2 and store.count(verdict="bad") == 1
    first, second = store.rows()
    assert first["liked"] is True and first["verdict"] == "good" and first["picks"] == [1, 2, 3]
    assert (first["movie"], first["rank"], first["score"]) == (42, 1, 0.9)
    assert first["title"] == "Heat (1995)"
    assert first["created"].endswith("+00:00")
    assert second["liked"] is False and second["verdict"] == "bad"
    assert second["rank"] is None and second["score"] is None and second["movie"] == 7


def test_default_location_and_schema_version(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path))
    s = FeedbackStore()
    assert s.path == tmp_path / "app" / "feedback.sqlite"
    con = sqlite3.connect(s.path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    s.close()


def test_rows_survive_reopening_and_newer_schema_is_refused(tmp_path):
    path = tmp_path / "fb.sqlite"
    FeedbackStore(path).record("s", "d", "m", 1, True, [2, 3, 4])
    assert FeedbackStore(path).count() == 1
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(FeedbackError, match="newer movierec"):
        FeedbackStore(path)


@pytest.mark.parametrize("kwargs, message", [
    (dict(liked=1), "liked"), (dict(liked="yes"), "liked"), (dict(movie=-1), "movie"),
    (dict(movie="12"), "movie"), (dict(movie=1.5), "movie"), (dict(session=""), "session"),
    (dict(method=None), "method"), (dict(picks=["a"]), "pick"), (dict(score="high"), "score"),
    (dict(title="x" * 2000), "title"),
])
def test_bad_input_is_refused_with_a_clear_message(store, kwargs, message):
    args = dict(session="s", dataset="d", method="m", movie=1, liked=True, picks=[1, 2, 3])
    with pytest.raises(FeedbackError, match=message):
        store.record(**{**args, **kwargs})
    assert store.count() == 0


def test_many_threads_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "fb.sqlite"
    stores = [FeedbackStore(path), FeedbackStore(path)]   # two stores: as two processes would
    n_threads, per_thread = 16, 40
    start = threading.Barrier(n_threads)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                stores[t % 2].record(f"session-{t}", "tmdb", "als", i, i % 2 == 0, [t, i, i + 1],
                                     rank=i % 10 + 1, score=i / 10)
                if i % 10 == 0:
                    stores[t % 2].count()          # readers interleaved with writers
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert stores[0].count() == n_threads * per_thread
    rows = stores[1].rows()
    assert {(r["session"], r["movie"]) for r in rows} == \
        {(f"session-{t}", i) for t in range(n_threads) for i in range(per_thread)}
    assert sum(r["liked"] for r in rows) == n_threads * per_thread // 2


def test_export_csv_and_json(store, tmp_path):
    store.record("s1", "d", "m", 5, True, [1, 2, 3], rank=2, score=1.5, title='Say "hi", <b>')
    store.record("s2", "d", "m", 6, False, [4, 5, 6])
    assert store.export(tmp_path / "out" / "fb.csv") == 2
    rows = list(csv.DictReader(open(tmp_path / "out" / "fb.csv", encoding="utf-8")))
    assert [r["liked"] for r in rows] == ["true", "false"]
    assert rows[0]["title"] == 'Say "hi", <b>' and json.loads(rows[0]["picks"]) == [1, 2, 3]
    stream = io.StringIO()
    assert store.export(stream, fmt="json") == 2
    data = json.loads(stream.getvalue())
    assert data[1]["verdict"] == "bad" and data[1]["picks"] == [4, 5, 6]
    with pytest.raises(FeedbackError, match="format"):
        store.export(stream, fmt="xml")


def test_cli_feedback_export(tmp_path, monkeypatch):
    from movierec.cli import app

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path))
    FeedbackStore().record("s", "ml-100k", "ease", 3, True, [0, 1, 2], title="Toy Story (1995)")
    runner = CliRunner()
    result = runner.invoke(app, ["feedback", "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["title"] == "Toy Story (1995)"
    out = tmp_path / "fb.csv"
    result = runner.invoke(app, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("id,created,session")
    result = runner.invoke(app, ["feedback", "export", "--format", "xml"])
    assert result.exit_code == 2 and "format" in result.output


def _write_rows(path: str, worker: int, start) -> None:
    from movierec.service.feedback import FeedbackStore

    start.wait()
    store = FeedbackStore(path)                     # every process creates the schema at once
    for i in range(20):
        store.record(session=f"p{worker}", dataset="d", method="m", movie=i, liked=True,
                     picks=[1, 2, 3])


def test_processes_opening_a_new_database_at_once_lose_nothing(tmp_path):
    """Switching to WAL and creating the schema take a lock SQLite does not wait for: the
    store retries instead of failing (or calling the database foreign)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    start = ctx.Barrier(10)
    path = str(tmp_path / "new.sqlite")
    procs = [ctx.Process(target=_write_rows, args=(path, w, start)) for w in range(10)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 10
    assert FeedbackStore(path).count() == 200


def test_a_reaction_keeps_the_list_it_was_given_on(tmp_path):
    from movierec.service import Service, Settings
    from movierec.service.feedback import FeedbackStore
    from movierec.synthetic import block_dataset

    store = FeedbackStore(tmp_path / "fb.sqlite")
    service = Service(dataset=block_dataset(seed=0), default_method="item_knn", feedback=store)
    picks = ["Family Movie 1", "Family Movie 2", "Family Movie 3"]
    shown = service.recommend(picks, Settings(method="item_knn", k=6))
    third = shown.results[2]
    service.react("s1", picks, Settings(method="item_knn", k=6), (), third.index, False)
    (row,) = store.rows()
    assert row["shown"] == [r.index for r in shown.results]
    assert row["rank"] == 3 and row["verdict"] == "bad" and row["movie"] == third.index


def test_a_schema_1_database_is_migrated_keeping_its_rows(tmp_path):
    import sqlite3

    from movierec.service.feedback import FeedbackStore

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:   # as movierec wrote it before `shown` was kept
        con.executescript(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL,"
            " session TEXT NOT NULL, dataset TEXT NOT NULL, method TEXT NOT NULL, movie INTEGER"
            " NOT NULL, title TEXT NOT NULL DEFAULT '', liked INTEGER NOT NULL, verdict TEXT NOT"
            " NULL, rank INTEGER, score REAL, picks TEXT NOT NULL); PRAGMA user_version = 1;"
            "INSERT INTO feedback (created, session, dataset, method, movie, liked, verdict,"
            " picks) VALUES ('2026-01-01', 's', 'd', 'm', 4, 1, 'good', '[1, 2, 3]');")
    store = FeedbackStore(path)
    store.record("s", "d", "m", 5, False, [1, 2, 3], rank=2, shown=[9, 5, 7])
    old, new = store.rows()
    assert old["movie"] == 4 and old["shown"] is None
    assert new["shown"] == [9, 5, 7] and new["rank"] == 2
    assert old["reaction"] == "liked" and new["reaction"] == "disliked"   # filled from liked


def test_reactions_beyond_thumbs_are_stored_and_checked(tmp_path):
    from movierec.service.feedback import FeedbackError, FeedbackStore

    store = FeedbackStore(tmp_path / "fb.sqlite")
    store.record("s", "d", "m", 5, False, [1, 2, 3], reaction="seen", shown=[5, 6])
    store.record("s", "d", "m", 6, False, [1, 2, 3], reaction="not_interested")
    assert [r["reaction"] for r in store.rows()] == ["seen", "not_interested"]
    assert store.count(reaction="seen") == 1
    for liked, reaction in ((False, "meh"), (True, "seen"), (False, "liked")):
        with pytest.raises(FeedbackError, match="reaction"):
            store.record("s", "d", "m", 7, liked, [1], reaction=reaction)
    assert store.count() == 2
