"""The case pages through the Flask test client, for a RED request driven through the engine services."""

import copy
import hashlib
import io
import json
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from samples import VALID_RED
from sqlalchemy import select

from engine.config import PROJECT_ROOT
from engine.models import Attachment, CaseEvent, Task
from engine.models.task import OPEN_STATES
from engine.services.cases import add_attachment, send_message, start_case
from engine.services.tasks import complete_task
from web.filters import age, ago, columns, filesize, humanize, is_past, when

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
NOTICE_TYPES = json.loads((PROJECT_ROOT / "forms" / "schemas" / "notice_draft.json").read_text())[
    "properties"]["notice_type"]["enum"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCKS = {"td", "th", "tr", "dt", "dd", "li", "p", "div", "h2", "h3"}


class _Elements(HTMLParser):
    """The attributes and whitespace-normalised text of every element matching `want(tag, attrs)`."""

    def __init__(self, want):
        super().__init__()
        self.want, self.stack, self.found = want, [], []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.handle_data(" ")
        attrs = dict(attrs)
        hit = self.want(tag, attrs)
        if hit:
            self.found.append([attrs, ""])
        if tag not in VOID:
            self.stack.append(len(self.found) - 1 if hit else None)

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.handle_data(" ")
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for index in {i for i in self.stack if i is not None}:
            self.found[index][1] += data


def _elements(html: str, want) -> list[tuple[dict, str]]:
    parser = _Elements(want)
    parser.feed(html)
    return [(attrs, " ".join(text.split())) for attrs, text in parser.found]


def texts(response, css_class: str) -> list[str]:
    """Texts of the elements carrying a class, in page order."""
    html = response.get_data(as_text=True)
    return [text for _a, text in _elements(html, lambda _t, a: css_class in (a.get("class") or "").split())]


def element(response, element_id: str) -> tuple[dict, str]:
    """(attributes, text) of the one element with this id."""
    found = _elements(response.get_data(as_text=True), lambda _t, a: a.get("id") == element_id)
    assert len(found) == 1, element_id
    return found[0][0], found[0][1]


def by_id(response, element_id: str) -> dict:
    return element(response, element_id)[0]


def _open_task_id(platform, case_id: int) -> int:
    with platform.uow() as uow:
        return uow.session.scalars(select(Task.id).where(Task.case_id == case_id,
                                                         Task.state.in_(OPEN_STATES))).one()


def _events(platform, case_id: int) -> list[tuple]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        return [(e.actor, e.action, e.detail) for e in rows]


def _attachments(platform, case_id: int) -> list[tuple]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id))
        return [(a.id, a.filename, a.kind, a.content_type, a.size) for a in rows]


@pytest.fixture
def red_case(platform, deployed):
    """A RED request: drafted, returned once by the ILO, redrafted, forwarded; now at IPCU review."""
    users = deployed
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request",
                      data={"notice_type": "RED"})
    add_attachment(platform, actor_id=users["uo.delhi.crime"], case_id=case.id, filename="nbw.pdf",
                   kind="warrant", content=PDF)
    steps = [("uo.delhi.crime", VALID_RED),
             ("ilo.delhi", {"decision": "return", "return_reason": "red_summary_of_facts",
                            "comments": "Say where the deposits were taken."}),
             ("uo.delhi.crime", VALID_RED), ("ilo.delhi", {"decision": "forward"})]
    for username, data in steps:
        complete_task(platform, actor_id=users[username], task_id=_open_task_id(platform, case.id),
                      data=copy.deepcopy(data))
    return case


HISTORY = ["uo.delhi.crime started the case", "uo.delhi.crime attached a file",
           "uo.delhi.crime completed Draft notice request", "ilo.delhi returned Vet request",
           "uo.delhi.crime completed Draft notice request", "ilo.delhi completed Vet request"]


@pytest.mark.parametrize("username", ["uo.delhi.crime", "ilo.delhi", "ipcu.officer"])
def test_case_page_renders_for_officers_in_scope(client, login, red_case, username):
    login(username)
    response = client.get(f"/cases/{red_case.id}")
    assert response.status_code == 200
    assert element(response, "case-reference") == ({"id": "case-reference"}, red_case.reference)
    assert texts(response, "case-badges") == ["Open RED"]
    assert texts(response, "event-line") == HISTORY
    assert texts(response, "event-reason") == ["Returned Reason: Red summary of facts red_summary_of_facts"]
    assert texts(response, "event-comments") == ["Say where the deposits were taken."]
    assert texts(response, "waiting-line") == ["Review and send to INTERPOL — waiting for CBI IPCU for less "
                                               "than a minute."]
    diagram = by_id(response, "case-diagram")
    assert (diagram["data-diagram-url"], diagram["data-completed"], diagram["data-current"]) == (
        f"/cases/{red_case.id}/diagram.bpmn", '["draft", "vet"]', '["review"]')


def test_case_page_links_the_open_task_only_for_who_may_act(client, login, red_case, platform):
    review_id = _open_task_id(platform, red_case.id)
    link = f'href="/tasks/{review_id}"'
    login("ipcu.officer")
    assert client.get(f"/cases/{red_case.id}").get_data(as_text=True).count(link) == 1
    login("uo.delhi.crime")
    assert client.get(f"/cases/{red_case.id}").get_data(as_text=True).count(link) == 0


def test_case_page_shows_data_readably_and_hides_internal_keys(client, login, red_case):
    login("uo.delhi.crime")
    response = client.get(f"/cases/{red_case.id}")
    headings = [t for a, t in _elements(response.get_data(as_text=True),
                                        lambda tag, a: tag == "h3" and (a.get("id") or "").startswith("data-"))]
    assert headings == ["Request", "Vetting"]
    assert texts(response, "data-table") == [
        "Type Number Issuing country passport Z1234567 IN",
        "Description Law Section Max penalty months Max penalty Cheating IPC 420 84 — "
        "Criminal conspiracy IPC 120B — life"]
    assert element(response, "data-vetting")[1] == "Vetting"
    html = response.get_data(as_text=True)
    assert [k for k in ("Facts", "Block rule", "Block message", "Blocks", "Case reference") if
            f"<dt>{k}</dt>" in html or f">{k}</h3>" in html] == []


@pytest.mark.parametrize("username", ["uo.delhi.south", "ilo.punjab"])
def test_case_page_is_not_found_outside_scope(client, login, red_case, username):
    login(username)
    assert client.get(f"/cases/{red_case.id}").status_code == 404
    assert client.get(f"/cases/{red_case.id}/diagram.bpmn").status_code == 404


def test_published_notice_is_shown(client, login, red_case, deployed, platform):
    complete_task(platform, actor_id=deployed["ipcu.officer"], task_id=_open_task_id(platform, red_case.id),
                  data={"decision": "send"})
    send_message(platform, actor_id=deployed["ipcu.officer"], name="interpol_decision",
                 correlation=red_case.reference,
                 payload={"reference": red_case.reference, "outcome": "published", "notice_number": "A-1234/5-2026",
                          "published_on": "2026-05-04"})
    login("uo.delhi.crime")
    response = client.get(f"/cases/{red_case.id}")
    assert texts(response, "notice-number") == ["A-1234/5-2026"]
    assert texts(response, "case-badges") == ["Open RED INTERPOL: Published"]
    assert by_id(response, "case-diagram")["data-current"] == '["maintain_notice"]'
    assert texts(response, "event-line")[-2:] == ["ipcu.officer completed Review and send to INTERPOL",
                                                  "ipcu.officer recorded a message"]


def test_comment_is_added_and_shown(client, login, red_case):
    login("ilo.delhi")
    response = client.post(f"/cases/{red_case.id}/comments", data={"body": "Please confirm the warrant date."})
    assert (response.status_code, response.location) == (302, f"/cases/{red_case.id}#comments")
    page = client.get(f"/cases/{red_case.id}")
    assert [texts(page, "comment-author"), texts(page, "comment-body")] == [
        ["ilo.delhi"], ["Please confirm the warrant date."]]
    assert texts(page, "event-line")[-1] == "ilo.delhi added a comment"


def test_uploaded_pdf_is_listed_and_downloads_the_same_bytes(client, login, red_case, platform):
    login("uo.delhi.crime")
    response = client.post(f"/cases/{red_case.id}/attachments",
                           data={"kind": "judgment", "file": (io.BytesIO(PDF), "judgment.pdf")})
    assert (response.status_code, response.location) == (302, f"/cases/{red_case.id}#attachments")
    page = client.get(f"/cases/{red_case.id}")
    sha = hashlib.sha256(PDF).hexdigest()
    assert texts(page, "flash-success")[-1] == (f"judgment.pdf attached as judgment ({len(PDF)} bytes, "
                                                f"SHA-256 {sha[:12]}…).")
    assert texts(page, "attachment-link") == ["nbw.pdf", "judgment.pdf"]
    assert texts(page, "attachment-kind") == ["warrant", "judgment"]
    assert texts(page, "attachment-size") == [f"{len(PDF)} bytes"] * 2
    assert texts(page, "attachment-sha") == [sha[:12]] * 2
    attachment_id = _attachments(platform, red_case.id)[-1][0]
    with client.get(f"/cases/{red_case.id}/attachments/{attachment_id}") as download:
        assert (download.status_code, download.data, download.headers["Content-Disposition"],
                download.mimetype) == (200, PDF, "attachment; filename=judgment.pdf", "application/pdf")
    assert _events(platform, red_case.id)[-1] == ("uo.delhi.crime", "download",
                                                  {"filename": "judgment.pdf", "sha256": sha})
    assert texts(client.get(f"/cases/{red_case.id}"), "event-line")[-1] == "uo.delhi.crime downloaded a file"


def test_png_renamed_pdf_is_stored_as_png(client, login, red_case, platform):
    login("uo.delhi.crime")
    client.post(f"/cases/{red_case.id}/attachments", data={"kind": "photo", "file": (io.BytesIO(PNG), "photo.pdf")})
    assert _attachments(platform, red_case.id)[-1][1:] == ("photo.pdf", "photo", "image/png", len(PNG))
    assert texts(client.get(f"/cases/{red_case.id}"), "attachment-type") == ["application/pdf", "image/png"]


def test_text_file_is_refused_with_a_message(client, login, red_case, platform):
    login("uo.delhi.crime")
    response = client.post(f"/cases/{red_case.id}/attachments",
                           data={"kind": "document", "file": (io.BytesIO(b"just some notes\n"), "notes.txt")},
                           follow_redirects=True)
    assert texts(response, "flash-error") == ["File not attached: file: is unknown content; allowed are PDF, JPEG, "
                                              "PNG, TIFF, Word (.docx), OpenDocument text (.odt)"]
    assert [a[1] for a in _attachments(platform, red_case.id)] == ["nbw.pdf"]


@pytest.mark.parametrize("username", ["uo.delhi.crime", "ilo.delhi", "ipcu.officer"])
def test_diagram_xml_is_the_deployed_bpmn(client, login, red_case, username):
    login(username)
    response = client.get(f"/cases/{red_case.id}/diagram.bpmn")
    assert (response.status_code, response.mimetype) == (200, "application/xml")
    assert response.get_data(as_text=True) == (PROJECT_ROOT / "processes" / "notice_request.bpmn").read_text()


def test_case_list_shows_only_cases_in_scope(client, login, red_case, deployed, platform):
    south = start_case(platform, actor_id=deployed["uo.delhi.south"], process_id="notice_request")
    punjab = start_case(platform, actor_id=deployed["uo.punjab.ludhiana"], process_id="notice_request")
    expected = {"uo.delhi.crime": [red_case.reference], "uo.delhi.south": [south.reference],
                "ilo.delhi": [south.reference, red_case.reference], "ilo.punjab": [punjab.reference],
                "ipcu.officer": [punjab.reference, south.reference, red_case.reference]}
    seen = {}
    for username in expected:
        login(username)
        seen[username] = texts(client.get("/cases"), "case-link")
    assert seen == expected


def test_case_list_filters_by_status(client, login, red_case):
    login("uo.delhi.crime")
    assert texts(client.get("/cases?status=open"), "case-link") == [red_case.reference]
    assert texts(client.get("/cases?status=completed"), "case-link") == []


def test_new_request_page_offers_the_start_form_to_a_unit_officer(client, login):
    login("uo.delhi.crime")
    html = client.get("/cases/new").get_data(as_text=True)
    hidden = _elements(html, lambda tag, a: tag == "input" and a.get("name") == "process")
    options = _elements(html, lambda tag, a: tag == "option" and a.get("value") in NOTICE_TYPES)
    assert [a["value"] for a, _t in hidden] == ["notice_request", "reference_request"]
    assert [a["value"] for a, _t in options] == NOTICE_TYPES
    assert [a["id"] for a, _t in _elements(html, lambda _t, a: "process-disabled" in (a.get("class") or ""))] == [
        "broadcast"]


def test_new_request_page_greys_notice_request_for_an_ilo(client, login):
    login("ilo.delhi")
    response = client.get("/cases/new")
    assert _elements(response.get_data(as_text=True), lambda tag, a: tag == "form" and
                     a.get("action") == "/cases/new") == []
    assert by_id(response, "notice_request") == {"class": "card process-card process-disabled",
                                                 "id": "notice_request", "aria-labelledby": "p-notice_request",
                                                 "aria-disabled": "true"}
    assert texts(response, "who-starts") == ["Started by CBI IPCU officers.", "Started by unit officers (UO).",
                                             "Started by unit officers (UO)."]


def test_starting_a_request_opens_its_case_page(client, login, platform):
    login("uo.delhi.crime")
    response = client.post("/cases/new", data={"process": "notice_request", "notice_type": "YELLOW"})
    case_id = int(response.location.rsplit("/", 1)[1])
    page = client.get(response.location)
    reference = f"BP/NR/{datetime.now(UTC).year}/{case_id:06d}"
    assert texts(page, "flash-success")[-1] == f"Request {reference} started. Fill in the draft below."
    assert texts(page, "waiting-line") == ["Draft notice request — waiting for UO (DELHI-CRIME) for less than "
                                           "a minute."]
    assert by_id(page, "case-diagram")["data-current"] == '["draft"]'


NOW = datetime(2026, 11, 29, 14, 5, tzinfo=UTC)


@pytest.mark.unit
@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-26T14:05:00+00:00", "3 days ago"), ("2026-11-29T14:04:30+00:00", "just now"),
    ("2026-12-01T14:05:00+00:00", "in 2 days"), ("2026-11-29T13:05:00+00:00", "1 hour ago"),
    ("2025-11-29T14:05:00+00:00", "1 year ago"), (None, ""), ("not a date", ""),
])
def test_ago_filter_says_how_long_ago(value, expected):
    assert ago(value, now=NOW) == expected


@pytest.mark.unit
def test_date_filters_format_in_utc():
    assert [when("2026-11-29T19:35:00+05:30"), when("2026-05-04"), when(None), age("2026-11-26T14:05:00+00:00", NOW),
            age("2026-11-29T14:05:00+00:00", NOW), is_past("2026-11-28", NOW), is_past("2026-12-01", NOW)] == [
        "29 Nov 2026, 14:05 UTC", "4 May 2026", "", "3 days", "less than a minute", True, False]


@pytest.mark.unit
def test_size_name_and_column_filters():
    assert [filesize(0), filesize(1), filesize(532), filesize(1536), filesize(12 * 1024 * 1024)] == [
        "0 bytes", "1 byte", "532 bytes", "1.5 KB", "12.0 MB"]
    assert [humanize("return_reason"), humanize("snake_case"), humanize(None)] == ["Return reason", "Snake case", ""]
    assert columns([{"a": 1, "b": 2}, {"c": 3, "a": 4}, "x"]) == ["a", "b", "c"]
