"""Bearer-token authentication for the REST API; the cookie session is never consulted here."""

from functools import wraps

from flask import g, jsonify, request

from engine.services.accounts import user_for_token
from web.api import bp
from web.context import platform

CHALLENGE = 'Bearer realm="BHARATPOL"'


def token_required(view):
    """Run the view only for a valid, unexpired token; its user id is kept in g.user_id."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("send 'Authorization: Bearer <token>'; get a token from POST /api/v1/tokens", None)
        user = user_for_token(platform(), token.strip())
        if user is None:
            return _unauthorized("the token is invalid or has expired; get a new one", "invalid_token")
        if user.must_change_password:
            # real accounts first replace the password an administrator gave them (demo accounts are exempt)
            return jsonify(error="change the password you were given (sign in on the web) before using the API"), 403
        g.user_id, g.username = user.id, user.username
        return view(*args, **kwargs)
    return wrapper


def me() -> int:
    """The API caller's user id."""
    return g.user_id


def my_username() -> str:
    """The API caller's username."""
    return g.username


def _unauthorized(message: str, error: str | None):
    challenge = f'{CHALLENGE}, error="{error}"' if error else CHALLENGE
    return jsonify(error=message), 401, {"WWW-Authenticate": challenge}


@bp.after_request
def _api_headers(response):
    """Every 401 names the scheme to use; API answers carry case data, so nothing is cached."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", CHALLENGE)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
