"""Connect's pages through the Flask test client: administration scoped along the hierarchy (404 for another
agency's objects, 403 for what a role may not do), one-time temporary passwords, deactivation, messages along
the hierarchy with unread counts in the navigation, attachments checked by content, CSRF on every form."""

import html
import io
import re

import pytest
from library_samples import ELF, make_pdf, text_of
from sqlalchemy import select

from engine.models import AuditEntry, MessageThread
from web import create_app

pytestmark = pytest.mark.integration


def actions(platform, prefix: str) -> list[tuple[str, str, str]]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%"))
                                   .order_by(AuditEntry.seq))
        return [(e.actor, e.action, e.object_id) for e in rows]


def flashes(response) -> list[str]:
    """The page's confirmation and error messages, less the sign-in greeting."""
    found = re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', response.text, re.S)
    return [m for m in (html.unescape(" ".join(f.split())) for f in found) if not m.startswith("Signed in as")]


def send(client, to="ILO:DELHI", follow_redirects=False, **fields):
    data = {"to": to, "subject": "Vetting", "body": "Draft ready for vetting.", "case": "", **fields}
    return client.post("/connect/messages", data=data, content_type="multipart/form-data",
                       follow_redirects=follow_redirects)


# --- directory and administration --------------------------------------------------------------------

def test_directory_shows_each_agencys_ilo_and_units(client, login):
    login("uo.punjab.ludhiana")
    page = client.get("/connect")
    assert page.status_code == 200
    assert text_of(page.text, "agency-DELHI") == ("Delhi Police DELHI State police INTERPOL Liaison Officer, Delhi "
                                                  "Police (ilo.delhi) Crime Branch DELHI-CRIME · 1 South District "
                                                  "DELHI-SOUTH · 1")


def test_ipcu_admin_creates_an_agency_then_its_ilo_with_a_one_time_password(client, login):
    login("ipcu.admin")
    created = client.post("/connect/agencies", data={"code": "KERALA", "name": "Kerala Police", "kind": "state_police"},
                          follow_redirects=True)
    assert (created.request.path, flashes(created)) == (
        "/connect/agencies/KERALA", ["Agency KERALA (Kerala Police) created. Create its ILO account next."])
    issued = client.post("/connect/agencies/KERALA/accounts", data={"username": "ilo.kerala", "role": "ILO",
                                                                    "full_name": "ILO, Kerala Police"})
    password = text_of(issued.text, "temporary-password")
    assert (issued.status_code, issued.headers["Cache-Control"], len(password)) == (201, "no-store", 16)
    assert password not in client.get("/connect/accounts/ilo.kerala").text
    client.post("/logout")
    first = client.post("/login", data={"username": "ilo.kerala", "password": password})
    assert client.get("/connect").headers["Location"] == "/account/password"
    assert first.status_code == 302


def test_ilo_creates_unit_and_unit_officer_in_its_agency(client, login):
    login("ilo.delhi")
    unit = client.post("/connect/agencies/DELHI/units", data={"code": "DELHI-CYBER", "name": "Cyber Cell"},
                       follow_redirects=True)
    account = client.post("/connect/agencies/DELHI/accounts", data={
        "username": "uo.delhi.cyber", "full_name": "DCP Cyber Cell", "role": "UO", "unit": "DELHI-CYBER"})
    assert flashes(unit) == ["Unit DELHI-CYBER (Cyber Cell) created."]
    assert (account.status_code, text_of(account.text, "issued-heading")) == (201, "Account uo.delhi.cyber created")
    page = client.get("/connect/agencies/DELHI")
    assert text_of(page.text, "account-uo.delhi.cyber").startswith("uo.delhi.cyber DCP Cyber Cell UO DELHI-CYBER "
                                                                   "active password not yet changed")


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/connect/agencies/PUNJAB", None),
    ("post", "/connect/agencies/PUNJAB/units", {"code": "PUNJAB-X", "name": "X"}),
    ("post", "/connect/agencies/PUNJAB/accounts", {"username": "uo.x", "full_name": "X", "role": "UO",
                                                   "unit": "PUNJAB-LUDHIANA"}),
    ("get", "/connect/accounts/uo.punjab.ludhiana", None),
    ("post", "/connect/accounts/uo.punjab.ludhiana/deactivate", {"reason": "x"}),
    ("post", "/connect/accounts/uo.punjab.ludhiana/password", {}),
    ("get", "/connect/agencies/NOWHERE", None),
])
def test_ilo_gets_404_for_another_agencys_objects(client, login, method, path, data):
    login("ilo.delhi")
    assert getattr(client, method)(path, data=data).status_code == 404


@pytest.mark.parametrize(("username", "method", "path", "data"), [
    ("ilo.delhi", "post", "/connect/agencies", {"code": "GOA", "name": "Goa Police", "kind": "state_police"}),
    ("ilo.delhi", "post", "/connect/agencies/DELHI/accounts", {"username": "ilo.two", "full_name": "X", "role": "ILO"}),
    ("ilo.delhi", "post", "/connect/accounts/ilo.delhi/deactivate", {"reason": "x"}),
    ("ipcu.officer", "post", "/connect/agencies", {"code": "GOA", "name": "Goa Police", "kind": "state_police"}),
    ("ipcu.officer", "get", "/connect/agencies/DELHI", None),
    ("uo.delhi.crime", "get", "/connect/agencies/DELHI", None),
    ("uo.delhi.crime", "get", "/connect/agencies/PUNJAB", None),
    ("uo.delhi.crime", "post", "/connect/agencies/DELHI/units", {"code": "DELHI-X", "name": "X"}),
    ("uo.delhi.crime", "get", "/connect/accounts/uo.delhi.south", None),
])
def test_actions_a_role_may_not_do_get_403(client, login, username, method, path, data):
    login(username)
    assert getattr(client, method)(path, data=data).status_code == 403


def test_invalid_unit_is_explained(client, login):
    login("ilo.delhi")
    page = client.post("/connect/agencies/DELHI/units", data={"code": "CYBER", "name": ""}, follow_redirects=True)
    assert flashes(page) == ["Unit not created: code must start with 'DELHI-' followed by letters or digits (e.g. "
                             "DELHI-CID); name is required."]


def test_deactivated_officer_cannot_sign_in_and_history_stays(client, login, platform):
    login("uo.delhi.crime")
    send(client)
    login("ilo.delhi")
    done = client.post("/connect/accounts/uo.delhi.crime/deactivate", data={"reason": "transferred"},
                       follow_redirects=True)
    assert flashes(done) == ["uo.delhi.crime deactivated. They can no longer sign in; their cases, messages and "
                             "history are kept."]
    history = text_of(done.text, "account-history")
    assert (text_of(done.text, "account-status"), history.startswith("When By What Detail "),
            history.endswith(" UTC ilo.delhi Deactivate transferred")) == ("deactivated", True, True)
    client.post("/logout")
    assert client.post("/login", data={"username": "uo.delhi.crime", "password": "bharatpol-demo"}).status_code == 401
    login("ilo.delhi")
    thread = client.get("/connect/messages/1")
    assert "Draft ready for vetting." in text_of(thread.text, "message-1")
    assert actions(platform, "account.") == [("ilo.delhi", "account.deactivate", "uo.delhi.crime")]


def test_signed_in_officer_is_signed_out_once_deactivated(client, login, app):
    login("uo.delhi.south")
    other = app.test_client()
    other.post("/login", data={"username": "ilo.delhi", "password": "bharatpol-demo"})
    other.post("/connect/accounts/uo.delhi.south/deactivate", data={"reason": "retired"})
    assert client.get("/connect").headers["Location"].startswith("/login")


# --- messages ------------------------------------------------------------------------------------------

def test_unit_officer_writes_to_own_ilo_and_the_nav_shows_unread(client, login, platform):
    login("uo.delhi.crime")
    compose = client.get("/connect/messages/new")
    assert text_of(compose.text, "to") == "ILO, Delhi Police"
    sent = send(client, follow_redirects=True)
    assert (sent.request.path, flashes(sent)) == ("/connect/messages/1", ["Message sent: “Vetting”."])
    login("ilo.delhi")
    listing = client.get("/connect/messages")
    assert (text_of(listing.text, "nav-unread"), text_of(listing.text, "thread-1").split(" 1 unread")[0]) == (
        "1", "Vetting")
    client.get("/connect/messages/1")
    assert text_of(client.get("/connect/messages").text, "nav-unread") is None
    assert actions(platform, "message.") == [("uo.delhi.crime", "message.send", "1"),
                                             ("uo.delhi.crime", "message.read", "1"),
                                             ("ilo.delhi", "message.read", "1")]


@pytest.mark.parametrize(("username", "to"), [
    ("uo.delhi.crime", "ILO:PUNJAB"), ("uo.delhi.crime", "IPCU"), ("ilo.delhi", "UO:PUNJAB-LUDHIANA"),
    ("ipcu.officer", "UO:DELHI-CRIME"),
])
def test_messages_off_the_hierarchy_get_403(client, login, platform, username, to):
    login(username)
    assert send(client, to=to).status_code == 403
    with platform.uow() as uow:
        assert uow.session.scalars(select(MessageThread)).all() == []


def test_outsiders_get_404_for_a_thread(client, login):
    login("uo.delhi.crime")
    send(client)
    for outsider in ("uo.delhi.south", "ilo.punjab"):
        login(outsider)
        assert client.get("/connect/messages/1").status_code == 404
        assert client.post("/connect/messages/1", data={"body": "x"}).status_code == 404


def test_reply_goes_back_down_the_hierarchy(client, login):
    login("ilo.delhi")
    send(client, to="IPCU", subject="Red notice query")
    login("ipcu.officer")
    client.get("/connect/messages/1")
    replied = client.post("/connect/messages/1", data={"body": "Sent to the General Secretariat."},
                          follow_redirects=True)
    assert flashes(replied) == ["Reply sent."]
    login("ilo.delhi")
    assert text_of(client.get("/connect/messages").text, "unread-total") == "1"


def test_message_attachment_is_type_checked_and_its_download_logged(client, login, platform):
    login("uo.delhi.crime")
    refused = send(client, file=(io.BytesIO(ELF), "warrant.pdf"))
    assert (refused.status_code, text_of(refused.text, "err-file")) == (
        422, "is application/x-executable; allowed are PDF, JPEG, PNG, TIFF, Word (.docx), OpenDocument text (.odt)")
    pdf = make_pdf("Letter of request")
    send(client, file=(io.BytesIO(pdf), "letter.pdf"))
    login("ilo.delhi")
    link = re.search(r'href="(/connect/messages/1/files/\d+)"', client.get("/connect/messages/1").text).group(1)
    download = client.get(link)
    assert (download.status_code, download.data, download.headers["Content-Disposition"]) == (
        200, pdf, "attachment; filename=letter.pdf")
    download.close()
    assert actions(platform, "message.download") == [("ilo.delhi", "message.download", "1")]


def test_thread_can_be_tied_to_a_case_both_may_see(client, login):
    login("uo.delhi.crime")
    refused = send(client, case="BP/NR/2026/999999")
    assert (refused.status_code, text_of(refused.text, "err-case")) == (
        422, "no case BP/NR/2026/999999 that you may see")


@pytest.fixture
def csrf_client(platform, deployed):
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform)
    return app.test_client()


@pytest.mark.parametrize("path", ["/connect/messages", "/connect/agencies", "/connect/agencies/DELHI/units",
                                  "/connect/agencies/DELHI/accounts", "/connect/accounts/uo.delhi.crime/deactivate"])
def test_posts_without_csrf_token_are_refused(csrf_client, path):
    page = csrf_client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    csrf_client.post("/login", data={"username": "ilo.delhi", "password": "bharatpol-demo", "csrf_token": token})
    assert csrf_client.post(path, data={"to": "IPCU", "subject": "x", "body": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["/connect/messages/new", "/connect/agencies/DELHI",
                                  "/connect/accounts/uo.delhi.crime"])
def test_every_connect_form_carries_a_csrf_token(csrf_client, path):
    page = csrf_client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    csrf_client.post("/login", data={"username": "ilo.delhi", "password": "bharatpol-demo", "csrf_token": token})
    html = csrf_client.get(path).text
    assert html.count('name="csrf_token"') == html.count("<form method=\"post\"")
