"""Poster images for the app: TMDb's public image CDN when online, a drawn card otherwise.

`poster_for(record)` gives what a ``gr.Gallery`` can show for one movie:

* ``https://image.tmdb.org/t/p/<size><poster_path>`` when the movie has a TMDb poster path
  and image.tmdb.org is reachable. Gradio 6 keeps an http(s) string as an external URL
  that the *browser* fetches (``Gallery.postprocess`` -> ``ImageData(url=...)``; the file
  cache step passes http URLs through), so the server never downloads posters.
* otherwise the path of a placeholder PNG card (title and year on a colour derived from the
  title and first genre), drawn once with Pillow and cached under ``app_dir()/posters/``.
  Gradio only serves local files under the working directory, the temp directory or
  ``launch(allowed_paths=...)``: the app must pass ``allowed_paths=[str(poster_dir())]``.

``MOVIEREC_OFFLINE=1`` forces placeholders. Otherwise a TCP connect to image.tmdb.org:443
(bounded by a short timeout) is tried once per process and its answer kept.

`enrich(record)` fills a missing ``poster_path`` / ``overview`` from the TMDb API when
``TMDB_API_KEY`` is set, with answers cached on disk (SQLite) and every failure soft: the
record comes back unchanged when the API is slow, offline or answers an error.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from movierec.data.catalog import IMAGE_BASE, SIZES, poster_url  # noqa: F401 - re-exported
from movierec.paths import app_dir

IMAGE_HOST = "image.tmdb.org"
API_BASE = "https://api.themoviedb.org/3"
OFFLINE_ENV = "MOVIEREC_OFFLINE"
API_KEY_ENV = "TMDB_API_KEY"
PROBE_TIMEOUT = 1.5          # seconds for the one-time reachability check
API_TIMEOUT = 3.0            # seconds per TMDb API request
API_BACKOFF = 120.0          # after a network failure, no API calls for this long
CARD_VERSION = 1             # bump when the card drawing changes (new cache keys)


# Base hue (0..1) per genre, so a card's colour hints at what the movie is.
GENRE_HUES = {
    "Action": 0.02, "Adventure": 0.08, "Animation": 0.13, "Comedy": 0.15, "Family": 0.18,
    "Fantasy": 0.78, "Science Fiction": 0.55, "Sci-Fi": 0.55, "Horror": 0.97, "Thriller": 0.62,
    "Crime": 0.66, "Mystery": 0.72, "Drama": 0.58, "Romance": 0.92, "War": 0.1,
    "Western": 0.07, "History": 0.11, "Music": 0.85, "Musical": 0.85, "Documentary": 0.35,
    "Film-Noir": 0.64, "TV Movie": 0.45, "Foreign": 0.4, "Children": 0.18, "Children's": 0.18,
}

_online: bool | None = None
_online_lock = threading.Lock()


# --- reachability -------------------------------------------------------------------------
def offline_forced() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _connects(host: str, port: int, timeout: float) -> bool:
    """Whether a TCP connection opens in time (DNS has no timeout of its own: a thread)."""
    result: list[bool] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=attempt, name="movierec-poster-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def posters_online() -> bool:
    """Whether TMDb poster URLs should be used (checked once per process, then remembered)."""
    global _online
    if offline_forced():
        return False
    with _online_lock:
        if _online is None:
            _online = _connects(IMAGE_HOST, 443, PROBE_TIMEOUT)
        return _online


def reset_online_check(value: bool | None = None) -> None:
    """Forget (or set) the remembered reachability answer, e.g. after the network changed."""
    global _online
    with _online_lock:
        _online = value


# --- URLs and placeholder cards -----------------------------------------------------------
def poster_dir() -> Path:
    """Folder of the drawn placeholder cards (pass it to ``launch(allowed_paths=...)``)."""
    path = app_dir() / "posters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _first_genre(record: dict) -> str:
    genres = record.get("genres")
    if isinstance(genres, str):
        return genres.split("|")[0].strip()
    if genres is not None and len(genres) > 0:
        return str(list(genres)[0])
    return ""


def card_colours(title: str, genre: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(top, bottom) RGB of a card's gradient: hue from the genre, nudged by the title."""
    digest = hashlib.sha1(title.encode("utf-8")).digest()
    jitter = (digest[0] / 255.0 - 0.5) * 0.12
    hue = (GENRE_HUES.get(genre, digest[1] / 255.0) + jitter) % 1.0
    saturation = 0.45 + digest[2] / 255.0 * 0.25

    def rgb(lightness: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        return int(r * 255), int(g * 255), int(b * 255)

    return rgb(0.42), rgb(0.16)


def _card_size(size: str) -> tuple[int, int]:
    width = 500 if size == "original" else int(size[1:])
    return width, int(round(width * 1.5))   # TMDb posters are 2:3


def _wrap(text: str, font, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap by measured width; over-long words are cut, the last line ellipsised."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while font.getlength(word) > max_width and len(word) > 1:  # a word wider than the card
            cut = len(word)
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= max_width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > max_width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def draw_card(title: str, year: str, genre: str, size: str = "w342"):
    """The placeholder card as a PIL image: gradient, title (wrapped), year, genre."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = _card_size(size)
    top, bottom = card_colours(title, genre)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), bottom),
                            Image.new("RGB", (width, height), top), gradient)
    draw = ImageDraw.Draw(image)
    margin = width // 10
    title_font = ImageFont.load_default(size=max(10, width // 9))
    small_font = ImageFont.load_default(size=max(8, width // 16))
    lines = _wrap(title or "Untitled", title_font, width - 2 * margin, max_lines=6)
    line_h = int((title_font.getbbox("Ag")[3] - title_font.getbbox("Ag")[1]) * 1.45) or 12
    y = max(margin, (height - line_h * len(lines)) // 2 - line_h)
    for line in lines:
        draw.text((width // 2, y), line, font=title_font, fill=(250, 250, 250), anchor="ma")
        y += line_h
    if year:
        draw.text((width // 2, y + line_h // 3), year, font=small_font, fill=(225, 225, 225),
                  anchor="ma")
    if genre:
        draw.text((width // 2, height - margin), genre, font=small_font, fill=(210, 210, 210),
                  anchor="ms")
    draw.rectangle((0, 0, width - 1, height - 1), outline=(255, 255, 255),
                   width=max(1, width // 90))
    return image


def placeholder(record: dict, size: str = "w342") -> Path:
    """Path of the cached placeholder card of ``record`` (drawn on first use)."""
    if size not in SIZES:
        raise ValueError(f"poster size must be one of {', '.join(SIZES)}, not {size!r}")
    title, genre = _text(record.get("title")), _first_genre(record)
    year = _text(record.get("year"))
    year = year[:-2] if year.endswith(".0") else year
    key = json.dumps([CARD_VERSION, title, year, genre, size], ensure_ascii=False)
    path = poster_dir() / f"card-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]}.png"
    if not path.is_file():
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.png")
        draw_card(title, year, genre, size).save(tmp, format="PNG", optimize=True)
        os.replace(tmp, path)   # atomic: concurrent users never see half a file
    return path


def poster_for(record: dict, size: str = "w342") -> str:
    """A URL (online, movie has a poster) or a local PNG path, ready for ``gr.Gallery``."""
    url = poster_url(record.get("poster_path"), size)
    if url is not None and posters_online():
        return url
    return str(placeholder(record, size))


# --- TMDb API enrichment ------------------------------------------------------------------
class _ApiCache:
    """tmdb_id -> JSON answer (or a 'not found' marker), in SQLite: safe across threads."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._con = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS movie (tmdb_id INTEGER PRIMARY KEY, "
                          "answer TEXT NOT NULL, fetched REAL NOT NULL)")
        self._con.commit()

    def get(self, tmdb_id: int) -> dict | None:
        with self._lock:
            row = self._con.execute("SELECT answer FROM movie WHERE tmdb_id = ?",
                                    (tmdb_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, tmdb_id: int, answer: dict) -> None:
        with self._lock, self._con:   # the connection as context manager: one transaction
            self._con.execute("INSERT OR REPLACE INTO movie VALUES (?, ?, ?)",
                              (tmdb_id, json.dumps(answer), time.time()))


class ApiUnavailable(RuntimeError):
    """The TMDb API could not answer now (network, timeout, server error): try later."""


def fetch_json(url: str, timeout: float = API_TIMEOUT) -> dict | None:
    """GET a JSON object; None for 404 (no such movie); `ApiUnavailable` for anything transient."""
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "movierec"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read(1 << 20).decode("utf-8"))
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        raise ApiUnavailable(f"TMDb API answered HTTP {err.code}") from None
    except (OSError, ValueError) as err:   # URLError, timeouts, resets, bad JSON
        raise ApiUnavailable(f"TMDb API unreachable ({type(err).__name__})") from None


_caches: dict[Path, _ApiCache] = {}
_backoff_until = 0.0
_state_lock = threading.Lock()


def _cache() -> _ApiCache:
    path = app_dir() / "tmdb_api.sqlite"
    with _state_lock:
        return _caches.setdefault(path, _ApiCache(path))


def _tmdb_id(record: dict) -> int | None:
    try:
        value = int(float(record.get("tmdb_id")))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _missing(record: dict, field: str) -> bool:
    return not _text(record.get(field))


def enrich(record: dict, *, api_base: str = API_BASE,
           fetch: Callable[[str, float], dict | None] | None = None) -> dict:
    """A copy of ``record`` with poster_path/overview filled from TMDb where they are missing.

    Needs ``TMDB_API_KEY`` and a ``tmdb_id``; without them, or offline, or when TMDb fails,
    the copy is unchanged. Answers (including 'no such movie') are cached on disk; after a
    network failure the API is left alone for `API_BACKOFF` seconds so pages stay fast.
    """
    global _backoff_until
    out = dict(record)
    key = os.environ.get(API_KEY_ENV, "").strip()
    tmdb_id = _tmdb_id(record)
    if not key or tmdb_id is None or offline_forced():
        return out
    if not (_missing(record, "poster_path") or _missing(record, "overview")):
        return out
    cache = _cache()
    answer = cache.get(tmdb_id)
    if answer is None:
        if time.monotonic() < _backoff_until:
            return out
        url = f"{api_base.rstrip('/')}/movie/{tmdb_id}?{urllib.parse.urlencode({'api_key': key})}"
        try:
            got = (fetch or fetch_json)(url, API_TIMEOUT)
        except ApiUnavailable:
            with _state_lock:
                _backoff_until = time.monotonic() + API_BACKOFF
            return out
        answer = {"found": got is not None,
                  **{f: got.get(f) for f in ("poster_path", "overview") if got}}
        cache.put(tmdb_id, answer)
    for field in ("poster_path", "overview"):
        value = answer.get(field)
        if _missing(out, field) and isinstance(value, str) and value.strip():
            out[field] = value
    return out


def reset_api_backoff() -> None:
    """Allow API calls again at once (tests, or after the network came back)."""
    global _backoff_until
    with _state_lock:
        _backoff_until = 0.0
