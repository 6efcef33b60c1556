"""Fixtures for the app tests: a small synthetic catalog with awkward data, and a service.

The catalog is `block_dataset` (two taste blocks, so the right answer is known) with
titles and fields a real catalog may hold: HTML/script in titles and overviews, SQL-ish
names, posters present for some movies and missing for others.
"""

from __future__ import annotations

import pytest

from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.synthetic import block_dataset

SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_TITLE = "<img src=x onerror=alert(1)>"
EXAMPLES = {
    "Family trio": ("Family Movie 1", "Family Movie 2", "Family Movie 3"),
    "Crime trio": ("Crime Movie 1", "Crime Movie 2", "Crime Movie 3"),
}


def awkward_dataset() -> Dataset:
    base = block_dataset(seed=0)
    frame = base.catalog.frame.copy()
    frame["poster_path"] = [f"/poster{i}.jpg" if i % 3 == 0 else None for i in range(len(frame))]
    frame.loc[0, "title"] = SCRIPT_TITLE  # a family movie
    frame.loc[22, "title"] = IMG_TITLE  # a crime movie
    frame.loc[4, "overview"] = "<b>bold</b> <script>alert('overview')</script> & more"
    frame.loc[5, "director"] = "Robert'); DROP TABLE feedback;--"
    frame.loc[6, "title"] = "Amélie 🎬 [click](javascript:alert(1))"
    frame.loc[7, "imdb_id"] = 'tt0114709" onmouseover="alert(1)'
    return Dataset(
        base.name + "-awkward",
        Catalog(frame),
        base.ratings,
        base.fingerprint + "-awkward",
        base.manifest,
    )


@pytest.fixture
def offline_posters(monkeypatch):
    """Placeholder cards, never the network (and no probe delay)."""
    monkeypatch.setenv("MOVIEREC_OFFLINE", "1")


@pytest.fixture(scope="session")
def app_dataset() -> Dataset:
    return awkward_dataset()


@pytest.fixture
def service(app_dataset, tmp_path, offline_posters):
    from movierec.app.context import AppService
    from movierec.service.feedback import FeedbackStore

    return AppService(
        dataset=app_dataset,
        default_method="item_knn",
        feedback=FeedbackStore(tmp_path / "feedback.sqlite"),
        examples=EXAMPLES,
        background=False,   # a method asked for is fitted right away (see test_jobs.py)
    )
