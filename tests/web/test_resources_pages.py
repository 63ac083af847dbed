"""Resources' pages through the Flask test client: IPCU publishes, every officer searches and downloads
(logged), new versions, the training register with coverage per agency, CSRF on every form."""

import html
import io
import re

import pytest
from library_samples import ELF, make_pdf, text_of
from sqlalchemy import select

from engine.models import AuditEntry
from web import create_app

pytestmark = pytest.mark.integration

HANDBOOK = make_pdf("Red Notice handbook", "Article 82 of the Rules on the Processing of Data")


def flashes(response) -> list[str]:
    found = re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', response.text, re.S)
    return [m for m in (html.unescape(" ".join(f.split())) for f in found) if not m.startswith("Signed in as")]


def actions(platform, prefix: str) -> list[tuple[str, str, str]]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%"))
                                   .order_by(AuditEntry.seq))
        return [(e.actor, e.action, e.object_id) for e in rows]


def publish(client, follow_redirects=True, **fields):
    data = {"title": "Notices handbook", "description": "How to draft a request.", "category": "notices",
            "tags": "red notice, RPD", "url": "", "file": (io.BytesIO(HANDBOOK), "handbook.pdf"), **fields}
    return client.post("/resources", data=data, content_type="multipart/form-data", follow_redirects=follow_redirects)


def test_ipcu_publishes_and_a_unit_officer_finds_it_by_pdf_text(client, login):
    login("ipcu.officer")
    page = publish(client)
    assert (page.request.path, flashes(page)) == ("/resources/1", [
        "“Notices handbook” published; every ILO and unit officer can now find and download it."])
    login("uo.assam.guwahati")
    found = client.get("/resources", query_string={"q": "article 82"})
    assert text_of(found.text, "resource-1").startswith("Notices handbook Notices and diffusions · version 1")
    missing = client.get("/resources", query_string={"q": "extradition treaty"})
    assert (text_of(missing.text, "resources"), "Nothing matches your search." in missing.text) == (None, True)


@pytest.mark.parametrize(("method", "path"), [("get", "/resources/new"), ("post", "/resources"),
                                              ("post", "/resources/1/versions"), ("post", "/resources/1/details"),
                                              ("get", "/resources/training/new"), ("post", "/resources/training")])
@pytest.mark.parametrize("username", ["ilo.delhi", "uo.delhi.crime"])
def test_only_ipcu_publishes_and_records(client, login, username, method, path):
    login("ipcu.officer")
    publish(client)
    login(username)
    assert getattr(client, method)(path, data={"title": "x", "category": "notices", "held_on": "2025-04-01",
                                               "mode": "online", "organiser": "x", "agencies": "DELHI",
                                               "url": "https://example.org/x"}).status_code == 403


def test_wrong_file_type_is_refused_with_the_form_kept(client, login):
    login("ipcu.officer")
    page = publish(client, follow_redirects=False, file=(io.BytesIO(ELF), "handbook.pdf"))
    assert (page.status_code, text_of(page.text, "err-file")) == (
        422, "is application/x-executable; allowed are PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), "
             "OpenDocument text (.odt), OpenDocument spreadsheet (.ods), OpenDocument presentation (.odp)")
    assert 'value="Notices handbook"' in page.text


def test_new_version_and_downloads_are_logged(client, login, platform):
    login("ipcu.officer")
    publish(client)
    added = client.post("/resources/1/versions", data={"note": "2025 edition",
                                                       "file": (io.BytesIO(make_pdf("Silver Notice")), "v2.pdf")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert flashes(added) == ["Version 2 added and now current."]
    assert text_of(added.text, "version-2").startswith("2 current v2.pdf")
    login("uo.delhi.crime")
    current, first = client.get("/resources/1/download"), client.get("/resources/1/v1/download")
    assert (current.headers["Content-Disposition"], first.data) == ("attachment; filename=v2.pdf", HANDBOOK)
    current.close()
    first.close()
    assert actions(platform, "resource.") == [("ipcu.officer", "resource.upload", "1"),
                                              ("ipcu.officer", "resource.upload", "1"),
                                              ("uo.delhi.crime", "resource.download", "1"),
                                              ("uo.delhi.crime", "resource.download", "1")]
    login("ipcu.admin")
    assert text_of(client.get("/resources/1").text, "downloads") == "2 downloads"


def test_video_link_opens_after_being_logged(client, login, platform):
    login("ipcu.admin")
    publish(client, file=(io.BytesIO(b""), ""), url="https://example.org/i247.mp4", category="training",
            title="I-24/7 walkthrough")
    login("ilo.punjab")
    opened = client.get("/resources/1/download")
    assert (opened.status_code, opened.headers["Location"]) == (302, "https://example.org/i247.mp4")
    assert actions(platform, "resource.open") == [("ilo.punjab", "resource.open", "1")]


def test_unknown_resource_is_404(client, login):
    login("uo.delhi.crime")
    assert (client.get("/resources/42").status_code, client.get("/resources/42/download").status_code) == (404, 404)


def test_training_register_shows_coverage(client, login):
    login("ipcu.admin")
    page = client.get("/resources/training")
    assert (text_of(page.text, "agencies-trained"), text_of(page.text, "officers-trained")) == ("8 / 8", "12 / 13")
    assert [text_of(page.text, f"coverage-{code}") for code in ("CBI", "DELHI")] == [
        "Central Bureau of Investigation (IPCU, NCB New Delhi) CBI 1 1 2 50.0 %", "Delhi Police DELHI 2 3 3 100.0 %"]
    assert text_of(page.text, "sessions").count("BHARATPOL online session for") == 6


def test_officers_see_their_own_agencys_coverage_only(client, login):
    login("uo.punjab.ludhiana")
    page = client.get("/resources/training")
    assert (text_of(page.text, "coverage-PUNJAB"), text_of(page.text, "coverage-DELHI")) == (
        "Punjab Police PUNJAB 2 2 2 100.0 %", None)


def test_ipcu_records_a_session(client, login):
    login("ipcu.officer")
    recorded = client.post("/resources/training", data={
        "held_on": "2025-04-10", "title": "Silver Notice pilot", "mode": "online", "organiser": "CBI IPCU",
        "venue": "", "agencies": ["TELANGANA"], "attendees": ["uo.delhi.crime"]}, follow_redirects=True)
    assert (recorded.request.path, flashes(recorded)) == (
        "/resources/training/9", ["Session “Silver Notice pilot” of 10 Apr 2025 recorded."])
    assert text_of(recorded.text, "session-agencies") == "Delhi Police, Telangana Police"
    login("ilo.telangana")
    assert text_of(client.get("/resources/training/9").text, "attendees") is None


def test_invalid_session_is_explained(client, login):
    login("ipcu.officer")
    page = client.post("/resources/training", data={"held_on": "", "title": "", "mode": "online", "organiser": "x"})
    assert (page.status_code, text_of(page.text, "err-held_on"), text_of(page.text, "err-agencies")) == (
        422, "must be a date (YYYY-MM-DD)", "choose the agencies the session was for, or the officers who attended")


@pytest.fixture
def csrf_client(platform, deployed):
    client = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "ipcu.officer", "password": "bharatpol-demo", "csrf_token": token})
    return client


@pytest.mark.parametrize("path", ["/resources", "/resources/training"])
def test_posts_without_csrf_token_are_refused(csrf_client, path):
    assert csrf_client.post(path, data={"title": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["/resources/new", "/resources/training/new"])
def test_every_resources_form_carries_a_csrf_token(csrf_client, path):
    page = csrf_client.get(path).text
    assert page.count('name="csrf_token"') == page.count('<form method="post"')
