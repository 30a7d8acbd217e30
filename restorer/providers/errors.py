"""What can go wrong when a restoration provider is called, in terms the pipeline acts on.

Every error is a ``ProviderError`` with:

* ``code``: a short stable string, stored on the restoration row and matched on by code;
* ``message``: a sentence for a person (what happened, what to do);
* ``retryable``: whether trying the same step again later can succeed;
* ``retry_after``: seconds to wait first, when the provider said so;
* ``stops_submissions``: whether no further photo should be submitted until someone fixes the
  configuration or the account (a bad key, no credits);
* ``detail``: what the code saw, for logs (never shown to people, never holds the API key).

No message, detail or repr ever contains the API key: the client never passes it in, and
``scrub()`` removes it from anything the provider echoes back.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: see the module docstring for the attributes."""

    stops_submissions = False

    def __init__(
        self,
        code: str,
        message: str,
        retryable: bool = False,
        retry_after: float | None = None,
        *,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, retryable={self.retryable!r}, "
            f"retry_after={self.retry_after!r}, status={self.status!r})"
        )

    def __reduce__(self):
        # Exceptions with keyword-only arguments do not pickle by default; task queues pickle.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[ProviderError], state: dict) -> ProviderError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced, for anything we log or show."""
    if secret and text:
        return text.replace(secret, "[redacted]")
    return text


# --- errors the API answers with -----------------------------------------------------------


class AuthError(ProviderError):
    """401: the key is wrong or the service is not enabled. Stop submitting; do not retry."""

    stops_submissions = True

    def __init__(self, *, detail: str = "", status: int | None = 401) -> None:
        super().__init__(
            "auth_failed",
            "PicWish rejected the API key, or Old Photo Restoration is not enabled for the "
            "account. Check the configured key and the account's services; no more photos "
            "will be sent to PicWish until this is fixed.",
            False,
            status=status,
            detail=detail,
        )


class RateLimited(ProviderError):
    """429: over the provider's requests-per-second limit. Retry after ``retry_after``."""

    def __init__(
        self, *, retry_after: float | None = None, detail: str = "", status: int | None = 429
    ) -> None:
        super().__init__(
            "rate_limited",
            "PicWish is receiving too many requests from this account right now. The photo "
            "will be tried again shortly; nothing needs to be done.",
            True,
            retry_after,
            status=status,
            detail=detail,
        )


class BadRequest(ProviderError):
    """400: a parameter is missing or wrong. Sending the same request again will not help."""

    def __init__(self, *, detail: str = "", status: int | None = 400) -> None:
        super().__init__(
            "bad_request",
            "PicWish refused the request as invalid (a missing or wrong parameter). Try other "
            "restoration options or another copy of the photo; if it keeps happening, report "
            "it to the site's administrator.",
            False,
            status=status,
            detail=detail,
        )


class NotFound(ProviderError):
    """404: PicWish knows no such task (or, for a create, the API address is wrong)."""

    def __init__(
        self, *, for_create: bool = False, detail: str = "", status: int | None = 404
    ) -> None:
        if for_create:
            message = (
                "PicWish answered 'not found' to a new restoration: the configured API address "
                "is probably wrong. The site's administrator should check it."
            )
        else:
            message = (
                "PicWish no longer knows this restoration task. Start the restoration again "
                "if the result was never received."
            )
        super().__init__("not_found", message, False, status=status, detail=detail)


class ImageTooLarge(ProviderError):
    """413 (or our own check before sending): the file is over PicWish's size limit."""

    def __init__(self, *, detail: str = "", status: int | None = 413) -> None:
        super().__init__(
            "too_large",
            "The photo is too large for PicWish (files must be under 20 MB and at most "
            "2048 x 2048 pixels). Upload a smaller scan or let the site scale it down.",
            False,
            status=status,
            detail=detail,
        )


class ServerError(ProviderError):
    """5xx: a fault on PicWish's side. Retry with backoff."""

    def __init__(
        self, *, status: int | None = 500, retry_after: float | None = None, detail: str = ""
    ) -> None:
        super().__init__(
            "server_error",
            "PicWish had a temporary problem on its side. The photo will be tried again "
            "shortly; nothing needs to be done.",
            True,
            retry_after,
            status=status,
            detail=detail,
        )


class UnexpectedStatus(ProviderError):
    """Any other non-200 status. 402 (no credits) stops submissions; the rest just fail."""

    def __init__(self, *, status: int | None, detail: str = "") -> None:
        if status == 402:
            code = "payment_required"
            message = (
                "PicWish refused the restoration because the account has no credits left. "
                "Top up the PicWish account; no more photos will be sent until then."
            )
        else:
            code = "unexpected_status"
            message = (
                f"PicWish answered with an unexpected status ({status}). The restoration was "
                "stopped; try again later, and tell the site's administrator if it persists."
            )
        super().__init__(code, message, False, status=status, detail=detail)
        self.stops_submissions = status == 402


class MalformedResponse(ProviderError):
    """The answer was not the JSON envelope the API documents. Retryable (reads only)."""

    def __init__(self, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(
            "malformed_response",
            "PicWish sent an answer that could not be understood. It will be asked again "
            "shortly; nothing needs to be done.",
            True,
            status=status,
            detail=detail,
        )


# --- errors of the connection --------------------------------------------------------------


class NetworkError(ProviderError):
    """PicWish could not be reached, or did not answer in time. Retryable."""

    def __init__(self, *, timeout: bool = False, detail: str = "") -> None:
        if timeout:
            code = "timeout"
            message = (
                "PicWish did not answer in time. The photo will be tried again shortly; "
                "nothing needs to be done."
            )
        else:
            code = "network_error"
            message = (
                "PicWish could not be reached over the network. The photo will be tried again "
                "shortly; if this lasts, check the server's internet connection."
            )
        super().__init__(code, message, True, detail=detail)


class CreateOutcomeUnknown(ProviderError):
    """A create request may have reached PicWish but no task id came back.

    Not retryable on purpose: the task may exist and be charged, and sending the photo again
    would pay twice. The pipeline marks the job failed with this message instead.
    """

    def __init__(self, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(
            "create_outcome_unknown",
            "The photo was sent to PicWish but the answer was lost, so it is unknown whether "
            "the restoration started. It was not sent again to avoid paying twice; start the "
            "restoration again if no result appears.",
            False,
            status=status,
            detail=detail,
        )


class InvalidTaskId(ProviderError):
    """A create answered with a task id no poll can use (a path, a control character…).

    Not retryable for the same reason as CreateOutcomeUnknown: a task may have started.
    """

    def __init__(self, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(
            "invalid_task_id",
            "PicWish took this photo but answered with a task id that cannot be used, so "
            "its result cannot be fetched. It was not sent again to avoid paying twice; "
            "start the restoration again if no result appears.",
            False,
            status=status,
            detail=detail,
        )


# --- errors of the task and its result -----------------------------------------------------

# state -> (code, person-facing message). A failed task stays failed; the person may try
# again (PicWish charges only successful tasks, see picwish-api.md).
_TASK_FAILURES: dict[int, tuple[str, str]] = {
    -1: (
        "task_failed",
        "PicWish could not restore this photo. Try again, or try other restoration options.",
    ),
    -2: (
        "task_upload_failed",
        "PicWish restored the photo but could not save the result. Try again.",
    ),
    -3: (
        "task_download_failed",
        "PicWish could not download the photo it was given. Try again.",
    ),
    -5: (
        "task_image_too_large",
        "The photo is too large for PicWish (at most 2048 x 2048 pixels, under 20 MB). Upload "
        "a smaller scan.",
    ),
    -7: (
        "task_invalid_image",
        "PicWish could not read the photo file. Upload it again as a JPEG or PNG.",
    ),
    -8: (
        "task_timeout",
        "PicWish took too long restoring the photo and gave up. Try again later.",
    ),
    -9: (
        "task_internal_error",
        "PicWish hit an internal error while restoring the photo. Try again later.",
    ),
    -10: (
        "task_prohibited_content",
        "PicWish refused the photo because it considers its content prohibited.",
    ),
    -11: (
        "task_empty_result",
        "PicWish finished but produced no result for this photo. Try other restoration options.",
    ),
    -13: (
        "task_cancelled",
        "PicWish cancelled the restoration after an error on its side. Try again later.",
    ),
    -14: (
        "task_content_rejected",
        "PicWish cannot restore this photo: its content does not meet the service's "
        "requirements. Try a clearer scan of a photograph.",
    ),
    -15: (
        "task_insufficient_resources",
        "PicWish is short of capacity right now. Try again later.",
    ),
    -16: (
        "task_prohibited_content",
        "PicWish refused the photo because it considers its content prohibited.",
    ),
    -17: (
        "task_invalid_prompt",
        "PicWish rejected the restoration request as invalid. Try other restoration options.",
    ),
}


class TaskFailed(ProviderError):
    """The task ended with a negative ``state``; ``state`` holds it."""

    def __init__(self, state: int, *, detail: str = "") -> None:
        code, message = _TASK_FAILURES.get(state, _TASK_FAILURES[-1])
        super().__init__(code, message, detail=detail)
        self.state = state


class ResultExpired(ProviderError):
    """The result URL no longer works. Fetch a fresh URL with ``get_task``; never re-create."""

    def __init__(self, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(
            "result_expired",
            "The link to the restored photo expired before it was saved. A fresh link will be "
            "requested; nothing needs to be done.",
            True,
            status=status,
            detail=detail,
        )


class InvalidResult(ProviderError):
    """The result is not an acceptable image (not an image, broken, or too big)."""

    def __init__(self, *, too_large: bool = False, detail: str = "") -> None:
        if too_large:
            code = "result_too_large"
            message = (
                "PicWish sent back a result that is larger than this site accepts, so it was "
                "not saved. An administrator can raise the limit."
            )
        else:
            code = "invalid_result"
            message = (
                "PicWish sent back something that is not a usable image, so it was not saved. "
                "Try the restoration again."
            )
        super().__init__(code, message, False, detail=detail)


class DeadlineExceeded(ProviderError):
    """The task did not finish within the polling deadline."""

    def __init__(self, *, seconds: float, detail: str = "") -> None:
        super().__init__(
            "deadline_exceeded",
            f"PicWish had not finished restoring the photo after {seconds:g} seconds, so "
            "waiting stopped. PicWish may still finish it; check again later.",
            False,
            detail=detail,
        )
        self.seconds = seconds
