"""First-time work in the background: jobs, their progress, and answers that never wait."""

from __future__ import annotations

import threading

import pytest

from movierec.progress import report, reporting
from movierec.service import Service, Settings
from movierec.service.jobs import Jobs
from movierec.synthetic import block_dataset

FAMILY = ["Family Movie 1", "Family Movie 2", "Family Movie 3"]   # block 0 of block_dataset


def test_a_job_reports_its_fraction_and_message_then_is_done():
    jobs, gate = Jobs(), threading.Event()

    def work(say):
        say("embedding movie descriptions")
        report(2, 5)
        gate.wait(10)
        return 42

    job = jobs.start("fit:x", "x", work)
    for _ in range(200):
        if job.fraction is not None:
            break
        threading.Event().wait(0.01)
    assert job.running and job.describe() == "x: embedding movie descriptions, 40%"
    assert jobs.status_line() == "x: embedding movie descriptions, 40%"
    assert jobs.start("fit:x", "x", work) is job          # one job per key
    gate.set()
    assert jobs.wait("fit:x", 10).result == 42 and job.state == "done"
    assert jobs.status_line() == ""


def test_a_failed_job_keeps_its_error_and_runs_again_when_asked():
    jobs, calls = Jobs(), []

    def work(say):
        calls.append(1)
        raise MemoryError("too big")

    job = jobs.wait(jobs.start("k", "big", work).key, 10)
    assert job.state == "failed" and job.describe() == "big: failed (MemoryError: too big)"
    jobs.wait(jobs.start("k", "big", work).key, 10)
    assert len(calls) == 2


def test_report_outside_a_job_does_nothing_and_inside_goes_to_the_callback():
    report(1, 2)   # no job: nothing happens, nothing raises
    seen = []
    with reporting(seen.append):
        report(1, 4)
        report(9, 4)      # clipped
        report(1, 0)      # no total: ignored
    report(3, 4)
    assert seen == [0.25, 1.0]


@pytest.fixture
def background_service(tmp_path, monkeypatch):
    from movierec.service.feedback import FeedbackStore

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))   # nothing saved yet
    return Service(dataset=block_dataset(seed=0), default_method="item_knn", background=True,
                   feedback=FeedbackStore(tmp_path / "fb.sqlite"))


def test_a_method_not_trained_yet_answers_at_once_from_the_default(background_service):
    service = background_service
    service.model("item_knn")                    # the default is ready (warmed)
    assert service.method_state("ease") == "not trained"
    answer = service.recommend(FAMILY, Settings(method="ease", k=5))
    assert answer.method == "item_knn" and len(answer.results) == 5
    assert any("ease is being trained in the background" in n for n in answer.notes)
    job = service.jobs.wait("fit:ease", 60)
    assert job.state == "done" and service.method_state("ease") == "ready"
    again = service.recommend(FAMILY, Settings(method="ease", k=5))   # not the cached stand-in
    assert again.method == "ease" and not any("background" in n for n in again.notes)


def test_while_the_default_itself_trains_popularity_stands_in(background_service):
    service = background_service                 # nothing fitted or saved yet
    answer = service.recommend(FAMILY, Settings(method="item_knn", k=5))
    assert answer.method == "popularity" and answer.results
    assert any("item_knn is being trained" in n for n in answer.notes)
    service.jobs.wait("fit:item_knn", 60)
    assert service.recommend(FAMILY, Settings(method="item_knn", k=5)).method == "item_knn"


def test_a_method_that_cannot_train_is_refused_after_its_job_failed(background_service,
                                                                     monkeypatch):
    from movierec.service.errors import ServiceError

    service = background_service
    service.model("item_knn")
    real = service.model

    def model(method=None, progress=None):
        if "ease" in str(getattr(getattr(method, "choice", None), "key", method)):
            raise ServiceError("method_unavailable", "ease needs something missing")
        return real(method, progress)

    monkeypatch.setattr(service, "model", model)
    first = service.recommend(FAMILY, Settings(method="ease", k=5))
    assert first.method == "item_knn"
    assert service.jobs.wait("fit:ease", 30).state == "failed"
    assert service.method_state("ease").startswith("failed")
    with pytest.raises(ServiceError) as err:
        service.recommend(FAMILY, Settings(method="ease", k=4))
    assert err.value.code == "method_unavailable" and "could not be trained" in err.value.message


def test_without_background_a_method_is_fitted_for_the_request(tmp_path):
    service = Service(dataset=block_dataset(seed=0), default_method="item_knn")
    answer = service.recommend(FAMILY, Settings(method="ease", k=5))
    assert answer.method == "ease" and not service.jobs.running()


def test_embedding_reports_progress_in_chunks():
    pytest.importorskip("sentence_transformers")
    from movierec.models.embeddings import embed

    seen = []
    with reporting(seen.append):
        vectors = embed([f"a movie about thing {i}" for i in range(40)], batch_size=2,
                        progress=False)
    assert vectors.shape == (40, 384)
    assert seen == [32 / 40, 1.0]


def test_a_group_asking_an_untrained_method_is_answered_at_once_too(background_service):
    from movierec.service.groups import Member

    service = background_service
    service.model("item_knn")
    crime = ["Crime Movie 1", "Crime Movie 2", "Crime Movie 3"]
    answer = service.together([Member("Ana", tuple(FAMILY)), Member("Ben", tuple(crime))],
                              Settings(method="ease", k=4))
    assert answer.method == "item_knn" and len(answer.results) == 4
    assert any("ease is being trained in the background" in n for n in answer.notes)
    service.jobs.wait("fit:ease", 60)


def test_a_mood_is_answered_by_words_while_the_embeddings_are_prepared(background_service,
                                                                        monkeypatch):
    service = background_service
    gate = threading.Event()
    real = service.model

    def model(method=None, progress=None):
        if method == "embeddings":
            gate.wait(30)
        return real(method, progress)

    monkeypatch.setattr(service, "model", model)
    answer = service.recommend([], Settings(k=3), mood="heist detective")
    assert answer.mood["by"] == "words" and answer.results
    assert service.jobs.get("fit:embeddings").running
    gate.set()
    service.jobs.wait("fit:embeddings", 120)
