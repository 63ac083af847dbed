"""Web fixtures: the app on the test platform, a client, and sign-in helpers."""

import pytest

from web import create_app


@pytest.fixture
def app(platform, deployed):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"}, platform=platform)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """login("uo.delhi.crime") signs the client in with the demo password."""
    def sign_in(username, password="bharatpol-demo"):
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return response
    return sign_in
