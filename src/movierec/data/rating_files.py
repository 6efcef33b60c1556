"""Fast readers for MovieLens-format ratings files (``,``, tab or ``::`` separated).

Ratings files reach 32M rows, so they are parsed by pyarrow with fixed column types; a
column that fails that fast path is re-read as text and cleaned with vectorised arrow
kernels. Every dropped row is counted in the `FileReport` with its reason.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from movierec.data import schema
from movierec.data.rawfiles import DataError, MissingFileError, RawSource, check_text
from movierec.data.report import FileReport, PrepareReport

# Reasons recorded in the report for dropped rating rows.
MALFORMED = "malformed line"
BAD_IDS = "bad user or movie id"
BAD_TIMESTAMP = "bad timestamp"
BAD_RATING = "bad rating value"
DUPLICATE_RATING = "duplicate (user, movie): kept latest"

_RATING_NAMES = {
    "userid": "user_id", "user_id": "user_id", "user": "user_id",
    "movieid": "item_key", "movie_id": "item_key", "itemid": "item_key", "item_id": "item_key",
    "item": "item_key", "rating": "rating", "timestamp": "timestamp",
}
_FAST_TYPES = {"user_id": pa.int32(), "item_key": pa.int32(), "rating": pa.float32(), "timestamp": pa.int64()}
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_WHOLE = r"^\+?\d+$"   # ids and timestamps: digits only (an id written 1e3 is not 1000)
DELIMITERS = (",", "\t", ";", "::", "|")
_ID_LIMIT = 2**31  # ids are packed in pairs into one int64 for duplicate checks


def read_ratings_table(raw: RawSource, name: str, report: PrepareReport, delimiter: str) -> pd.DataFrame:
    """Any MovieLens ratings file (``,``, tab or ``::`` separated) -> `schema.RATING_COLUMNS`.

    Fast path: pyarrow parses with fixed numeric types on all cores (a path on disk is
    read directly, a zip member is streamed); ``::`` files are read as bytes with ``::``
    replaced by a tab. Lines with the wrong field count are skipped and counted. If a value
    will not convert, the file is re-read with that column as text, and the text is
    checked with vectorised arrow kernels (never one Python object per value).

    Validated before trusted: binary bytes, an empty file and a file left without one usable
    rating are refused (`DataError`); another separator than ``delimiter`` is recognised and
    reported; a file without timestamps is read with time 0 (and a note); a file that ends
    mid-line is reported.
    """
    if not raw.has(name):
        raise MissingFileError(f"{name} is not in {raw.location}")
    fr = report.file(name)
    with raw.open(name) as fh:
        head = fh.read(65536)
    check_text(head, name, raw.location)
    if not head.strip():
        raise DataError(f"{name} in {raw.location} is empty: it has no ratings")
    found = sniff_delimiter(head, delimiter)
    if found != delimiter:
        report.note(f"{name}: fields are separated by {found!r}, not {delimiter!r}; read that way")
    delimiter = found
    if delimiter == "::":
        with raw.open(name) as fh:
            data = fh.read().replace(b"::", b"\t")
        delimiter, head = "\t", data[:65536]
        source = lambda: pa.BufferReader(data)  # noqa: E731
    else:
        path = raw.local_path(name)
        source = (lambda: str(path)) if path is not None else (lambda: raw.open(name))  # noqa: E731
    names, skip = _rating_header(head, delimiter, name, raw)
    types = {c: t for c, t in _FAST_TYPES.items() if c in names}
    while True:
        try:
            table, malformed = _arrow_read(source, delimiter, names, skip, types)
            break
        except pa.ArrowInvalid as exc:
            # Re-read only the column that failed to convert as text; give up once all are.
            match = re.search(r"column #(\d+)", str(exc))
            column = names[int(match.group(1))] if match and int(match.group(1)) < len(names) else None
            if all(t == pa.string() for t in types.values()):
                raise DataError(f"{name} in {raw.location} cannot be read as a ratings file: "
                                f"{exc}") from exc
            if column in types and types[column] != pa.string():
                types[column] = pa.string()
            else:
                types = {c: pa.string() for c in types}
    fr.read += table.num_rows + len(malformed)
    fr.drop(MALFORMED, len(malformed))
    for line in malformed[:3]:
        fr.example(MALFORMED, line)
    columns = {c: table.column(c) for c in schema.RATING_COLUMNS if c in types}
    if "timestamp" not in columns:
        report.note(f"{name} has no timestamp column: every rating gets time 0 (the temporal "
                    "protocol and sequence models see no order)")
        columns["timestamp"] = pa.chunked_array([np.zeros(table.num_rows, dtype=np.int64)])
    del table  # each arrow column is freed as soon as it has been converted
    ratings = _clean_ratings(columns, fr)
    fr.kept += len(ratings)
    if not len(ratings):
        why = "; ".join(f"{n:,} {reason}" for reason, n in fr.dropped.most_common()) or "no rows"
        raise DataError(f"{name} in {raw.location} has no usable ratings ({fr.read:,} lines "
                        f"read: {why}); is it a ratings file (user, movie, rating, timestamp)?")
    if not _ends_with_newline(raw, name):
        report.note(f"{name} does not end with a line break: its last line may be cut short "
                    "(a partial download?); it was read as it is")
    return ratings


def sniff_delimiter(head: bytes, expected: str) -> str:
    """The separator the first lines use: ``expected`` when it splits them into 3+ fields
    alike, else the first of `DELIMITERS` that does (a ``;`` or tab file named ``.csv``)."""
    lines = [line for line in head.decode("utf-8", "replace").split("\n") if line.strip()]
    if len(lines) > 1 and not head.endswith(b"\n"):
        lines = lines[:-1]            # the head may cut its last line short
    lines = lines[:20]

    def splits(sep: str) -> bool:
        counts = {len(line.split(sep)) for line in lines}
        return len(counts) == 1 and min(counts) >= 3

    if not lines or splits(expected):
        return expected
    return next((sep for sep in DELIMITERS if splits(sep)), expected)


def _ends_with_newline(raw: RawSource, name: str) -> bool:
    """Whether the file's last byte is a line break (only checked for files on disk)."""
    path = raw.local_path(name)
    if path is None:
        return True
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def _rating_header(head: bytes, delimiter: str, name: str,
                   raw: RawSource) -> tuple[list[str], int]:
    """Column names to give pyarrow, and whether to skip a header line.

    Without a header the columns are user, movie, rating[, timestamp]; with one, its names
    are mapped (``userId``, ``movie_id``...). A missing user, movie or rating column is a
    `DataError`; a missing timestamp is allowed.
    """
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r")
    fields = [f.strip().strip('"').lower() for f in first.split(delimiter)]
    if not fields[0] or re.match(r"^[+-]?\d", fields[0]):
        base = list(schema.RATING_COLUMNS)
        return (base if len(fields) >= 4 else base[:3]), 0
    names = [_RATING_NAMES.get(f, f"extra_{i}") for i, f in enumerate(fields)]
    missing = [c for c in schema.RATING_COLUMNS if c not in names and c != "timestamp"]
    if missing:
        raise DataError(f"{name} in {raw.location}: its header {first[:200]!r} lacks the "
                        f"column(s) {', '.join(missing)} (expected userId, movieId, rating, "
                        "timestamp)")
    return names, 1


def _arrow_read(source, delimiter: str, names: list[str], skip: int, types: dict):
    bad_rows: list[str] = []

    def on_invalid(row) -> str:
        # list.append is atomic under the GIL; arrow calls this from its threads
        bad_rows.append(row.text if len(bad_rows) < 3 else "")
        return "skip"

    src = source()
    try:
        table = pacsv.read_csv(
            src,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types)),
        )
    finally:
        if not isinstance(src, str):
            src.close()
    return table, bad_rows


def _numeric(col: pa.ChunkedArray, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Values of one column and a validity mask (``None``: all valid, the fast path).

    Ids and timestamps must be non-negative integers (ids below 2**31); ratings must be
    0.5 .. 5 in half-star steps, which every MovieLens scale fits.
    """
    if pa.types.is_string(col.type):  # slow path, vectorised chunk by chunk: non-numbers -> NaN
        values, ok, start = np.empty(len(col), dtype=np.float64), None, 0
        for chunk in col.chunks:
            text = pc.utf8_trim_whitespace(chunk)
            pattern = _NUMBER if name == "rating" else _WHOLE
            text = pc.if_else(pc.match_substring_regex(text, pattern), text, pa.scalar(None, pa.string()))
            values[start:start + len(chunk)] = pc.fill_null(pc.cast(text, pa.float64()), np.nan).to_numpy()
            start += len(chunk)
    elif col.null_count:
        values, ok = col.to_pandas().to_numpy(np.float64), None  # nulls -> NaN
    else:
        values, ok = col.combine_chunks().to_numpy(), True
    if ok is None:
        ok = np.isfinite(values)
        if name != "rating":
            ok &= values == np.floor(values)
    if name == "rating":
        ok = ok & (values >= 0.5) & (values <= 5) & (values * 2 == np.round(values * 2))
    else:
        ok = ok & (values >= 0) & (values < (2**62 if name == "timestamp" else _ID_LIMIT))
    ok = None if ok.all() else ok
    if ok is not None:
        values = np.where(ok, values, 0)  # so the cast to the final dtype is safe
    return values.astype(schema.RATING_COLUMNS[name], copy=False), ok


def _clean_ratings(columns: dict[str, pa.ChunkedArray], fr: FileReport) -> pd.DataFrame:
    """Drop rows with bad ids, timestamps or ratings, then duplicate (user, movie) pairs.

    A row with several problems is counted once, under the first of: ids, timestamp,
    rating. ``columns`` is emptied as it is converted, to keep peak memory low.
    """
    values, checks = {}, {}
    for name in schema.RATING_COLUMNS:
        values[name], checks[name] = _numeric(columns.pop(name), name)
        pa.default_memory_pool().release_unused()  # hand arrow's freed buffers back to the OS
    ids_ok = checks["user_id"] if checks["item_key"] is None else (
        checks["item_key"] if checks["user_id"] is None else checks["user_id"] & checks["item_key"])
    keep = None
    for ok, reason in ((ids_ok, BAD_IDS), (checks["timestamp"], BAD_TIMESTAMP), (checks["rating"], BAD_RATING)):
        if ok is not None:
            fr.drop(reason, int(ok.size - ok.sum()) if keep is None else int((keep & ~ok).sum()))
            keep = ok if keep is None else keep & ok
    if keep is not None:
        values = {k: v[keep] for k, v in values.items()}
    keep = _latest_per_pair(values["user_id"], values["item_key"], values["timestamp"])
    if keep is not None:
        fr.drop(DUPLICATE_RATING, int(keep.size - keep.sum()))
        for k in list(values):
            values[k] = values[k][keep]
    return pd.DataFrame(values, copy=False)


def _latest_per_pair(users: np.ndarray, items: np.ndarray, stamps: np.ndarray) -> np.ndarray | None:
    """Mask keeping, per (user, movie), the row with the latest timestamp (then the later line).

    ``None`` when there are no duplicates. Files ordered by user then movie (ml-20m and
    later, The Movies Dataset) are recognised in one pass, without sorting; otherwise a
    sort finds the repeated pairs. Only the rows of repeated pairs are ranked.
    """
    keys = (users << 32) | items
    if len(keys) < 2:
        return None
    step = keys[1:] >= keys[:-1]
    if step.all():  # already ordered: repeated pairs are neighbours, no sort needed
        del step
        order, repeat = None, keys[1:] == keys[:-1]
    else:
        del step
        sorted_keys = np.sort(keys)  # twice as fast as argsort: settles the usual no-repeat case
        if not (sorted_keys[1:] == sorted_keys[:-1]).any():
            return None
        del sorted_keys
        order = np.argsort(keys)  # ties need no stable order: rows are ranked explicitly below
        sorted_keys = keys[order]
        repeat = sorted_keys[1:] == sorted_keys[:-1]
        del sorted_keys
    if not repeat.any():
        return None
    in_group = np.zeros(len(keys), dtype=bool)
    in_group[1:] |= repeat
    in_group[:-1] |= repeat
    rows = np.flatnonzero(in_group) if order is None else order[in_group]  # rows of repeated pairs
    del order, in_group, repeat
    ranked = rows[np.lexsort((rows, stamps[rows], keys[rows]))]
    group_keys = keys[ranked]
    last = np.ones(len(ranked), dtype=bool)
    last[:-1] = group_keys[1:] != group_keys[:-1]
    keep = np.ones(len(keys), dtype=bool)
    keep[ranked[~last]] = False
    return keep
