"""The REST API under /api/v1, driven only through HTTP with bearer tokens, on a real database."""

import copy
import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from samples import VALID_RED
from sqlalchemy import update

from engine.directory import agency_by_code, new_user
from engine.models import ApiToken

pytestmark = pytest.mark.integration

PREFIX = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PUBLISHED = {"outcome": "published", "notice_number": "A-1234/5-2026", "published_on": "2026-05-04"}
CHALLENGE = 'Bearer realm="BHARATPOL"'


class Caller:
    """A test client that sends one bearer token with every request to /api/v1."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path, **kwargs):
        return self.client.get(PREFIX + path, headers=self.headers, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(PREFIX + path, headers=self.headers, json=json, **kwargs)


@pytest.fixture
def api(client):
    """api("uo.delhi.crime") gets a token through POST /tokens and returns a caller that sends it."""
    def caller(username):
        response = client.post(f"{PREFIX}/tokens", json={"username": username, "password": "bharatpol-demo"})
        assert response.status_code == 201, response.json
        return Caller(client, response.json["token"])
    return caller


def _start(uo, data=None):
    response = uo.post("/cases", {"process": "notice_request", "data": data or {"notice_type": "RED"}})
    assert response.status_code == 201, response.json
    return response.json


def _upload(caller, case_id, content=PDF, filename="nbw.pdf", kind="warrant"):
    return caller.post(f"/cases/{case_id}/attachments", data={"kind": kind, "file": (io.BytesIO(content), filename)})


def _only_task(caller, case_id):
    tasks = caller.get(f"/cases/{case_id}").json["tasks"]
    assert len(tasks) == 1, tasks
    return tasks[0]


def _submitted(uo):
    """A RED request with its warrant, drafted and submitted: the ILO's vetting is next."""
    case = _start(uo)
    assert _upload(uo, case["id"]).status_code == 201
    response = uo.post(f"/tasks/{case['tasks'][0]['id']}/complete", {"data": copy.deepcopy(VALID_RED)})
    assert response.status_code == 200, response.json
    return case


def test_red_notice_lifecycle_through_the_api(api):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    assert (case["process"], case["status"], case["data"]["request"]) == ("notice_request", "open",
                                                                           {"notice_type": "RED"})
    upload = _upload(uo, case["id"])
    assert (upload.status_code, upload.json["sha256"]) == (201, hashlib.sha256(PDF).hexdigest())

    inbox = uo.get("/tasks").json
    assert [(t["case_id"], t["bpmn_id"], t["lane"], t["state"]) for t in inbox["tasks"]] == [
        (case["id"], "draft", "UO", "ready")]
    draft = uo.get(f"/tasks/{inbox['tasks'][0]['id']}").json
    assert (draft["form_schema"]["$id"], draft["prefill"], draft["draft"]) == (
        "notice_draft.json", {"notice_type": "RED"}, None)
    done = uo.post(f"/tasks/{draft['id']}/complete", {"data": copy.deepcopy(VALID_RED)}).json
    assert (done["state"], done["assignee"]) == ("completed", "uo.delhi.crime")
    assert [(t["bpmn_id"], t["lane"], t["may_act"]) for t in done["case"]["tasks"]] == [("vet", "ILO", False)]

    ilo = api("ilo.delhi")
    vet = ilo.get("/tasks").json["tasks"][0]
    claimed = ilo.post(f"/tasks/{vet['id']}/claim").json
    assert (claimed["state"], claimed["assignee"]) == ("claimed", "ilo.delhi")
    forwarded = ilo.post(f"/tasks/{vet['id']}/complete", {"data": {"decision": "forward"}}).json
    assert [t["bpmn_id"] for t in forwarded["case"]["tasks"]] == ["review"]

    ipcu = api("ipcu.officer")
    review = ipcu.get("/tasks?process=notice_request").json["tasks"][0]
    sent = ipcu.post(f"/tasks/{review['id']}/complete", {"data": {"decision": "send"}}).json
    assert (sent["case"]["status"], sent["case"]["tasks"]) == ("open", [])
    decision = ipcu.post("/messages/interpol_decision", {"correlation": case["reference"], "payload": PUBLISHED})
    assert (decision.status_code, decision.json["status"]) == (200, "open")

    final = uo.get(f"/cases/{case['id']}").json
    assert (final["status"], [t["bpmn_id"] for t in final["tasks"]]) == ("open", ["maintain_notice"])
    assert final["data"]["published"] == {"interpol_notice_number": "A-1234/5-2026", "published_on": "2026-05-04",
                                          "review_due": "2031-05-04"}
    assert [(e["actor"], e["action"], e["bpmn_id"]) for e in final["history"]] == [
        ("uo.delhi.crime", "start", None), ("uo.delhi.crime", "attach", None),
        ("uo.delhi.crime", "complete", "draft"), ("ilo.delhi", "claim", "vet"), ("ilo.delhi", "complete", "vet"),
        ("ipcu.officer", "complete", "review"), ("ipcu.officer", "message", None),
    ]


def test_token_carries_the_user(client, deployed):
    response = client.post(f"{PREFIX}/tokens", json={"username": "uo.delhi.crime", "password": "bharatpol-demo"})
    assert (response.status_code, response.json["token_type"], response.json["expires_in"]) == (201, "Bearer", 43200)
    assert (response.headers.get("Set-Cookie"), response.headers["Cache-Control"]) == (None, "no-store")
    assert response.json["user"] == {"username": "uo.delhi.crime", "role": "UO", "agency": "DELHI",
                                     "unit": "DELHI-CRIME"}


def test_token_wrong_password_is_401(client, deployed):
    response = client.post(f"{PREFIX}/tokens", json={"username": "uo.delhi.crime", "password": "guess"})
    assert (response.status_code, response.json) == (401, {"error": "wrong username or password"})
    assert response.headers["WWW-Authenticate"] == CHALLENGE


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", ""])
def test_token_malformed_body_is_400(client, deployed, body):
    response = client.post(f"{PREFIX}/tokens", data=body, content_type="application/json")
    assert (response.status_code, response.json) == (400, {
        "error": "the request body must be a JSON object sent with Content-Type: application/json"})


def test_token_missing_fields_are_422(client, deployed):
    response = client.post(f"{PREFIX}/tokens", json={"username": "uo.delhi.crime"})
    assert (response.status_code, response.json) == (422, {"errors": {"password": "is required"}})


def test_account_that_must_change_its_password_is_403(client, platform, deployed):
    with platform.uow() as uow:
        new_user(uow.session, username="ilo.delhi2", full_name="Second ILO", role="ILO",
                 agency=agency_by_code(uow.session, "DELHI"), password="a-long-enough-password")
        uow.commit()
    response = client.post(f"{PREFIX}/tokens", json={"username": "ilo.delhi2", "password": "a-long-enough-password"})
    assert (response.status_code, response.json) == (403, {
        "error": "change the password you were given (sign in on the web) before using the API"})


def test_missing_token_is_401(client, deployed):
    response = client.get(f"{PREFIX}/tasks")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, CHALLENGE)
    assert response.json == {
        "error": "send 'Authorization: Bearer <token>'; get a token from POST /api/v1/tokens"}


def test_bad_token_is_401(client, deployed):
    response = client.get(f"{PREFIX}/tasks", headers={"Authorization": "Bearer not-a-token"})
    assert (response.status_code, response.json) == (401, {"error": "the token is invalid or has expired; "
                                                                    "get a new one"})
    assert response.headers["WWW-Authenticate"] == f'{CHALLENGE}, error="invalid_token"'


def test_signed_in_cookie_is_not_accepted_by_the_api(client, login):
    login("uo.delhi.crime")
    assert client.get(f"{PREFIX}/tasks").status_code == 401


def test_expired_token_is_401(api, platform):
    uo = api("uo.delhi.crime")
    assert uo.get("/tasks").status_code == 200
    with platform.uow() as uow:
        uow.session.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        uow.commit()
    response = uo.get("/tasks")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, f'{CHALLENGE}, error="invalid_token"')


def test_ilo_starting_a_notice_request_is_403(api):
    response = api("ilo.delhi").post("/cases", {"process": "notice_request"})
    assert (response.status_code, response.json) == (403, {"error": "only UO officers may start 'notice_request'"})


def test_starting_an_unknown_process_is_404(api):
    response = api("uo.delhi.crime").post("/cases", {"process": "parking_fine"})
    assert (response.status_code, response.json) == (404, {"error": "no process 'parking_fine' is deployed"})


@pytest.mark.parametrize(("body", "errors"), [
    ({"process": "notice_request", "data": ["RED"]}, {"data": "must be a JSON object"}),
    ({"data": {}}, {"process": "is required"}),
    ({"process": 7}, {"process": "must be a string"}),
])
def test_starting_with_a_bad_body_is_422(api, body, errors):
    response = api("uo.delhi.crime").post("/cases", body)
    assert (response.status_code, response.json) == (422, {"errors": errors})


def test_unit_officer_posting_a_message_is_403(api):
    case = _submitted(api("uo.delhi.crime"))
    response = api("uo.delhi.crime").post("/messages/interpol_decision",
                                          {"correlation": case["reference"], "payload": PUBLISHED})
    assert (response.status_code, response.json) == (403, {"error": "only IPCU may record messages from INTERPOL"})


def test_message_for_a_case_not_waiting_is_409_and_unknown_reference_404(api):
    case = _submitted(api("uo.delhi.crime"))
    ipcu = api("ipcu.officer")
    waiting = ipcu.post("/messages/interpol_decision", {"correlation": case["reference"], "payload": PUBLISHED})
    assert (waiting.status_code, waiting.json) == (409, {
        "error": f"case {case['reference']} is not waiting for 'interpol_decision'"})
    unknown = ipcu.post("/messages/interpol_decision", {"correlation": "BP/NR/1999/000009"})
    assert (unknown.status_code, unknown.json) == (404, {"error": "no case with reference 'BP/NR/1999/000009'"})


def test_punjab_ilo_gets_404_for_a_delhi_case_and_task(api):
    case = _submitted(api("uo.delhi.crime"))
    vet_id = _only_task(api("ilo.delhi"), case["id"])["id"]
    punjab = api("ilo.punjab")
    answers = [punjab.get(f"/cases/{case['id']}"), punjab.get(f"/cases/{case['id']}/attachments"),
               punjab.get(f"/tasks/{vet_id}"), punjab.post(f"/tasks/{vet_id}/claim"),
               punjab.post(f"/tasks/{vet_id}/complete", {"data": {"decision": "forward"}})]
    assert [(r.status_code, r.json) for r in answers] == [
        (404, {"error": f"case {case['id']} not found"}), (404, {"error": f"case {case['id']} not found"}),
        (404, {"error": f"task {vet_id} not found"}), (404, {"error": f"task {vet_id} not found"}),
        (404, {"error": f"task {vet_id} not found"})]
    assert punjab.get("/tasks").json["tasks"] == []


def test_completing_a_completed_task_is_409(api):
    uo = api("uo.delhi.crime")
    case = _submitted(uo)
    draft = case["tasks"][0]
    response = uo.post(f"/tasks/{draft['id']}/complete", {"data": copy.deepcopy(VALID_RED)})
    assert (response.status_code, response.json) == (409, {"error": f"task '{draft['name']}' is already completed"})


def test_claiming_a_task_claimed_by_another_is_409(api):
    case = _submitted(api("uo.delhi.crime"))
    ilo = api("ilo.delhi")
    ilo.post(f"/tasks/{_only_task(ilo, case['id'])['id']}/complete", {"data": {"decision": "forward"}})
    admin, officer = api("ipcu.admin"), api("ipcu.officer")
    review = _only_task(admin, case["id"])
    review_id, name = review["id"], review["name"]
    assert admin.post(f"/tasks/{review_id}/claim").json["assignee"] == "ipcu.admin"
    claim = officer.post(f"/tasks/{review_id}/claim")
    assert (claim.status_code, claim.json) == (409, {"error": f"task '{name}' is already claimed"})
    complete = officer.post(f"/tasks/{review_id}/complete", {"data": {"decision": "send"}})
    assert (complete.status_code, complete.json) == (409, {"error": f"task '{name}' is claimed by ipcu.admin"})
    released = admin.post(f"/tasks/{review_id}/release").json
    assert (released["state"], released["assignee"]) == ("ready", None)
    assert officer.post(f"/tasks/{review_id}/claim").json["assignee"] == "ipcu.officer"


def test_supervisor_reassigns_a_task(api):
    case = _start(api("uo.delhi.crime"))
    moved = api("ilo.delhi").post(f"/tasks/{case['tasks'][0]['id']}/reassign", {"to": "uo.delhi.crime"})
    assert (moved.status_code, moved.json["state"], moved.json["assignee"]) == (200, "claimed", "uo.delhi.crime")
    refused = api("ilo.delhi").post(f"/tasks/{case['tasks'][0]['id']}/reassign", {"to": "uo.punjab.ludhiana"})
    assert (refused.status_code, refused.json) == (422, {
        "errors": {"to": f"'uo.punjab.ludhiana' may not act on '{case['tasks'][0]['name']}'"}})


def test_unit_officer_on_the_ilo_step_is_403(api):
    uo = api("uo.delhi.crime")
    case = _submitted(uo)
    vet = _only_task(uo, case["id"])
    response = uo.post(f"/tasks/{vet['id']}/claim")
    assert (response.status_code, response.json) == (403, {
        "error": f"'{vet['name']}' is for ILO officers of its unit or agency"})


def test_bad_form_gets_exact_field_errors(api):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    bad = copy.deepcopy(VALID_RED)
    bad["subject"]["sex"], bad["colour"], bad["attachments"] = "X", "red", []
    del bad["notice_type"]
    response = uo.post(f"/tasks/{case['tasks'][0]['id']}/complete", {"data": bad})
    assert (response.status_code, response.json) == (422, {"errors": {
        "attachments": "is a reserved name and cannot be submitted", "colour": "is not a field of this form",
        "notice_type": "is required", "subject.sex": "'X' is not one of ['M', 'F', 'U']"}})
    assert _only_task(uo, case["id"])["state"] == "ready"


def test_blocking_compliance_rule_is_422_and_keeps_the_draft(api):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    response = uo.post(f"/tasks/{case['tasks'][0]['id']}/complete", {"data": copy.deepcopy(VALID_RED)})
    assert (response.status_code, response.json) == (422, {
        "errors": {"rule.red_warrant_copy": "Upload a copy of the arrest warrant or judgment."}})
    assert _only_task(uo, case["id"])["id"] == case["tasks"][0]["id"]


@pytest.mark.parametrize(("body", "errors"), [({}, {"data": "is required"}),
                                               ({"data": "forward"}, {"data": "must be a JSON object"})])
def test_completing_without_a_data_object_is_422(api, body, errors):
    uo = api("uo.delhi.crime")
    response = uo.post(f"/tasks/{_start(uo)['tasks'][0]['id']}/complete", body)
    assert (response.status_code, response.json) == (422, {"errors": errors})


def test_draft_is_saved_and_shown_with_the_task(api):
    uo = api("uo.delhi.crime")
    task_id = _start(uo)["tasks"][0]["id"]
    partial = {"notice_type": "RED", "subject": {"family_name": "Sharma"}}
    saved = uo.post(f"/tasks/{task_id}/draft", {"data": partial})
    assert (saved.status_code, saved.json["draft"], saved.json["state"]) == (200, partial, "ready")
    assert uo.get(f"/tasks/{task_id}").json["draft"] == partial


def test_pdf_attachment_is_stored_with_its_sha256(api):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    response = _upload(uo, case["id"])
    attachment = {"id": response.json["id"], "filename": "nbw.pdf", "kind": "warrant", "size": len(PDF),
                  "sha256": hashlib.sha256(PDF).hexdigest(), "content_type": "application/pdf"}
    assert (response.status_code, response.json) == (201, attachment)
    assert response.headers["Location"] == f"{PREFIX}/cases/{case['id']}/attachments/{attachment['id']}"
    listed = uo.get(f"/cases/{case['id']}/attachments").json["attachments"]
    assert [{k: a[k] for k in attachment} for a in listed] == [attachment]
    with uo.get(f"/cases/{case['id']}/attachments/{attachment['id']}") as download:
        assert (download.status_code, download.data, download.mimetype) == (200, PDF, "application/pdf")
        assert download.headers["Content-Disposition"] == "attachment; filename=nbw.pdf"
    assert [e["action"] for e in uo.get(f"/cases/{case['id']}").json["history"]] == ["start", "attach", "download"]


def test_text_file_renamed_pdf_is_refused(api):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    response = _upload(uo, case["id"], content=b"just some text, not a warrant\n", filename="warrant.pdf")
    assert (response.status_code, response.json) == (422, {"errors": {
        "file": "is unknown content; allowed are PDF, JPEG, PNG, TIFF, Word (.docx), OpenDocument text (.odt)"}})
    assert uo.get(f"/cases/{case['id']}/attachments").json == {"attachments": []}


def test_path_traversal_filename_is_stored_as_a_safe_name(api, platform):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    response = _upload(uo, case["id"], filename="../../etc/passwd.pdf")
    assert (response.status_code, response.json["filename"]) == (201, "passwd.pdf")
    store = platform.settings.data_dir / "attachments"
    assert sorted(p.name for p in store.iterdir()) == [hashlib.sha256(PDF).hexdigest()]
    with uo.get(f"/cases/{case['id']}/attachments/{response.json['id']}") as download:
        assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"


@pytest.mark.parametrize(("data", "errors"), [
    ({"kind": "warrant"}, {"file": "is required"}),
    ({"kind": "selfie", "file": (io.BytesIO(PDF), "a.pdf")},
     {"kind": "must be one of warrant, judgment, photo, fingerprints, dna, document"}),
])
def test_upload_without_file_or_with_unknown_kind_is_422(api, data, errors):
    uo = api("uo.delhi.crime")
    response = uo.post(f"/cases/{_start(uo)['id']}/attachments", data=data)
    assert (response.status_code, response.json) == (422, {"errors": errors})


def test_comment_is_added_and_blank_refused(api):
    uo = api("uo.delhi.crime")
    case = _start(uo)
    added = uo.post(f"/cases/{case['id']}/comments", {"body": " Warrant copy follows. "})
    assert (added.status_code, added.json["author"], added.json["body"]) == (201, "uo.delhi.crime",
                                                                             "Warrant copy follows.")
    assert [c["body"] for c in uo.get(f"/cases/{case['id']}").json["comments"]] == ["Warrant copy follows."]
    blank = uo.post(f"/cases/{case['id']}/comments", {"body": "  "})
    assert (blank.status_code, blank.json) == (422, {"errors": {"body": "is required"}})


def test_inbox_filters_pages_and_refuses_bad_arguments(api):
    uo = api("uo.delhi.crime")
    first, second = _start(uo), _start(uo)
    uo.post(f"/tasks/{second['tasks'][0]['id']}/claim")
    page = uo.get("/tasks?sort=newest&per_page=1&page=2").json
    assert ([t["case_id"] for t in page["tasks"]], page["total"], page["page"]) == ([first["id"]], 2, 2)
    assert page["counts"]["state"] == {"claimed": 1, "ready": 1}
    claimed = uo.get("/tasks?state=claimed").json["tasks"]
    assert [t["case_id"] for t in claimed] == [second["id"]]
    bad = [uo.get(f"/tasks?{query}") for query in ("per_page=101", "page=0", "sort=random", "overdue=maybe")]
    assert [(r.status_code, r.json) for r in bad] == [
        (422, {"errors": {"per_page": "must be a whole number from 1 to 100"}}),
        (422, {"errors": {"page": "must be a whole number from 1"}}),
        (422, {"errors": {"sort": "must be one of oldest, newest, due"}}),
        (422, {"errors": {"overdue": "must be true or false"}})]


def test_cases_list_is_scoped(api):
    case = _start(api("uo.delhi.crime"))
    listed = api("uo.delhi.crime").get("/cases?status=open").json
    assert ([c["reference"] for c in listed["cases"]], listed["total"], listed["page"]) == ([case["reference"]], 1, 1)
    assert api("uo.delhi.south").get("/cases").json == {"cases": [], "total": 0, "page": 1, "per_page": 25}


def test_processes_say_who_may_start(api):
    def notice_request(username):
        processes = api(username).get("/processes").json["processes"]
        return next((p["start_role"], p["may_start"]) for p in processes if p["id"] == "notice_request")
    assert (notice_request("ilo.delhi"), notice_request("uo.delhi.crime")) == (("UO", False), ("UO", True))


@pytest.mark.parametrize("notice_type", [["RED"], {"a": 1}, 7, "R" * 40])
def test_a_start_with_a_notice_type_that_is_no_code_is_kept_without_a_category(api, notice_type):
    uo = api("uo.delhi.crime")
    started = _start(uo, {"notice_type": notice_type})
    assert (started["category"], started["data"]["request"]["notice_type"]) == (
        ("R" * 32 if isinstance(notice_type, str) else None), notice_type)
