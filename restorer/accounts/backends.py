"""Logging in with a username or an e-mail address, in the same field."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def account_for(identifier: str):
    """The one active account `identifier` names, or None.

    A username (as typed) wins; otherwise an address names the account that uses it,
    whatever its case. The database keeps an address to one account (the index of
    accounts' migration 0001); should two ever share one, it names neither, so logging in
    with it never picks one of them.
    """
    User = get_user_model()
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    by_name = User.objects.filter(username=identifier).first()
    if by_name is not None or "@" not in identifier:
        return by_name
    found = list(User.objects.filter(email__iexact=identifier, is_active=True)[:2])
    return found[0] if len(found) == 1 else None


class EmailBackend(ModelBackend):
    """Django's ModelBackend, listed first in settings, answers for usernames; this one
    for addresses that are nobody's username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or "@" not in username or password is None:
            return None
        User = get_user_model()
        if User.objects.filter(username=username.strip()).exists():
            return None  # a username: ModelBackend's to answer
        user = account_for(username)
        if user is None:
            # Hash once all the same, so an unknown address takes as long as a known one.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
