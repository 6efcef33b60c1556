"""ALS trained on Apache Spark (pyspark MLlib), saved as movierec's own `als` model.

`fit_on_spark(dataset, config, master)` writes the prepared ratings as parquet, fits
`pyspark.ml.recommendation.ALS` with implicit preferences on a Spark cluster (``local[2]``,
``spark://host:7077``, ``yarn``: whatever ``master`` names), and returns an
`ALSRecommender` holding Spark's factors. Serving stays on one machine and is unchanged:
a new person is folded in by the same closed form over the item factors, and the model is
saved in the same npz + JSON format, so `recommend`, the app and `evaluate` use it as they
use an ALS fitted here (``movierec train als --engine spark``).

The same settings mean the same model:
* preferences: each rating's signed preference (`liking.preference`) is Spark's rating
  value; Spark reads ``r > 0`` as "watched" with confidence ``1 + alpha*r`` and ``r < 0`` as
  a confident negative with ``1 + alpha*|r|``, which is our `als.confidence` (a 3-star
  rating, preference 0, is sent as a tiny positive: watched, confidence 1);
* regularization: Spark scales ``regParam`` by each user's and movie's number of ratings
  (ALS-WR), implicit does not, so ``regParam = regularization / mean ratings per movie``
  gives the movie factors the same average penalty (`spark_regularization`);
* factors, iterations, alpha and the seed are passed as they are.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from movierec.data.dataset import Dataset
from movierec.data.liking import preference
from movierec.models.als import ALSConfig, ALSRecommender
from movierec.models.scaling import ratings_per_movie, setting

ZERO = 1e-6   # Spark reads 0 as "not watched"; a 3-star rating is watched, confidence 1
SPARK_HINT = ('install the spark extra (pip install "movierec[spark]") and Java 17 '
              "(Debian: apt-get install openjdk-17-jre-headless)")


def spark_regularization(regularization: float, matrix) -> float:
    """Spark's regParam for implicit's ``regularization``: divided by the mean number of
    ratings per rated movie, so the item step -- whose factors serve every new person --
    has the same average penalty. Chosen on ML-100k validation people (carved from the
    training people, 3 picks, NDCG@10): per movie 0.443, per user-and-movie average 0.402,
    implicit itself 0.438."""
    return float(regularization) / max(1.0, ratings_per_movie(matrix))


def write_parquet(dataset: Dataset, folder: Path) -> tuple[Path, np.ndarray]:
    """(parquet path, rated movies): (user row, rated-movie column, signed preference)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    matrix = dataset.ratings.matrix
    rated = np.flatnonzero(dataset.ratings.counts_per_movie() > 0).astype(np.int64)
    sub = matrix[:, rated].tocoo()
    value = preference(sub.data).astype(np.float32)
    value[value == 0] = ZERO
    table = pa.table({"user": sub.row.astype(np.int32), "item": sub.col.astype(np.int32),
                      "value": value})
    path = Path(folder) / "ratings.parquet"
    pq.write_table(table, path)
    return path, rated


def _ratings_frame(spark, path: Path, master: str, stage: str | None, say):
    """The ratings as a Spark DataFrame, read where the executors can read them."""
    if stage is None and master.startswith("local"):
        return spark.read.parquet(str(path))
    import pyarrow.parquet as pq

    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    frame = spark.createDataFrame(pq.read_table(path).to_pandas())
    if stage is None:
        return frame
    say(f"staging the ratings at {stage}")
    frame.write.mode("overwrite").parquet(stage)
    return spark.read.parquet(stage)


def _factors(frame, n: int, rank: int) -> np.ndarray:
    """Spark's (id, features) rows as an (n, rank) array; ids Spark never saw stay zero."""
    out = np.zeros((n, rank), dtype=np.float32)
    for row in frame.collect():
        out[int(row["id"])] = np.asarray(row["features"], dtype=np.float32)
    return out


def fit_on_spark(dataset: Dataset, config: ALSConfig | None = None, master: str = "local[2]",
                 progress: Callable[[str], None] | None = None, driver_memory: str = "2g",
                 stage: str | None = None) -> ALSRecommender:
    """``config`` (default `ALSConfig()`) fitted by Spark MLlib on ``master``.

    The ratings reach the executors as parquet: the local file itself on a ``local[N]``
    master; on a cluster, written by Spark to ``stage`` (shared storage every executor
    reads, e.g. ``s3a://bucket/movierec/ratings.parquet`` or ``hdfs://...``), or, without a
    stage, sent from the driver's memory."""
    try:
        from pyspark.ml.recommendation import ALS
    except ImportError as err:
        raise ImportError(f"Spark ALS needs pyspark: {SPARK_HINT}") from err
    from movierec.models.spark_runtime import run_on_spark

    say = progress or (lambda _m: None)
    cfg = config or ALSConfig()
    with tempfile.TemporaryDirectory(prefix="movierec-spark-") as tmp:
        say("writing the ratings as parquet")
        path, rated = write_parquet(dataset, Path(tmp))
        sub = dataset.ratings.matrix[:, rated].tocsr()
        regularization = setting("als", cfg, "regularization", dataset.ratings.matrix)

        def job(spark):
            frame = _ratings_frame(spark, path, master, stage, say)
            als = ALS(rank=cfg.factors, maxIter=cfg.iterations,
                      regParam=spark_regularization(regularization, sub),
                      implicitPrefs=True, alpha=cfg.alpha, userCol="user", itemCol="item",
                      ratingCol="value", seed=cfg.seed, nonnegative=False,
                      coldStartStrategy="drop")
            say(f"fitting ALS on Spark: {sub.nnz:,} ratings, {cfg.factors} factors, "
                f"{cfg.iterations} iterations")
            fitted = als.fit(frame)
            return (_factors(fitted.itemFactors, len(rated), cfg.factors),
                    _factors(fitted.userFactors, sub.shape[0], cfg.factors))

        say(f"starting Spark ({master})")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)   # workers: this Python
        items, users = run_on_spark(job, master, "movierec-als", {
            "spark.ui.enabled": "false", "spark.driver.memory": driver_memory,
            "spark.sql.shuffle.partitions": "8", "spark.local.dir": tmp}, Path(tmp), say)
    model = ALSRecommender(cfg)
    model.dataset = dataset
    model._set(rated, items, users, regularization)
    return model
