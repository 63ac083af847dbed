"""REST API under /api/v1 (JSON, bearer tokens)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from web.api import routes  # noqa: E402,F401 - registers the routes on bp
