"""The PicWish client against the fake PicWish, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import logging
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from restorer.providers import RestoreOptions
from restorer.providers import errors as e
from restorer.providers.picwish import (
    PicWishClient,
    TaskStatus,
    parse_retry_after,
    parse_status,
)
from tests.fakes.picwish_server import FakePicWish

FAKE_SCRIPT = Path(__file__).resolve().parent / "fakes" / "picwish_server.py"
SECRET_KEY = "sk-live-0123456789abcdef-SECRET"


def make_photo(size=(96, 64), fmt="JPEG") -> bytes:
    """A dull, low-contrast "scan": autocontrast visibly changes it."""
    image = Image.new("RGB", size)
    for x in range(size[0]):
        for y in range(size[1]):
            image.putpixel((x, y), (100 + x % 40, 90 + y % 30, 80 + (x + y) % 20))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


PHOTO = make_photo()


@pytest.fixture
def fake():
    with FakePicWish(SECRET_KEY, latency=0.05) as server:
        yield server


def make_client(fake, **kwargs) -> PicWishClient:
    kwargs.setdefault("timeout", (2, 2))
    kwargs.setdefault("poll_interval", 0.02)
    kwargs.setdefault("poll_timeout", 10)
    kwargs.setdefault("allowed_result_hosts", {fake.result_host})
    api_key = kwargs.pop("api_key", fake.api_key)
    return PicWishClient(fake.url, api_key, **kwargs)


@pytest.fixture
def client(fake):
    return make_client(fake)


def create(client, options=None, data=PHOTO, content_type="image/jpeg") -> str:
    return client.create_task(
        data, filename="scan.jpg", content_type=content_type, options=options or RestoreOptions()
    )


def assert_is_restored_photo(data: bytes, original: bytes = PHOTO) -> None:
    with Image.open(io.BytesIO(data)) as result, Image.open(io.BytesIO(original)) as source:
        assert result.format == "JPEG"
        assert result.size == source.size
        assert result.convert("RGB").tobytes() != source.convert("RGB").tobytes()


# --- the happy paths ---


def test_async_create_then_poll_to_done_with_a_url_result(fake, client):
    fake.configure(latency=0.3)
    task_id = create(client)
    first = client.get_task(task_id)
    assert first.is_pending and not first.is_done and not first.is_failed
    assert 0 <= first.progress < 100

    status = client.wait(task_id)
    assert status.is_done and status.progress == 100
    assert status.result_url and status.result_base64 is None
    assert_is_restored_photo(client.fetch_result(status))
    assert fake.create_count() == 1
    assert fake.poll_count(task_id) >= 2


@pytest.mark.parametrize("mode", ["url", "base64"])
@pytest.mark.parametrize("field", ["image", "image_url"])
@pytest.mark.parametrize("with_return_type", [True, False])
def test_results_in_every_form_are_understood(fake, client, mode, field, with_return_type):
    fake.configure(result_mode=mode, result_field=field, include_return_type=with_return_type)
    status = client.wait(create(client))
    assert status.is_done
    if mode == "url":
        assert status.result_url and not status.result_base64
    else:
        assert status.result_base64 and not status.result_url
    assert status.return_type == ({"url": 1, "base64": 2}[mode] if with_return_type else None)
    assert_is_restored_photo(client.fetch_result(status))


def test_png_uploads_work(fake, client):
    png = make_photo(fmt="PNG")
    status = client.wait(create(client, data=png, content_type="image/png"))
    assert_is_restored_photo(client.fetch_result(status), png)
    assert fake.creates[0].content_type == "image/png"


# --- what is sent ---


@pytest.mark.parametrize(
    "options, expected",
    [
        (RestoreOptions(), {"sync": "0", "restoration_type": "0", "change_color": "0"}),
        (
            RestoreOptions(restoration_type=0, model_type=3, change_color=True),
            {"sync": "0", "restoration_type": "0", "change_color": "1"},
        ),
        (
            RestoreOptions(restoration_type=1, model_type=2, change_color=False),
            {"sync": "0", "restoration_type": "1", "model_type": "2", "change_color": "0"},
        ),
        (
            RestoreOptions(restoration_type=2, model_type=3, change_color=True),
            {"sync": "0", "restoration_type": "2", "model_type": "3", "change_color": "1"},
        ),
    ],
)
def test_options_are_sent_exactly(fake, client, options, expected):
    create(client, options)
    (record,) = fake.creates
    assert record.params == expected
    assert record.filename == "scan.jpg"
    assert record.size == len(PHOTO)


def test_every_request_carries_the_key(fake, client):
    status = client.wait(create(client))
    client.fetch_result(status)
    assert fake.requests and all(r.had_key for r in fake.requests)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"restoration_type": 3},
        {"restoration_type": -1},
        {"restoration_type": True},
        {"restoration_type": "1"},
        {"model_type": 0},
        {"model_type": 4},
        {"change_color": 1},
        {"change_color": "yes"},
    ],
)
def test_options_are_validated(kwargs):
    with pytest.raises(ValueError):
        RestoreOptions(**kwargs)


def test_options_are_frozen():
    with pytest.raises(AttributeError):
        RestoreOptions().change_color = True


def test_it_refuses_uploads_it_knows_will_fail_without_calling(fake, client):
    with pytest.raises(ValueError):
        create(client, content_type="image/gif")
    with pytest.raises(ValueError):
        create(client, data=b"")
    with pytest.raises(e.ImageTooLarge) as caught:
        create(client, data=b"\0" * (20 * 1024 * 1024))
    assert caught.value.code == "too_large"
    assert fake.requests == []


def test_it_refuses_odd_task_ids_without_calling(fake, client):
    for task_id in ["", "../../etc", "a/b", "x" * 200]:
        with pytest.raises(ValueError):
            client.get_task(task_id)
    assert fake.requests == []


# --- throttle ---


def test_throttle_runs_before_every_api_request(fake):
    calls = []
    client = make_client(fake, throttle=lambda: calls.append(len(fake.requests)))
    status = client.wait(create(client))
    client.fetch_result(status)  # the result host is not the API: not throttled
    assert len(calls) == len(fake.requests) >= 2
    # each call happened before its request reached the server
    assert calls == list(range(len(calls)))


def test_on_send_hears_every_api_request_as_it_goes_out(fake):
    order = []
    client = make_client(
        fake,
        throttle=lambda: order.append(("throttle", len(fake.requests))),
        on_send=lambda: order.append(("sent", len(fake.requests))),
    )
    client.wait(create(client))
    count = len(fake.requests)
    assert count >= 2
    expected = [step for n in range(count) for step in (("throttle", n), ("sent", n))]
    assert order == expected


def test_a_throttle_that_raises_stops_the_request(fake):
    def closed():
        raise e.RateLimited(retry_after=3)

    client = make_client(fake, throttle=closed)
    with pytest.raises(e.RateLimited):
        create(client)
    assert fake.requests == []


# --- statuses ---


STATUS_CASES = [
    (400, e.BadRequest, "bad_request", False),
    (401, e.AuthError, "auth_failed", False),
    (402, e.UnexpectedStatus, "payment_required", False),
    (404, e.NotFound, "not_found", False),
    (413, e.ImageTooLarge, "too_large", False),
    (418, e.UnexpectedStatus, "unexpected_status", False),
    (429, e.RateLimited, "rate_limited", True),
    (500, e.ServerError, "server_error", True),
    (502, e.ServerError, "server_error", True),
    (503, e.ServerError, "server_error", True),
    (504, e.ServerError, "server_error", True),
]


@pytest.mark.parametrize("in_body_only", [False, True], ids=["http-status", "body-status"])
@pytest.mark.parametrize("status, cls, code, retryable", STATUS_CASES)
@pytest.mark.parametrize("call", ["create", "poll"])
def test_every_status_is_mapped(fake, client, status, cls, code, retryable, in_body_only, call):
    if status == 504 and call == "create":
        cls, code, retryable = e.CreateOutcomeUnknown, "create_outcome_unknown", False
    task_id = create(client)
    fake.configure(errors_in_body_only=in_body_only)
    fake.error_burst(1, [status])
    with pytest.raises(cls) as caught:
        if call == "create":
            create(client)
        else:
            client.get_task(task_id)
    error = caught.value
    assert error.code == code
    assert error.retryable is retryable
    assert error.status == status
    assert error.message and str(error) == error.message
    assert error.stops_submissions is (status in (401, 402))


def test_a_wrong_key_is_an_auth_error_that_stops_submissions(fake):
    client = make_client(fake, api_key="not-the-key")
    with pytest.raises(e.AuthError) as caught:
        create(client)
    assert caught.value.code == "auth_failed"
    assert caught.value.stops_submissions and not caught.value.retryable
    assert fake.create_count() == 0


def test_an_unknown_task_is_not_found(client):
    with pytest.raises(e.NotFound) as caught:
        client.get_task("00000000-0000-0000-0000-000000000000")
    assert caught.value.code == "not_found" and not caught.value.retryable


def test_a_wrong_api_address_is_not_found_on_create(fake):
    client = PicWishClient(fake.url + "/wrong", fake.api_key, timeout=(2, 2))
    with pytest.raises(e.NotFound) as caught:
        create(client)
    assert "API address" in caught.value.message


def test_a_file_over_the_server_limit_is_too_large(fake, client):
    fake.configure(max_upload_bytes=1000)
    with pytest.raises(e.ImageTooLarge):
        create(client)
    assert fake.create_count() == 0


def test_the_qps_limit_answers_429_with_retry_after(fake, client):
    task_id = create(client)
    fake.configure(qps=1)
    client.get_task(task_id)
    with pytest.raises(e.RateLimited) as caught:
        client.get_task(task_id)
    assert caught.value.retryable
    assert caught.value.retry_after == 1.0
    assert fake.rate_limited_count(task_id) == 1


def test_wait_honours_429_and_still_finishes(fake, client):
    task_id = create(client)
    fake.configure(qps=1)
    status = client.wait(task_id)
    assert status.is_done
    assert fake.create_count() == 1


def test_a_5xx_burst_is_retryable_and_passes(fake, client):
    task_id = create(client)
    fake.error_burst(3)
    seen = []
    for _ in range(3):
        with pytest.raises(e.ServerError) as caught:
            client.get_task(task_id)
        assert caught.value.retryable
        seen.append(caught.value.status)
    assert seen == [500, 502, 503]
    assert client.get_task(task_id).task_id == task_id


def test_a_gateway_timeout_on_create_is_never_retried(fake, client):
    fake.error_burst(1, [504])
    with pytest.raises(e.CreateOutcomeUnknown) as caught:
        create(client)
    assert not caught.value.retryable


def test_a_5xx_on_create_creates_nothing(fake, client):
    fake.error_burst(1, [502])
    with pytest.raises(e.ServerError):
        create(client)
    assert fake.create_count() == 0


def test_wait_rides_out_a_5xx_burst(fake, client):
    task_id = create(client)
    fake.error_burst(2)
    assert client.wait(task_id).is_done
    assert fake.create_count() == 1


def test_malformed_answers_to_a_poll_are_retryable(fake, client):
    task_id = create(client)
    fake.malformed_next(1)
    with pytest.raises(e.MalformedResponse) as caught:
        client.get_task(task_id)
    assert caught.value.code == "malformed_response" and caught.value.retryable


def test_a_malformed_answer_to_a_create_is_never_retried(fake, client):
    fake.malformed_next(1)
    with pytest.raises(e.CreateOutcomeUnknown) as caught:
        create(client)
    assert caught.value.code == "create_outcome_unknown"
    assert not caught.value.retryable


# --- time ---


def test_a_slow_poll_is_a_retryable_timeout(fake):
    client = make_client(fake, timeout=(2, 0.2))
    task_id = create(client)
    fake.configure(response_delay=1.0)
    with pytest.raises(e.NetworkError) as caught:
        client.get_task(task_id)
    assert caught.value.code == "timeout" and caught.value.retryable


def test_a_slow_create_is_never_retried_because_it_may_have_started_a_task(fake):
    client = make_client(fake, timeout=(2, 0.2))
    fake.configure(response_delay=1.0)
    with pytest.raises(e.CreateOutcomeUnknown) as caught:
        create(client)
    assert not caught.value.retryable
    assert fake.create_count() == 1  # the task exists, and would be charged: never send again


def test_an_unreachable_server_is_a_retryable_network_error():
    with FakePicWish() as server:
        url, key = server.url, server.api_key
    client = PicWishClient(url, key, timeout=(2, 2))
    with pytest.raises(e.NetworkError) as caught:
        client.get_task("abc")
    assert caught.value.code == "network_error" and caught.value.retryable
    # a create that could not connect certainly sent nothing: safe to retry
    with pytest.raises(e.NetworkError) as caught:
        create(client)
    assert caught.value.retryable


def test_wait_gives_up_at_the_deadline(fake):
    fake.configure(latency=30)
    client = make_client(fake, poll_timeout=0.2)
    with pytest.raises(e.DeadlineExceeded) as caught:
        client.wait(create(client))
    assert caught.value.code == "deadline_exceeded"


def test_wait_raises_what_cannot_be_retried(client):
    with pytest.raises(e.NotFound):
        client.wait("00000000-0000-0000-0000-000000000000")


# --- task failures ---


EXPECTED_FAILURE_CODES = {
    -1: "task_failed",
    -2: "task_upload_failed",
    -3: "task_download_failed",
    -5: "task_image_too_large",
    -7: "task_invalid_image",
    -8: "task_timeout",
    -9: "task_internal_error",
    -10: "task_prohibited_content",
    -11: "task_empty_result",
    -13: "task_cancelled",
    -14: "task_content_rejected",
    -15: "task_insufficient_resources",
    -16: "task_prohibited_content",
    -17: "task_invalid_prompt",
    -4: "task_failed",  # undocumented: a generic failure
    -99: "task_failed",
}


@pytest.mark.parametrize("state, code", sorted(EXPECTED_FAILURE_CODES.items()))
def test_every_failure_state_is_mapped(fake, client, state, code):
    fake.fail_next(1, state)
    status = client.wait(create(client))
    assert status.is_failed and not status.is_done and not status.is_pending
    failure = status.failure()
    assert isinstance(failure, e.TaskFailed)
    assert failure.code == code
    assert failure.state == state
    assert failure.message.endswith(".")
    with pytest.raises(e.TaskFailed):
        client.fetch_result(status)


def test_documented_failures_have_messages_of_their_own():
    messages = {e.TaskFailed(s).message for s in EXPECTED_FAILURE_CODES if s not in (-4, -99)}
    # -10 and -16 are the same failure (prohibited content); -1 is the generic message
    assert len(messages) == 13


def test_a_failure_rule_picks_which_tasks_fail(fake, client):
    fake.set_failure_rule(lambda task: -14 if task.index % 2 else None)
    statuses = [client.wait(create(client)) for _ in range(4)]
    assert [s.state for s in statuses] == [1, -14, 1, -14]


def test_an_upload_that_is_not_an_image_fails_as_invalid(fake, client):
    status = client.wait(create(client, data=b"certainly not a jpeg"))
    assert status.failure().code == "task_invalid_image"


def test_a_pending_task_has_no_failure_and_no_result_yet(fake, client):
    fake.configure(latency=30)
    status = client.get_task(create(client))
    assert status.failure() is None
    with pytest.raises(ValueError):
        client.fetch_result(status)


# --- results ---


def test_an_expired_result_url_is_refreshed_without_a_second_create(fake, client):
    fake.configure(url_expiry=1.0)
    task_id = create(client)
    status = client.wait(task_id)
    assert_is_restored_photo(client.fetch_result(status))  # fresh: works
    expires = float(parse_qs(urlsplit(status.result_url).query)["expires"][0])
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(e.ResultExpired) as caught:
        client.fetch_result(status)
    assert caught.value.code == "result_expired" and caught.value.retryable
    assert caught.value.status == 403

    fresh = client.get_task(task_id)
    assert fresh.result_url != status.result_url
    assert_is_restored_photo(client.fetch_result(fresh))
    assert fake.create_count() == 1


def test_a_result_that_is_not_a_whole_image_is_invalid(fake, client):
    fake.configure(corrupt_results=True)
    status = client.wait(create(client))
    with pytest.raises(e.InvalidResult) as caught:
        client.fetch_result(status)
    assert caught.value.code == "invalid_result"


def test_a_result_over_the_byte_limit_is_refused(fake):
    client = make_client(fake, max_result_bytes=100)
    for mode in ("url", "base64"):
        fake.configure(result_mode=mode)
        status = client.wait(create(client))
        with pytest.raises(e.InvalidResult) as caught:
            client.fetch_result(status)
        assert caught.value.code == "result_too_large"


def test_a_result_over_the_pixel_limit_is_refused(fake):
    client = make_client(fake, max_result_pixels=100)
    status = client.wait(create(client))
    with pytest.raises(e.InvalidResult) as caught:
        client.fetch_result(status)
    assert caught.value.code == "result_too_large"


def test_a_result_url_on_a_host_not_allowed_is_refused(fake):
    client = make_client(fake, allowed_result_hosts=frozenset())
    status = client.wait(create(client))
    with pytest.raises(e.InvalidResult):
        client.fetch_result(status)


def test_a_slow_result_download_is_a_retryable_timeout(fake):
    client = make_client(fake, timeout=(2, 0.2))
    status = client.wait(create(client))
    fake.configure(result_delay=1.0)
    with pytest.raises(e.NetworkError) as caught:
        client.fetch_result(status)
    assert caught.value.code == "timeout" and caught.value.retryable


# --- the key never leaks ---


def test_the_key_never_appears_in_errors_or_logs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.configure(echo_key_in_errors=True)
    client = make_client(fake, timeout=(2, 0.2))
    wrong = make_client(fake, api_key=SECRET_KEY + "-wrong")
    errors: list[e.ProviderError] = []

    def collect(action):
        try:
            action()
        except e.ProviderError as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected a ProviderError")

    collect(lambda: create(wrong))
    task_id = create(client)
    for status in (400, 401, 402, 404, 413, 429, 500):
        fake.error_burst(1, [status])
        collect(lambda: client.get_task(task_id))
    fake.malformed_next(1)
    collect(lambda: client.get_task(task_id))
    fake.configure(response_delay=1.0)
    collect(lambda: client.get_task(task_id))
    collect(lambda: create(client))
    fake.configure(response_delay=0, url_expiry=0)
    status = client.wait(task_id)
    collect(lambda: client.fetch_result(status))

    assert len(errors) == 12
    texts = [caplog.text, repr(client), repr(status)]
    for error in errors:
        texts += [str(error), repr(error), error.message, error.detail, str(error.args)]
        texts.append(repr(pickle.loads(pickle.dumps(error)).__dict__))
    for text in texts:
        assert SECRET_KEY not in text
        assert "SECRET" not in text
    # the echoing server really did send the key back: the client scrubbed it
    assert "[redacted]" in errors[0].detail


def test_errors_survive_pickling(fake):
    error = e.RateLimited(retry_after=2.5, detail="HTTP 429")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is e.RateLimited
    assert (copy.code, copy.message, copy.retryable, copy.retry_after, copy.detail) == (
        "rate_limited",
        error.message,
        True,
        2.5,
        "HTTP 429",
    )
    failed = pickle.loads(pickle.dumps(e.TaskFailed(-7)))
    assert failed.state == -7 and failed.code == "task_invalid_image"


# --- parsing ---


def test_base64_is_detected_without_return_type():
    status = parse_status({"task_id": "t", "state": 1, "image": "aGVsbG8="})
    assert status.result_base64 == "aGVsbG8=" and status.result_url is None


def test_a_data_uri_is_base64():
    status = parse_status({"task_id": "t", "state": 1, "image": "data:image/jpeg;base64,aGk="})
    assert status.result_base64 == "aGk="


def test_a_url_wins_over_a_wrong_return_type():
    status = parse_status(
        {"task_id": "t", "state": 1, "image_url": "https://x.example/r.jpg", "return_type": 2}
    )
    assert status.result_url == "https://x.example/r.jpg"


def test_timestamps_are_kept_as_sent_even_out_of_order():
    status = parse_status(
        {
            "task_id": "t",
            "state": "4",
            "progress": 40,
            "created_at": 1700000005,
            "processed_at": 1700000001,
            "completed_at": None,
        }
    )
    assert status.is_pending and status.state == 4 and status.progress == 40
    assert (status.created_at, status.processed_at, status.completed_at) == (
        1700000005,
        1700000001,
        None,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"state": 1},
        {"task_id": "t"},
        {"task_id": "t", "state": "done"},
        {"task_id": "t", "state": 1, "image": 12},
        {"task_id": "t", "state": 1, "image": "not base64 and not a url!"},
    ],
)
def test_broken_status_data_is_malformed(data):
    with pytest.raises(e.MalformedResponse):
        parse_status(data)


def test_pending_states():
    for state, pending in [(0, True), (2, True), (3, True), (4, True), (1, False), (-1, False)]:
        assert TaskStatus(task_id="t", state=state).is_pending is pending


@pytest.mark.parametrize(
    "header, seconds",
    [("3", 3.0), ("0.5", 0.5), ("", None), (None, None), ("soon", None), ("-4", 0.0)],
)
def test_retry_after_is_parsed(header, seconds):
    assert parse_retry_after(header) == seconds


def test_retry_after_as_a_date():
    from email.utils import formatdate

    seconds = parse_retry_after(formatdate(time.time() + 30, usegmt=True))
    assert 20 < seconds <= 31


def test_the_client_repr_hides_the_key(fake, client):
    assert SECRET_KEY not in repr(client)
    assert SECRET_KEY not in str(vars(client).get("api_url"))


# --- the fake itself ---


def test_the_fake_rejects_missing_and_invalid_parameters(fake):
    endpoint = f"{fake.url}/api/tasks/visual/restoration-old-photo"
    headers = {"X-API-KEY": fake.api_key}
    missing = requests.post(endpoint, headers=headers, data={"sync": "0"}, timeout=5)
    assert missing.status_code == 400 and missing.json()["status"] == 400
    invalid = requests.post(
        endpoint,
        headers=headers,
        data={"restoration_type": "7"},
        files={"image_file": ("a.jpg", PHOTO, "image/jpeg")},
        timeout=5,
    )
    assert invalid.status_code == 400
    assert fake.create_count() == 0


def test_the_fake_runs_as_a_process_and_serves_its_log(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            str(FAKE_SCRIPT),
            "--port",
            "0",
            "--latency",
            "0.05-0.1",
            "--qps",
            "50",
            "--key",
            SECRET_KEY,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        host = url.removeprefix("http://")
        client = PicWishClient(
            url, SECRET_KEY, timeout=(2, 2), poll_interval=0.02, allowed_result_hosts={host}
        )
        task_id = create(client)
        assert_is_restored_photo(client.fetch_result(client.wait(task_id)))

        reply = requests.post(f"{url}/_fake/config", json={"latency": 0.2}, timeout=5)
        assert reply.json()["settings"]["latency"] == 0.2
        log = requests.get(f"{url}/_fake/log", timeout=5).json()
        assert log["creates"] == 1
        assert log["tasks"][task_id]["creates"] == 1
        assert log["tasks"][task_id]["polls"] >= 1
        assert log["rate_limited"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_the_fake_log_counts_per_task(fake, client):
    task_id = create(client)
    fake.configure(qps=1)
    client.get_task(task_id)
    with pytest.raises(e.RateLimited):
        client.get_task(task_id)
    log = json.loads(requests.get(f"{fake.url}/_fake/log", timeout=5).text)
    assert log["tasks"][task_id] | {"state": None, "progress": None} == {
        "creates": 1,
        "polls": 1,
        "rate_limited": 1,
        "state": None,
        "progress": None,
    }
    assert log["statuses"]["429"] == 1


def test_light_options_have_no_model_and_one_label():
    light = RestoreOptions(restoration_type=0, model_type=3, change_color=True)
    assert light == RestoreOptions(restoration_type=0, change_color=True)
    assert light.label == "Light, colorize"
    assert light.describe(colorized=True) == "Light, colorized"
    assert light.describe(colorized=False) == "Light"
    assert RestoreOptions(restoration_type=2, model_type=2).label == "Severe, smart enhancement"
