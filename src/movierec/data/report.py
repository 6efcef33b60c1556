"""Counts of what cleaning did to each raw file: rows read, kept, and dropped with a reason.

Parsers fill a `PrepareReport` as they go; `prepare` prints it and stores it in the
manifest, so a malformed row is never lost silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FileReport:
    """What happened to the rows of one raw file."""

    file: str
    read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    fixed: Counter = field(default_factory=Counter)

    def drop(self, reason: str, count: int = 1) -> None:
        if count:
            self.dropped[reason] += int(count)

    def fix(self, what: str, count: int = 1) -> None:
        """Record rows that were kept but repaired (e.g. an unparsable date set to missing)."""
        if count:
            self.fixed[what] += int(count)

    @property
    def dropped_total(self) -> int:
        return int(sum(self.dropped.values()))

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "read": int(self.read),
            "kept": int(self.kept),
            "dropped": {k: int(v) for k, v in sorted(self.dropped.items())},
            "fixed": {k: int(v) for k, v in sorted(self.fixed.items())},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "FileReport":
        return cls(d["file"], d["read"], d["kept"], Counter(d["dropped"]), Counter(d.get("fixed", {})))


@dataclass
class PrepareReport:
    """Per-file reports plus free-text notes (e.g. which movie list supplied titles)."""

    files: dict[str, FileReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def file(self, name: str) -> FileReport:
        if name not in self.files:
            self.files[name] = FileReport(name)
        return self.files[name]

    def note(self, text: str) -> None:
        self.notes.append(text)

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files.values()], "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict) -> "PrepareReport":
        report = cls()
        for f in d.get("files", []):
            report.files[f["file"]] = FileReport.from_dict(f)
        report.notes = list(d.get("notes", []))
        return report
