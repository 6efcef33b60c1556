"""Fetch a dataset from its original public location, verified, into the downloads folder.

`download(name)` puts the files of one dataset (see `sources.SOURCES`) under
``paths.downloads_dir()/<folder>/``, where `sources.locate` looks for them:

* MovieLens zips come from files.grouplens.org via `pooch.retrieve` with a progress bar
  (tqdm if installed, else rich), MD5-checked (hard-coded for immutable releases, the
  published ``.md5`` sidecar for ``ml-latest*``), unpacked without their top folder into
  ``<downloads>/<name>/``, and the zip deleted: keeping both would double the disk use.
* The Movies Dataset comes from Kaggle through ``kagglehub`` (``movierec[download]``),
  straight into ``<downloads>/the-movies-dataset/``, or linked there from kagglehub's cache.

Before any network use the host (or proxy) is probed with a connect bounded by ``timeout``:
offline, a `DownloadError` within that time says how to use local files instead. A dataset
already there (downloaded, or installed by `download_from`) is returned without network.

`download_from(name, path)` installs a local folder (symlinked, or copied where links are
not allowed) or zip (copied) into the downloads folder after checking its required files.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from rich.console import Console

from movierec.data.rawfiles import MissingFileError, RawSource
from movierec.data.sources import SourceSpec, get_spec
from movierec.paths import downloads_dir

# MD5 of the immutable GroupLens releases, as GroupLens publishes them in <zip>.md5.
# ml-100k .. ml-25m: eli-osherovich/papers_with_code, datasets/movielens/dl_config.py, each
# also pinned in several other public loaders (e.g. RecBole-style configs, torch datasets).
# ml-32m: public loaders quoting https://files.grouplens.org/datasets/movielens/ml-32m.zip.md5
# (e.g. `pooch.retrieve(..., known_hash="md5:d472be33...")` in a MovieLens-32M loader).
KNOWN_MD5: dict[str, str] = {
    "ml-100k": "0e33842e24a9c977be4e0107933c0723",
    "ml-1m": "c4d9eecfca2ab87c1945afe126590906",
    "ml-10m": "ce571fd55effeba0271552578f2648bd",
    "ml-20m": "cd245b17a1ae2cc31bb14903e1204af3",
    "ml-25m": "6b51fb2759a8657d3bfcbfc42b592ada",
    "ml-32m": "d472be332d4daa821edc399621853b57",
}
# ml-latest and ml-latest-small are re-generated now and then: verified against the sidecar.

KAGGLE_HANDLE = "rounakbanik/the-movies-dataset"
KAGGLE_PAGE = "https://www.kaggle.com/datasets/rounakbanik/the-movies-dataset"
KAGGLE_URL = "https://www.kaggle.com/"  # probed before kagglehub is called
MARKER = ".movierec-download.json"
_MD5_RE = re.compile(r"\b([0-9a-fA-F]{32})\b")


class DownloadError(RuntimeError):
    """A download could not be done; the message says why and what to do instead."""


class OfflineError(DownloadError):
    """The dataset's host cannot be reached (no internet, firewall, proxy down)."""


class ChecksumError(DownloadError):
    """The downloaded file is not the published one; it has been deleted."""


def download(name: str, dest: Path | None = None, *, progress: bool = True,
             timeout: float = 5.0, force: bool = False) -> Path:
    """Download dataset ``name`` into ``dest`` (default: the downloads folder); return its folder.

    Returns at once, without network, when ``<dest>/<folder>`` (or ``<folder>.zip``, as
    `download_from` installs zips) already holds the required files; ``force=True``
    downloads again (e.g. to refresh ``ml-latest``). ``timeout`` bounds the connectivity
    probe and the connection set-up, not the whole transfer.
    """
    spec = get_spec(name)
    root = Path(dest).expanduser() if dest is not None else downloads_dir()
    root.mkdir(parents=True, exist_ok=True)
    for present in (root / spec.folders[0], root / f"{spec.folders[0]}.zip"):
        if not force and _has_required(present, spec):
            return present
    if spec.kind == "tmdb":
        return _download_kaggle(spec, root, timeout=timeout, force=force)
    if not spec.url:
        raise DownloadError(f"{spec.name} has no download location. {spec.how_to_get()}")
    return _download_movielens(spec, root, progress=progress, timeout=timeout, force=force)


def download_from(name: str, path: str | os.PathLike, dest: Path | None = None) -> Path:
    """Install a local copy (folder or zip) of dataset ``name`` where `sources.locate` finds it.

    A zip is copied to ``<downloads>/<folder>.zip`` (movierec reads zips in place); a folder
    is symlinked as ``<downloads>/<folder>`` so nothing is duplicated -- moving or deleting
    the original breaks the link -- and copied instead where symlinks are not allowed.
    Whatever was installed under that name before is replaced. Returns the installed path.
    """
    spec = get_spec(name)
    source = Path(path).expanduser().resolve()
    raw = RawSource.open_path(source)
    missing = [f for f in spec.required if not raw.has(f)]
    if missing:
        raise MissingFileError(
            f"{source} does not look like {spec.name}: missing {', '.join(missing)}.\n"
            f"{spec.how_to_get()}"
        )
    root = Path(dest).expanduser() if dest is not None else downloads_dir()
    root.mkdir(parents=True, exist_ok=True)
    folder = root / spec.folders[0]
    zip_target = root / f"{spec.folders[0]}.zip"
    target = zip_target if raw.is_zip else folder
    if target.exists() and target.resolve() == source:
        return target  # already installed (e.g. --from pointed into the downloads folder)
    for old in (folder, zip_target):  # a leftover folder would shadow a new zip in `locate`
        _remove(old)
    if raw.is_zip:
        shutil.copy2(source, zip_target)
        return zip_target
    try:
        folder.symlink_to(source, target_is_directory=True)
    except OSError:  # e.g. Windows without developer mode
        folder.mkdir()
        for fname in spec.files:
            local = raw.local_path(fname)
            if local is not None:
                shutil.copy2(local, folder / fname)
    return folder


# -- MovieLens ---------------------------------------------------------------------------

def _download_movielens(spec: SourceSpec, root: Path, *, progress: bool, timeout: float,
                        force: bool) -> Path:
    folder = root / spec.folders[0]
    url = spec.url or ""
    _require_online(url, spec, timeout)
    md5 = KNOWN_MD5.get(spec.name) or _published_md5(url, spec, timeout)
    partial = root / ".partial"
    zip_path = partial / f"{spec.name}.zip"
    _fetch(url, zip_path, md5, spec, progress=progress, timeout=timeout)
    try:
        _install_zip(zip_path, folder, spec, {"url": url, "md5": md5})
    finally:
        zip_path.unlink(missing_ok=True)
        if not any(partial.iterdir()):
            partial.rmdir()
    return folder


def _published_md5(url: str, spec: SourceSpec, timeout: float) -> str:
    """Read GroupLens's ``<zip>.md5`` sidecar (``MD5 (x.zip) = <hex>`` or ``<hex>  x.zip``)."""
    try:
        with urllib.request.urlopen(url + ".md5", timeout=timeout) as response:
            text = response.read(4096).decode("utf-8", "replace")
    except OSError as err:
        raise DownloadError(
            f"Could not fetch the published checksum {url}.md5 ({err}), so a download of "
            f"{spec.name} could not be verified.\n{_local_help(spec)}"
        ) from err
    match = _MD5_RE.search(text)
    if not match:
        raise DownloadError(f"{url}.md5 holds no MD5 checksum: {text[:200]!r}")
    return match.group(1).lower()


def _fetch(url: str, zip_path: Path, md5: str, spec: SourceSpec, *, progress: bool,
           timeout: float) -> None:
    """Stream ``url`` to ``zip_path`` with pooch, which checks the MD5 before keeping it."""
    import pooch
    import requests

    bar = _progress_bar(spec.name) if progress else None
    downloader = pooch.HTTPDownloader(progressbar=bar or False,
                                      timeout=(timeout, max(30.0, timeout)))
    logger = pooch.get_logger()  # its INFO line names our staging path: say it ourselves
    level = logger.level
    logger.setLevel("WARNING")
    if progress:
        Console(stderr=True).print(f"Downloading {spec.name} from {url}", markup=False)
    zip_path.unlink(missing_ok=True)  # never trust a leftover from an interrupted run
    try:
        pooch.retrieve(url, known_hash=f"md5:{md5}", fname=zip_path.name,
                       path=zip_path.parent, downloader=downloader)
    except ValueError as err:  # pooch: hash mismatch (its temporary file is already gone)
        zip_path.unlink(missing_ok=True)
        got = re.search(r"got (?:md5:)?([0-9a-fA-F]{32})", str(err))
        raise ChecksumError(
            f"Checksum mismatch: the file downloaded from {url} has MD5 "
            f"{got.group(1) if got else '(unknown)'}, but the published {spec.name} release "
            f"has {md5}. The file has been deleted. Try again later; if it keeps failing "
            f"(a proxy or a changed release), download it by hand.\n{_local_help(spec)}"
        ) from err
    except requests.exceptions.RequestException as err:
        zip_path.unlink(missing_ok=True)
        raise DownloadError(f"Downloading {url} failed: {err}\n{_local_help(spec)}") from err
    finally:
        logger.setLevel(level)
        if isinstance(bar, RichProgressBar):
            bar.close()


def _install_zip(zip_path: Path, folder: Path, spec: SourceSpec, record: dict) -> None:
    """Unpack into a staging folder next to ``folder``, check it, then swap it in."""
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=folder.parent))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            names = _safe_extract(zf, staging)
        missing = [f for f in spec.required if not (staging / f).is_file()]
        if missing:
            raise DownloadError(f"{spec.url} does not contain {', '.join(missing)}; "
                                f"it is not a {spec.name} release.")
        record = {"name": spec.name, **record, "files": names,
                  "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (staging / MARKER).write_text(json.dumps(record, indent=2))
        _remove(folder)
        staging.rename(folder)
    finally:
        _remove(staging)


def _safe_extract(zf: zipfile.ZipFile, target: Path) -> list[str]:
    """Extract regular files, dropping the zip's single top folder and refusing ``..`` paths."""
    members = [i for i in zf.infolist()
               if not i.is_dir() and not i.filename.startswith("__MACOSX")]
    parts = [PurePosixPath(i.filename).parts for i in members]
    tops = {p[0] for p in parts if len(p) > 1}
    strip = 1 if len(tops) == 1 and all(len(p) > 1 for p in parts) else 0
    written = []
    for info, p in zip(members, parts):
        rel = p[strip:]
        unsafe = PurePosixPath(info.filename).is_absolute() or ".." in rel
        if not rel or unsafe:
            raise DownloadError(f"refusing unsafe path {info.filename!r} in the zip")
        out = target.joinpath(*rel)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        written.append("/".join(rel))
    return sorted(written)


# -- Kaggle ------------------------------------------------------------------------------

def _download_kaggle(spec: SourceSpec, root: Path, *, timeout: float, force: bool) -> Path:
    folder = root / spec.folders[0]  # both Movies Dataset variants share this folder
    try:
        import kagglehub
    except ImportError as err:
        raise DownloadError(
            f"Downloading {spec.name} needs kagglehub: pip install \"movierec[download]\"\n"
            f"{_local_help(spec)}"
        ) from err
    _require_online(KAGGLE_URL, spec, timeout)
    fetch = kagglehub.dataset_download
    try:
        if "output_dir" in inspect.signature(fetch).parameters:
            if folder.is_symlink():  # a link left by download_from: replace, keep its target
                folder.unlink()
            # kagglehub refuses a non-empty output_dir it did not complete; ours lacks files
            refill = force or (folder.is_dir() and any(folder.iterdir()))
            got = Path(fetch(KAGGLE_HANDLE, output_dir=str(folder), force_download=refill))
        else:  # older kagglehub: only its own cache
            got = Path(fetch(KAGGLE_HANDLE, force_download=force))
    except Exception as err:  # auth, consent, quota, network: kagglehub's own types vary
        raise DownloadError(
            f"kagglehub could not download {KAGGLE_HANDLE}: {err}\n"
            "Kaggle may need you to log in (kagglehub.login() or KAGGLE_USERNAME/KAGGLE_KEY) "
            f"and accept the dataset's terms at {KAGGLE_PAGE}.\n{_local_help(spec)}"
        ) from err
    if not _has_required(got, spec):
        raise DownloadError(f"kagglehub returned {got}, which lacks {', '.join(spec.required)}")
    if got.resolve() != folder.resolve():
        download_from(spec.name, got, dest=root)  # link kagglehub's cache folder
    return folder


# -- connectivity, progress, helpers -------------------------------------------------------

def _require_online(url: str, spec: SourceSpec, timeout: float) -> None:
    """Raise `OfflineError` unless a TCP connection to ``url``'s host (or proxy) opens in time."""
    host, port = _endpoint(url)
    reason = _probe(host, port, timeout)
    if reason is not None:
        raise OfflineError(
            f"No internet connection: could not reach {host}:{port} ({reason}), so "
            f"{spec.name} cannot be downloaded.\n{_local_help(spec)}"
        )


def _endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return p.hostname or host, p.port or 80
    return host, port


def _probe(host: str, port: int, timeout: float) -> str | None:
    """None when reachable, else why not. DNS has no timeout of its own, hence the thread."""
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as err:
            outcome.append(err)

    worker = threading.Thread(target=attempt, name="movierec-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return f"no answer within {timeout:g} s"
    return None if outcome[0] is None else str(outcome[0]) or type(outcome[0]).__name__


def _local_help(spec: SourceSpec) -> str:
    where = f"Kaggle page {KAGGLE_PAGE}" if spec.kind == "tmdb" else spec.url
    folder = spec.folders[0]
    lines = [
        (f"movierec prepare {spec.name} --from PATH", f"PATH: the {folder} folder or zip"),
        (f"movierec prepare {spec.name} --data-dir DIR", f"DIR holds {folder}/ or {folder}.zip"),
        ("export MOVIEREC_DATA=DIR", "the same, for every command"),
    ]
    width = max(len(cmd) for cmd, _ in lines)
    usage = "\n".join(f"  {cmd:<{width}}  # {note}" for cmd, note in lines)
    return (f"To use files you already have instead:\n{usage}\n"
            f"Download the files by hand from {where} (on a machine with internet).")


def _has_required(path: Path, spec: SourceSpec) -> bool:
    """Whether ``path`` (folder or zip) exists and holds every required file of ``spec``."""
    if not path.exists():
        return False
    raw = RawSource.open_path(path)
    return all(raw.has(f) for f in spec.required)


def _remove(path: Path) -> None:
    """Delete a file, a symlink (never what it points to) or a folder; absent is fine."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _have_tqdm() -> bool:
    return importlib.util.find_spec("tqdm") is not None


def _progress_bar(label: str) -> "bool | RichProgressBar":
    """pooch's own tqdm bar when tqdm is installed, else a rich one."""
    return True if _have_tqdm() else RichProgressBar(f"Downloading {label}")


class RichProgressBar:
    """Progress bar drawn with rich, shaped as pooch's HTTPDownloader expects of a custom bar:
    a settable ``total`` and ``update(n)``, ``reset()``, ``close()`` (pooch 1.9 downloaders.py)."""

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

    def reset(self) -> None:
        self._progress.reset(self._task, total=self._total)

    def close(self) -> None:  # idempotent: pooch closes on success, we close in `finally`
        self._progress.stop()
