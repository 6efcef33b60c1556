"""The first run on a machine without the data, end to end, against fake Kaggle and GroupLens.

Download (with an interrupt and a resume), checksum failures, Kaggle refusing (then
ml-latest-small instead), no internet at all; then prepare and recommend, through the CLI
a new user types. Hosts are local (tests/data/conftest.py); nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import time

import pytest
from typer.testing import CliRunner

from movierec.cli import app
from movierec.data import download as dl
from movierec.data.obtain import obtain
from movierec.synthetic_files import movielens_small_files, movies_dataset_files, zip_bytes

PIXAR = ["Toy Story", "Finding Nemo", "Up"]
ML_SMALL = "/ml-latest-small.zip"


@pytest.fixture(autouse=True)
def empty_machine(tmp_path, monkeypatch):
    """No raw files anywhere, an empty MOVIEREC_HOME."""
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MOVIEREC_DATA", raising=False)
    monkeypatch.setenv("MOVIEREC_OFFLINE", "1")   # no poster probing
    return tmp_path / "home"


def serve_movielens_small(host) -> bytes:
    """The archive, with a README large enough (~300 KB) to be cut mid-transfer."""
    files = movielens_small_files()
    files["README.txt"] += random.Random(0).randbytes(150_000).hex()
    archive = zip_bytes(files, top="ml-latest-small")
    host.files[ML_SMALL] = archive
    host.files[ML_SMALL + ".md5"] = (f"MD5 (ml-latest-small.zip) = "
                                     f"{hashlib.md5(archive).hexdigest()}\n").encode()
    return archive


def recommend_json(*extra: str):
    result = CliRunner().invoke(app, ["recommend", *PIXAR, "--json", "-k", "5", *extra])
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def test_grouplens_download_resumes_after_an_interrupt(grouplens, empty_machine):
    archive = serve_movielens_small(grouplens)
    grouplens.cut_once[ML_SMALL] = len(archive) // 2
    with pytest.raises(dl.DownloadError) as err:
        dl.download("ml-latest-small", progress=False)
    assert "interrupted" in str(err.value) and "again to resume" in str(err.value)
    part = empty_machine / "raw" / ".partial" / "ml-latest-small.zip.part"
    kept = part.stat().st_size
    assert 0 < kept <= len(archive) // 2     # whole chunks written before the cut
    folder = dl.download("ml-latest-small", progress=False)
    assert grouplens.ranged_requests(ML_SMALL) == [f"bytes={kept}-"]
    assert (folder / "ratings.csv").is_file() and not part.exists()
    assert not (empty_machine / "raw" / ".partial").exists()


def test_a_host_that_cannot_resume_starts_over(grouplens, empty_machine):
    archive = serve_movielens_small(grouplens)
    grouplens.cut_once[ML_SMALL] = len(archive) // 2
    grouplens.ranges = False
    with pytest.raises(dl.DownloadError):
        dl.download("ml-latest-small", progress=False)
    folder = dl.download("ml-latest-small", progress=False)   # whole file again, no append
    assert (folder / "movies.csv").read_text().startswith("movieId,title,genres")


def test_a_bad_checksum_deletes_the_file_and_says_so(grouplens, empty_machine):
    serve_movielens_small(grouplens)
    grouplens.files[ML_SMALL + ".md5"] = b"MD5 (ml-latest-small.zip) = " + b"0" * 32
    with pytest.raises(dl.ChecksumError) as err:
        dl.download("ml-latest-small", progress=False)
    assert "has been deleted" in str(err.value)
    assert not list((empty_machine / "raw").rglob("*.part"))
    assert not (empty_machine / "raw" / "ml-latest-small").exists()


def test_first_run_from_kaggle_interrupted_resumed_prepared_and_recommended(kaggle,
                                                                           empty_machine):
    files = movies_dataset_files()   # padded past kagglehub's 1 MB chunks, to be cut
    files["README.md"] = random.Random(0).randbytes(1_500_000).hex()
    archive = zip_bytes(files)
    path = kaggle.as_kaggle(archive)
    kaggle.cut_once[path] = int(len(archive) * 0.8)
    result, answer = recommend_json()
    assert result.exit_code == 2, result.output
    assert answer["error"]["code"] == "data_missing"
    assert "again to resume" in answer["error"]["message"]
    assert "Traceback" not in result.output

    result, answer = recommend_json()    # the same command again: resumes, prepares, answers
    assert result.exit_code == 0, result.output
    (resumed,) = kaggle.ranged_requests(path)          # kagglehub asked for the rest only
    assert 0 < int(resumed[6:-1]) <= int(len(archive) * 0.8)
    assert answer["dataset"] == "the-movies-dataset"
    titles = [r["title"] for r in answer["results"]]
    assert set(titles) <= {"Monsters, Inc.", "The Incredibles", "Ratatouille", "WALL·E",
                           "Toy Story 2", "Inside Out", "Coco"}
    for r in answer["results"]:
        assert r["poster_url"].startswith("https://image.tmdb.org/t/p/")
        assert r["overview"] and r["overview"].startswith(r["title"])
    raw = empty_machine / "raw" / "the-movies-dataset"
    assert raw.is_symlink() and (raw / "ratings_small.csv").is_file()

    calls = len(kaggle.requests)          # a third run needs no network at all
    result, _ = recommend_json()
    assert result.exit_code == 0 and len(kaggle.requests) == calls


def test_a_kaggle_archive_with_a_bad_checksum_is_refused(kaggle, empty_machine):
    kaggle.as_kaggle(zip_bytes(movies_dataset_files()), md5=b"\0" * 16)
    with pytest.raises(dl.ChecksumError) as err:
        dl.download("the-movies-dataset", progress=False)
    assert "does not match its checksum" in str(err.value)
    assert not (empty_machine / "raw" / "the-movies-dataset").exists()


def test_kaggle_refusing_falls_back_to_movielens_small(kaggle, grouplens, empty_machine):
    kaggle.refuse_kaggle()
    serve_movielens_small(grouplens)
    said = []
    got = obtain("the-movies-dataset", progress=said.append, bars=False)
    assert got.name == "ml-latest-small" and got.downloaded
    assert "Kaggle refused" in got.note and "HTTP 403" in got.note
    assert "movierec download the-movies-dataset" in got.note and got.note in said
    result, answer = recommend_json()
    assert result.exit_code == 0, result.output
    assert answer["dataset"] == "ml-latest-small"
    assert {r["title"] for r in answer["results"]} & {"Monsters, Inc.", "The Incredibles"}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_is_one_clear_message_naming_files_and_both_ways(monkeypatch):
    dead = f"http://127.0.0.1:{closed_port()}"
    for var in ("http_proxy", "https_proxy"):
        monkeypatch.setenv(var, dead)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("KAGGLE_API_ENVIRONMENT", raising=False)
    t0 = time.perf_counter()
    with pytest.raises(dl.OfflineError) as err:
        obtain("the-movies-dataset", bars=False)
    assert time.perf_counter() - t0 < 15
    message = str(err.value)
    for needle in ("No internet connection", "movies_metadata.csv", "ratings_small.csv",
                   dl.KAGGLE_PAGE, "--from PATH", "MOVIEREC_DATA"):
        assert needle in message
    result = CliRunner().invoke(app, ["recommend", *PIXAR])
    assert result.exit_code == 2 and "No internet connection" in result.output
    assert "Traceback" not in result.output


def _with_full_ratings(files: dict[str, str]) -> dict[str, str]:
    """Kaggle's download holds ratings.csv (all ratings) beside ratings_small.csv."""
    return dict(files, **{"ratings.csv": files["ratings_small.csv"]})


def test_the_app_serves_the_full_ratings_when_ratings_csv_is_here(tmp_path):
    from movierec.data.obtain import FULL_SOURCE, serving_source
    from movierec.synthetic_files import write_files

    small = write_files(tmp_path / "small" / "the-movies-dataset", movies_dataset_files())
    said = []
    got = serving_source(small.parent, progress=said.append, bars=False)
    assert got.name == "the-movies-dataset"
    assert "ratings.csv" in got.note and "ratings_small" in got.note and said == [got.note]

    full = write_files(tmp_path / "full" / "the-movies-dataset",
                       _with_full_ratings(movies_dataset_files()))
    got = serving_source(full.parent, progress=said.append, bars=False)
    assert got.name == FULL_SOURCE and got.note is None


def test_a_first_run_that_downloads_kaggle_serves_its_full_ratings(kaggle, empty_machine):
    from movierec.data.obtain import FULL_SOURCE, serving_source

    kaggle.as_kaggle(zip_bytes(_with_full_ratings(movies_dataset_files())))
    got = serving_source(bars=False)
    assert got.name == FULL_SOURCE and got.downloaded
