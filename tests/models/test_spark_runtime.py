"""A Spark job survives its JVM dying once, never reuses a dead JVM, and fails loudly.

pyspark keeps one JVM per Python process; when it died, every later session failed with
"Connection refused" (seen in CI). These tests kill the JVM under a job on purpose.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from movierec.models.spark_runtime import SparkJVMDied, _died, log_tail, run_on_spark

CONFIG = {"spark.ui.enabled": "false", "spark.driver.memory": "512m"}


def _kill_jvm():
    from pyspark import SparkContext

    proc = SparkContext._gateway.proc
    proc.kill()
    proc.wait()
    return proc


def test_log_tail_keeps_the_last_lines(tmp_path):
    log = tmp_path / "jvm.log"
    assert log_tail(log) == "(the JVM wrote nothing)"
    log.write_text("\n".join(f"line {i}" for i in range(30)) + "\n")
    assert log_tail(log, 3) == "line 27\nline 28\nline 29"


def _fake_jvm(seconds: float):
    """A stand-in JVM: a child process that exits after ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])
    return SimpleNamespace(owned=SimpleNamespace(proc=proc), alive=lambda: proc.poll() is None)


def test_a_broken_connection_waits_for_the_jvm_to_finish_exiting():
    pytest.importorskip("py4j")
    exiting = _fake_jvm(0.5)   # the socket broke; the process is not reaped yet
    assert _died(exiting, ConnectionResetError("reset by peer"))
    running = _fake_jvm(60)
    try:   # the job's own error: no waiting, not a death
        assert not _died(running, ValueError("bad rank"))
    finally:
        running.owned.proc.kill()
        running.owned.proc.wait()


@pytest.mark.integration
@pytest.mark.slow
def test_a_dead_jvm_is_never_reused_and_one_dying_under_a_job_is_replaced(needs_spark, tmp_path):
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    # what CI saw: a JVM that died earlier in the process, still held by pyspark
    SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    SparkContext._active_spark_context.stop()
    stale = _kill_jvm()
    killed, said = [], []

    def job(spark):
        if not killed:
            killed.append(_kill_jvm())
        return spark.range(7).count()

    assert run_on_spark(job, "local[1]", "test", CONFIG, tmp_path, said.append) == 7
    assert len(killed) == 1 and killed[0] is not stale
    assert len(said) == 1 and said[0].startswith("Spark's JVM exited during the job")
    assert SparkContext._gateway is None   # the job's own JVM is shut down after it


@pytest.mark.integration
@pytest.mark.slow
def test_a_failing_job_is_not_retried_and_a_jvm_that_keeps_dying_is_reported(needs_spark, tmp_path):
    from pyspark import SparkContext

    calls = []

    def bad(spark):
        calls.append(1)
        raise ValueError("the job's own mistake")

    with pytest.raises(ValueError, match="own mistake"):
        run_on_spark(bad, "local[1]", "test", CONFIG, tmp_path, print)
    assert calls == [1] and SparkContext._gateway is None

    def doomed(spark):
        _kill_jvm()
        return spark.range(3).count()

    with pytest.raises(SparkJVMDied, match="exited during the job, 2 times; its last output"):
        run_on_spark(doomed, "local[1]", "test", CONFIG, tmp_path, lambda _m: None)
    assert SparkContext._gateway is None
