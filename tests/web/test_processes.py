"""The process pages: who may see and change what, the upload report and change summary, deploying
through the page, and moving cases to a new version (per case and in bulk)."""

import base64
import re

import pytest
from sqlalchemy import select
from workbench_pages import (
    APPROVAL,
    APPROVE_CHANGED,
    NOTE,
    V2,
    WORKBENCH,
    audit,
    carried,
    case_version,
    elements,
    flashes,
    form_fields,
    reference,
    upload,
    versions,
)

from engine.models import Task
from engine.services.cases import start_case
from engine.services.deploy import deploy
from engine.services.tasks import complete_task
from web import create_app


@pytest.fixture
def users(platform, directory):
    deploy(platform, actor="tests", files={"approval.bpmn": APPROVAL}, form_files={"note.json": NOTE})
    return directory


@pytest.fixture
def login(client, login):
    """Sign in, and show the page that takes the sign-in message, so each test sees only its own messages."""
    def sign_in(username):
        login(username)
        client.get("/processes")
    return sign_in


@pytest.fixture
def app(platform, users):
    """Only the workbench fixtures are deployed: these tests do not depend on the notice diagram."""
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"}, platform=platform)


def new_case(platform, users, *, at_approve=False) -> int:
    case = start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval")
    if at_approve:
        with platform.uow() as uow:
            task_id = uow.session.scalar(select(Task.id).where(Task.case_id == case.id, Task.state == "ready"))
        complete_task(platform, actor_id=users["ipcu.officer"], task_id=task_id, data={})
    return case.id


PAGES = ["/processes", "/processes/wb_approval/v1", "/processes/wb_approval/v1/files/approval.bpmn",
         "/processes/upload", "/processes/wb_approval/migrate"]
ACTIONS = ["/processes/upload", "/processes/deploy", "/processes/wb_approval/migrate",
           "/processes/wb_approval/migrate/1"]


# --- who may do what ----------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("username", ["ilo.delhi", "uo.delhi.crime"])
def test_every_process_page_is_forbidden_to_ilo_and_uo(client, login, platform, users, username):
    case_id = new_case(platform, users)
    login(username)
    statuses = [client.get(url).status_code for url in PAGES]
    statuses += [client.post(url.replace("/1", f"/{case_id}")).status_code for url in ACTIONS]
    assert statuses == [403] * (len(PAGES) + len(ACTIONS))


@pytest.mark.integration
def test_ipcu_officer_may_view_but_not_upload_deploy_or_migrate(client, login, platform, users):
    case_id = new_case(platform, users)
    deploy(platform, actor="tests", files={"approval.bpmn": V2}, form_files={"note.json": NOTE})
    login("ipcu.officer")
    assert [client.get(url).status_code for url in PAGES] == [200, 200, 200, 403, 200]
    assert upload(client, ("approval.bpmn", V2), ("note.json", NOTE)).status_code == 403
    assert client.post("/processes/wb_approval/migrate", data={"to": "2"}).status_code == 403
    assert client.post(f"/processes/wb_approval/migrate/{case_id}", data={"to": "2"}).status_code == 403
    assert (versions(platform), case_version(platform, case_id)) == ([1, 2], 1)
    page = client.get("/processes/wb_approval/migrate")
    assert [row[4] for row in elements(page, "migration-case")] == [""]  # no move button for a viewer
    assert elements(page, "primary") == []


@pytest.mark.integration
def test_deploy_through_the_page_needs_the_process_owner_role(client, login, platform, users):
    files = [("approval.bpmn", V2), ("note.json", NOTE)]
    for username in ("ipcu.officer", "ilo.delhi"):
        login(username)
        assert client.post("/processes/deploy", data=carried(files, '{"wb_approval": 1}')).status_code == 403
    assert versions(platform) == [1]
    login("ipcu.admin")
    response = client.post("/processes/deploy", data=carried(files, '{"wb_approval": 1}'))
    assert (response.status_code, response.location) == (302, "/processes/wb_approval/v2")
    assert versions(platform) == [1, 2]


# --- the list and a version ---------------------------------------------------------------------------


@pytest.mark.integration
def test_process_list_shows_versions_and_cases(client, login, platform, users):
    new_case(platform, users)
    deploy(platform, actor="tests", files={"approval.bpmn": V2}, form_files={"note.json": NOTE})
    login("ipcu.admin")
    page = client.get("/processes")
    assert [[row[0], row[2], row[4], row[5]] for row in elements(page, "version-row")] == [
        ["v2 newest", "tests", "0", "0"], ["v1", "tests", "1", "1"]]
    assert elements(page, "wb-older") == ["1 open case on older versions. Check moving it to version 2"]
    assert elements(page, "button") == ["Upload a new version"]


@pytest.mark.integration
def test_version_page_draws_the_diagram_and_lists_files_and_cases(client, login, platform, users):
    case_id = new_case(platform, users)
    login("ipcu.officer")
    page = client.get("/processes/wb_approval/v1")
    text = page.get_data(as_text=True)
    assert 'data-diagram-url="/processes/wb_approval/v1/files/approval.bpmn"' in text
    assert "data-waiting='{\"prepare\": 1}'" in text
    assert [row[:2] for row in elements(page, "file-row")] == [["approval.bpmn", "bpmn"], ["forms/note.json", "json"]]
    assert [row[:4] for row in elements(page, "case-row")] == [[reference(platform, case_id), "Open", "CBI", "Prepare"]]


@pytest.mark.integration
def test_version_file_downloads_as_stored(client, login, users):
    login("ipcu.officer")
    response = client.get("/processes/wb_approval/v1/files/forms/note.json")
    assert (response.status_code, response.data, response.mimetype) == (200, NOTE, "application/json")
    assert response.headers["Content-Disposition"] == "attachment; filename=note.json"
    assert client.get("/processes/wb_approval/v1/files/nothing.bpmn").status_code == 404
    assert client.get("/processes/wb_approval/v9").status_code == 404


# --- upload: report, change summary, deploy -----------------------------------------------------------


@pytest.mark.integration
def test_upload_with_unknown_lane_shows_the_report_and_no_deploy_button(client, login, platform, users):
    login("ipcu.admin")
    bad = APPROVAL.replace(b'name="IPCU"', b'name="CLERK"')
    response = upload(client, ("approval.bpmn", bad), ("note.json", NOTE))
    assert response.status_code == 422
    assert elements(response, "problem") == [
        ["approval.bpmn", "Lane_IPCU", "lane 'CLERK' is not a known role (UO, ILO, IPCU)"]]
    assert elements(response, "report-file") == [["approval.bpmn", "diagram", "2.6 KB", "refused"],
                                                  ["note.json", "form", "199 bytes", "no problem found"]]
    assert 'id="deploy-form"' not in response.get_data(as_text=True)
    assert versions(platform) == [1]


@pytest.mark.integration
def test_upload_shows_the_change_summary_then_deploys(client, login, platform, users):
    login("ipcu.admin")
    report = upload(client, ("approval.bpmn", V2), ("note.json", NOTE))
    assert report.status_code == 200
    assert elements(report, "task-added") == [["double_check", "Double-check", "UserTask", "IPCU", "note.json"]]
    assert elements(report, "task-changed") == [
        ["approve", "Approve the note", "outgoing flow", "end", "double_check"],
        ["approve", "Approve the note", "name", "Approve", "Approve the note"],
        ["end", "end", "incoming flow", "approve", "double_check"]]
    assert elements(report, "file-changed") == ["approval.bpmn changed"]
    assert versions(platform) == [1]
    deployed = client.post("/processes/deploy", data=form_fields(report, "deploy-form"), follow_redirects=True)
    assert flashes(deployed) == ["wb_approval deployed as version 2. New cases start on it; running cases stay on "
                                 "their version until they are moved."]
    assert elements(deployed, "file-row")[0][0] == "approval.bpmn"
    assert versions(platform) == [1, 2]
    assert audit(platform, "process.deploy") == [("tests", "wb_approval@1"), ("ipcu.admin", "wb_approval@2")]


@pytest.mark.integration
def test_deploy_of_unchanged_or_other_files_or_after_another_deploy(client, login, platform, users):
    login("ipcu.admin")
    same = upload(client, ("approval.bpmn", APPROVAL), ("note.json", NOTE))
    response = client.post("/processes/deploy", data=form_fields(same, "deploy-form"), follow_redirects=True)
    assert flashes(response) == ["wb_approval is unchanged: still version 1."]
    report = upload(client, ("approval.bpmn", V2), ("note.json", NOTE))
    tampered = form_fields(report, "deploy-form")
    tampered.setlist("content", [base64.b64encode(APPROVAL).decode(), base64.b64encode(NOTE).decode()])
    response = client.post("/processes/deploy", data=tampered, follow_redirects=True)
    assert flashes(response) == ["Nothing was deployed: files: the files are not the ones that were checked; "
                                 "upload and check them again"]
    deploy(platform, actor="someone", files={"approval.bpmn": (WORKBENCH / "approval_without_prepare.bpmn")
                                             .read_bytes()}, form_files={"note.json": NOTE})
    response = client.post("/processes/deploy", data=form_fields(report, "deploy-form"), follow_redirects=True)
    assert flashes(response) == ["Nothing was deployed: 'wb_approval' is now at version 2, deployed after your "
                                 "check; check the files again"]
    assert versions(platform) == [1, 2]


# --- moving cases -------------------------------------------------------------------------------------


@pytest.mark.integration
def test_migrate_one_case_through_the_page_shows_in_its_history(client, login, platform, users):
    case_id = new_case(platform, users)
    deploy(platform, actor="tests", files={"approval.bpmn": V2}, form_files={"note.json": NOTE})
    login("ipcu.admin")
    check = client.get("/processes/wb_approval/migrate")
    assert [row[:4] for row in elements(check, "migration-case")] == [
        [reference(platform, case_id), "v1", "Prepare", "may move"]]
    moved = client.post(f"/processes/wb_approval/migrate/{case_id}", data={"to": "2"}, follow_redirects=True)
    assert flashes(moved) == [f"{reference(platform, case_id)} moved from version 1 to version 2; the move is in "
                              "its history."]
    assert elements(moved, "nothing-to-move") == ["Every open case of Workbench approval runs on version 2."]
    history = client.get(f"/cases/{case_id}")
    assert (elements(history, "event-line")[-1], elements(history, "event-detail")[-1]) == (
        "ipcu.admin moved the case to a new version", "From version 1 To version 2")
    assert case_version(platform, case_id) == 2
    assert audit(platform, "case.migrate") == [("ipcu.admin", reference(platform, case_id))]


@pytest.mark.integration
def test_migrate_refused_through_the_page_names_the_task(client, login, platform, users):
    case_id = new_case(platform, users, at_approve=True)
    deploy(platform, actor="tests", files={"approval.bpmn": V2}, form_files={"note.json": NOTE})
    login("ipcu.admin")
    check = client.get("/processes/wb_approval/migrate")
    assert [row[:4] for row in elements(check, "migration-case")] == [
        [reference(platform, case_id), "v1", "Approve", f"stays {APPROVE_CHANGED}"]]
    refused = client.post(f"/processes/wb_approval/migrate/{case_id}", data={"to": "2"}, follow_redirects=True)
    assert flashes(refused) == [f"Not moved: {reference(platform, case_id)} cannot move: {APPROVE_CHANGED}"]
    assert case_version(platform, case_id) == 1
    assert audit(platform, "case.migrate") == []


@pytest.mark.integration
def test_bulk_migration_through_the_page_reports_moved_and_refused(client, login, platform, users):
    first, second = new_case(platform, users), new_case(platform, users)
    blocked = new_case(platform, users, at_approve=True)
    deploy(platform, actor="tests", files={"approval.bpmn": V2}, form_files={"note.json": NOTE})
    login("ipcu.admin")
    result = client.post("/processes/wb_approval/migrate", data={"to": "2"}, follow_redirects=True)
    refs = [reference(platform, c) for c in (first, second, blocked)]
    assert flashes(result) == [f"2 cases moved to version 2: {refs[0]}, {refs[1]}.",
                               f"{refs[2]} was not moved: {APPROVE_CHANGED}"]
    assert [row[:4] for row in elements(result, "migration-case")] == [
        [refs[2], "v1", "Approve", f"stays {APPROVE_CHANGED}"]]
    assert [case_version(platform, c) for c in (first, second, blocked)] == [2, 2, 1]
    assert audit(platform, "process.migrate") == [("ipcu.admin", "wb_approval@2")]


# --- CSRF ---------------------------------------------------------------------------------------------


@pytest.mark.integration
def test_every_form_carries_a_csrf_token_and_posts_without_one_fail(platform, users):
    new_case(platform, users)
    deploy(platform, actor="tests", files={"approval.bpmn": V2}, form_files={"note.json": NOTE})
    client = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "ipcu.admin", "password": "bharatpol-demo", "csrf_token": token})
    form = client.get("/processes/upload")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    pages = [form, upload(client, ("approval.bpmn", V2), ("note.json", NOTE), token=token),
             client.get("/processes/wb_approval/migrate")]
    assert [p.status_code for p in pages] == [200, 200, 200]
    post_forms = [re.findall(r'<form method="post".*?</form>', p.get_data(as_text=True), re.S) for p in pages]
    assert [len(forms) for forms in post_forms] == [2, 3, 3]  # each page also has the sign-out form
    assert [form.count('name="csrf_token"') for forms in post_forms for form in forms] == [1] * 8
    assert upload(client, ("approval.bpmn", V2), ("note.json", NOTE)).status_code == 400
    assert client.post("/processes/wb_approval/migrate", data={"to": "2"}).status_code == 400
    assert client.post("/processes/deploy", data=form_fields(pages[1], "deploy-form")).status_code == 302
