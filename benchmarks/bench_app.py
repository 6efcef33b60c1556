"""The web app under load: cold start, recommend latency, concurrent clients, catalog map build.

    python benchmarks/bench_app.py [--data the-movies-dataset] [--method hybrid]
                                   [--clients 20] [--requests 50] [--map] [--start-only]

1. warm-up (untimed): start `movierec serve` once so the dataset is prepared and the model
   trained (artifacts under MOVIEREC_HOME), ask one recommendation, stop it;
2. cold start (x5, median): `import gradio` alone, then process start -> HTTP answers (the
   page is served) -> first recommendation answered; the start ratio, page served / import
   gradio, is the median of the per-run ratios (target <= 1.3; first answer <= 5 s);
3. round trip: 100 sequential ``/recommend_api`` calls through gradio_client, p50/p95
   (target p95 <= 300 ms);
4. load: ``--clients`` concurrent gradio_client clients x ``--requests`` each, 3 recommend
   : 1 feedback; no errors allowed, and every feedback call must add exactly one row to the
   feedback database (rows counted before and after);
5. ``--map``: build the catalog map from scratch in a temporary MOVIEREC_HOME that shares
   only the prepared dataset (content model, cluster model, t-SNE, placement), wall and CPU.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from _shared import default_data_dir

PICKS = [
    "Toy Story\nFinding Nemo\nUp",
    "Heat\nThe Godfather\nGoodfellas",
    "The Matrix\nAlien\nBlade Runner",
    "Pride and Prejudice\nSense and Sensibility\nEmma",
    "Jurassic Park\nJaws\nE.T. the Extra-Terrestrial",
    "Amelie\nChocolat\nLife Is Beautiful",
    "The Shining\nPsycho\nThe Exorcist",
    "Titanic\nThe Notebook\nGhost",
]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`movierec serve` in a child process; times when it answers HTTP and recommendations."""

    def __init__(self, data: str, method: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = open(log, "ab")
        cmd = [sys.executable, "-c", "from movierec.cli import app; app()", "serve",
               "--port", str(self.port), "--data", data, "--method", method]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})

    def wait_http(self, timeout: float = 600.0) -> float:
        while time.perf_counter() - self.started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; "
                                   f"see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url, timeout=1.0) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"no HTTP answer from {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def recommend(c, picks: str, method: str, k: int = 10) -> dict:
    answer = c.predict(picks, method, k, api_name="/recommend_api")
    if not answer.get("results"):
        raise RuntimeError(f"no results: {answer.get('error') or answer.get('warnings')}")
    return answer


def percentiles(ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"p50 {np.percentile(a, 50):7.1f} ms   p95 {np.percentile(a, 95):7.1f} ms   "
            f"max {a.max():7.1f} ms   (n={len(a)})")


def gradio_import_seconds() -> float:
    """Wall time of `python -c "import gradio"` in a fresh process (the start ratio's unit)."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gradio"], check=True)
    return time.perf_counter() - t


def cold_starts(data: str, method: str, log: Path, runs: int = 5) -> None:
    """Each run times `import gradio` alone, then a server start, back to back (so both see
    the same machine load); the start ratio is the median of the per-run ratios."""
    http, first, cpu, gradio = [], [], [], []
    for _ in range(runs):
        gradio.append(gradio_import_seconds())
        server = Server(data, method, log)
        try:
            http.append(server.wait_http())
            recommend(client(server.url), PICKS[0], method)
            first.append(time.perf_counter() - server.started)
            cpu.append(cpu_seconds(server.proc.pid))
        finally:
            server.stop()
    ratios = [h / g for h, g in zip(http, gradio)]
    print(f"python -c 'import gradio':                         median "
          f"{statistics.median(gradio):5.2f} s"
          f"  (runs: {', '.join(f'{t:.2f}' for t in gradio)})")
    print(f"cold start, process start -> HTTP 200 (page served): median "
          f"{statistics.median(http):5.2f} s"
          f"  (runs: {', '.join(f'{t:.2f}' for t in http)})")
    print(f"start ratio (page served / import gradio):          median "
          f"{statistics.median(ratios):5.2f}"
          f"  (runs: {', '.join(f'{r:.2f}' for r in ratios)})   target <= 1.3")
    print(f"cold start, process start -> first recommendation: median "
          f"{statistics.median(first):5.2f} s"
          f"  (runs: {', '.join(f'{t:.2f}' for t in first)})   target <= 5 s")
    print(f"  server CPU time used up to the first recommendation: median "
          f"{statistics.median(cpu):.2f} s (independent of other load on the machine)")


def round_trips(server: Server, method: str, n: int = 100) -> None:
    c = client(server.url)
    for picks in PICKS:   # each pick set once: title lookups warm, as for a returning user
        recommend(c, picks, method)
    times = []
    cpu0 = cpu_seconds(server.proc.pid)
    for i in range(n):
        t = time.perf_counter()
        recommend(c, PICKS[i % len(PICKS)], method)
        times.append((time.perf_counter() - t) * 1e3)
    per_request = (cpu_seconds(server.proc.pid) - cpu0) / n * 1e3
    print(f"recommend round trip (sequential):  {percentiles(times)}   target p95 <= 300 ms")
    print(f"  server CPU per request: {per_request:.0f} ms")


def load_test(server: Server, method: str, clients: int, per_client: int) -> None:
    url = server.url
    from movierec.service.feedback import FeedbackStore

    store = FeedbackStore()   # the server's database: same MOVIEREC_HOME
    before = store.count()
    latencies: dict[str, list[float]] = {"recommend": [], "feedback": []}
    errors: list[str] = []
    stored_ok = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients)
    sessions = [""] * clients     # each client keeps the token its first thumb is given

    def run(worker: int) -> None:
        try:
            c = client(url)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            with lock:
                errors.append(f"client {worker}: {exc!r}")
            return
        start.wait()
        movie = None
        for i in range(per_client):
            picks = PICKS[(worker + i) % len(PICKS)]
            kind = "feedback" if i % 4 == 3 and movie is not None else "recommend"
            t = time.perf_counter()
            try:
                if kind == "recommend":
                    answer = recommend(c, picks, method)
                    movie = answer["results"][i % len(answer["results"])]["index"]
                else:
                    answer = c.predict(picks, method, 10, movie, i % 8 != 3,
                                       sessions[worker], api_name="/feedback_api")
                    if not answer.get("results"):
                        raise RuntimeError(f"feedback answered no results: {answer.get('error')}")
                    sessions[worker] = answer["session"]
                    with lock:
                        stored_ok[0] += 1
            except Exception as exc:  # noqa: BLE001 - counted as an error
                with lock:
                    errors.append(f"client {worker} request {i} ({kind}): {exc!r}")
                continue
            with lock:
                latencies[kind].append((time.perf_counter() - t) * 1e3)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(clients)]
    cpu0, client_cpu0 = cpu_seconds(server.proc.pid), time.process_time()
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    server_cpu = cpu_seconds(server.proc.pid) - cpu0
    client_cpu = time.process_time() - client_cpu0
    after = store.count()
    total = sum(len(v) for v in latencies.values())
    print(f"load: {clients} clients x {per_client} requests in {wall:.1f} s "
          f"({total / wall:.1f} requests/s), errors: {len(errors)}; server CPU "
          f"{server_cpu:.1f} s = {server_cpu / max(total, 1) * 1e3:.0f} ms per request; "
          f"the {clients} clients' CPU {client_cpu:.1f} s = "
          f"{client_cpu / max(total, 1) * 1e3:.0f} ms per request")
    for kind, ms in latencies.items():
        if ms:
            print(f"  {kind:<10} {percentiles(ms)}")
    print(f"  all        {percentiles(latencies['recommend'] + latencies['feedback'])}")
    print(f"  feedback rows: {before:,} before, {after:,} after: +{after - before} for "
          f"{stored_ok[0]} successful feedback calls -> "
          f"{'all stored' if after - before == stored_ok[0] else 'MISMATCH'}")
    for line in errors[:10]:
        print(f"  error: {line}")


def map_build(data: str) -> None:
    """From scratch in a temporary home: only the prepared dataset is shared (symlink)."""
    from movierec.paths import movierec_home

    prepared = movierec_home() / "prepared"
    with tempfile.TemporaryDirectory(prefix="movierec-bench-map-") as tmp:
        (Path(tmp) / "prepared").symlink_to(prepared, target_is_directory=True)
        code = (
            "import time, os\n"
            "from movierec.data import load_dataset\n"
            "from movierec.service.maps import build_map\n"
            f"ds = load_dataset({data!r})\n"
            "t, c = time.perf_counter(), time.process_time()\n"
            "m = build_map(ds, progress=lambda s: None)\n"
            "print(f'catalog map from scratch ({len(ds.catalog):,} movies, {len(m.indices):,} '\n"
            "      f'projected, {len(m.names)} clusters, {m.meta[\"method\"]}): '\n"
            "      f'{time.perf_counter() - t:.1f} s wall, {time.process_time() - c:.1f} s CPU '\n"
            "      f'(projection {m.meta[\"projection_seconds\"]:.1f} s wall)')\n"
            "t = time.perf_counter()\n"
            "import movierec.service.maps as maps; maps._memo.clear()\n"
            "build_map(ds)\n"
            "print(f'catalog map from its cache: {(time.perf_counter() - t) * 1e3:.0f} ms')\n"
        )
        env = {**os.environ, "MOVIEREC_HOME": tmp}
        subprocess.run([sys.executable, "-c", code], env=env, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="the-movies-dataset")
    ap.add_argument("--method", default="hybrid")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--map", action="store_true", help="also time a from-scratch map build")
    ap.add_argument("--start-only", action="store_true",
                    help="only the warm-up and the cold starts (the start ratio)")
    args = ap.parse_args()
    os.environ.setdefault("MOVIEREC_DATA", default_data_dir())
    log = Path(tempfile.gettempdir()) / "movierec-bench-app.log"
    print(f"data {args.data}, method {args.method}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; server log: {log}")
    server = Server(args.data, args.method, log)   # warm-up: prepare + train once
    try:
        server.wait_http()
        recommend(client(server.url), PICKS[0], args.method)
        print(f"warm-up (prepare/train as needed): {time.perf_counter() - server.started:.1f} s")
    finally:
        server.stop()
    cold_starts(args.data, args.method, log)
    if args.start_only:
        return
    server = Server(args.data, args.method, log)
    try:
        server.wait_http()
        round_trips(server, args.method)
        load_test(server, args.method, args.clients, args.requests)
    finally:
        server.stop()
    if args.map:
        map_build(args.data)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
