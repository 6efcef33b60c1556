"""`movierec.data.download` against a real HTTP server on 127.0.0.1 (no internet needed).

The server serves a tiny ml-latest-small-style zip and its GroupLens-style ``.md5``; the
spec's URL (and, where needed, the known checksum) is monkeypatched to point at it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import os
import socket
import sys
import threading
import time
import types
import zipfile
from pathlib import Path

import pytest

from movierec.data import download as dl
from movierec.data import sources
from movierec.data.rawfiles import MissingFileError

NAME = "ml-latest-small"
FILES = {
    "ml-latest-small/ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n",
    "ml-latest-small/movies.csv": "movieId,title,genres\n1,Toy Story (1995),Animation\n",
    "ml-latest-small/links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n",
    "ml-latest-small/README.txt": "synthetic test data\n",
}


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ml-latest-small/", "")
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


class Server:
    """ThreadingHTTPServer serving ``routes`` (path -> bytes), counting requests per path."""

    def __init__(self, routes: dict[str, bytes]):
        self.routes, self.hits = routes, {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 5

            def do_GET(self):  # noqa: N802
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                body = outer.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.safety = threading.Timer(60, self.httpd.shutdown)  # stops by itself regardless
        self.safety.daemon = True

    def __enter__(self):
        self.thread.start()
        self.safety.start()
        return self

    def __exit__(self, *exc):
        self.safety.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MOVIEREC_DATA", raising=False)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.fixture
def zip_bytes():
    return make_zip(FILES)


@pytest.fixture
def server(zip_bytes, monkeypatch):
    md5 = hashlib.md5(zip_bytes).hexdigest()
    routes = {
        f"/{NAME}.zip": zip_bytes,
        f"/{NAME}.zip.md5": f"MD5 ({NAME}.zip) = {md5}\n".encode(),
    }
    with Server(routes) as srv:
        spec = sources.SOURCES[NAME]
        monkeypatch.setitem(sources.SOURCES, NAME,
                            dataclasses.replace(spec, url=f"{srv.url}/{NAME}.zip"))
        yield srv


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_verifies_and_unpacks(server, home):
    folder = dl.download(NAME, progress=False)
    assert folder == home / "raw" / NAME
    assert (folder / "ratings.csv").read_text() == FILES["ml-latest-small/ratings.csv"]
    assert (folder / "movies.csv").is_file() and (folder / dl.MARKER).is_file()
    assert not (home / "raw" / ".partial").exists()  # zip removed after unpacking
    assert server.hits == {f"/{NAME}.zip.md5": 1, f"/{NAME}.zip": 1}
    raw = sources.locate(sources.get_spec(NAME))  # where `prepare` will look
    assert raw.location == folder


def test_download_with_rich_progress_and_dest(server, tmp_path, monkeypatch):
    folder = dl.download(NAME, dest=tmp_path / "elsewhere", progress=True)
    assert folder == tmp_path / "elsewhere" / NAME and (folder / "ratings.csv").is_file()


def test_known_checksum_used_for_immutable_releases(server, zip_bytes, monkeypatch):
    monkeypatch.setitem(dl.KNOWN_MD5, NAME, hashlib.md5(zip_bytes).hexdigest())
    dl.download(NAME, progress=False)
    assert f"/{NAME}.zip.md5" not in server.hits  # no sidecar needed


def test_checksum_mismatch_deletes_file(server, home, monkeypatch):
    monkeypatch.setitem(dl.KNOWN_MD5, NAME, "0" * 32)
    with pytest.raises(dl.ChecksumError, match="Checksum mismatch") as err:
        dl.download(NAME, progress=False)
    assert "deleted" in str(err.value)
    assert not (home / "raw" / NAME).exists()
    assert not [p for p in (home / "raw").rglob("*") if p.is_file()]


def test_bad_sidecar_checksum_is_a_mismatch(server, home):
    server.routes[f"/{NAME}.zip.md5"] = f"{'f' * 32}  {NAME}.zip\n".encode()  # GNU style
    with pytest.raises(dl.ChecksumError):
        dl.download(NAME, progress=False)
    assert not (home / "raw" / NAME).exists()


def test_already_downloaded_needs_no_network(server, monkeypatch):
    first = dl.download(NAME, progress=False)
    hits = dict(server.hits)
    monkeypatch.setattr(dl, "_probe", lambda *a: pytest.fail("network used"))
    assert dl.download(NAME, progress=False) == first
    assert server.hits == hits


def test_force_downloads_again(server):
    dl.download(NAME, progress=False)
    dl.download(NAME, progress=False, force=True)
    assert server.hits[f"/{NAME}.zip"] == 2


def test_offline_fails_fast_with_help(monkeypatch):
    spec = sources.SOURCES[NAME]
    url = f"http://127.0.0.1:{closed_port()}/{NAME}.zip"
    monkeypatch.setitem(sources.SOURCES, NAME, dataclasses.replace(spec, url=url))
    start = time.monotonic()
    with pytest.raises(dl.DownloadError) as err:
        dl.download(NAME, progress=False, timeout=1.5)
    assert time.monotonic() - start < 2
    msg = str(err.value)
    assert isinstance(err.value, dl.OfflineError) and "No internet connection" in msg
    for needle in (f"movierec prepare {NAME} --from PATH", "export MOVIEREC_DATA=DIR", url,
                   "ratings.csv, movies.csv", "on a machine with internet"):
        assert needle in msg


def test_unreachable_host_is_bounded_by_timeout(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(5)
        raise TimeoutError("timed out")   # how a real hang ends, long after the probe gave up

    monkeypatch.setattr(dl.socket, "create_connection", hang)  # e.g. a DNS lookup that hangs
    start = time.monotonic()
    assert "no answer" in dl._probe("files.grouplens.org", 443, 0.3)
    assert time.monotonic() - start < 1


def test_kagglehub_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "kagglehub", None)  # import raises ImportError
    with pytest.raises(dl.RefusedError) as err:     # refused: `obtain` offers MovieLens
        dl.download("the-movies-dataset")
    msg = str(err.value)
    assert 'pip install "movierec[download]"' in msg and dl.KAGGLE_PAGE in msg
    assert "--from PATH" in msg


def test_kagglehub_cache_is_kept_under_downloads_and_linked(server, home, monkeypatch):
    calls = []

    def dataset_download(handle, path=None, *, force_download=False, output_dir=None):
        cache = Path(os.environ["KAGGLEHUB_CACHE"])
        calls.append((handle, cache, force_download, output_dir))
        out = cache / "datasets" / "rounakbanik" / "the-movies-dataset" / "versions" / "18"
        out.mkdir(parents=True, exist_ok=True)
        for name in ("ratings_small.csv", "links.csv", "movies_metadata.csv"):
            (out / name).write_text("x\n")
        return str(out)

    monkeypatch.setitem(sys.modules, "kagglehub",
                        types.SimpleNamespace(dataset_download=dataset_download))
    from movierec.data import kaggle

    monkeypatch.setattr(kaggle, "kaggle_endpoint", lambda: server.url)  # probe the local server
    monkeypatch.delenv("KAGGLEHUB_CACHE", raising=False)
    folder = dl.download("tmdb")
    assert folder == home / "raw" / "the-movies-dataset" and folder.is_symlink()
    assert calls == [(dl.KAGGLE_HANDLE, home / "raw" / ".kagglehub", False, None)]
    assert "KAGGLEHUB_CACHE" not in os.environ     # put back as it was
    assert sources.locate(sources.get_spec("the-movies-dataset")).location == folder
    assert dl.download("tmdb") == folder and len(calls) == 1  # already there


def test_download_from_folder_and_zip(home, tmp_path, zip_bytes):
    src = tmp_path / "mine" / "ml-latest-small"
    src.mkdir(parents=True)
    for name, text in FILES.items():
        (src / Path(name).name).write_text(text)
    installed = dl.download_from(NAME, src)
    assert installed == home / "raw" / NAME
    assert (installed / "ratings.csv").read_text() == FILES["ml-latest-small/ratings.csv"]
    assert sources.locate(sources.get_spec(NAME)).location == installed
    assert dl.download(NAME) == installed  # counts as downloaded: no network

    zpath = tmp_path / "copy.zip"
    zpath.write_bytes(zip_bytes)
    installed = dl.download_from(NAME, zpath)
    assert installed == home / "raw" / f"{NAME}.zip"
    assert not (home / "raw" / NAME).exists() and src.is_dir()  # link gone, original kept
    assert sources.locate(sources.get_spec(NAME)).is_zip
    assert dl.download(NAME) == installed  # an installed zip also counts: no network


def test_download_from_rejects_incomplete(tmp_path):
    src = tmp_path / "partial"
    src.mkdir()
    (src / "ratings.csv").write_text("userId,movieId,rating,timestamp\n")
    with pytest.raises(MissingFileError, match="movies.csv"):
        dl.download_from(NAME, src)
