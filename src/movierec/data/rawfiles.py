"""Read a raw dataset's files from a folder or from its original zip, without unpacking.

A `RawSource` hides the difference: ``open("u.data")`` works whether the file sits in
``ml-100k/`` on disk or inside ``ml-100k.zip`` (at its root or in a sub-folder, as the
GroupLens zips have it). It also computes the file signature used for fingerprints.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO


class MissingFileError(FileNotFoundError):
    """A file a source needs is absent; the message says which and how to get it."""


class DataError(ValueError):
    """A raw file that cannot be used as it is; the message names the file and what is wrong
    (and, where it helps, how to get a good copy). Nothing is prepared from it."""


@dataclass(frozen=True)
class FileSignature:
    """What identifies a file's bytes cheaply. ``ctime_ns`` and ``inode`` change whenever the
    file is written or replaced, even when its size and modification time are put back."""

    name: str
    size: int
    mtime_ns: int
    ctime_ns: int = 0
    inode: int = 0


def _symlink_member(info: zipfile.ZipInfo) -> bool:
    """True for a zip entry that stores a symbolic link (Unix mode in the external attributes)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def check_text(head: bytes, name: str, location: Path) -> None:
    """Refuse bytes that are not text (a NUL byte, as in images, archives or executables)."""
    if b"\x00" in head:
        raise DataError(f"{name} in {location} is not a text file (it holds binary bytes); "
                        "check that it is the dataset's own file")


@dataclass
class RawSource:
    """A folder or a zip holding one dataset's original files."""

    location: Path
    _members: dict[str, str] = field(default_factory=dict, repr=False)
    _links: set[str] = field(default_factory=set, repr=False)   # zip members that are symlinks

    @classmethod
    def open_path(cls, path: str | os.PathLike) -> "RawSource":
        location = Path(path).expanduser()
        if not location.exists():
            raise MissingFileError(f"{location} does not exist")
        source = cls(location)
        if location.is_file() and not zipfile.is_zipfile(location) and location.suffix == ".zip":
            raise DataError(f"{location} is not a readable zip (damaged or cut short): "
                            "download it again")
        if source.is_zip:
            try:
                with zipfile.ZipFile(location) as zf:
                    infos = zf.infolist()
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DataError(f"{location} is not a readable zip ({exc}): download it again")
            for info in infos:
                if info.is_dir() or info.filename.startswith("__MACOSX"):
                    continue
                base = info.filename.rsplit("/", 1)[-1]
                # first occurrence wins (shallowest when names repeat)
                if base not in source._members:
                    source._members[base] = info.filename
                    if _symlink_member(info):
                        source._links.add(base)
        return source

    @property
    def is_zip(self) -> bool:
        return self.location.is_file() and zipfile.is_zipfile(self.location)

    def _folder_path(self, name: str) -> Path | None:
        direct = self.location / name
        if direct.is_file():
            return self._inside(direct)
        # originals unpacked one level deeper (e.g. data/ml-100k/ml-100k/u.data)
        for child in sorted(self.location.iterdir()) if self.location.is_dir() else []:
            if child.is_dir() and (child / name).is_file():
                return self._inside(child / name)
        return None

    def _inside(self, path: Path) -> Path:
        """``path``, once it is known not to lead out of the data folder through a link."""
        target = path.resolve()
        if not target.is_relative_to(self.location.resolve()):
            raise DataError(f"{path} is a link to {target}, outside the data folder "
                            f"{self.location}: movierec only reads files inside it; copy the "
                            "file in instead")
        return path

    def has(self, name: str) -> bool:
        if self.is_zip:
            return name in self._members
        return self._folder_path(name) is not None

    def names(self) -> list[str]:
        if self.is_zip:
            return sorted(self._members)
        files = {p.name for p in self.location.iterdir() if p.is_file()}
        for child in self.location.iterdir():
            if child.is_dir():
                files.update(p.name for p in child.iterdir() if p.is_file())
        return sorted(files)

    def open(self, name: str) -> BinaryIO:
        """Binary stream of one file; `MissingFileError` names the file when absent,
        `DataError` when it is a link out of the folder, a link inside a zip, or damaged."""
        if self.is_zip:
            if name not in self._members:
                raise MissingFileError(f"{name} is not in {self.location}")
            if name in self._links:
                raise DataError(f"{name} in {self.location} is a symbolic link, not a file: "
                                "movierec reads only regular files from a zip")
            zf = zipfile.ZipFile(self.location)
            return _ZipMemberStream(zf, zf.open(self._members[name]), name, self.location)
        path = self._folder_path(name)
        if path is None:
            raise MissingFileError(f"{name} is not in {self.location}")
        return open(path, "rb")

    def local_path(self, name: str) -> Path | None:
        """Path on disk when the file is a plain file (fast readers can use it directly)."""
        return None if self.is_zip else self._folder_path(name)

    def signature(self, names: list[str]) -> list[FileSignature]:
        """Cheap identity of the given files (size + mtime), used to spot changes quickly."""
        sigs = []
        for name in sorted(set(names)):
            if not self.has(name):
                continue
            if self.is_zip:
                st = self.location.stat()
                with zipfile.ZipFile(self.location) as zf:
                    info = zf.getinfo(self._members[name])
                sigs.append(FileSignature(name, info.file_size, st.st_mtime_ns, st.st_ctime_ns,
                                          st.st_ino))
            else:
                st = self._folder_path(name).stat()  # type: ignore[union-attr]
                sigs.append(FileSignature(name, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                          st.st_ino))
        return sigs

    def content_hash(self, names: list[str]) -> str:
        """SHA-256 over the names and bytes of the given files: the data fingerprint."""
        digest = hashlib.sha256()
        for name in sorted(set(names)):
            if not self.has(name):
                continue
            digest.update(name.encode() + b"\0")
            with self.open(name) as fh:
                for chunk in iter(lambda: fh.read(1 << 22), b""):
                    digest.update(chunk)
            digest.update(b"\1")
        return digest.hexdigest()


class _ZipMemberStream(io.RawIOBase):
    """Keeps the ZipFile open as long as one member is being read; a member whose bytes fail
    their CRC (or whose compressed data is cut short) raises `DataError` naming it."""

    def __init__(self, zf: zipfile.ZipFile, member: BinaryIO, name: str = "",
                 location: Path | None = None):
        self._zf, self._member, self._name, self._location = zf, member, name, location

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        try:
            return self._member.read(size)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise DataError(f"{self._name} in {self._location} is damaged ({exc}): download "
                            "the zip again") from None

    def close(self) -> None:
        try:
            self._member.close()
            self._zf.close()
        finally:
            super().close()
