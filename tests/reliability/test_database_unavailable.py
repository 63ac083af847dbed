"""A database that cannot be reached is a 503 the client may retry (JSON for the API, a page that needs no
database otherwise), never a 500 with a stack trace; other database errors stay 500s."""

from dataclasses import replace

import pytest
from reliability_helpers import free_port
from sqlalchemy.exc import IntegrityError, InterfaceError
from werkzeug.exceptions import InternalServerError

from engine.bootstrap import build_platform
from engine.config import load_settings
from web import create_app
from web.errors import UNAVAILABLE, UNAVAILABLE_PAGE

pytestmark = pytest.mark.integration


@pytest.fixture
def unreachable(tmp_path):
    """The app on a PostgreSQL address where nothing listens (connection refused at once)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/bharatpol"
    platform = build_platform(replace(load_settings({}), database_url=url, data_dir=tmp_path))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"}, platform=platform)
    yield app
    platform.engine.dispose()


def test_api_on_an_unreachable_database_answers_json_503(unreachable):
    response = unreachable.test_client().get("/api/v1/tasks", headers={"Authorization": "Bearer some-token"})
    assert (response.status_code, response.json, response.headers["Retry-After"]) == (503, {"error": UNAVAILABLE}, "5")


def test_sign_in_on_an_unreachable_database_answers_a_503_page(unreachable):
    response = unreachable.test_client().post("/login", data={"username": "ilo.delhi", "password": "x"})
    assert (response.status_code, response.mimetype, response.get_data(as_text=True)) == (
        503, "text/html", UNAVAILABLE_PAGE)


def test_a_dropped_connection_is_503_but_a_constraint_violation_stays_500(unreachable):
    def dropped():
        raise InterfaceError("SELECT 1", {}, Exception("connection already closed"), connection_invalidated=True)

    def duplicate():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    unreachable.add_url_rule("/api/v1/dropped", view_func=dropped)
    unreachable.add_url_rule("/api/v1/duplicate", view_func=duplicate)
    unreachable.config["PROPAGATE_EXCEPTIONS"] = False  # answer the 500 as production does
    client = unreachable.test_client()
    assert (client.get("/api/v1/dropped").status_code, client.get("/api/v1/dropped").json) == (
        503, {"error": UNAVAILABLE})
    assert (client.get("/api/v1/duplicate").status_code, client.get("/api/v1/duplicate").json) == (
        500, {"error": InternalServerError.description})
