"""The Movies Dataset from Kaggle, through kagglehub, where `download` and `locate` expect it.

kagglehub keeps a partly downloaded archive in its cache and resumes it (HTTP Range) on the
next call, checks the MD5 Kaggle sends, and marks a version complete only after unpacking
it: an interrupted run leaves nothing that looks finished. movierec points its cache at
``<downloads>/.kagglehub`` (so MOVIEREC_HOME holds everything) and links the unpacked
folder as ``<downloads>/the-movies-dataset``. What kagglehub raises is sorted into
`RefusedError` (log in, accept the terms: callers may offer another dataset),
`ChecksumError` and `DownloadError` (run again to resume).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

from movierec.data.download import (ChecksumError, DownloadError, RefusedError, _has_required,
                                    _local_help, _require_online, download_from)
from movierec.data.sources import KAGGLE_HANDLE, KAGGLE_PAGE, SourceSpec

KAGGLE_URL = "https://api.kaggle.com/"   # probed when kagglesdk cannot say its endpoint
KAGGLEHUB_CACHE_ENV = "KAGGLEHUB_CACHE"


def download_kaggle(spec: SourceSpec, root: Path, *, timeout: float, force: bool) -> Path:
    """kagglehub into its cache under the downloads folder, then linked where `locate` looks.

    kagglehub keeps a partly downloaded archive in its cache and resumes it (HTTP Range) on
    the next call, checks the MD5 Kaggle sends, and marks a version complete only after
    unpacking it: an interrupted run leaves nothing that looks finished.
    """
    folder = root / spec.folders[0]  # both Movies Dataset variants share this folder
    try:
        import kagglehub
    except ImportError as err:   # Kaggle cannot be used here: a refusal, like a login one
        raise RefusedError(
            f"Downloading {spec.name} needs kagglehub: pip install \"movierec[download]\"\n"
            f"{_local_help(spec)}"
        ) from err
    _require_online(kaggle_endpoint(), spec, timeout)
    before = os.environ.get(KAGGLEHUB_CACHE_ENV)
    os.environ[KAGGLEHUB_CACHE_ENV] = str(root / ".kagglehub")
    try:   # kagglehub logs and prints to stdout; keep stdout for answers (--json)
        with contextlib.redirect_stdout(sys.stderr), _logs_to_stderr("kagglehub"):
            got = Path(kagglehub.dataset_download(KAGGLE_HANDLE, force_download=force))
    except Exception as err:  # auth, consent, quota, network: kagglehub's own types vary
        raise _kaggle_error(err, spec) from err
    finally:
        if before is None:
            os.environ.pop(KAGGLEHUB_CACHE_ENV, None)
        else:
            os.environ[KAGGLEHUB_CACHE_ENV] = before
    if not _has_required(got, spec):
        raise DownloadError(f"Kaggle's {KAGGLE_HANDLE} (unpacked at {got}) lacks "
                            f"{', '.join(f for f in spec.required if not (got / f).exists())}")
    if got.resolve() != folder.resolve():
        download_from(spec.name, got, dest=root)  # one symlink: in place at once, or not
    return folder


@contextlib.contextmanager
def _logs_to_stderr(name: str):
    """Point the stdout handlers of logger ``name`` at stderr for the duration."""
    moved = [h for h in logging.getLogger(name).handlers
             if isinstance(h, logging.StreamHandler) and h.stream is sys.__stdout__]
    for handler in moved:
        handler.setStream(sys.stderr)
    try:
        yield
    finally:
        for handler in moved:
            handler.setStream(sys.__stdout__)


def _kaggle_error(err: Exception, spec: SourceSpec) -> DownloadError:
    """Sort what kagglehub raised: Kaggle said no (`RefusedError`), the bytes were wrong
    (`ChecksumError`), or the transfer broke (`DownloadError`, run again to resume)."""
    status = getattr(getattr(err, "response", None), "status_code", None)
    kind = type(err).__name__
    if status in (401, 403, 404):
        return RefusedError(
            f"Kaggle refused the download of {KAGGLE_HANDLE} (HTTP {status}): {err}\n"
            "Kaggle may need you to log in (kagglehub.login() or KAGGLE_USERNAME/KAGGLE_KEY) "
            f"and accept the dataset's terms at {KAGGLE_PAGE}.\n{_local_help(spec)}")
    if kind == "DataCorruptionError":
        return ChecksumError(f"The archive Kaggle sent for {KAGGLE_HANDLE} does not match its "
                             f"checksum ({err}); it has been deleted. Run again to download "
                             f"it anew.\n{_local_help(spec)}")
    return DownloadError(f"kagglehub could not download {KAGGLE_HANDLE} ({kind}: {err}). "
                         "Run the same command again to resume where it stopped.\n"
                         f"{_local_help(spec)}")


def kaggle_endpoint() -> str:
    """Where kagglehub will connect (its SDK's endpoint for KAGGLE_API_ENVIRONMENT)."""
    try:
        from kagglesdk.kaggle_env import get_endpoint, get_env

        return get_endpoint(get_env())
    except Exception:  # noqa: BLE001 - an older kagglehub without kagglesdk, an odd env
        return KAGGLE_URL
