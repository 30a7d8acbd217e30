"""Providers configured from settings: the one place the API key is read."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from restorer.providers.picwish import PicWishClient
from restorer.ratelimit import SharedRateLimiter


def picwish_limiter() -> SharedRateLimiter:
    return SharedRateLimiter("picwish", settings.PICWISH_QPS)


def picwish_client(
    limiter: SharedRateLimiter | None = None, *, throttled: bool = True
) -> PicWishClient:
    """The client; unless `throttled` is false, each call first waits for its slot.

    Unthrottled (the dispatcher waits for its slots itself), a `limiter` given still hears
    when each call goes out, so a late call moves the next slot.
    """
    throttle = on_send = None
    if throttled:
        throttle = limiter if limiter is not None else picwish_limiter()
        on_send = throttle.sent
    elif limiter is not None:
        on_send = limiter.sent
    return PicWishClient(
        settings.PICWISH_API_URL,
        settings.PICWISH_API_KEY,
        timeout=(5.0, settings.PICWISH_REQUEST_TIMEOUT),
        poll_interval=settings.PICWISH_POLL_INTERVAL,
        poll_timeout=settings.PICWISH_POLL_TIMEOUT,
        allowed_result_hosts=frozenset(settings.PICWISH_ALLOWED_RESULT_HOSTS),
        max_result_bytes=settings.MAX_UPLOAD_SIZE,
        max_result_pixels=settings.MAX_IMAGE_PIXELS,
        throttle=throttle,
        on_send=on_send,
    )


@lru_cache(maxsize=1)
def _colorizer(path: str):
    from restorer.engine.colorize import load_colorizer

    return load_colorizer(path)


def colorizer():
    path = getattr(settings, "RESTORER_COLORIZE_MODEL", "")
    return _colorizer(path) if path else None


def colorize_unavailable_reason() -> str:
    """Why black-and-white photos can't be colorized here, or "" when they can."""
    if settings.RESTORER_PROVIDER == "picwish":
        return ""
    if getattr(settings, "RESTORER_COLORIZE_MODEL", ""):
        return ""
    return (
        "Adding colour to black-and-white photos is unavailable: this site has no "
        "colorization model. Faded colour photos still get their colour back."
    )
