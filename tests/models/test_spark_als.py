"""ALS on Spark: the same preferences and settings, saved as our own `als` model.

The Spark test fits ML-100k on ``local[1]`` through the CLI and then serves it with
``movierec recommend --method als``. Locally it skips without pyspark or Java; under CI
(env ``CI`` set) either missing is a failure.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from movierec.models.spark_als import ZERO, spark_regularization, write_parquet
from movierec.synthetic import block_dataset


def test_spark_regularization_matches_the_mean_penalty_per_movie():
    m = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0]], dtype=np.float32))
    # 5 ratings over 2 rated movies: 2.5 per movie; 20 / 2.5 = 8
    assert spark_regularization(20.0, m) == pytest.approx(8.0)


def test_the_parquet_holds_signed_preferences_of_rated_movies(tmp_path):
    data = block_dataset(seed=0)
    path, rated = write_parquet(data, tmp_path)
    table = pq.read_table(path).to_pandas()
    counts = data.ratings.counts_per_movie()
    assert (counts[rated] > 0).all() and (np.delete(counts, rated) == 0).all()
    sub = data.ratings.matrix[:, rated].tocoo()
    assert len(table) == sub.nnz
    stars = dict(zip(zip(sub.row.tolist(), sub.col.tolist()), sub.data.tolist()))
    for user, item, value in table.itertuples(index=False):
        r = stars[(user, item)]
        expected = max(-1.0, min(1.0, (r - 3) / 2)) or ZERO
        assert value == pytest.approx(expected, abs=1e-6)


@pytest.mark.integration
@pytest.mark.slow
def test_als_trained_on_spark_is_served_by_recommend(needs_spark, real_data, tmp_path,
                                                     monkeypatch):
    from movierec.cli import app

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    trained = CliRunner().invoke(app, ["train", "als", "--engine", "spark", "--master",
                                       "local[1]", "--data", "ml-100k",
                                       "--data-dir", str(real_data), "--json"])
    assert trained.exit_code == 0, trained.output
    (result,) = json.loads(trained.stdout)["results"]
    assert result["engine"] == "spark" and result["master"] == "local[1]"
    folder = tmp_path / "home" / "models"
    (fit_json,) = folder.glob("ml-100k-*/als-default/fit.json")
    assert json.loads(fit_json.read_text())["engine"] == "spark"

    answer = CliRunner().invoke(app, ["recommend", "Toy Story", "Aladdin", "The Lion King",
                                      "--method", "als", "--data", "ml-100k", "--data-dir",
                                      str(real_data), "--json", "-k", "10"])
    assert answer.exit_code == 0, answer.output
    body = json.loads(answer.stdout)
    assert body["method"] == "als" and len(body["results"]) == 10
    picks = ("Toy Story", "Aladdin", "The Lion King")
    for r in body["results"]:   # the model's own evidence: which pick's taste it matches
        assert r["title"] not in picks and any(p in r["explanation"] for p in picks), r
    assert json.loads(fit_json.read_text())["engine"] == "spark"   # served, not refitted


def test_only_als_trains_on_spark():
    from movierec.cli import app

    result = CliRunner().invoke(app, ["train", "ease", "--engine", "spark"])
    assert result.exit_code == 2 and "only als trains on Spark" in result.output
    result = CliRunner().invoke(app, ["train", "als", "--engine", "hadoop"])
    assert result.exit_code == 2 and "hadoop" in result.output


@pytest.mark.integration
@pytest.mark.slow
def test_the_cluster_path_stages_the_ratings_on_shared_storage(needs_spark, ml100k, tmp_path):
    """--stage: Spark writes the ratings where every executor can read them, then reads them
    back (here a local folder stands in for s3a:// or hdfs://); same ratings, same model."""
    from movierec.models.als import ALSConfig
    from movierec.models.spark_als import fit_on_spark

    stage = tmp_path / "stage" / "ratings.parquet"
    model = fit_on_spark(ml100k, ALSConfig(factors=8, iterations=3), master="local[1]",
                         stage=str(stage))
    staged = pq.read_table(stage).to_pandas()
    assert len(staged) == ml100k.ratings.matrix.nnz
    assert model._items.shape == (len(model._rated), 8) and np.isfinite(model._items).all()
    assert np.abs(model._items).sum() > 0
