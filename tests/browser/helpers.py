"""Helpers of the browser tests: viewport sizes, screenshots, logging in."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url("**/")


def invitation_path() -> str:
    """The path of the invitation link in the last e-mail sent."""
    import re

    from django.core import mail

    return re.search(r"https?://[^/\s]+(/invitations/\S+)", mail.outbox[-1].body).group(1)


def sign_up_from_invitation(page, username: str, password: str) -> None:
    """On an invitation's page: sign up with the address it was sent to (left as filled)."""
    page.click("main a:has-text('Sign up')")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password1"]', password)
    page.fill('input[name="password2"]', password)
