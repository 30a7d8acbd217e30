"""The served PicWish-compatible API: every parameter, error and state, in the Django process.

Tasks run through the real pipeline code (django-q2 inline, the embedded engine), the
way a worker runs them; the live server and the independent clients are in
test_api_clients.py.
"""

from __future__ import annotations

import base64
import io
import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from restorer import tasks
from restorer.api import ratelimit
from restorer.api.models import ApiKey, ApiTask, hash_key
from restorer.api.retention import purge_expired
from restorer.models import QuotaCharge, Restoration
from tests import images
from tests.api_helpers import CREATE, create, poll, status_url, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_limit(settings):
    settings.API_QPS = 1000  # the rate limit has tests of its own below
    settings.RESTORER_PROVIDER = "local"
    settings.API_SYNC_TIMEOUT = 0


@pytest.fixture
def key(alice) -> str:
    return ApiKey.issue(alice, "scanner")[1]


@pytest.fixture
def other_key(bob) -> str:
    return ApiKey.issue(bob, "bob's script")[1]


@pytest.fixture
def run_tasks(sync_tasks, django_capture_on_commit_callbacks):
    """Queued tasks run inline when the request's transaction commits, as a worker would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def body(response) -> dict:
    data = response.json()
    assert data["status"] == response.status_code, data
    assert set(data) == {"status", "message", "data"}
    return data


def test_an_async_task_is_created_and_polled_to_its_result(client, key, run_tasks):
    response = run_tasks(create, client, key, image_file=upload(images.jpeg()), sync=0)
    answer = body(response)
    assert answer["message"] == "success"
    task_id = answer["data"]["task_id"]

    data = body(poll(client, key, task_id))["data"]
    assert data["state"] == 1
    assert data["progress"] == 100
    assert data["state_detail"] == "Complete"
    assert data["return_type"] == 1
    for field in ("created_at", "processed_at", "completed_at"):
        assert isinstance(data[field], int) and data[field] > 1_600_000_000
    assert isinstance(data["download_time"], int) and isinstance(data["time_elapsed"], int)
    assert data["image"] == data["image_url"]
    assert data["image"].startswith("http://testserver/api/results/")

    result = client.get(data["image"])  # no key
    assert result.status_code == 200
    picture = Image.open(io.BytesIO(b"".join(result.streaming_content)))
    assert picture.size == (120, 80)


def test_the_options_reach_the_restoration(client, key, alice):
    task_id = body(
        create(
            client,
            key,
            image_file=upload(images.jpeg()),
            restoration_type=2,
            model_type=3,
            change_color=0,
        )  # fmt: skip
    )["data"]["task_id"]
    job = ApiTask.objects.get(task_id=task_id).restoration
    assert (job.restoration_type, job.model_type, job.change_color) == (2, 3, False)
    assert job.owner == alice


def test_the_defaults_are_picwish_s(client, key):
    task_id = body(create(client, key, image_file=upload(images.jpeg())))["data"]["task_id"]
    job = ApiTask.objects.get(task_id=task_id).restoration
    # light, no model (model_type applies only above 0), colorize on
    assert (job.restoration_type, job.model_type, job.change_color) == (0, 1, True)


def test_model_type_is_ignored_for_a_light_restoration(client, key):
    answer = body(create(client, key, image_file=upload(images.jpeg()), model_type=3))
    assert ApiTask.objects.get(task_id=answer["data"]["task_id"]).restoration.model_type == 1


def test_a_file_sent_as_file_is_accepted(client, key):
    answer = body(create(client, key, file=upload(images.png(), "p.png", "image/png")))
    assert ApiTask.objects.get(task_id=answer["data"]["task_id"]).restoration is not None


def test_image_file_wins_over_image_url(client, key):
    answer = body(
        create(client, key, image_file=upload(images.jpeg()), image_url="https://example.org/a.jpg")
    )
    task = ApiTask.objects.get(task_id=answer["data"]["task_id"])
    assert task.restoration is not None and task.image_url == ""


def test_fields_in_the_query_string_count_and_unknown_fields_are_ignored(client, key):
    response = client.post(
        f"{CREATE}?restoration_type=2&model_type=2",
        {"image_file": upload(images.jpeg()), "callback_url": "https://x.example", "nonsense": 1},
        headers={"X-API-KEY": key},
    )
    job = ApiTask.objects.get(task_id=body(response)["data"]["task_id"]).restoration
    assert (job.restoration_type, job.model_type) == (2, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sync", "2"),
        ("sync", "yes"),
        ("restoration_type", "3"),
        ("restoration_type", "-1"),
        ("model_type", "0"),
        ("model_type", "4"),
        ("change_color", "2"),
        ("return_type", "3"),
        ("return_type", "url"),
    ],
)
def test_a_bad_parameter_is_refused_by_name(client, key, field, value):
    response = create(client, key, image_file=upload(images.jpeg()), **{field: value})
    answer = body(response)
    assert response.status_code == 400
    assert field in answer["message"]
    assert not ApiTask.objects.exists() and not Restoration.objects.exists()


def test_a_missing_image_is_refused(client, key):
    response = create(client, key, sync=0)
    assert response.status_code == 400
    assert "image_file" in body(response)["message"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/a.jpg",
        "file:///etc/passwd",
        "gopher://x/",
        "example.org/a.jpg",
        "https://example.org/" + "a" * 500,
    ],  # fmt: skip
)
def test_a_bad_image_url_is_refused(client, key, url):
    response = create(client, key, image_url=url)
    assert response.status_code == 400
    assert "image_url" in body(response)["message"]
    assert not ApiTask.objects.exists()


def test_a_file_of_20_mb_or_more_is_refused_with_413(client, key, settings):
    settings.API_MAX_FILE_SIZE = 50_000
    data = images.noise_jpeg(400, 400)
    assert len(data) >= 50_000
    response = create(client, key, image_file=upload(data))
    assert response.status_code == 413
    assert body(response)["message"]
    assert not ApiTask.objects.exists()
    assert default_storage.listdir("")[1] == []


@pytest.mark.parametrize(
    ("data", "state"),
    [
        (b"this is not a picture", -7),
        (images.encode(images.picture(), "WEBP"), -7),  # JPG, JPEG and PNG only
        (images.encode(images.picture(), "BMP"), -7),
        (images.jpeg(2049, 100), -5),  # at most 2048 x 2048
        (images.jpeg(100, 2049), -5),
    ],
)
def test_a_picture_that_cannot_be_taken_fails_its_task(client, key, data, state):
    answer = body(create(client, key, image_file=upload(data)))
    assert answer["data"]["state"] == state
    assert answer["data"]["state_detail"]
    assert body(poll(client, key, answer["data"]["task_id"]))["data"]["state"] == state
    assert not Restoration.objects.exists()


@pytest.mark.parametrize("side", [12_000, 30_000])
def test_a_picture_past_the_pixel_limit_is_too_large_not_invalid(client, key, side):
    """Past MAX_IMAGE_PIXELS (30000 is past twice the limit, where Pillow itself stops)
    a picture is too large for the API, -5, and its message names what the API takes."""
    answer = body(create(client, key, image_file=upload(images.bomb_png(side))))
    assert answer["data"]["state"] == -5
    assert "megapixels" in answer["data"]["state_detail"]
    assert not Restoration.objects.exists()


def test_a_file_that_is_no_picture_names_the_formats_the_api_takes(client, key):
    detail = body(create(client, key, image_file=upload(b"a letter")))["data"]["state_detail"]
    assert "JPG, JPEG or PNG" in detail
    assert "WebP" not in detail and "HEIC" not in detail


def test_2048_by_2048_is_accepted(client, key):
    answer = body(create(client, key, image_file=upload(images.jpeg(2048, 2048))))
    assert answer["data"]["state"] in (2, 3)


def test_a_truncated_picture_ends_as_an_invalid_image(client, key, run_tasks):
    answer = body(run_tasks(create, client, key, image_file=upload(images.truncated_jpeg())))
    data = body(poll(client, key, answer["data"]["task_id"]))["data"]
    assert data["state"] == -7
    assert data["progress"] == 0


# --- keys ----------------------------------------------------------------------------------


def test_a_missing_key_is_refused(client):
    response = client.post(CREATE, {"image_file": upload(images.jpeg())})
    assert response.status_code == 401
    assert "X-API-KEY" in body(response)["message"]


def test_a_wrong_or_revoked_key_is_refused(client, key):
    assert create(client, "rk_not-a-key", image_file=upload(images.jpeg())).status_code == 401
    ApiKey.objects.get(key_hash=hash_key(key)).revoke()
    response = create(client, key, image_file=upload(images.jpeg()))
    assert response.status_code == 401
    assert body(response)["data"] == {}


def test_a_key_of_a_deactivated_person_is_refused(client, key, alice):
    alice.is_active = False
    alice.save()
    assert create(client, key, image_file=upload(images.jpeg())).status_code == 401


def test_only_the_hash_of_a_key_is_stored(alice):
    stored, secret = ApiKey.issue(alice, "x")
    row = ApiKey.objects.filter(pk=stored.pk).values().get()
    assert secret not in str(row)
    assert row["key_hash"] == hash_key(secret)


# --- reading tasks -------------------------------------------------------------------------


def test_an_unknown_task_is_404(client, key):
    response = poll(client, key, str(uuid.uuid4()))
    assert response.status_code == 404
    assert body(response)["message"]
    assert body(client.get(f"{CREATE}/not-a-uuid", headers={"X-API-KEY": key}))["status"] == 404


def test_one_key_never_reads_another_key_s_task(client, key, other_key, alice, run_tasks):
    task_id = body(run_tasks(create, client, key, image_file=upload(images.jpeg())))["data"][
        "task_id"
    ]
    assert poll(client, other_key, task_id).status_code == 404
    # not even another key of the same person
    second = ApiKey.issue(alice, "second")[1]
    assert poll(client, second, task_id).status_code == 404
    assert poll(client, key, task_id).status_code == 200


def test_a_task_never_appears_in_the_owner_s_albums(alice_client, key, album, run_tasks):
    from albums.models import Photo, Version

    body(run_tasks(create, alice_client, key, image_file=upload(images.jpeg())))
    assert not Photo.objects.exists() and not Version.objects.exists()
    page = alice_client.get(album.get_absolute_url())
    assert page.status_code == 200


def test_while_queued_the_state_is_waiting_then_processing(client, key):
    answer = body(create(client, key, image_file=upload(images.jpeg())))
    assert answer["data"]["state"] == 2  # not yet prepared: no worker ran
    job = ApiTask.objects.get(task_id=answer["data"]["task_id"]).restoration
    job.prepare_input()
    assert body(poll(client, key, answer["data"]["task_id"]))["data"]["state"] == 3
    assert job.start_processing()
    job.record_progress(40)
    data = body(poll(client, key, answer["data"]["task_id"]))["data"]
    assert (data["state"], data["progress"]) == (4, 40)
    assert data["completed_at"] == 0


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("engine_error", -1),
        ("task_failed", -1),
        ("unreadable", -7),
        ("task_invalid_image", -7),
        ("task_image_too_large", -5),
        ("task_download_failed", -3),
        ("deadline_exceeded", -8),
        ("engine_stopped", -8),
        ("task_timeout", -8),
        ("something_new", -1),
    ],
)
def test_failures_have_picwish_s_negative_states(client, key, code, state):
    task_id = body(create(client, key, image_file=upload(images.jpeg())))["data"]["task_id"]
    job = ApiTask.objects.get(task_id=task_id).restoration
    job.mark_failed(code, "What went wrong, said plainly.")
    data = body(poll(client, key, task_id))["data"]
    assert data["state"] == state
    assert data["state_detail"] == "What went wrong, said plainly."
    assert "image" not in data and "image_url" not in data


def test_return_type_2_gives_base64(client, key, run_tasks):
    answer = body(run_tasks(create, client, key, image_file=upload(images.png(), "a.png"),
                            return_type=2))  # fmt: skip
    data = body(poll(client, key, answer["data"]["task_id"]))["data"]
    assert data["return_type"] == 2
    assert data["image"] == data["image_url"]
    assert not data["image"].startswith("http")
    picture = Image.open(io.BytesIO(base64.b64decode(data["image"])))
    assert picture.size == (120, 80)


def test_sync_past_its_limit_answers_like_async(client, key, settings):
    settings.API_SYNC_TIMEOUT = 0.3
    answer = body(create(client, key, image_file=upload(images.jpeg()), sync=1))
    assert answer["data"]["task_id"]
    assert answer["data"]["state"] in (2, 3)
    assert "image" not in answer["data"]


def test_a_finished_sync_task_answers_with_its_result(client, key, run_tasks, settings):
    settings.API_SYNC_TIMEOUT = 5
    first = body(run_tasks(create, client, key, image_file=upload(images.jpeg(seed=4))))
    # The same picture with the same options again: the earlier result is reused at once.
    answer = body(create(client, key, image_file=upload(images.jpeg(seed=4)), sync=1))
    assert answer["data"]["task_id"] != first["data"]["task_id"]
    assert answer["data"]["state"] == 1
    assert answer["data"]["image"].startswith("http://testserver/api/results/")


# --- result links --------------------------------------------------------------------------


def test_a_result_link_expires_after_an_hour(client, key, run_tasks, settings, monkeypatch):
    answer = body(run_tasks(create, client, key, image_file=upload(images.jpeg())))
    link = body(poll(client, key, answer["data"]["task_id"]))["data"]["image"]
    assert client.get(link).status_code == 200
    later = __import__("time").time() + 3601
    monkeypatch.setattr(signing.time, "time", lambda: later)
    expired = client.get(link)
    assert expired.status_code == 410
    assert body(expired)["message"]


def test_a_forged_result_link_is_404(client, key, run_tasks):
    answer = body(run_tasks(create, client, key, image_file=upload(images.jpeg())))
    link = body(poll(client, key, answer["data"]["task_id"]))["data"]["image"]
    token = link.rsplit("/", 1)[1]
    other = str(uuid.uuid4()).replace("-", "")
    assert client.get(f"/api/results/{other}:{token.split(':', 1)[1]}").status_code == 404
    assert client.get("/api/results/garbage").status_code == 404


def test_a_result_link_works_only_for_its_own_task(client, key, other_key, run_tasks):
    mine = body(run_tasks(create, client, key, image_file=upload(images.jpeg(seed=1))))
    theirs = body(run_tasks(create, client, other_key, image_file=upload(images.jpeg(seed=2))))
    my_link = body(poll(client, key, mine["data"]["task_id"]))["data"]["image"]
    their_link = body(poll(client, other_key, theirs["data"]["task_id"]))["data"]["image"]
    assert my_link != their_link
    mine_bytes = b"".join(client.get(my_link).streaming_content)
    theirs_bytes = b"".join(client.get(their_link).streaming_content)
    assert mine_bytes != theirs_bytes


# --- retention -----------------------------------------------------------------------------


def test_the_watchdog_deletes_inputs_and_results_after_the_retention_time(
    client, key, run_tasks, settings, django_capture_on_commit_callbacks
):
    settings.API_RESULT_RETENTION = 3600
    answer = body(run_tasks(create, client, key, image_file=upload(images.jpeg())))
    task = ApiTask.objects.get(task_id=answer["data"]["task_id"])
    link = body(poll(client, key, answer["data"]["task_id"]))["data"]["image"]
    job = task.restoration
    names = [task.source, job.result.name, job.result_thumbnail.name, job.result_display.name]
    assert all(default_storage.exists(name) for name in names)

    assert tasks.watchdog()["api_purged"] == 0  # not yet
    ApiTask.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows have
        assert tasks.watchdog()["api_purged"] == 1

    assert not any(default_storage.exists(name) for name in names)
    assert not Restoration.objects.filter(pk=job.pk).exists()
    assert poll(client, key, answer["data"]["task_id"]).status_code == 404
    assert client.get(link).status_code == 410
    # the key's usage still counts it
    usage = ApiKey.objects.with_usage().get(key_hash=hash_key(key))
    assert usage.tasks_total == 1 and usage.tasks_this_month == 1


def test_retention_waits_for_a_running_task(client, key, settings):
    settings.API_RESULT_RETENTION = 3600
    task_id = body(create(client, key, image_file=upload(images.jpeg())))["data"]["task_id"]
    ApiTask.objects.filter(task_id=task_id).update(created_at=timezone.now() - timedelta(hours=2))
    assert purge_expired() == 0
    ApiTask.objects.get(task_id=task_id).restoration.mark_failed("engine_error", "no")
    assert purge_expired() == 1


def test_retention_keeps_a_result_an_album_reuses(client, key, alice, run_tasks, settings,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    settings.API_RESULT_RETENTION = 3600
    answer = body(run_tasks(create, client, key, image_file=upload(images.jpeg(seed=7))))
    job = ApiTask.objects.get(task_id=answer["data"]["task_id"]).restoration
    reuser = Restoration.start(
        owner=alice,
        source_name=job.source.name,
        source_sha256=job.source_sha256,
        source_width=120,
        source_height=80,
        options=job.options,
    )
    assert reuser.reused_from_id == job.pk
    ApiTask.objects.update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired() == 1
    reuser.refresh_from_db()
    assert default_storage.exists(reuser.result.name)


# --- quota ---------------------------------------------------------------------------------


def test_the_monthly_quota_applies_to_paid_restorations(client, key, alice, settings):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "server-key"
    settings.RESTORER_MONTHLY_QUOTA = 1
    assert create(client, key, image_file=upload(images.jpeg(seed=1))).status_code == 200
    response = create(client, key, image_file=upload(images.jpeg(seed=2)))
    assert response.status_code == 402
    assert "restorations" in body(response)["message"]
    assert QuotaCharge.objects.filter(owner=alice).count() == 1
    assert ApiTask.objects.count() == 1


def test_on_the_embedded_engine_the_monthly_quota_applies_to_api_tasks_too(
    client, key, alice, settings
):
    settings.RESTORER_PROVIDER = "local"
    settings.RESTORER_MONTHLY_QUOTA = 2
    assert create(client, key, image_file=upload(images.jpeg(seed=1))).status_code == 200
    assert create(client, key, image_file=upload(images.jpeg(seed=2))).status_code == 200
    response = create(client, key, image_file=upload(images.jpeg(seed=3)))
    assert response.status_code == 402
    assert "restorations" in body(response)["message"]
    assert QuotaCharge.objects.filter(owner=alice).count() == 2
    assert ApiTask.objects.count() == 2
    assert Restoration.objects.count() == 2  # nothing was started for the refused one
    # a task the engine failed gives its unit back
    Restoration.objects.first().mark_failed("task_failed", "The engine could not read it.")
    assert create(client, key, image_file=upload(images.jpeg(seed=3))).status_code == 200


# --- rate limit ----------------------------------------------------------------------------


def test_over_the_rate_limit_a_key_gets_429_with_retry_after(client, key, other_key, settings):
    settings.API_QPS = 0.2  # one request every 5 s
    task_id = body(create(client, key, image_file=upload(images.jpeg())))["data"]["task_id"]
    refused = poll(client, key, task_id)  # polls count too
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "requests per second" in body(refused)["message"]
    # another key has a budget of its own
    assert poll(client, other_key, str(uuid.uuid4())).status_code == 404


def test_the_limit_allows_qps_requests_each_second(settings):
    settings.API_QPS = 2
    clock = {"now": 1000.0}
    allowed = []
    for step in range(40):  # 10 seconds, a request every 0.25 s
        clock["now"] = 1000.0 + step * 0.25
        allowed.append(ratelimit.take("api-key:test", clock=lambda: clock["now"]) == 0.0)
    assert sum(allowed) in (20, 21)  # 2 a second, plus the first burst
    for second in range(1, 10):
        window = allowed[second * 4 : second * 4 + 4]
        assert sum(window) <= 2


# --- documents -----------------------------------------------------------------------------


def test_the_openapi_document_validates(client):
    from openapi_spec_validator import validate

    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert CREATE in document["paths"]
    assert status_url("{task_id}") in document["paths"]


def test_the_docs_page_shows_curl_for_both_modes(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "sync=0" in text and "sync=1" in text and "curl" in text
    assert "http://testserver/api/tasks/visual/restoration-old-photo" in text


def test_unknown_api_urls_answer_json_404(client):
    response = client.get("/api/nothing/here")
    assert response.status_code == 404
    assert body(response)["message"]


# --- keeping results in an album (a setting per key) ----------------------------------------


def test_a_key_s_results_go_to_the_album_its_owner_chose(
    client, alice, album, run_tasks, settings, django_capture_on_commit_callbacks
):
    from albums.models import Photo

    settings.API_RESULT_RETENTION = 3600
    stored, secret = ApiKey.issue(alice, "studio")
    stored.album_code = album.code
    stored.save()
    answer = body(run_tasks(create, client, secret, image_file=upload(images.jpeg(seed=5)),
                            restoration_type=2, change_color=0))  # fmt: skip
    data = body(poll(client, secret, answer["data"]["task_id"]))["data"]
    assert data["state"] == 1
    photo = Photo.objects.get(album=album)
    version = photo.latest_version
    assert version.restoration.restoration_type == 2
    assert ApiTask.objects.get().restoration == version.restoration
    # the album keeps it past the retention time; the API forgets the task
    ApiTask.objects.update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired() == 1
    version.restoration.refresh_from_db()
    assert default_storage.exists(version.restoration.result.name)
    assert default_storage.exists(photo.original.name)
    assert poll(client, secret, answer["data"]["task_id"]).status_code == 404


def test_a_key_whose_album_is_gone_keeps_nothing(client, alice, album):
    from albums.models import Photo

    stored, secret = ApiKey.issue(alice, "studio")
    stored.album_code = album.code
    stored.save()
    album.delete()
    answer = body(create(client, secret, image_file=upload(images.jpeg())))
    assert answer["data"]["state"] in (2, 3)
    assert not Photo.objects.exists()
    assert ApiTask.objects.get().kept_in_album is False


# --- forwarded to PicWish ------------------------------------------------------------------


def test_with_picwish_as_provider_a_task_goes_through_the_dispatcher(client, key, settings):
    """The server's own PicWish key, the dispatcher's shared budget, the options as asked;
    the client sees PicWish's states through this server and the stored result."""
    from tests.fakes.picwish_server import FakePicWish
    from tests.test_pipeline import finish

    with FakePicWish(latency=0.2, progress_steps=4) as fake:
        settings.PICWISH_API_KEY = fake.api_key
        settings.PICWISH_API_URL = fake.url
        settings.PICWISH_ALLOWED_RESULT_HOSTS = [fake.result_host]
        settings.RESTORER_PROVIDER = "picwish"
        settings.PICWISH_QPS = 50
        settings.PICWISH_FIRST_POLL = 0.15
        settings.PICWISH_POLL_INTERVAL = 0.05
        settings.RESTORER_DISPATCH_SECONDS = 20
        task_id = body(
            create(
                client,
                key,
                image_file=upload(images.jpeg()),
                restoration_type=1,
                model_type=2,
                change_color=0,
            )  # fmt: skip
        )["data"]["task_id"]
        job = ApiTask.objects.get(task_id=task_id).restoration
        assert job.provider == Restoration.Provider.PICWISH
        job.prepare_input()
        assert body(poll(client, key, task_id))["data"]["state"] == 3
        finish()
        data = body(poll(client, key, task_id))["data"]
        assert data["state"] == 1, data
        assert fake.create_count() == 1
        assert fake.creates[0].params == {
            "sync": "0", "restoration_type": "1", "model_type": "2", "change_color": "0"
        }  # fmt: skip
        assert data["image"].startswith("http://testserver/api/results/")
        assert fake.api_key not in str(data)


def test_a_task_s_picture_goes_with_its_owner(client, key, alice,
                                              django_capture_on_commit_callbacks):  # fmt: skip
    task_id = body(create(client, key, image_file=upload(images.jpeg())))["data"]["task_id"]
    source = ApiTask.objects.get(task_id=task_id).source
    assert default_storage.exists(source)
    with django_capture_on_commit_callbacks(execute=True):
        alice.delete()
    assert not ApiTask.objects.exists()
    assert not default_storage.exists(source)


def test_an_image_url_no_worker_fetched_fails_in_the_end(client, key, settings):
    answer = body(create(client, key, image_url="https://example.org/scan.jpg"))
    assert answer["data"]["state"] == 2
    tasks.watchdog()
    assert body(poll(client, key, answer["data"]["task_id"]))["data"]["state"] == 2
    ApiTask.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert tasks.watchdog()["failed"] == 1
    data = body(poll(client, key, answer["data"]["task_id"]))["data"]
    assert data["state"] == -3 and "not downloaded in time" in data["state_detail"]
