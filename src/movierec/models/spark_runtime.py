"""Run one job on a Spark session whose JVM is started for it and shut down after it.

pyspark keeps one JVM gateway per Python process (`SparkContext._gateway`) and hands it to
every later session. If that JVM dies -- killed, out of memory, its stdin pipe closed --
every later session in the process fails with py4j's "Connection refused" or "... does not
exist in the JVM", and nothing says why. So `run_on_spark` starts a JVM of its own for the
job, writes the JVM's output to a log beside the job's files, shuts the JVM down when the
job ends, and when the JVM died under the job (not when the job itself failed) starts a
fresh one once more; if that one dies too, the error quotes the log's last lines.

A JVM that the caller already runs (a notebook's own live Spark context) is used as it is
and left running.
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
ATTEMPTS = 2
LOG_LINES = 20
EXIT_GRACE = 5.0   # seconds a JVM gets to finish exiting after its connection broke


class SparkJVMDied(RuntimeError):
    """The JVM under a Spark job exited before the job finished."""


def _alive(gateway) -> bool:
    proc = getattr(gateway, "proc", None)
    return proc is None or proc.poll() is None   # None: a JVM this process did not start


def _forget(gateway) -> None:
    """Stop a gateway's JVM (closing its stdin ends Spark's gateway server) and forget it."""
    from pyspark import SparkContext

    try:
        gateway.shutdown()
    except Exception:   # a dead JVM cannot be told; the process is ended below either way
        pass
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with SparkContext._lock:
        if SparkContext._gateway is gateway:
            SparkContext._gateway = None
            SparkContext._jvm = None


def log_tail(log: Path, lines: int = LOG_LINES) -> str:
    """The last ``lines`` lines of the JVM's log, or a note that it wrote nothing."""
    try:
        text = log.read_text(errors="replace").strip()
    except OSError:
        text = ""
    return "\n".join(text.splitlines()[-lines:]) or "(the JVM wrote nothing)"


class _JVM:
    """The JVM gateway for one job: launched here (its output to ``log``) unless this
    process already runs a live one, which is borrowed and left running."""

    def __init__(self, master: str, app: str, config: dict[str, str], log: Path):
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway

        existing = SparkContext._gateway
        if existing is not None and not _alive(existing):
            _forget(existing)   # a JVM that died earlier in this process: never reuse it
            existing = None
        self.conf = SparkConf().setMaster(master).setAppName(app)   # after the forgetting
        for key, value in config.items():
            self.conf.set(key, value)
        self.owned = None
        if existing is None:
            with open(log, "ab") as out:   # the child keeps its own copy of the descriptor
                self.owned = launch_gateway(
                    self.conf, popen_kwargs={"stdout": out, "stderr": subprocess.STDOUT})
        self.gateway = self.owned or existing

    def alive(self) -> bool:
        return _alive(self.gateway)

    def close(self) -> None:
        if self.owned is not None:
            _forget(self.owned)


def _let_go(context) -> None:
    """Forget ``context`` and every session on it, as pyspark's own stop would, without
    asking its JVM (which may be dead): a later session must never be handed either."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    context._jsc = None
    with SparkContext._lock:
        if SparkContext._active_spark_context is context:
            SparkContext._active_spark_context = None
    for name in ("_instantiatedSession", "_activeSession"):
        session = getattr(SparkSession, name, None)
        if session is not None and session._sc is context:
            setattr(SparkSession, name, None)


@contextmanager
def _session(jvm: _JVM) -> Iterator:
    """A SparkSession on ``jvm``; a context started here is stopped on the way out, one the
    caller already runs is left running."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:
        yield SparkSession.builder.getOrCreate()
        return
    context = SparkContext(conf=jvm.conf, gateway=jvm.owned)
    try:
        session = SparkSession(context)
        SparkSession._instantiatedSession = SparkSession._activeSession = session
        session.sparkContext.setLogLevel("ERROR")
        yield session
    finally:
        try:
            if jvm.alive():
                context.stop()
        finally:
            _let_go(context)


def _died(jvm: _JVM, err: Exception) -> bool:
    """Whether the JVM died under the job. Its broken connection reaches Python before the
    process is reaped, so after a py4j or socket error the JVM gets a few seconds to exit;
    any other error is the job's own."""
    from py4j.protocol import Py4JError   # Py4JNetworkError and Py4JJavaError are ones

    if not jvm.alive():
        return True
    if jvm.owned is None or not isinstance(err, (OSError, Py4JError)):
        return False
    try:
        jvm.owned.proc.wait(timeout=EXIT_GRACE)
    except subprocess.TimeoutExpired:
        return False
    return True


def run_on_spark(job: Callable[[object], T], master: str, app: str, config: dict[str, str],
                 folder: Path, say: Callable[[str], None]) -> T:
    """``job(spark)`` on a fresh Spark session; once more on a fresh JVM if the JVM died."""
    log = Path(folder) / "spark-jvm.log"
    for attempt in range(1, ATTEMPTS + 1):
        jvm = _JVM(master, app, config, log)
        try:
            with _session(jvm) as spark:
                return job(spark)
        except Exception as err:
            if not _died(jvm, err):
                raise   # the job failed, not the JVM: a second try would fail the same way
            if attempt == ATTEMPTS:
                raise SparkJVMDied(f"Spark's JVM exited during the job, {ATTEMPTS} times; "
                                   f"its last output:\n{log_tail(log)}") from err
            say(f"Spark's JVM exited during the job ({type(err).__name__}); starting a "
                "fresh one")
        finally:
            jvm.close()
    raise AssertionError("unreachable")
