"""Request parsing for the API: JSON bodies, typed fields and query arguments, with exact field errors."""

from flask import abort, request

from engine.errors import Invalid

TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")
MAX_PER_PAGE = 100
MAX_ID = 2**31 - 1  # id columns are 32-bit integers on PostgreSQL
MAX_PAGE = 1_000_000  # beyond it the row offset no longer fits a database integer
BAD_TEXT = "must not contain NUL characters or unpaired surrogates"


def json_body() -> dict:
    """The request's JSON object, or 400 when the body is missing, not JSON, or not an object."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON decoder goes; silent=True only covers ValueError
        abort(400, description="the request body is nested too deeply")
    if not isinstance(body, dict):
        abort(400, description="the request body must be a JSON object sent with Content-Type: application/json")
    refused = [key for key, value in body.items() if not storable(key) or not storable(value)]
    if refused:
        raise Invalid({key if storable(key) else "(key)": BAD_TEXT for key in refused})
    return body


def storable(value) -> bool:
    """True when no text inside value (keys included) holds NUL or an unpaired surrogate, which PostgreSQL
    text and UTF-8 cannot store; walked without recursion, as a body may be nested hundreds deep."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and ("\x00" in item or not item.isascii() and not _utf8(item)):
            return False
        if isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_bad_text() -> None:
    """422 naming each query argument, form field or file name that cannot be stored (see storable)."""
    pairs = [*request.args.items(multi=True), *request.form.items(multi=True),
             *((name, file.filename or "") for name, file in request.files.items(multi=True))]
    refused = sorted({name if storable(name) else "(name)" for name, value in pairs
                      if not storable(name) or not storable(value)})
    if refused:
        raise Invalid(dict.fromkeys(refused, BAD_TEXT))


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
    # at most 18 digits: a longer number is out of every range, and int() refuses thousands of digits
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
    if not 1 <= value <= (high or value):
        raise Invalid({name: f"must be a whole number from 1 to {high}" if high else "must be a whole number from 1"})
    return value


def ids_in_range(values: dict) -> None:
    """404 for a path id beyond MAX_ID: no such row can exist, and the database would refuse the number."""
    if any(isinstance(value, int) and value > MAX_ID for value in (values or {}).values()):
        abort(404)


def page_args() -> dict:
    """The `page` and `per_page` query arguments, bounded."""
    page = int_arg("page", 1)
    if page > MAX_PAGE:
        raise Invalid({"page": f"must be at most {MAX_PAGE}"})
    return {"page": page, "per_page": int_arg("per_page", 25, high=MAX_PER_PAGE)}


def choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    """An optional query argument restricted to a few values (an empty value is none of them)."""
    raw = request.args.get(name)
    if raw is not None and raw not in choices:
        raise Invalid({name: f"must be one of {', '.join(choices)}"})
    return raw


def flag_arg(name: str) -> bool:
    """A boolean query argument: 1/true/yes or 0/false/no; absent is false, empty is neither."""
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.lower() not in TRUE + FALSE:
        raise Invalid({name: "must be true or false"})
    return raw.lower() in TRUE
