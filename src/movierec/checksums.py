"""Content checksums of the artifacts movierec writes, and the check made when loading them.

Prepared datasets and saved models record the SHA-256 and size of every file they consist
of; loading recomputes them (about 0.3 s for the 26M-rating dataset) so a truncated,
deleted, replaced or edited file is noticed before its bytes are used -- then the artifact
is rebuilt, or refused with a message that says how to rebuild it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 22


class DamagedArtifactError(RuntimeError):
    """An artifact on disk is not what was written (the message says which file and how)."""


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 4 MB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def digests(folder: Path, names: list[str]) -> dict[str, dict]:
    """``{name: {"sha256", "bytes"}}`` for the files of an artifact (those that exist)."""
    out = {}
    for name in names:
        path = Path(folder) / name
        if path.is_file():
            out[name] = {"sha256": file_digest(path), "bytes": path.stat().st_size}
    return out


def verify(folder: Path, recorded: dict[str, dict] | None, what: str) -> None:
    """Raise `DamagedArtifactError` unless every recorded file is there with its bytes."""
    if not recorded:
        raise DamagedArtifactError(f"{what} in {folder} records no checksums (written by an "
                                   "older movierec)")
    for name, expected in recorded.items():
        path = Path(folder) / name
        if not path.is_file():
            raise DamagedArtifactError(f"{what}: {name} is missing from {folder}")
        size = path.stat().st_size
        if size != expected.get("bytes"):
            raise DamagedArtifactError(f"{what}: {name} has {size:,} bytes, "
                                       f"{expected.get('bytes'):,} were written")
        if file_digest(path) != expected.get("sha256"):
            raise DamagedArtifactError(f"{what}: {name} was changed after it was written "
                                       "(checksum mismatch)")
