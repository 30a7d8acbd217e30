"""Poison answers from PicWish fail their own photo with a clear message, never the dispatcher.

Each answer kind of the fake (tests/fakes/picwish_server.py, POISONS) is given to one photo
of three; the dispatcher and the download tasks run as in production, and the two other
photos are restored while the poisoned one fails, or (odd progress and times, which only
pace the polls) is restored too. Nothing is ever created twice.
"""

from __future__ import annotations

import pytest

from restorer.models import Restoration
from tests.fakes.picwish_server import CREATE_POISONS, POISONS
from tests.test_pipeline import fake, finish, prepared  # noqa: F401 (fake is a fixture)

State = Restoration.State

pytestmark = pytest.mark.django_db

# What the person reads, by poison: (error code, words of the message).
EXPECTED = {
    "task_id_path": ("invalid_task_id", "task id that cannot be used"),
    "task_id_long": ("invalid_task_id", "task id that cannot be used"),
    "task_id_number": ("create_outcome_unknown", "not sent again"),
    "create_not_json": ("create_outcome_unknown", "not sent again"),
    "create_huge": ("create_outcome_unknown", "not sent again"),
    "poll_not_json": ("malformed_response", "could not be understood"),
    "poll_huge": ("malformed_response", "could not be understood"),
    "poll_no_data": ("malformed_response", "could not be understood"),
    "poll_wrong_task": ("malformed_response", "could not be understood"),
    "state_text": ("malformed_response", "could not be understood"),
    "result_not_string": ("malformed_response", "could not be understood"),
    "result_neither": ("malformed_response", "could not be understood"),
    "result_bad_base64": ("invalid_result", "not a usable image"),
    "result_wrong_host": ("invalid_result", "not a usable image"),
    "result_not_picture": ("invalid_result", "not a usable image"),
    "result_missing": ("invalid_result", "no picture"),
}


def test_every_poison_of_the_fake_is_covered():
    assert set(EXPECTED) | {"progress_absurd"} == set(POISONS)


@pytest.mark.parametrize("kind", sorted(POISONS))
def test_a_poison_answer_fails_only_its_own_photo(fake, alice, settings, kind):  # noqa: F811
    # The client refuses answers larger than any envelope (a base64 result at most).
    settings.MAX_UPLOAD_SIZE = 1024 * 1024
    before = prepared(alice, seed=1)
    fake.poison_next(kind, after=1)  # the second photo sent
    poisoned = prepared(alice, seed=2)
    after = prepared(alice, seed=3)
    # The poisoned photo goes second: the dispatcher must live on to send the third.
    Restoration.objects.filter(pk=after.pk).update(created_at=poisoned.created_at)
    finish(seconds=30)

    for job in (before, after):
        job.refresh_from_db()
        assert job.state == State.DONE, (kind, job.error_code, job.error_message)
    poisoned.refresh_from_db()
    if kind == "progress_absurd":
        # Progress and times only pace the polls: odd ones are read as none given.
        assert poisoned.state == State.DONE, (poisoned.error_code, poisoned.error_message)
        assert 0 <= poisoned.remote_seconds < 60
    else:
        code, words = EXPECTED[kind]
        assert poisoned.state == State.FAILED
        assert poisoned.error_code == code, poisoned.error_message
        assert words in poisoned.error_message
        assert "Traceback" not in poisoned.error_message
    assert fake.create_count() == 3  # never sent again
    if kind in CREATE_POISONS:
        assert not poisoned.remote_task_id  # nothing unusable was stored or polled


def test_an_unforeseen_error_fails_one_photo_and_the_dispatcher_goes_on(fake, alice):  # noqa: F811
    # A row from before task ids were checked: polling it raises inside the client.
    legacy = prepared(alice, seed=4)
    Restoration.objects.filter(pk=legacy.pk).update(
        state=State.SUBMITTED, remote_task_id="../../admin", submitted_at=legacy.created_at
    )
    Restoration.objects.filter(pk=legacy.pk).update(next_action_at=legacy.created_at)
    other = prepared(alice, seed=5)
    finish(seconds=20)
    legacy.refresh_from_db()
    other.refresh_from_db()
    assert legacy.state == State.FAILED and legacy.error_code == "unexpected_answer"
    assert "could not be handled" in legacy.error_message
    assert other.state == State.DONE, (other.error_code, other.error_message)
