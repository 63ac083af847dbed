"""Domain errors mapped to HTTP status codes, once: JSON for the API, a page otherwise."""

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, DeployError, Forbidden, Invalid, NotFound
from engine.services.accounts import SignInFailed

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422, DeployError: 422, SignInFailed: 401}
CSP = ("default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
TITLES = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
          409: "Conflict", 413: "File too large", 422: "Invalid data", 500: "Something went wrong"}
UNAVAILABLE = "The database is unavailable for a moment (restarting or unreachable). Try again shortly."
RETRY_AFTER_S = "5"
# a standalone page: the site's layout asks the database for the officer and the unread counts
UNAVAILABLE_PAGE = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Service unavailable · '
                    "BHARATPOL</title></head><body><h1>Service unavailable</h1><p>" + UNAVAILABLE
                    + "</p></body></html>")


def init_app(app):
    for error_class, status in STATUS.items():
        app.register_error_handler(error_class, _domain(status))
    app.register_error_handler(CSRFError, _csrf)
    for error_class in (OperationalError, PoolTimeout, DBAPIError):
        app.register_error_handler(error_class, _database_unavailable)
    app.register_error_handler(HTTPException, _http)
    app.after_request(_security_headers)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _domain(status):
    def handle(exc):
        if _wants_json():
            body = {"errors": exc.errors} if isinstance(exc, Invalid) else {"error": str(exc)}
            if isinstance(exc, DeployError):
                body = {"errors": {exc.filename: f"[{exc.element}] {exc.reason}" if exc.element else exc.reason}}
            return jsonify(body), status
        if isinstance(exc, SignInFailed):
            flash(str(exc), "error")
            return render_template("auth/login.html", username=request.form.get("username", "")), 401
        return render_template("errors/error.html", status=status, title=TITLES[status], message=str(exc)), status
    return handle


def _database_unavailable(exc):
    """A lost or refused database connection is a 503 the client may retry, not a 500 with a stack trace.

    Other DBAPI errors (integrity, data) stay bugs: they are re-raised and answered 500 as before."""
    if isinstance(exc, DBAPIError) and not (isinstance(exc, OperationalError) or exc.connection_invalidated):
        raise exc
    current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                               str(exc).splitlines()[0])
    headers = {"Retry-After": RETRY_AFTER_S}
    if _wants_json():
        return jsonify(error=UNAVAILABLE), 503, headers
    return UNAVAILABLE_PAGE, 503, {**headers, "Content-Type": "text/html"}


def _csrf(exc):
    if request.endpoint == "auth.login":
        flash("Your sign-in form had expired; please sign in again.", "error")
        return redirect(url_for("auth.login"))
    return render_template("errors/error.html", status=400, title="Form expired",
                           message="The form had expired or was not sent from this site. Go back, reload "
                                   "the page and try again."), 400


def _http(exc):
    if _wants_json():
        return jsonify({"error": exc.description}), exc.code
    return render_template("errors/error.html", status=exc.code, title=TITLES.get(exc.code, exc.name),
                           message=exc.description), exc.code


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response
