"""Property-based fuzzing: the picks grammar, the readers and the API never crash.

Whatever arrives -- any text, any JSON value, any bytes in a ratings or movies file -- the
answer is a result or one named error (`ServiceError` / `DataError`), never another
exception.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movierec.data.movielens import read_movie_list, read_ratings_csv
from movierec.data.rawfiles import DataError, RawSource
from movierec.data.report import PrepareReport
from movierec.service.errors import CODES

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from movierec.app.context import AppService
    from movierec.service.feedback import FeedbackStore
    from movierec.synthetic import block_dataset

    return AppService(dataset=block_dataset(seed=0), default_method="item_knn",
                      feedback=FeedbackStore(tmp_path_factory.mktemp("fuzz") / "f.sqlite"))


def _answer_or_error(out) -> None:
    if isinstance(out, dict) and "error" in out:
        assert out["error"]["code"] in CODES and out["error"]["message"]
        assert "<" not in out["error"]["message"]
    else:
        assert isinstance(out, (dict, list))


@FUZZ
@given(picks=JSON | st.text(max_size=300), method=JSON, k=JSON)
def test_recommend_api_answers_anything(service, picks, method, k):
    from movierec.app import api

    _answer_or_error(api.recommend_api(service, picks, method, k))


@FUZZ
@given(movie=JSON, liked=JSON, session=JSON, k=st.integers(-5, 200))
def test_feedback_api_answers_anything(service, movie, liked, session, k):
    from movierec.app import api

    count = service.feedback.count()
    out = api.feedback_api(service, "Family Movie 1\nFamily Movie 2\nFamily Movie 3",
                           "item_knn", k, movie, liked, session)
    _answer_or_error(out)
    if "error" in out:
        assert service.feedback.count() == count


@FUZZ
@given(query=JSON)
def test_search_api_answers_anything(service, query):
    from movierec.app import api

    _answer_or_error(api.search_api(service, query))


LINE = st.lists(st.one_of(st.integers(-3, 10**10).map(str), st.floats().map(str),
                          st.text(max_size=6)), min_size=0, max_size=6)
RATINGS_TEXT = st.lists(LINE, max_size=30).map(
    lambda rows: "\n".join(",".join(r) for r in rows))


def _raw(files: dict[str, bytes]) -> RawSource:
    folder = Path(tempfile.mkdtemp(prefix="movierec-fuzz-"))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return RawSource.open_path(folder)


@settings(max_examples=200, deadline=None)
@given(header=st.booleans(), body=RATINGS_TEXT | st.binary(max_size=400).map(
    lambda b: b.decode("latin-1")))
def test_ratings_reader_reads_or_refuses(header, body):
    text = ("userId,movieId,rating,timestamp\n" if header else "") + body
    raw = _raw({"ratings.csv": text.encode("utf-8", "surrogatepass")})
    try:
        frame = read_ratings_csv(raw, "ratings.csv", PrepareReport())
    except DataError as exc:
        assert "ratings.csv" in str(exc)
        return
    assert len(frame) > 0
    assert frame["rating"].between(0.5, 5).all() and (frame["user_id"] >= 0).all()
    assert (frame["item_key"] >= 0).all() and np.isfinite(frame["rating"]).all()


MOVIE_LINE = st.tuples(st.integers(-2, 10**6).map(str), st.text(max_size=30),
                       st.text(max_size=15)).map(lambda t: ",".join(t))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(MOVIE_LINE | st.text(max_size=40), max_size=20))
def test_movie_list_reader_reads_or_refuses(lines):
    text = "movieId,title,genres\n" + "\n".join(line.replace("\r", " ") for line in lines)
    raw = _raw({"movies.csv": text.encode("utf-8", "surrogatepass")})
    try:
        frame = read_movie_list(raw)
    except DataError as exc:
        assert "movies.csv" in str(exc)
        return
    assert len(frame) > 0 and frame["item_key"].is_unique


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400))
def test_picks_grammar_parses_or_names_the_bad_pick(text):
    from movierec.service import ServiceError, parse_picks_text

    try:
        specs, _ = parse_picks_text(text)
    except ServiceError as exc:
        assert exc.code == "bad_pick" and "<" not in exc.message
        return
    assert all((s.title or s.id_field) and s.feel in ("love", "like", "dislike") for s in specs)


def test_a_bad_rating_of_a_markup_title_names_it_without_markup():
    from movierec.service import ServiceError, parse_picks_text

    with pytest.raises(ServiceError) as bad:   # found by the fuzz test above
        parse_picks_text("<=")
    assert bad.value.code == "bad_pick" and "<" not in bad.value.message
