"""Request parsing for the API: JSON bodies, typed fields and query arguments, with exact field errors."""

from flask import abort, request

from engine.errors import Invalid

TRUE, FALSE = ("1", "true", "yes"), ("", "0", "false", "no")
MAX_PER_PAGE = 100


def json_body() -> dict:
    """The request's JSON object, or 400 when the body is missing, not JSON, or not an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="the request body must be a JSON object sent with Content-Type: application/json")
    return body


def text_field(body: dict, name: str) -> str:
    """A required, non-empty string field."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid({name: "must be a string"})
    if not value or not value.strip():
        raise Invalid({name: "is required"})
    return value


def object_field(body: dict, name: str, *, required: bool = False) -> dict | None:
    """An optional (or required) JSON object field."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise Invalid({name: "is required" if value is None else "must be a JSON object"})
    return value


def int_arg(name: str, default: int, *, high: int | None = None) -> int:
    """A positive integer query argument, at most `high`."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= (high or int(raw)):
        raise Invalid({name: f"must be a whole number from 1 to {high}" if high else "must be a whole number from 1"})
    return int(raw)


def choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    """An optional query argument restricted to a few values."""
    raw = request.args.get(name) or None
    if raw is not None and raw not in choices:
        raise Invalid({name: f"must be one of {', '.join(choices)}"})
    return raw


def flag_arg(name: str) -> bool:
    """A boolean query argument: 1/true/yes or 0/false/no."""
    raw = request.args.get(name, "").lower()
    if raw not in TRUE + FALSE:
        raise Invalid({name: "must be true or false"})
    return raw in TRUE
