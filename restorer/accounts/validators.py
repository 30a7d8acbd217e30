"""Passwords that are a common word dressed up ("Photos2024", "P@ssw0rd!") are refused."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i"})  # fmt: skip
# Words anyone would try first against a site about old photos.
SITE_WORDS = {
    "photo", "photos", "picture", "pictures", "album", "albums", "family", "memories",
    "restore", "restorer", "grandma", "grandpa", "vintage", "archive", "welcome",
}  # fmt: skip


class CommonPatternValidator:
    """Strips digits and symbols from both ends, undoes look-alike letters, and refuses
    what is left when it is a common password, a word of this site, or its name."""

    def __init__(self) -> None:
        self.common = CommonPasswordValidator().passwords

    def _core(self, password: str) -> str:
        core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.strip().lower())
        return core.translate(_LEET)

    def validate(self, password: str, user=None) -> None:
        raw = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.strip().lower())
        site = {word.lower() for word in re.findall(r"\w+", settings.SITE_NAME)}
        for core in {raw, self._core(password), self._core(password).replace(" ", "")}:
            if len(core) < 4 or core in self.common or core in SITE_WORDS | site:
                raise ValidationError(
                    "This password is a common word with numbers or symbols added, which "
                    "is among the first things guessed. Use a few unrelated words instead.",
                    code="password_common_pattern",
                )

    def get_help_text(self) -> str:
        return "Your password can’t be a common word with numbers or symbols added."
