"""Fake download hosts on 127.0.0.1: GroupLens (files, Range, .md5) and Kaggle's API.

`FakeHost` serves GET files with HTTP Range support, can cut a transfer once after some
bytes (an interrupted download), and answers POSTed JSON routes. The Kaggle stand-in
speaks the protocol kagglehub's SDK uses when ``KAGGLE_API_ENVIRONMENT=TEST`` (it then
connects to localhost:7777): ``GetDataset`` answers the current version,
``DownloadDataset`` redirects to the archive, which carries Kaggle's ``x-goog-hash`` MD5.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading

import pytest

KAGGLE_PORT = 7777   # fixed by kagglesdk for KAGGLE_API_ENVIRONMENT=TEST
KAGGLE_API = "/api/v1/datasets.DatasetApiService/"


class FakeHost:
    def __init__(self, port: int = 0):
        self.files: dict[str, bytes] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.posts: dict[str, tuple[int, dict | str]] = {}
        self.cut_once: dict[str, int] = {}      # path -> stop the first full transfer here
        self.ranges = True                      # honour Range requests
        self.requests: list[tuple[str, str, str | None]] = []   # (method, path, Range)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                outer.requests.append(("GET", self.path, self.headers.get("Range")))
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                start, status = 0, 200
                wanted = self.headers.get("Range")
                if wanted and outer.ranges and wanted.startswith("bytes="):
                    start = int(wanted[6:].split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                self.send_response(status)
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("Accept-Ranges", "bytes")
                if status == 206:
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(body) - 1}/{len(body)}")
                for key, value in outer.headers.get(self.path, {}).items():
                    self.send_header(key, value)
                self.end_headers()
                cut = outer.cut_once.pop(self.path, None) if start == 0 else None
                if cut is not None:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body[start:])

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.requests.append(("POST", self.path, None))
                status, answer = outer.posts.get(self.path, (404, {"code": 404,
                                                                   "message": "not found"}))
                if status in (301, 302, 303):
                    self.send_response(status)
                    self.send_header("Location", str(answer))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def ranged_requests(self, path: str) -> list[str]:
        return [r for m, p, r in self.requests if p == path and r]

    # --- Kaggle ---------------------------------------------------------------------------
    def as_kaggle(self, archive: bytes, *, md5: bytes | None = None, version: int = 18) -> str:
        """Serve ``archive`` the way Kaggle's API does; returns the archive's path."""
        path = "/files/the-movies-dataset.zip"
        self.files[path] = archive
        digest = base64.b64encode(md5 or hashlib.md5(archive).digest()).decode()
        self.headers[path] = {"x-goog-hash": f"crc32c=AAAAAA==,md5={digest}",
                              "Content-Type": "application/zip"}
        self.posts[KAGGLE_API + "GetDataset"] = (200, {"currentVersionNumber": version})
        self.posts[KAGGLE_API + "DownloadDataset"] = (302, path)
        return path

    def refuse_kaggle(self) -> None:
        for name in ("GetDataset", "DownloadDataset"):
            self.posts[KAGGLE_API + name] = (403, {"code": 403,
                                                   "message": "Permission 'datasets.get' was "
                                                   "denied"})


@pytest.fixture
def no_proxies(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def grouplens(no_proxies, monkeypatch):
    """A GroupLens mirror (MOVIEREC_GROUPLENS_URL points at it)."""
    host = FakeHost()
    monkeypatch.setenv("MOVIEREC_GROUPLENS_URL", host.url)
    yield host
    host.close()


@pytest.fixture
def kaggle(no_proxies, monkeypatch):
    """Kaggle's API on localhost:7777, where kagglehub connects in its TEST environment."""
    pytest.importorskip("kagglehub")
    try:
        host = FakeHost(KAGGLE_PORT)
    except OSError as err:
        pytest.skip(f"port {KAGGLE_PORT} (kagglehub's test endpoint) is taken: {err}")
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "TEST")
    # In its TEST environment the SDK is verbose: it prints each response, reading streamed
    # bodies whole before kagglehub can write them. Production (PROD) never does; silence it.
    from kagglesdk.kaggle_http_client import KaggleHttpClient

    monkeypatch.setattr(KaggleHttpClient, "_print_request", lambda self, request: None)
    monkeypatch.setattr(KaggleHttpClient, "_print_response",
                        lambda self, response, body=True: None)
    for var in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    yield host
    host.close()
