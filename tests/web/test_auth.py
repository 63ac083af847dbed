"""Signing in and out: messages, lock-out, the session cookie, the forced password change, safe redirects,
security headers."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import update

from engine.bootstrap import build_platform
from engine.directory import agency_by_code, new_user, unit_by_code, user_by_username
from engine.models import User
from web import create_app

pytestmark = pytest.mark.integration

DEMO = "bharatpol-demo"
FIRST = "given-by-the-admin-1"
CSP = ("default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin", "Content-Security-Policy": CSP}
WRONG = "wrong username or password"
VOID = {"input", "br", "meta", "link", "img", "hr"}


class Page(HTMLParser):
    """Flash messages, field errors (id → text), input attributes by id, and form actions of a page."""

    def __init__(self, response):
        super().__init__()
        self.flashes, self.errors, self.inputs, self.actions, self._open = [], {}, {}, [], []
        self.feed(response.get_data(as_text=True))

    def handle_starttag(self, tag, attrs):
        a = {k: "" if v is None else v for k, v in attrs}
        if tag == "input" and "id" in a:
            self.inputs[a["id"]] = a
        if tag == "form":
            self.actions.append(a.get("action"))
        classes = a.get("class", "").split()
        if tag not in VOID:
            self._open.append([tag, a, classes, ""])

    def handle_endtag(self, tag):
        while self._open:
            open_tag, a, classes, text = self._open.pop()
            text = " ".join(text.split())
            if "flash" in classes:
                self.flashes.append((" ".join(classes), text))
            if "error" in classes and a.get("id", "").startswith("err-"):
                self.errors[a["id"][4:]] = text
            if open_tag == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element[3] += data


def _sign_in(client, username, password=DEMO, **query):
    return client.post("/login", query_string=query, data={"username": username, "password": password})


def _session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def _user(platform, username) -> User:
    with platform.uow() as uow:
        return user_by_username(uow.session, username)


@pytest.fixture
def newcomer(platform, deployed):
    """A real (non-demo) unit officer's account an ILO just created: it must change its password (unit
    officers need no second factor, so nothing else stands in the way)."""
    with platform.uow() as uow:
        s = uow.session
        user = new_user(s, username="uo.delhi.south2", full_name="Inspector, South District", role="UO",
                        agency=agency_by_code(s, "DELHI"), unit=unit_by_code(s, "DELHI-SOUTH"), password=FIRST)
        uow.commit()
        assert (user.must_change_password, user.is_demo) == (True, False)
        return user.id


def test_sign_in_redirects_home_with_a_welcome(client, deployed):
    response = _sign_in(client, "uo.delhi.crime")
    assert (response.status_code, response.location) == (302, "/")
    home = client.get("/")
    assert (home.status_code, Page(home).flashes) == (200, [("flash flash-success",
                                                             "Signed in as SP Crime Branch, Delhi.")])
    assert Page(client.get("/")).flashes == []


@pytest.mark.parametrize(("username", "password"), [("uo.delhi.crime", "not-the-password"),
                                                    ("no.such.officer", DEMO), ("", "")])
def test_failed_sign_in_says_the_same_for_any_username(client, deployed, username, password):
    response = _sign_in(client, username, password)
    page = Page(response)
    assert (response.status_code, page.flashes) == (401, [("flash flash-error", WRONG)])
    assert page.inputs["username"]["value"] == username
    assert page.inputs["password"].get("value") is None
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes(client, platform, deployed):
    for _attempt in range(5):
        failed = _sign_in(client, "uo.delhi.crime", "not-the-password")
        assert (failed.status_code, Page(failed).flashes) == (401, [("flash flash-error", WRONG)])
    locked_until = _user(platform, "uo.delhi.crime").locked_until
    lock = f"account locked after repeated failures; try again after {locked_until:%H:%M} UTC"
    assert timedelta(minutes=14, seconds=55) < locked_until - datetime.now(UTC) <= timedelta(minutes=15)
    sixth = _sign_in(client, "uo.delhi.crime")
    assert (sixth.status_code, Page(sixth).flashes) == (401, [("flash flash-error", lock)])
    assert client.get("/").status_code == 302
    token = client.post("/api/v1/tokens", json={"username": "uo.delhi.crime", "password": DEMO})
    assert (token.status_code, token.json) == (401, {"error": lock})
    assert _sign_in(client, "uo.delhi.south").status_code == 302  # other accounts are not affected

    with platform.uow() as uow:
        uow.session.execute(update(User).where(User.username == "uo.delhi.crime")
                            .values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
        uow.commit()
    assert _sign_in(client, "uo.delhi.crime").status_code == 302
    user = _user(platform, "uo.delhi.crime")
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_a_successful_sign_in_resets_the_failure_count(client, platform, deployed):
    for _attempt in range(4):
        _sign_in(client, "uo.delhi.crime", "not-the-password")
    assert _sign_in(client, "uo.delhi.crime").status_code == 302
    for _attempt in range(4):
        _sign_in(client, "uo.delhi.crime", "not-the-password")
    assert (_sign_in(client, "uo.delhi.crime").status_code, _user(platform, "uo.delhi.crime").locked_until) == (
        302, None)


def test_sign_out_clears_the_session(client, deployed):
    _sign_in(client, "ilo.delhi")
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert (response.status_code, response.location) == (302, "/login")
    assert _session(client) == {"_flashes": [("success", "You have signed out.")]}
    login = client.get("/login")
    assert Page(login).flashes == [("flash flash-success", "You have signed out.")]
    home = client.get("/")
    assert (home.status_code, home.location) == (302, "/login?next=%2F")
    assert client.get("/logout").status_code == 405  # a link or an image cannot sign anyone out


def test_a_session_cookie_is_dead_after_sign_out(client, deployed):
    _sign_in(client, "ilo.delhi")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    client.set_cookie("session", stolen)
    assert client.get("/").status_code == 302


def test_session_cookie_is_http_only_and_same_site_lax(client, deployed):
    response = _sign_in(client, "uo.delhi.crime")
    (cookie,) = response.headers.getlist("Set-Cookie")
    name, attributes = cookie.split("=", 1)[0], sorted(part.strip() for part in cookie.split(";")[1:])
    assert (name, attributes) == ("session", ["HttpOnly", "Path=/", "SameSite=Lax"])


def test_session_cookie_is_secure_in_production(platform, deployed):
    settings = replace(platform.settings, production=True, secret_key="a-production-secret")
    production = build_platform(settings)
    try:
        client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, platform=production).test_client()
        (cookie,) = _sign_in(client, "uo.delhi.crime").headers.getlist("Set-Cookie")
        assert sorted(part.strip() for part in cookie.split(";")[1:]) == ["HttpOnly", "Path=/", "SameSite=Lax",
                                                                         "Secure"]
    finally:
        production.engine.dispose()


def test_sign_in_starts_a_fresh_session(client, deployed):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    planted = client.get_cookie("session").value
    _sign_in(client, "uo.delhi.crime")
    session = _session(client)
    assert client.get_cookie("session").value != planted
    assert (sorted(session), session["_user_id"]) == (["_flashes", "_fresh", "_id", "_user_id"],
                                                      f'{deployed["uo.delhi.crime"]}.0')  # user id . session epoch


@pytest.mark.parametrize(("target", "location"), [
    ("/cases", "/cases"),
    ("/cases?status=open", "/cases?status=open"),
    ("", "/"),
    ("//evil.example", "/"),
    ("//evil.example/login", "/"),
    ("http://evil.example", "/"),
    ("https://evil.example/", "/"),
    ("evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/\\evil.example", "/"),  # a backslash is refused: some browsers read it as a slash
    ("/\t/evil.example", "/"),
])
def test_next_only_leads_to_this_site(client, deployed, target, location):
    response = _sign_in(client, "uo.delhi.crime", next=target)
    assert (response.status_code, response.location) == (302, location)


def test_next_survives_the_sign_in_form(client, deployed):
    asked = client.get("/cases?status=open")
    assert (asked.status_code, asked.location) == (302, "/login?next=%2Fcases%3Fstatus%3Dopen")
    form = client.get(asked.location)
    assert Page(form).actions == ["/login?next=/cases?status%3Dopen"]
    assert Page(form).flashes == [("flash flash-message", "Please sign in to continue.")]
    signed_in = client.post(Page(form).actions[0], data={"username": "ilo.delhi", "password": DEMO})
    assert signed_in.location == "/cases?status=open"


def test_new_account_must_change_its_password_first(client, newcomer):
    signed_in = _sign_in(client, "uo.delhi.south2", FIRST)
    assert (signed_in.status_code, signed_in.location) == (302, "/")
    for method, path in [("GET", "/"), ("GET", "/tasks"), ("GET", "/cases"), ("GET", "/cases/new"),
                         ("GET", "/cases/1"), ("GET", "/tasks/1"), ("POST", "/cases/new"), ("POST", "/tasks/1/claim")]:
        response = client.open(path, method=method)
        assert (method, path, response.status_code, response.location) == (method, path, 302, "/account/password")
    form = client.get("/account/password")
    assert (form.status_code, Page(form).flashes) == (200, [
        ("flash flash-success", "Signed in as Inspector, South District."),
        ("flash flash-warning", "This account was created for you by an administrator: choose your own password "
                                "before you continue.")])
    with client.get("/static/app.css") as stylesheet:
        assert stylesheet.status_code == 200
    changed = client.post("/account/password", data={"current": FIRST, "new": "my-own-passphrase-9",
                                                     "confirm": "my-own-passphrase-9"})
    assert (changed.status_code, changed.location) == (302, "/")
    home = client.get("/")
    assert (home.status_code, Page(home).flashes) == (200, [("flash flash-success", "Your password has been changed.")])
    assert Page(client.get("/account/password")).flashes == []


def test_forced_change_still_allows_signing_out(client, newcomer):
    _sign_in(client, "uo.delhi.south2", FIRST)
    response = client.post("/logout")
    assert (response.status_code, response.location) == (302, "/login")
    assert client.get("/account/password").location == "/login?next=%2Faccount%2Fpassword"


@pytest.mark.parametrize(("form", "errors"), [
    ({"current": "not-my-password", "new": "my-own-passphrase-9", "confirm": "my-own-passphrase-9"},
     {"current": "is not your current password"}),
    ({"current": FIRST, "new": "short-pass", "confirm": "short-pass"}, {"new": "must be at least 12 characters"}),
    ({"current": FIRST, "new": "my-own-passphrase-9", "confirm": "my-own-passphrase-0"},
     {"confirm": "does not match the new password"}),
    ({"current": FIRST, "new": FIRST, "confirm": FIRST}, {"new": "must differ from the current password"}),
    ({"current": "", "new": "", "confirm": ""},
     {"current": "is not your current password", "new": "must be at least 12 characters"}),
])
def test_password_change_errors(client, platform, newcomer, form, errors):
    _sign_in(client, "uo.delhi.south2", FIRST)
    response = client.post("/account/password", data=form)
    page = Page(response)
    assert (response.status_code, page.errors) == (422, errors)
    assert sorted(name for name, attrs in page.inputs.items() if attrs.get("aria-invalid") == "true") == sorted(errors)
    assert [attrs.get("value") for attrs in page.inputs.values() if attrs.get("type") == "password"] == [None] * 3
    assert client.get("/").location == "/account/password"
    assert _user(platform, "uo.delhi.south2").must_change_password is True


def test_changed_password_replaces_the_old_one(client, platform, deployed):
    _sign_in(client, "uo.delhi.crime")
    changed = client.post("/account/password", data={"current": DEMO, "new": "a-better-passphrase",
                                                     "confirm": "a-better-passphrase"})
    assert (changed.status_code, changed.location) == (302, "/")
    client.post("/logout")
    assert (_sign_in(client, "uo.delhi.crime").status_code, _sign_in(client, "uo.delhi.crime",
                                                                      "a-better-passphrase").status_code) == (401, 302)


@pytest.mark.parametrize("path", ["/login", "/", "/cases/999", "/api/v1/openapi.json", "/api/v1/tasks",
                                  "/static/app.css"])
def test_security_headers_on_every_answer(client, deployed, path):
    response = client.get(path)
    response.close()
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


def test_security_headers_when_signed_in(client, deployed):
    _sign_in(client, "ipcu.officer")
    for path, status in (("/", 200), ("/cases/999", 404), ("/tasks/999", 404)):
        response = client.get(path)
        assert (response.status_code, {name: response.headers.get(name) for name in SECURITY_HEADERS}) == (
            status, SECURITY_HEADERS)
