"""A task's state in PicWish's codes, computed once from its restoration."""

from __future__ import annotations

from dataclasses import dataclass

from restorer.models import Restoration
from restorer.providers.errors import _TASK_FAILURES

State = Restoration.State

DONE = 1
PREPARING = 2
WAITING = 3
PROCESSING = 4
FAILED = -1
DOWNLOAD_FAILED = -3
TOO_LARGE = -5
INVALID_IMAGE = -7
TIMEOUT = -8

# Our own failure codes (Restoration.error_code) in PicWish's terms; PicWish's own
# failures keep their state (restorer/providers/errors.py names them).
_FAILURE_STATES: dict[str, int] = {code: state for state, (code, _) in _TASK_FAILURES.items()}
_FAILURE_STATES.update(
    {
        "unreadable": INVALID_IMAGE,
        "invalid_result": -2,
        "too_large": TOO_LARGE,
        "deadline_exceeded": TIMEOUT,
        "engine_stopped": TIMEOUT,
        "cancelled": -13,
    }
)

_DETAILS = {
    DONE: "Complete",
    PREPARING: "Preparing",
    WAITING: "Waiting",
    PROCESSING: "Processing",
}


@dataclass(frozen=True)
class TaskState:
    state: int
    progress: int
    detail: str

    @property
    def is_final(self) -> bool:
        return self.state == DONE or self.state < 0


def state_of(task) -> TaskState:
    """What the status endpoint says about an ApiTask."""
    if task.failure_state is not None:
        return TaskState(task.failure_state, 0, task.failure_detail or "Failed")
    job = task.restoration
    if job is None:
        return TaskState(PREPARING, 0, _DETAILS[PREPARING])  # its picture is being fetched
    if job.state == State.DONE:
        return TaskState(DONE, 100, _DETAILS[DONE])
    if job.state in (State.FAILED, State.CANCELLED):
        code = _FAILURE_STATES.get(job.error_code, FAILED)
        return TaskState(code, 0, job.error_message or "Failed")
    if job.state == State.QUEUED:
        if not job.input_ready:
            return TaskState(PREPARING, 0, _DETAILS[PREPARING])
        return TaskState(WAITING, 0, _DETAILS[WAITING])
    # submitting, submitted, downloading, processing: some clients poll only while 4
    return TaskState(PROCESSING, min(job.progress, 99), _DETAILS[PROCESSING])
