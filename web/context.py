"""Small accessors views share: the platform, the signed-in officer, request parsing."""

from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user


def platform():
    return current_app.extensions["bharatpol"]


def me() -> int:
    """The signed-in officer's user id."""
    return current_user.id


def page_arg() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def safe_next(target: str | None, default: str) -> str:
    """A redirect target only if it is a path on this site (no scheme, host, backslash or control character)."""
    target = target or ""
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 or c.isspace() for c in target)):
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default
