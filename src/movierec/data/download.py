"""Fetch a dataset from its original public location, verified, into the downloads folder.

`download(name)` puts the files of one dataset (see `sources.SOURCES`) under
``paths.downloads_dir()/<folder>/``, where `sources.locate` looks for them:

* MovieLens zips come from files.grouplens.org (or the mirror in MOVIEREC_GROUPLENS_URL),
  streamed with a rich progress bar into a ``.part`` file that a later run resumes (HTTP
  Range; `fetch`), MD5-checked (hard-coded for immutable releases, the published ``.md5``
  sidecar for ``ml-latest*``), unpacked into a staging folder without their top folder,
  checked, then renamed to ``<downloads>/<name>/`` in one step; the zip is deleted.
* The Movies Dataset comes from Kaggle through ``kagglehub`` (``movierec[download]``; `kaggle`)
  into its cache under the downloads folder (it resumes and MD5-checks too), linked as
  ``<downloads>/the-movies-dataset/``. Kaggle refusing (log in, accept the terms) is a
  `RefusedError`, so callers can offer a dataset that needs no account (`obtain`).

Before any network use the host (or proxy) is probed with a connect bounded by ``timeout``:
offline, a `DownloadError` within that time says how to use local files instead. A dataset
already there (downloaded, or installed by `download_from`) is returned without network.

`download_from(name, path)` installs a local folder (symlinked, or copied where links are
not allowed) or zip (copied) into the downloads folder after checking its required files.
"""

from __future__ import annotations

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

from movierec.data.rawfiles import MissingFileError, RawSource
from movierec.data.sources import KAGGLE_HANDLE, KAGGLE_PAGE, SourceSpec, get_spec
from movierec.paths import downloads_dir

# MD5 of the immutable GroupLens releases, as GroupLens publishes them in <zip>.md5.
# ml-100k .. ml-25m: eli-osherovich/papers_with_code, datasets/movielens/dl_config.py, each
# also pinned in several other public loaders (e.g. RecBole-style configs, torch datasets).
# ml-32m: public loaders quoting https://files.grouplens.org/datasets/movielens/ml-32m.zip.md5
# (e.g. a MovieLens-32M loader pinning "md5:d472be33...").
KNOWN_MD5: dict[str, str] = {
    "ml-100k": "0e33842e24a9c977be4e0107933c0723",
    "ml-1m": "c4d9eecfca2ab87c1945afe126590906",
    "ml-10m": "ce571fd55effeba0271552578f2648bd",
    "ml-20m": "cd245b17a1ae2cc31bb14903e1204af3",
    "ml-25m": "6b51fb2759a8657d3bfcbfc42b592ada",
    "ml-32m": "d472be332d4daa821edc399621853b57",
}
# ml-latest and ml-latest-small are re-generated now and then: verified against the sidecar.

GROUPLENS_BASE = "https://files.grouplens.org/datasets/movielens/"
GROUPLENS_ENV = "MOVIEREC_GROUPLENS_URL"  # a mirror of GroupLens's datasets/movielens/ folder
MARKER = ".movierec-download.json"
_MD5_RE = re.compile(r"\b([0-9a-fA-F]{32})\b")


class DownloadError(RuntimeError):
    """A download could not be done; the message says why and what to do instead."""


class OfflineError(DownloadError):
    """The dataset's host cannot be reached (no internet, firewall, proxy down)."""


class ChecksumError(DownloadError):
    """The downloaded file is not the published one; it has been deleted."""


class RefusedError(DownloadError):
    """The host answered but will not give the files (Kaggle: log in, accept the terms)."""


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
        from movierec.data.kaggle import download_kaggle

        return download_kaggle(spec, root, timeout=timeout, force=force)
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
    url = movielens_url(spec)
    _require_online(url, spec, timeout)
    md5 = KNOWN_MD5.get(spec.name) or _published_md5(url, spec, timeout)
    from movierec.data.fetch import fetch

    partial = root / ".partial"
    zip_path = partial / f"{spec.name}.zip"
    fetch(url, zip_path, md5, spec, progress=progress, timeout=timeout)
    try:
        _install_zip(zip_path, folder, spec, {"url": url, "md5": md5})
    finally:
        zip_path.unlink(missing_ok=True)
        if partial.is_dir() and not any(partial.iterdir()):
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

def movielens_url(spec: SourceSpec) -> str:
    """The release's URL, on the mirror named by MOVIEREC_GROUPLENS_URL when one is set."""
    url = spec.url or ""
    mirror = os.environ.get(GROUPLENS_ENV, "").strip()
    if mirror and url.startswith(GROUPLENS_BASE):
        return mirror.rstrip("/") + "/" + url[len(GROUPLENS_BASE):]
    return url


# -- connectivity, progress, helpers -------------------------------------------------------

def _require_online(url: str, spec: SourceSpec, timeout: float) -> None:
    """Raise `OfflineError` unless a TCP connection to ``url``'s host (or proxy) opens in time."""
    host, port = _endpoint(url)
    reason = _probe(host, port, timeout)
    if reason is not None:
        target = urlsplit(url).hostname or host
        where = (f"{host}:{port}" if target == host
                 else f"{target} through the proxy {host}:{port}")
        raise OfflineError(
            f"No internet connection: could not reach {where} ({reason}), so "
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
    """What to fetch by hand (the files, from where) and the two ways to give them."""
    folder = spec.folders[0]
    if spec.kind == "tmdb":
        what = (f"the Kaggle dataset {KAGGLE_HANDLE} ({KAGGLE_PAGE}, 'Download': a zip "
                f"holding {', '.join(spec.files)})")
    else:
        what = f"{spec.url} (a zip holding {', '.join(spec.required)})"
    lines = [
        (f"movierec prepare {spec.name} --from PATH", f"PATH: the {folder} folder or zip"),
        ("export MOVIEREC_DATA=DIR", f"DIR holds {folder}/ or {folder}.zip, for every command"),
    ]
    width = max(len(cmd) for cmd, _ in lines)
    usage = "\n".join(f"  {cmd:<{width}}  # {note}" for cmd, note in lines)
    return (f"Download {what} on a machine with internet, then give it to movierec in one "
            f"of two ways:\n{usage}")


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
