"""Public identifiers: random, unguessable, never a database primary key."""

import secrets

_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_code() -> str:
    """A 12-character identifier (60 random bits), easy to read aloud."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
