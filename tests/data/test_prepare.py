"""End to end on synthetic files: prepare -> cached artifact -> fast reload; stale is rebuilt."""

from __future__ import annotations

import json
import os
import time
import zipfile

import numpy as np
from typer.testing import CliRunner

from movierec.cli import app
from movierec.data import load_dataset
from movierec.data.store import read_manifest


def write_latest_small(folder, extra_rating: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "movies.csv").write_text(
        "movieId,title,genres\n"
        "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
        '2,"Matrix, The (1999)",Action|Sci-Fi|Thriller\n'
        "3,Heat (1995),Action|Crime|Thriller\n"
        "4,Amélie (Fabuleux destin d'Amélie Poulain. Le) (2001),Comedy|Romance\n"
        "5,Unrated Movie (2010),(no genres listed)\n", encoding="utf-8")
    (folder / "links.csv").write_text(
        "movieId,imdbId,tmdbId\n1,0114709,862\n2,0133093,603\n3,0113277,949\n4,0211915,194\n5,0000001,\n")
    rows = ["userId,movieId,rating,timestamp",
            "1,1,4.0,964982703", "1,2,4.5,964981247", "1,3,5.0,964982224",
            "2,1,3.0,964983815", "2,4,5.0,964982931", "3,2,2.5,964982400", "3,3,4.0,964980868"]
    (folder / "ratings.csv").write_text("\n".join(rows) + "\n" + extra_rating)
    return folder


def test_prepare_load_and_cache(tmp_path):
    src = write_latest_small(tmp_path / "ml-latest-small")
    ds = load_dataset("ml-latest-small", from_path=src)
    assert (ds.ratings.n_users, ds.ratings.nnz, len(ds.catalog)) == (3, 7, 5)
    cat = ds.catalog
    assert cat.title(1) == "The Matrix" and cat.year(1) == 1999
    assert cat.genres(1) == ["Action", "Science Fiction", "Thriller"]
    assert cat.record(0)["tmdb_id"] == 862 and cat.record(0)["imdb_id"] == "tt0114709"
    assert cat.genres(4) == []  # "(no genres listed)"
    again = load_dataset("ml-latest-small", from_path=src)
    assert again.fingerprint == ds.fingerprint
    np.testing.assert_array_equal(again.ratings.matrix.toarray(), ds.ratings.matrix.toarray())


def test_same_from_zip_as_from_folder(tmp_path):
    src = write_latest_small(tmp_path / "ml-latest-small")
    archive = tmp_path / "ml-latest-small.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in src.iterdir():
            zf.write(f, f"ml-latest-small/{f.name}")
    a = load_dataset("ml-latest-small", from_path=src)
    b = load_dataset("ml-latest-small", from_path=archive)
    assert a.fingerprint == b.fingerprint  # same bytes, same fingerprint
    np.testing.assert_array_equal(a.ratings.matrix.toarray(), b.ratings.matrix.toarray())


def test_changed_source_is_rebuilt_touched_is_not(tmp_path):
    src = write_latest_small(tmp_path / "ml-latest-small")
    first = load_dataset("ml-latest-small", from_path=src)
    folder = first.manifest["artifact"]
    # touching without changing bytes: reused, and the new mtime is remembered
    stamp = time.time() + 5
    os.utime(src / "ratings.csv", (stamp, stamp))
    reused = load_dataset("ml-latest-small", from_path=src)
    assert reused.fingerprint == first.fingerprint
    assert reused.manifest["prepare_seconds"] == first.manifest["prepare_seconds"]
    # changing bytes: rebuilt with a new fingerprint, never silently reused
    write_latest_small(src, extra_rating="3,5,3.5,964980999\n")
    rebuilt = load_dataset("ml-latest-small", from_path=src)
    assert rebuilt.fingerprint != first.fingerprint
    assert rebuilt.ratings.nnz == first.ratings.nnz + 1
    assert read_manifest(folder)["fingerprint"] == rebuilt.fingerprint


def test_missing_source_names_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEREC_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))   # no earlier prepare --from
    monkeypatch.setenv("MOVIEREC_GROUPLENS_URL", "http://127.0.0.1:9")   # offline: no host
    result = CliRunner().invoke(app, ["prepare", "ml-1m"])
    assert result.exit_code == 2 and "No internet connection" in result.output
    assert "ratings.dat" in result.output and "ml-1m --from PATH" in result.output


def test_incomplete_folder_says_what_is_missing(tmp_path):
    src = write_latest_small(tmp_path / "ml-latest-small")
    (src / "ratings.csv").unlink()
    result = CliRunner().invoke(app, ["prepare", "ml-latest-small", "--from", str(src)])
    assert result.exit_code == 2 and "missing ratings.csv" in result.output


def test_cli_prepare_prints_summary_and_search_json(tmp_path):
    src = write_latest_small(tmp_path / "ml-latest-small")
    runner = CliRunner()
    out = runner.invoke(app, ["prepare", "ml-latest-small", "--from", str(src)])
    assert out.exit_code == 0, out.output
    assert "Cleaning report" in out.output and "ratings" in out.output and "density" in out.output
    res = runner.invoke(app, ["search", "matrix", "--data", "ml-latest-small", "--data-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    first = payload["results"][0]
    assert first["title"] == "The Matrix" and first["year"] == 1999
    assert {"genres", "tmdb_id", "imdb_id", "movielens_id"} <= set(first)


def test_unknown_dataset_name(tmp_path):
    result = CliRunner().invoke(app, ["prepare", "ml-5m"])
    assert result.exit_code == 2 and "known datasets" in result.output
