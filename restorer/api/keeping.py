"""Keeping a key's results in one of its owner's albums, when the owner asks for it.

The gallery (albums) provides how, at start-up: the restoration service never imports
it (DESIGN.md). Without a provider, or for a key with no album, a client's task stays
out of every album and is deleted after API_RESULT_RETENTION.
"""

from __future__ import annotations

from typing import Protocol


class AlbumKeeper(Protocol):
    def album_choices(self, owner) -> list[tuple[str, str]]:
        """(code, title) of the albums `owner` may keep API results in."""

    def keep(self, *, owner, album_code: str, data: bytes, extension: str, options):
        """Add the picture to the album and restore it with `options`; its Restoration,
        or None when the album is gone."""


_keeper: AlbumKeeper | None = None


def provide(keeper: AlbumKeeper) -> None:
    global _keeper
    _keeper = keeper


def keeper() -> AlbumKeeper | None:
    return _keeper


def album_choices(owner) -> list[tuple[str, str]]:
    return _keeper.album_choices(owner) if _keeper is not None else []
