"""`make app` on a machine with movierec installed but no data and no internet.

It must end within 60 s with one clear message (what to download, and the two ways to give
it: --from PATH and MOVIEREC_DATA), a non-zero exit and no traceback. "No internet" is a
proxy that refuses every connection, so the test never depends on this machine's network.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STAMP = REPO / ".venv" / ".installed-app"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_app_offline_without_data_ends_with_one_clear_message(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if not STAMP.is_file() or STAMP.stat().st_mtime < (REPO / "pyproject.toml").stat().st_mtime:
        pytest.skip("needs the checkout's .venv installed by `make install` or `make test`")
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith(("MOVIEREC_", "KAGGLE"))}
    env.update(http_proxy=dead, https_proxy=dead, HTTP_PROXY=dead, HTTPS_PROXY=dead,
               MOVIEREC_HOME=str(tmp_path / "home"), MOVIEREC_DATA=str(tmp_path / "no-data"))
    started = time.perf_counter()
    done = subprocess.run(["make", "--no-print-directory", "app"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=90)
    took = time.perf_counter() - started
    output = done.stdout + done.stderr
    assert done.returncode != 0 and took < 60, (took, output)
    assert "pip install" not in output          # installed already: nothing to fetch
    for needle in ("No internet connection", "the-movies-dataset", "movies_metadata.csv",
                   "ratings_small.csv", "--from PATH", "MOVIEREC_DATA"):
        assert needle in output, output
    assert "Traceback" not in output
