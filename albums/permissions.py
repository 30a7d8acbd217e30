"""Who may do what with an album: one function per kind of action.

For now an album's owner may do everything and the people it is shared with may
only look. Views ask these, never `album.owner_id == user.id` themselves, so that
roles (a member who may add details, say) change here only.
"""

from __future__ import annotations

from albums.models import Album, AlbumQuerySet


def viewable_albums(user) -> AlbumQuerySet:
    """The albums a person may look at (and find photos of in search)."""
    return Album.objects.visible_to(user)


def may_view_album(user, album: Album) -> bool:
    return viewable_albums(user).filter(pk=album.pk).exists()


def may_edit_photo_details(user, album: Album) -> bool:
    """The story, date, place and people of the album's photos."""
    return user.is_authenticated and album.owner_id == user.id


def may_change_album(user, album: Album) -> bool:
    """Order, restore, move, delete its photos, and its own settings."""
    return user.is_authenticated and album.owner_id == user.id
