"""Posters: TMDb URLs when online, drawn cards otherwise; TMDb API enrichment fails soft."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from movierec.app import posters

RECORD = {"title": "Heat", "year": 1995, "genres": ["Crime", "Thriller"],
          "poster_path": "/rrBuGu0Pjq7Y2BWSI6teGfZzviY.jpg", "tmdb_id": 949, "overview": None}


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch, tmp_path):
    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(posters.OFFLINE_ENV, raising=False)
    monkeypatch.delenv(posters.API_KEY_ENV, raising=False)
    posters.reset_online_check()
    posters.reset_api_backoff()
    yield
    posters.reset_online_check()
    posters.reset_api_backoff()


def test_online_movie_with_poster_gets_the_tmdb_url(monkeypatch):
    monkeypatch.setattr(posters, "_connects", lambda host, port, timeout: True)
    assert posters.poster_for(RECORD) == \
        "https://image.tmdb.org/t/p/w342/rrBuGu0Pjq7Y2BWSI6teGfZzviY.jpg"
    assert posters.poster_for(RECORD, "w92").startswith("https://image.tmdb.org/t/p/w92/")


def test_reachability_is_checked_once_per_process(monkeypatch):
    calls = []
    monkeypatch.setattr(posters, "_connects", lambda *a: calls.append(a) or False)
    for _ in range(5):
        assert not posters.poster_for(RECORD).startswith("http")
    assert calls == [("image.tmdb.org", 443, posters.PROBE_TIMEOUT)]


def test_offline_env_forces_a_placeholder_without_probing(monkeypatch):
    monkeypatch.setenv(posters.OFFLINE_ENV, "1")
    monkeypatch.setattr(posters, "_connects", lambda *a: pytest.fail("must not probe"))
    path = Path(posters.poster_for(RECORD))
    assert path.is_file() and path.parent == posters.poster_dir()
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (342, 513)


def test_placeholder_is_cached_and_differs_per_movie(monkeypatch):
    monkeypatch.setenv(posters.OFFLINE_ENV, "1")
    first = posters.poster_for(RECORD)
    mtime = Path(first).stat().st_mtime_ns
    assert posters.poster_for(dict(RECORD)) == first
    assert Path(first).stat().st_mtime_ns == mtime        # not drawn again
    other = posters.poster_for({**RECORD, "title": "Toy Story", "genres": ["Animation"]})
    assert other != first
    with Image.open(first) as a, Image.open(other) as b:
        assert a.getpixel((5, 5)) != b.getpixel((5, 5))   # colours follow title/genre


def test_missing_or_unsafe_poster_paths_are_never_put_in_urls(monkeypatch):
    monkeypatch.setattr(posters, "_connects", lambda *a: True)
    for bad in (None, "", float("nan"), "/../../etc/passwd", "javascript:alert(1)",
                "/x.jpg?<script>", "no-slash.jpg"):
        assert not posters.poster_for({**RECORD, "poster_path": bad}).startswith("http"), bad
    with pytest.raises(ValueError, match="poster size"):
        posters.poster_for(RECORD, "w999")


def test_odd_records_still_get_a_card(monkeypatch):
    monkeypatch.setenv(posters.OFFLINE_ENV, "1")
    long_title = "Supercalifragilisticexpialidocious " * 12
    for record in ({}, {"title": long_title, "year": 2001.0, "genres": "Drama|War"},
                   {"title": "<b>Amélie</b> — 天使", "year": None, "genres": None}):
        with Image.open(posters.poster_for(record, "w185")) as img:
            assert img.size == (185, 278)


def test_wrap_respects_width_and_line_limit():
    from PIL import ImageFont

    font = ImageFont.load_default(size=20)
    lines = posters._wrap("word " * 40 + "x" * 80, font, 150, max_lines=4)
    assert len(lines) == 4 and lines[-1].endswith("…")
    assert all(font.getlength(line) <= 150 for line in lines)


# --- enrich -------------------------------------------------------------------------------
class _FakeTmdb(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        if "/movie/949" in self.path:
            body = json.dumps({"id": 949, "poster_path": "/heat.jpg", "overview": "A heist."})
            self.send_response(200)
        elif "/movie/500" in self.path:
            body, _ = "{}", self.send_response(500)
        else:
            body, _ = json.dumps({"status_code": 34}), self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture()
def fake_api():
    _FakeTmdb.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeTmdb)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/3", _FakeTmdb.hits
    server.shutdown()
    server.server_close()


def test_enrich_fills_missing_fields_from_the_api_and_caches(monkeypatch, fake_api):
    base, hits = fake_api
    monkeypatch.setenv(posters.API_KEY_ENV, "secret")
    bare = {**RECORD, "poster_path": None, "overview": ""}
    got = posters.enrich(bare, api_base=base)
    assert got["poster_path"] == "/heat.jpg" and got["overview"] == "A heist."
    assert bare["poster_path"] is None                     # input not modified
    assert hits == ["/3/movie/949?api_key=secret"]
    assert posters.enrich(bare, api_base=base) == got      # from the disk cache
    assert len(hits) == 1
    known = posters.enrich({**RECORD, "overview": "Mine."}, api_base=base)
    assert known["poster_path"] == RECORD["poster_path"] and known["overview"] == "Mine."


def test_enrich_caches_not_found_and_backs_off_after_errors(monkeypatch, fake_api):
    base, hits = fake_api
    monkeypatch.setenv(posters.API_KEY_ENV, "secret")
    unknown = {"title": "X", "tmdb_id": 123, "poster_path": None}
    assert posters.enrich(unknown, api_base=base) == unknown
    assert posters.enrich(unknown, api_base=base) == unknown
    assert len(hits) == 1                                  # 404 remembered
    broken = {"title": "Y", "tmdb_id": 500}
    assert posters.enrich(broken, api_base=base) == broken
    assert posters.enrich({"title": "Z", "tmdb_id": 949}, api_base=base) == \
        {"title": "Z", "tmdb_id": 949}                     # backing off: no call at all
    assert len(hits) == 2


def test_enrich_without_key_id_or_network_returns_the_record(monkeypatch):
    def unreachable(url, timeout):
        raise posters.ApiUnavailable("offline")

    record = {"title": "Heat", "tmdb_id": 949}
    assert posters.enrich(record, fetch=lambda *a: pytest.fail("no key: no call")) == record
    monkeypatch.setenv(posters.API_KEY_ENV, "secret")
    assert posters.enrich({"title": "No id"}, fetch=lambda *a: pytest.fail("no id")) == \
        {"title": "No id"}
    assert posters.enrich(record, fetch=unreachable) == record
    monkeypatch.setenv(posters.OFFLINE_ENV, "1")
    posters.reset_api_backoff()
    assert posters.enrich(record, fetch=lambda *a: pytest.fail("offline: no call")) == record


def test_fetch_json_turns_network_errors_into_api_unavailable():
    with pytest.raises(posters.ApiUnavailable):
        posters.fetch_json("http://127.0.0.1:9/3/movie/1", timeout=0.5)
