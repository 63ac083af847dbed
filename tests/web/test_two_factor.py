"""Two-factor sign-in (TOTP) for IPCU and ILO accounts: enrolment, sign-in, replay, API tokens."""

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine

from engine.directory import agency_by_code, new_user
from engine.services._common import now

pytestmark = pytest.mark.integration
PASSWORD = "a-long-enough-password"


@pytest.fixture
def ilo(platform, deployed):
    with platform.uow() as uow:
        new_user(uow.session, username="ilo.nia.2", full_name="Second ILO, NIA", role="ILO",
                 agency=agency_by_code(uow.session, "NIA"), password=PASSWORD, must_change_password=False)
        uow.commit()
    return "ilo.nia.2"


def _enrol(client, username) -> str:
    client.post("/login", data={"username": username, "password": PASSWORD})
    assert client.get("/").headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret" class="secret">([A-Z2-7]+)<', page).group(1)
    done = client.post("/account/two-factor", data={"otp": pyotp.TOTP(secret).now()})
    assert done.headers["Location"] == "/"
    client.post("/logout")
    return secret


def test_ilo_must_enrol_then_signs_in_with_a_code(client, ilo):
    secret = _enrol(client, ilo)
    refused = client.post("/login", data={"username": ilo, "password": PASSWORD})
    assert refused.status_code == 401
    assert "enter the current code from your authenticator app" in refused.get_data(as_text=True)
    with time_machine.travel(now() + timedelta(seconds=61), tick=False):
        ok = client.post("/login", data={"username": ilo, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()})
        assert (ok.status_code, ok.headers["Location"]) == (302, "/")
        client.post("/logout")
        replay = client.post("/login", data={"username": ilo, "password": PASSWORD,
                                             "otp": pyotp.TOTP(secret).now()})
    assert replay.status_code == 401
    assert "wrong or already used authentication code" in replay.get_data(as_text=True)


def test_wrong_code_at_enrolment_keeps_two_factor_off(client, ilo):
    client.post("/login", data={"username": ilo, "password": PASSWORD})
    client.get("/account/two-factor")
    wrong = client.post("/account/two-factor", data={"otp": "000000"})
    assert wrong.status_code == 422
    assert "that code is not the one your authenticator app shows now" in wrong.get_data(as_text=True)
    assert client.get("/tasks").headers["Location"] == "/account/two-factor"


def test_api_token_needs_the_code_once_enrolled(client, ilo):
    assert client.post("/api/v1/tokens", json={"username": ilo, "password": PASSWORD}).json == {
        "error": "set up two-factor sign-in (sign in on the web) before using the API"}
    secret = _enrol(client, ilo)
    assert client.post("/api/v1/tokens", json={"username": ilo, "password": PASSWORD}).status_code == 401
    with time_machine.travel(now() + timedelta(seconds=61), tick=False):
        token = client.post("/api/v1/tokens", json={"username": ilo, "password": PASSWORD,
                                                    "otp": pyotp.TOTP(secret).now()})
    assert token.status_code == 201


def test_demo_accounts_and_unit_officers_are_exempt(client, login):
    login("ilo.delhi")
    assert client.get("/").status_code == 200
