"""Reactions to recommendations, stored in SQLite so they survive restarts.

Every click in the app becomes one row: who (an anonymous session id), which dataset and
method, which movie at which rank and score, the picks it was recommended for, the list it
was shown in, and the reaction (liked, disliked, seen, not_interested; ``liked`` = a good
recommendation, the ``verdict`` good or bad). These rows are the app's own evaluation data;
`movierec feedback export` turns them into CSV or JSON.

The database runs in WAL mode (readers never block the writer) with a busy timeout, each
thread has its own connection, and writes inside one process go through a lock, so many
users clicking at once never lose a row or see "database is locked". The schema version is
kept in ``PRAGMA user_version``; a database from a newer movierec is refused, not altered.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
import threading
import time
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterable

from movierec.paths import app_dir

SCHEMA_VERSION = 3   # 2: `shown`, the whole list the reaction was given on; 3: `reaction`
BUSY_TIMEOUT_MS = 15_000
FORMATS = ("csv", "json")
COLUMNS = ("id", "created", "session", "dataset", "method", "movie", "title", "liked",
           "verdict", "rank", "score", "picks", "shown", "reaction")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    created  TEXT    NOT NULL,                          -- ISO 8601, UTC
    session  TEXT    NOT NULL,
    dataset  TEXT    NOT NULL,
    method   TEXT    NOT NULL,
    movie    INTEGER NOT NULL,                          -- catalog index in `dataset`
    title    TEXT    NOT NULL DEFAULT '',
    liked    INTEGER NOT NULL CHECK (liked IN (0, 1)),  -- 1 = good recommendation
    verdict  TEXT    NOT NULL CHECK (verdict IN ('good', 'bad')),
    rank     INTEGER,                                   -- 1-based position in the list shown
    score    REAL,
    picks    TEXT    NOT NULL,                          -- JSON list of catalog indices
    shown    TEXT,                                      -- JSON list: the list, in order
    reaction TEXT                                       -- liked / disliked / seen /
                                                        -- not_interested
);
CREATE INDEX IF NOT EXISTS feedback_session ON feedback (session);
CREATE INDEX IF NOT EXISTS feedback_dataset_method ON feedback (dataset, method);
"""


class FeedbackError(ValueError):
    """A feedback row that cannot be stored as given (the message says which field)."""


def _check_text(name: str, value: object, required: bool = True) -> str:
    if not isinstance(value, str):
        raise FeedbackError(f"feedback {name} must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise FeedbackError(f"feedback {name} must not be empty")
    if len(value) > 1000:
        raise FeedbackError(f"feedback {name} is too long ({len(value)} characters, max 1000)")
    return value.strip()


def _check_index(name: str, value: object) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise FeedbackError(f"feedback {name} must be an integer, not {value!r}")
    number = int(value.__index__())  # int and numpy integers; never floats or strings
    if number < 0:
        raise FeedbackError(f"feedback {name} must be >= 0, not {number}")
    return number


def _when_free(step, seconds: float = BUSY_TIMEOUT_MS / 1000):
    """Run ``step``, retrying while another process holds the lock it needs (switching to WAL
    or creating the schema take an exclusive lock that SQLite's busy handler does not wait
    for); `sqlite3.OperationalError` once ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    delay = 0.005
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class FeedbackStore:
    """The app's feedback database (default: ``app_dir()/feedback.sqlite``)."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        """Open (``create``: and set up) the database at ``path``.

        A file that is not SQLite, or an SQLite database of another program (tables, but no
        feedback table), is refused with a `FeedbackError` and left untouched. Without
        ``create`` the database must already hold movierec feedback (export, reading).
        """
        self.path = Path(path) if path is not None else app_dir() / "feedback.sqlite"
        self._local = threading.local()
        self._write_lock = threading.Lock()
        if not create and not self.path.is_file():
            raise FeedbackError(f"no feedback database at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _when_free(lambda: self._check_ours(create))
            if create:
                _when_free(self._create_schema)
        except sqlite3.OperationalError as exc:
            self.close()
            raise FeedbackError(f"{self.path} stayed busy ({exc}); try again")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise FeedbackError(f"{self.path} is not a movierec feedback database ({exc})")

    def _check_ours(self, create: bool) -> None:
        """Refuse another program's database before writing anything into it."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            tables: set[str] = set()
        else:   # a plain connection and a SELECT: not even the journal mode is changed
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)) as con:
                tables = {row[0] for row in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'")}
        if "feedback" in tables or (create and not tables):
            return
        what = f"it holds the tables {', '.join(sorted(tables))}" if tables else "it is empty"
        raise FeedbackError(f"{self.path} is not a movierec feedback database ({what}); "
                            "give another file")

    # --- connections ------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")   # safe with WAL: no corruption on crash
            con.row_factory = sqlite3.Row
            self._local.con = con
        return con

    def _create_schema(self) -> None:
        con = self._connection()
        with self._write_lock:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise FeedbackError(
                    f"{self.path} was written by a newer movierec (schema {version}, this one "
                    f"knows {SCHEMA_VERSION}); upgrade movierec or use another --feedback file")
            con.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    con.execute(statement)
                columns = {row[1] for row in con.execute("PRAGMA table_info(feedback)")}
                if "shown" not in columns:   # schema 1: rows kept, the new column empty
                    con.execute("ALTER TABLE feedback ADD COLUMN shown TEXT")
                if "reaction" not in columns:   # schema 2: a thumb said liked or disliked
                    con.execute("ALTER TABLE feedback ADD COLUMN reaction TEXT")
                    con.execute("UPDATE feedback SET reaction = CASE liked WHEN 1 THEN "
                                "'liked' ELSE 'disliked' END WHERE reaction IS NULL")
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # --- writing ----------------------------------------------------------------------
    def record(self, session: str, dataset: str, method: str, movie: int, liked: bool,
               picks: Iterable[int], rank: int | None = None, score: float | None = None,
               title: str = "", shown: Iterable[int] | None = None,
               reaction: str | None = None) -> None:
        """Store one reaction (``liked=True``: a good recommendation; ``reaction`` its name,
        by default liked or disliked from ``liked``) with the list it was given on
        (``shown``, in order; ``rank`` is the movie's place in it), so sessions from real
        use can be replayed like `evaluation.sessions` replays."""
        from movierec.models.exploring import REACTIONS

        if not isinstance(liked, bool):
            raise FeedbackError(f"feedback liked must be True or False, not {liked!r}")
        reaction = reaction if reaction is not None else ("liked" if liked else "disliked")
        if reaction not in REACTIONS or liked != (reaction == "liked"):
            raise FeedbackError(f"feedback reaction must be one of {', '.join(REACTIONS)} "
                                f"and agree with liked={liked}, not {reaction!r}"[:200])
        pick_list = [_check_index("pick", p) for p in picks]
        shown_list = None if shown is None else [_check_index("shown", m) for m in shown]
        if rank is not None:
            rank = _check_index("rank", rank)
        if score is not None:
            try:
                score = float(score)
            except (TypeError, ValueError):
                raise FeedbackError(f"feedback score must be a number, not {score!r}") from None
            if score != score:   # NaN: an unscored movie; store as unknown
                score = None
        row = (datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
               _check_text("session", session), _check_text("dataset", dataset),
               _check_text("method", method), _check_index("movie", movie),
               _check_text("title", title, required=False), int(liked),
               "good" if liked else "bad", rank, score, json.dumps(pick_list),
               None if shown_list is None else json.dumps(shown_list), reaction)
        con = self._connection()
        with self._write_lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                con.execute("INSERT INTO feedback (created, session, dataset, method, movie, "
                            "title, liked, verdict, rank, score, picks, shown, reaction) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    # --- reading ----------------------------------------------------------------------
    def count(self, **where: object) -> int:
        """Number of rows, optionally only those matching e.g. ``session="abc"``."""
        clause, values = self._where(where)
        return int(self._connection().execute(
            f"SELECT COUNT(*) FROM feedback{clause}", values).fetchone()[0])

    def rows(self, **where: object) -> list[dict]:
        """All rows (oldest first) as dicts; ``picks`` and ``shown`` decoded (``shown`` is
        None for rows stored before it was kept), ``liked`` a bool."""
        clause, values = self._where(where)
        cursor = self._connection().execute(
            f"SELECT {', '.join(COLUMNS)} FROM feedback{clause} ORDER BY id", values)
        out = []
        for r in cursor:
            row = dict(r)
            row["liked"] = bool(row["liked"])
            row["picks"] = json.loads(row["picks"])
            row["shown"] = None if row["shown"] is None else json.loads(row["shown"])
            out.append(row)
        return out

    @staticmethod
    def _where(where: dict[str, object]) -> tuple[str, tuple]:
        unknown = sorted(set(where) - set(COLUMNS))
        if unknown:
            raise FeedbackError(f"cannot filter feedback by {unknown}; columns: {COLUMNS}")
        if not where:
            return "", ()
        return " WHERE " + " AND ".join(f"{k} = ?" for k in where), tuple(where.values())

    def export(self, path: str | Path | IO[str] | None = None, fmt: str = "csv") -> int:
        """Write every row as CSV or JSON to ``path`` (a file name or text stream; None =
        stdout); returns the number of rows written."""
        if fmt not in FORMATS:
            raise FeedbackError(f"export format must be one of {FORMATS}, not {fmt!r}")
        rows = self.rows()
        buffer = io.StringIO()
        if fmt == "json":
            json.dump(rows, buffer, indent=2, ensure_ascii=False)
            buffer.write("\n")
        else:
            writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "liked": str(row["liked"]).lower(),
                                 "picks": json.dumps(row["picks"]),
                                 "shown": "" if row["shown"] is None
                                 else json.dumps(row["shown"])})
        text = buffer.getvalue()
        if path is None:
            sys.stdout.write(text)
        elif hasattr(path, "write"):
            path.write(text)  # type: ignore[union-attr]
        else:
            target = Path(path)  # type: ignore[arg-type]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return len(rows)
