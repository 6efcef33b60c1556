"""One file over HTTP: streamed to a ``.part`` that a later run resumes, MD5-checked, shown.

`fetch` is how GroupLens releases arrive (`download`): pooch, the usual tool, cannot resume
a broken transfer, and a MovieLens zip is up to 335 MB, so this asks the server for the
rest (``Range``) when a part is there and starts over when the server cannot resume. A
file whose MD5 is not the published one is deleted (`ChecksumError`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from rich.console import Console

from movierec.data.download import ChecksumError, DownloadError, _local_help
from movierec.data.sources import SourceSpec

CHUNK = 1 << 16   # bytes per write: an interrupt loses at most this much of the part


def fetch(url: str, zip_path: Path, md5: str, spec: SourceSpec, *, progress: bool,
           timeout: float) -> None:
    """Stream ``url`` to ``zip_path``, resuming a ``.part`` file an interrupted run left.

    The bytes go to ``<zip>.part``; a second run asks the server for the rest (HTTP
    ``Range``) and starts over when the server cannot resume. Only a file whose MD5 is the
    published one is renamed to ``zip_path``; a mismatch deletes it (`ChecksumError`). An
    interrupted transfer keeps the part and says that running again resumes it.
    """
    import requests

    part = zip_path.with_name(zip_path.name + ".part")
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.is_file() else 0
    say = Console(stderr=True) if progress else None
    if say:
        action = f"Resuming ({have / 1e6:.1f} MB already here)" if have else "Downloading"
        say.print(f"{action} {spec.name} from {url}", markup=False)
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with requests.get(url, stream=True, headers=headers,
                          timeout=(timeout, max(30.0, timeout))) as response:
            if response.status_code == 416:            # the part is already whole
                response.close()
            else:
                response.raise_for_status()
                resumed = response.status_code == 206
                if not resumed:
                    have = 0                           # the server sent it all again
                size = response.headers.get("Content-Length")
                total = have + int(size) if size and size.isdigit() else None
                _stream(response, part, append=resumed, done=have, total=total,
                        bar=_progress_bar(spec.name) if progress else None)
    except requests.exceptions.HTTPError as err:
        raise DownloadError(f"Downloading {url} failed: {err}\n{_local_help(spec)}") from err
    except (requests.exceptions.RequestException, OSError) as err:
        kept = part.stat().st_size if part.is_file() else 0
        raise DownloadError(
            f"Downloading {url} was interrupted ({type(err).__name__}) after "
            f"{kept / 1e6:.1f} MB. Run the same command again to resume it.\n"
            f"{_local_help(spec)}") from err
    got = _md5_of(part)
    if got != md5:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"Checksum mismatch: the file downloaded from {url} has MD5 {got}, but the "
            f"published {spec.name} release has {md5}. The file has been deleted. Try again "
            f"later; if it keeps failing (a proxy or a changed release), download it by hand."
            f"\n{_local_help(spec)}")
    os.replace(part, zip_path)


def _stream(response, part: Path, *, append: bool, done: int, total: int | None,
            bar: "RichProgressBar | None") -> None:
    """Write the response body to ``part`` (appending after ``done`` bytes), with a bar."""
    if bar is not None:
        bar.total = total
        bar.update(done)
    try:
        with open(part, "ab" if append else "wb") as out:
            for chunk in response.iter_content(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    if total is not None and done < total:
        raise OSError(f"the connection closed at {done:,} of {total:,} bytes")


def _md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _progress_bar(label: str) -> "RichProgressBar":
    return RichProgressBar(f"Downloading {label}")


class RichProgressBar:
    """A download progress bar drawn with rich on stderr: a settable ``total`` (None:
    unknown size), ``update(n)`` bytes, and an idempotent ``close()``."""

    def __init__(self, description: str):
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                   TimeRemainingColumn, TransferSpeedColumn)

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                  TransferSpeedColumn(), TimeRemainingColumn(),
                                  console=Console(stderr=True))
        self._task = self._progress.add_task(description, total=None)
        self._total: int | None = None
        self._progress.start()

    @property
    def total(self) -> int | None:
        return self._total

    @total.setter
    def total(self, value: int | None) -> None:
        self._total = value or None  # 0 = no Content-Length: indeterminate bar
        self._progress.update(self._task, total=self._total)

    def update(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def close(self) -> None:  # idempotent
        self._progress.stop()
