"""Session ids the server issues: opaque, unguessable, and checked without a database.

A token is ``<random>.<signature>``: 16 random bytes (URL-safe base64) and the first 16 hex
digits of their HMAC-SHA256 under a secret that never leaves the server (a 0600 file under
``app_dir()``, made on first use). Any server with the same secret recognises a token it
issued, across restarts; a made-up or altered one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from pathlib import Path

from movierec.paths import app_dir

SECRET_FILE = "session.key"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}\.[0-9a-f]{16}$")


class Sessions:
    """Issue and check session tokens (``secret`` for tests; else the server's key file)."""

    def __init__(self, secret: bytes | None = None, path: Path | None = None):
        self._secret = secret
        self._path = path
        self._lock = threading.Lock()

    def _key(self) -> bytes:
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    self._secret = _load_or_create(self._path or app_dir() / SECRET_FILE)
        return self._secret

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key(), nonce.encode(), hashlib.sha256).hexdigest()[:16]

    def issue(self) -> str:
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._sign(nonce)}"

    def valid(self, token: object) -> bool:
        if not isinstance(token, str) or not _TOKEN.match(token):
            return False
        nonce, signature = token.split(".")
        return hmac.compare_digest(signature, self._sign(nonce))


def _load_or_create(path: Path) -> bytes:
    """The 32-byte secret in ``path`` (created atomically, readable by its owner only)."""
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)
    os.replace(tmp, path)
    return path.read_bytes()
