"""A dataset's files on first use: found here, else downloaded, else one clear way to give them.

Every command that needs a dataset (``movierec serve``, ``prepare``, ``recommend``, the
Space's ``app.py``) calls `obtain` first. It costs nothing when the raw files (or a prepared
copy of them) are already here. Otherwise it downloads them with a progress bar
(`download.download`: resumable, checksum-verified, unpacked atomically). Three outcomes
when that fails, each a message and never a traceback:

* offline: `OfflineError` naming the files to fetch and the two ways to give them
  (``--from PATH``, ``MOVIEREC_DATA``), within the connection probe's timeout;
* Kaggle refuses (no login, terms not accepted): `FALLBACK` (MovieLens' small release,
  which GroupLens serves without an account) is fetched instead and used, and the note says
  so and how to get the asked dataset later;
* anything else (a broken transfer, a bad checksum): the `DownloadError` says to run again,
  which resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from movierec.data.download import DownloadError, RefusedError, download
from movierec.data.prepare import prepared_copy, recorded_inputs
from movierec.data.rawfiles import MissingFileError
from movierec.data.sources import DEFAULT_SOURCE, get_spec, locate

FALLBACK = "ml-latest-small"   # GroupLens: no account needed
FULL_SOURCE = "the-movies-dataset-full"   # the same download's ratings.csv: 26M ratings


@dataclass(frozen=True)
class Obtained:
    """Which dataset to use (the one asked for, or `FALLBACK`) and why, when it changed."""

    name: str
    note: str | None = None
    downloaded: bool = False


def available(name: str, data_dir=None) -> bool:
    """Whether ``name`` can be loaded without network: raw files, or a prepared copy."""
    spec = get_spec(name)
    try:
        locate(spec, None, data_dir)
        return True
    except MissingFileError:
        return recorded_inputs(spec) is not None or prepared_copy(spec) is not None


def obtain(name: str, *, data_dir=None, progress: Callable[[str], None] | None = None,
           fallback: str | None = FALLBACK, timeout: float = 10.0,
           bars: bool = True) -> Obtained:
    """Make sure ``name`` can be loaded; download it (or ``fallback``) when it cannot.

    ``bars`` draws download progress bars on stderr (off in a server that reports through
    ``progress`` instead). Raises `DownloadError` (`OfflineError` offline) when nothing
    usable could be had.
    """
    spec = get_spec(name)
    say = progress or (lambda _m: None)
    if available(spec.name, data_dir):
        return Obtained(spec.name)
    say(f"{spec.name}: raw files not found here; downloading them ({spec.description})")
    try:
        download(spec.name, progress=bars, timeout=timeout)
        return Obtained(spec.name, downloaded=True)
    except RefusedError as refused:
        if not fallback or get_spec(fallback).name == spec.name:
            raise
        first_line = str(refused).splitlines()[0]
        note = (f"{first_line} Using {fallback} (MovieLens, from GroupLens, no account "
                f"needed) instead. For {spec.name}: log in to Kaggle and run "
                f"`movierec download {spec.name}`, or give its files with "
                f"`movierec prepare {spec.name} --from PATH`.")
        say(note)
        if not available(fallback, data_dir):
            try:
                download(fallback, progress=bars, timeout=timeout)
            except DownloadError as err:
                raise DownloadError(f"{refused}\n\nThe fallback {fallback} could not be "
                                    f"downloaded either: {err}") from err
        return Obtained(get_spec(fallback).name, note, downloaded=True)


def serving_source(data_dir=None, *, progress: Callable[[str], None] | None = None,
                   timeout: float = 10.0, bars: bool = True) -> Obtained:
    """What the app serves when no dataset is named: The Movies Dataset with its full
    ratings.csv (26M ratings by 270k people) when that file is here, else with
    ratings_small (100k by 671), saying so. Kaggle's download holds both files, so a first
    run that downloads it serves the full ratings."""
    if available(FULL_SOURCE, data_dir):
        return Obtained(FULL_SOURCE)
    got = obtain(DEFAULT_SOURCE, data_dir=data_dir, progress=progress, timeout=timeout,
                 bars=bars)
    if got.name == DEFAULT_SOURCE and available(FULL_SOURCE, data_dir):
        return Obtained(FULL_SOURCE, downloaded=got.downloaded)
    if got.name != DEFAULT_SOURCE:
        return got
    note = (f"The Movies Dataset's full ratings.csv (26M ratings) is not here, so this serves "
            f"{DEFAULT_SOURCE} (ratings_small: 100k ratings by 671 people). To serve the full "
            f"ratings, put ratings.csv beside ratings_small.csv, or run "
            f"`movierec download {FULL_SOURCE}`.")
    (progress or (lambda _m: None))(note)
    return Obtained(DEFAULT_SOURCE, note, downloaded=got.downloaded)
