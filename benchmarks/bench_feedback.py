"""The feedback store under load, and under SIGKILL: are acknowledged thumbs ever lost?

    python benchmarks/bench_feedback.py [--writers 20] [--rows 50] [--kills 5]

1. Load: ``--writers`` processes each store ``--rows`` thumbs as fast as they can in one
   SQLite database (WAL). Prints writes/s and the p50/p95 latency of one write.
2. SIGKILL: the same writers, each logging every acknowledged write (``record`` returned)
   to its own append-only file; the parent SIGKILLs all of them at a random moment,
   ``--kills`` times. Then every acknowledged row must be in the database: prints rows
   acknowledged, stored, and lost (the target is 0 lost).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np


def writer(db: str, worker: int, rows: int, ack_dir: str | None, start, latencies) -> None:
    from movierec.service.feedback import FeedbackStore

    store = FeedbackStore(db)
    log = os.open(Path(ack_dir) / f"{worker}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                  0o600) if ack_dir else None
    start.wait()
    times = []
    for i in range(rows):
        t = time.perf_counter()
        store.record(session=f"w{worker}", dataset="bench", method="item_knn", movie=i,
                     liked=i % 3 != 0, picks=[1, 2, 3], rank=1 + i % 10, score=0.5,
                     title=f"movie {i}")
        times.append(time.perf_counter() - t)
        if log is not None:
            os.write(log, f"{i}\n".encode())       # acknowledged: record() returned
    if latencies is not None:
        latencies.extend(times)


def start_writers(db: str, writers: int, rows: int, ack_dir: str | None, latencies=None):
    """``writers`` writer processes, returned once every one is ready to write."""
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(writers + 1)
    procs = [ctx.Process(target=writer, args=(db, w, rows, ack_dir, start, latencies))
             for w in range(writers)]
    for p in procs:
        p.start()
    start.wait()
    return procs


def load(writers: int, rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="movierec-bench-fb-") as tmp:
        db = str(Path(tmp) / "feedback.sqlite")
        with mp.get_context("spawn").Manager() as manager:
            latencies = manager.list()
            procs = start_writers(db, writers, rows, None, latencies)
            t0 = time.perf_counter()
            for p in procs:
                p.join()
            seconds = time.perf_counter() - t0
            ms = np.asarray(list(latencies)) * 1e3
        with sqlite3.connect(db) as con:
            stored = con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    print(f"load: {writers} writers x {rows} rows: {stored:,} of {writers * rows:,} stored in "
          f"{seconds:.2f} s = {stored / seconds:,.0f} writes/s; one write p50 "
          f"{np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms")


def killed(writers: int, rows: int, seed: int) -> tuple[int, int]:
    """(acknowledged, lost) after SIGKILLing every writer at a random moment."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="movierec-bench-kill-") as tmp:
        db = str(Path(tmp) / "feedback.sqlite")
        procs = start_writers(db, writers, rows, tmp)
        time.sleep(rng.uniform(0.05, 0.6))
        for p in procs:
            if p.is_alive():
                os.kill(p.pid, signal.SIGKILL)
        for p in procs:
            p.join()
        acknowledged = lost = 0
        with sqlite3.connect(db) as con:
            for w in range(writers):
                log = Path(tmp) / f"{w}.log"
                acked = {int(x) for x in log.read_text().split()} if log.exists() else set()
                stored = {r[0] for r in con.execute(
                    "SELECT movie FROM feedback WHERE session = ?", (f"w{w}",))}
                acknowledged += len(acked)
                lost += len(acked - stored)
    return acknowledged, lost


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--kills", type=int, default=5)
    args = ap.parse_args()
    load(args.writers, args.rows)
    total_acked = total_lost = 0
    for k in range(args.kills):
        acked, lost = killed(args.writers, args.rows * 20, seed=k)
        total_acked += acked
        total_lost += lost
        print(f"SIGKILL run {k + 1}: {acked:,} writes acknowledged before the kill, {lost} lost")
    print(f"SIGKILL total: {total_acked:,} acknowledged, {total_lost} lost "
          f"({'OK' if total_lost == 0 else 'ROWS LOST'})")


if __name__ == "__main__":
    main()
