"""Restoration providers: the PicWish client (``picwish``) and what providers share."""

from restorer.providers.base import RestoreOptions

__all__ = ["RestoreOptions"]
