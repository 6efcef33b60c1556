"""The HTTP endpoints against a hostile client: every answer is JSON, names what is wrong,
stores nothing it should not, and carries no server path and no markup."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from movierec.service.errors import CODES

gradio_client = pytest.importorskip("gradio_client")

PICKS = "Family Movie 1\nFamily Movie 2\nFamily Movie 3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from movierec.app import create_app
    from movierec.app.context import AppService
    from movierec.service.feedback import FeedbackStore
    from movierec.synthetic import block_dataset

    home = tmp_path_factory.mktemp("hostile-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("MOVIEREC_OFFLINE", "1")
    mp.setenv("MOVIEREC_HOME", str(home))
    data = block_dataset(seed=0)
    frame = data.catalog.frame
    frame["poster_path"] = [f"/poster{i}.jpg" if i % 2 else None for i in range(len(frame))]
    service = AppService(dataset=data, default_method="item_knn",
                         feedback=FeedbackStore(home / "feedback.sqlite"))
    demo = create_app(service=service)
    service.wait_ready(60)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True)
    try:
        yield demo.local_url, gradio_client.Client(demo.local_url, verbose=False), service, home
    finally:
        demo.close()
        mp.undo()


def call(url: str, endpoint: str, data: list) -> tuple[int, object]:
    """POST /gradio_api/call/ENDPOINT then read its event stream: (HTTP status, payload)."""
    request = urllib.request.Request(f"{url}gradio_api/call/{endpoint}",
                                     data=json.dumps({"data": data}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            event = json.loads(answer.read())["event_id"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    with urllib.request.urlopen(f"{url}gradio_api/call/{endpoint}/{event}", timeout=30) as stream:
        text = stream.read().decode()
    kind, _, payload = text.partition("\ndata: ")
    return (200 if kind.strip() == "event: complete" else 500), json.loads(payload)[0] \
        if kind.strip() == "event: complete" else payload


def assert_error(answer, code: str, *words: str):
    assert set(answer) == {"error"}, answer
    error = answer["error"]
    assert error["code"] == code and error["code"] in CODES, error
    for word in words:
        assert word in error["message"], error["message"]
    assert "<" not in error["message"] and ">" not in error["message"]


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_an_unknown_endpoint_is_a_404_error_object(served):
    url, *_ = served
    status, body = call(url, "nope", [])
    assert status == 404 and body["error"]["code"] == "not_found"
    assert "/recommend_api" in body["error"]["message"]


@pytest.mark.parametrize("endpoint, data, named", [
    ("recommend_api", [], "picks is missing"),
    ("feedback_api", [PICKS, "item_knn", 5], "movie"),
    ("feedback_api", [PICKS, "item_knn", 5, 3], "liked"),
])
def test_missing_arguments_are_named(served, endpoint, data, named):
    url, *_ = served
    status, body = call(url, endpoint, data)
    assert status == 200
    assert_error(body, "bad_argument", named)


@pytest.mark.parametrize("liked", ["false", "true", None, 2, 0, 1.0, [], {}])
def test_liked_must_be_a_boolean(served, liked):
    url, _, service, _ = served
    count = service.feedback.count()
    status, body = call(url, "feedback_api", [PICKS, "item_knn", 5, 30, liked, ""])
    assert_error(body, "bad_argument", "liked must be true or false")
    assert service.feedback.count() == count


def test_sessions_are_issued_by_the_server(served):
    url, _, service, _ = served
    _, first = call(url, "feedback_api", [PICKS, "item_knn", 5, 30, False, ""])
    token = first["session"]
    assert service.sessions.valid(token)
    _, again = call(url, "feedback_api", [PICKS, "item_knn", 5, 31, True, token])
    assert again["session"] == token
    for forged in ("admin", token[:-1] + ("0" if token[-1] != "0" else "1"), "x" * 500,
                   "<script>alert(1)</script>", 42):
        _, body = call(url, "feedback_api", [PICKS, "item_knn", 5, 30, False, forged])
        assert_error(body, "bad_argument", "session")
    assert service.feedback.count(session=token) == 2


def test_answers_carry_public_poster_urls_and_no_server_path(served):
    url, client, service, home = served
    body = client.predict(PICKS, "item_knn", 20, api_name="/recommend_api")
    posters = [r["poster_url"] for r in body["results"]]
    assert any(posters) and all(p is None or p.startswith("https://image.tmdb.org/t/p/")
                                for p in posters)
    for text in strings(body):
        assert str(home) not in text and "/tmp/" not in text and not text.startswith("/")


@pytest.mark.parametrize("picks", ["<script>alert(1)</script>\nFamily Movie 2\nFamily Movie 3",
                                   "<img src=x onerror=alert(1)>=4\nb\nc",
                                   "tmdb:<b>1</b>\nb\nc"])
def test_error_messages_never_echo_markup(served, picks):
    _, client, *_ = served
    body = client.predict(picks, "item_knn", 5, api_name="/recommend_api")
    assert "error" in body
    assert "<" not in body["error"]["message"] and ">" not in body["error"]["message"]


@pytest.mark.parametrize("method, k, code", [
    ("<script>", 5, "unknown_method"), ("item_knn", "ten", "bad_k"), ("item_knn", -1, "bad_k"),
    ("item_knn", 10**9, "bad_k"), (42, 5, "bad_argument"), ("item_knn", 2.5, "bad_k"),
])
def test_bad_settings_are_named(served, method, k, code):
    url, *_ = served
    _, body = call(url, "recommend_api", [PICKS, method, k])
    assert_error(body, code)


def test_search_takes_only_text(served):
    url, *_ = served
    _, body = call(url, "search_api", [{"$ne": 1}])
    assert_error(body, "bad_argument", "query must be text")
    _, found = call(url, "search_api", ["famly movie"])
    assert found and found[0]["label"].startswith("Family Movie")
