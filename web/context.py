"""Small accessors views share: the platform, the signed-in officer, request parsing."""

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
