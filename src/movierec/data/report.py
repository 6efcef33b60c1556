"""Counts of what cleaning did to each raw file: rows read, kept, dropped or repaired with a
reason, and a few of those rows as examples.

Parsers fill a `PrepareReport` as they go; `prepare` prints it and stores it in the
manifest, so a malformed row is never lost silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

EXAMPLES = 3          # rows kept as examples per reason
EXAMPLE_CHARS = 80


@dataclass
class FileReport:
    """What happened to the rows of one raw file."""

    file: str
    read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    fixed: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)    # reason -> a few of the rows, as text

    def drop(self, reason: str, count: int = 1, example: object = None) -> None:
        if count:
            self.dropped[reason] += int(count)
            self.example(reason, example)

    def fix(self, what: str, count: int = 1, example: object = None) -> None:
        """Record rows that were kept but repaired (e.g. an unparsable date set to missing)."""
        if count:
            self.fixed[what] += int(count)
            self.example(what, example)

    def example(self, reason: str, example: object) -> None:
        """Keep ``example`` (a row, as text or fields) as one of a reason's few examples."""
        if example is None:
            return
        kept = self.examples.setdefault(reason, [])
        if len(kept) < EXAMPLES:
            text = example if isinstance(example, str) else ",".join(map(str, example))
            kept.append(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…")

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
            "examples": {k: list(v) for k, v in sorted(self.examples.items())},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "FileReport":
        return cls(d["file"], d["read"], d["kept"], Counter(d["dropped"]),
                   Counter(d.get("fixed", {})), dict(d.get("examples", {})))


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
