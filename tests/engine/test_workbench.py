"""The process workbench services: validation report and change summary of an upload (nothing stored),
deploying a checked set, and the version pages' read side."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.models import AuditEntry, ProcessVersion
from engine.services.cases import start_case
from engine.services.deploy import Deployed, deploy
from engine.services.processes import check_upload, deploy_upload, process_list, set_digest, version_file, version_page

WORKBENCH = Path(__file__).parent.parent / "fixtures" / "workbench"
NOTE = (WORKBENCH / "note.json").read_bytes()
APPROVAL = (WORKBENCH / "approval.bpmn").read_text()
UNKNOWN_LANE = "lane 'CLERK' is not a known role (UO, ILO, IPCU)"


def upload(fixture: str = "approval.bpmn", **extra: bytes) -> list[tuple[str, bytes]]:
    """A workbench diagram uploaded as approval.bpmn, with note.json and any extra files."""
    return [("approval.bpmn", (WORKBENCH / fixture).read_bytes()), ("note.json", NOTE), *extra.items()]


def versions(platform) -> list[tuple[str, int]]:
    with platform.uow() as uow:
        return [tuple(r) for r in uow.session.execute(select(ProcessVersion.process_id, ProcessVersion.version)
                                                      .order_by(ProcessVersion.id))]


def deploy_audit(platform) -> list[tuple[str, str]]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "process.deploy")
                                   .order_by(AuditEntry.seq))
        return [(e.actor, e.object_id) for e in rows]


@pytest.fixture
def users(platform, directory):
    deploy(platform, actor="tests", files={"approval.bpmn": APPROVAL.encode()}, form_files={"note.json": NOTE})
    return directory


# --- the validation report ----------------------------------------------------------------------------


@pytest.mark.integration
def test_report_for_unknown_lane_names_file_element_and_reason(platform, users):
    bad = APPROVAL.replace('name="IPCU"', 'name="CLERK"').encode()
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=[("approval.bpmn", bad), ("note.json", NOTE)])
    assert (report["ok"], report["processes"], report["base"]) == (False, [], {})
    assert report["problems"] == [{"file": "approval.bpmn", "element": "Lane_IPCU", "reason": UNKNOWN_LANE}]
    assert [(f["name"], f["kind"], f["status"], f["problems"]) for f in report["files"]] == [
        ("approval.bpmn", "diagram", "refused", [{"element": "Lane_IPCU", "reason": UNKNOWN_LANE}]),
        ("note.json", "form", "no problem found", [])]
    assert versions(platform) == [("wb_approval", 1)]
    assert deploy_audit(platform) == [("tests", "wb_approval@1")]


@pytest.mark.integration
def test_report_gives_the_first_problem_of_every_file(platform, users):
    bad_lane = APPROVAL.replace('name="IPCU"', 'name="CLERK"').encode()
    other = (WORKBENCH / "review_rules.bpmn").read_text().replace('value="note.json"', 'value="missing.json"')
    files = [("approval.bpmn", bad_lane), ("review_rules.bpmn", other.encode()),
             ("grade.dmn", (WORKBENCH / "grade.dmn").read_bytes()), ("broken.dmn", b"<definitions"),
             ("note.json", NOTE), ("bad_form.json", b'{"type": "choice"}'), ("notes.txt", b"hello"),
             ("../evil.bpmn", b"<x/>")]
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=files)
    assert [(p["file"], p["element"], p["reason"]) for p in report["problems"]] == [
        ("notes.txt", None, "only .bpmn, .dmn and .json (form) files can be uploaded"),
        ("../evil.bpmn", None, "a file name may use only letters, digits, '.', '_', '-'"),
        ("approval.bpmn", "Lane_IPCU", UNKNOWN_LANE),
        ("broken.dmn", None, "not well-formed XML: unclosed token: line 1, column 0"),
        ("review_rules.bpmn", "review", "form file 'missing.json' not found"),
        ("bad_form.json", None, "not a valid JSON Schema: 'choice' is not valid under any of the given schemas")]
    assert {f["name"]: f["status"] for f in report["files"]} == {
        "../evil.bpmn": "refused", "approval.bpmn": "refused", "bad_form.json": "refused", "broken.dmn": "refused",
        "grade.dmn": "no problem found", "note.json": "no problem found", "notes.txt": "refused",
        "review_rules.bpmn": "refused"}


@pytest.mark.integration
def test_report_names_a_bad_form_and_the_task_that_uses_it(platform, users):
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=[
        ("approval.bpmn", APPROVAL.encode()), ("note.json", b'{"type": "x"}')])
    reason = "not a valid JSON Schema: 'x' is not valid under any of the given schemas"
    assert report["problems"] == [{"file": "note.json", "element": "prepare", "reason": reason}]


@pytest.mark.integration
def test_report_without_a_diagram_says_so(platform, users):
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=[("note.json", NOTE)])
    assert report["problems"] == [{"file": "(set)", "element": None, "reason": "no .bpmn file given"}]


@pytest.mark.integration
@pytest.mark.parametrize("username", ["ipcu.officer", "ilo.delhi", "uo.delhi.crime"])
def test_check_and_deploy_need_the_process_owner_role(platform, users, username):
    files = upload("approval_v2.bpmn")
    with pytest.raises(Forbidden):
        check_upload(platform, actor_id=users[username], files=files)
    with pytest.raises(Forbidden):
        deploy_upload(platform, actor_id=users[username], files=files, digest=set_digest(files),
                      base={"wb_approval": 1})
    assert versions(platform) == [("wb_approval", 1)]


# --- the change summary -------------------------------------------------------------------------------


@pytest.mark.integration
def test_change_summary_of_renamed_task_and_added_user_task(platform, users):
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=upload("approval_v2.bpmn"))
    assert (report["ok"], report["problems"], report["base"]) == (True, [], {"wb_approval": 1})
    [summary] = report["processes"]
    assert {k: summary[k] for k in ("id", "base_version", "new_version", "unchanged", "renamed", "files")} == {
        "id": "wb_approval", "base_version": 1, "new_version": 2, "unchanged": False, "renamed": None,
        "files": [{"filename": "approval.bpmn", "change": "changed"}]}
    assert summary["tasks"] == {
        "added": [{"id": "double_check", "name": "Double-check", "type": "UserTask", "lane": "IPCU",
                   "form": "note.json"}],
        "removed": [],
        "changed": [
            {"id": "approve", "name": "Approve the note", "type": "UserTask", "lane": "IPCU", "form": "note.json",
             "changes": [{"what": "outgoing flow", "old": "end", "new": "double_check"},
                         {"what": "name", "old": "Approve", "new": "Approve the note"}]},
            {"id": "end", "name": "end", "type": "EndEvent", "lane": "IPCU", "form": None,
             "changes": [{"what": "incoming flow", "old": "approve", "new": "double_check"}]}]}
    assert [(f["name"], f["status"]) for f in report["files"]] == [("approval.bpmn", "in use"), ("note.json", "in use")]


@pytest.mark.integration
def test_change_summary_of_removed_task_changed_form_and_lane(platform, users):
    changed = (WORKBENCH / "approval_without_prepare.bpmn").read_text().replace('name="IPCU"', 'name="ILO"')
    form = json.dumps({**json.loads(NOTE), "title": "Approval note"}).encode()
    report = check_upload(platform, actor_id=users["ipcu.admin"],
                          files=[("approval.bpmn", changed.encode()), ("note.json", form)])
    [summary] = report["processes"]
    assert [t["id"] for t in summary["tasks"]["removed"]] == ["prepare", "prepare_reminder", "reminded"]
    assert [(t["id"], t["changes"]) for t in summary["tasks"]["changed"]] == [
        ("approve", [{"what": "incoming flow", "old": "prepare", "new": "start"},
                     {"what": "lane", "old": "IPCU", "new": "ILO"},
                     {"what": "property separateFrom", "old": "prepare", "new": None}]),
        ("end", [{"what": "lane", "old": "IPCU", "new": "ILO"}]),
        ("start", [{"what": "outgoing flow", "old": "prepare.BoundaryEventSplit", "new": "approve"},
                   {"what": "lane", "old": "IPCU", "new": "ILO"}])]
    assert summary["files"] == [{"filename": "approval.bpmn", "change": "changed"},
                                {"filename": "forms/note.json", "change": "changed"}]


@pytest.mark.integration
def test_change_summary_of_a_decision_table(platform, users):
    rules = [("review_rules.bpmn", (WORKBENCH / "review_rules.bpmn").read_bytes()),
             ("grade.dmn", (WORKBENCH / "grade.dmn").read_bytes()), ("note.json", NOTE)]
    deploy(platform, actor="tests", files=dict(rules[:2]), form_files=dict(rules[2:]))
    stricter = rules[1][1].replace(b'"routine"', b'"urgent"')
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=[rules[0], ("grade.dmn", stricter), rules[2]])
    [summary] = report["processes"]
    assert summary["files"] == [{"filename": "grade.dmn", "change": "changed"}]
    [grade] = summary["tasks"]["changed"]
    assert (grade["id"], [c["what"] for c in grade["changes"]]) == ("grade", ["decision table"])


@pytest.mark.integration
def test_change_summary_of_the_same_files_is_no_change(platform, users):
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=upload())
    [summary] = report["processes"]
    assert (summary["unchanged"], summary["new_version"], summary["files"]) == (True, 1, [])
    assert summary["tasks"] == {"added": [], "removed": [], "changed": []}


@pytest.mark.integration
def test_change_summary_of_a_new_process_lists_every_element(platform, users):
    files = [("review_rules.bpmn", (WORKBENCH / "review_rules.bpmn").read_bytes()),
             ("grade.dmn", (WORKBENCH / "grade.dmn").read_bytes()), ("note.json", NOTE)]
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=files)
    [summary] = report["processes"]
    assert (summary["base_version"], summary["new_version"], report["base"]) == (None, 1, {"wb_review": 0})
    assert [(t["id"], t["type"]) for t in summary["tasks"]["added"]] == [
        ("grade", "BusinessRuleTask"), ("review", "UserTask"), ("review_end", "EndEvent"),
        ("review_start", "StartEvent")]


# --- deploying a checked set --------------------------------------------------------------------------


@pytest.mark.integration
def test_deploy_upload_stores_the_checked_set_and_audits_it(platform, users):
    files = upload("approval_v2.bpmn")
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=files)
    result = deploy_upload(platform, actor_id=users["ipcu.admin"], files=files, digest=report["digest"],
                           base=report["base"])
    assert result == [Deployed("wb_approval", 2, True)]
    assert versions(platform) == [("wb_approval", 1), ("wb_approval", 2)]
    assert deploy_audit(platform) == [("tests", "wb_approval@1"), ("ipcu.admin", "wb_approval@2")]


@pytest.mark.integration
def test_deploy_upload_refuses_files_other_than_the_checked_ones(platform, users):
    checked = check_upload(platform, actor_id=users["ipcu.admin"], files=upload("approval_v2.bpmn"))
    with pytest.raises(Invalid) as caught:
        deploy_upload(platform, actor_id=users["ipcu.admin"], files=upload("approval_without_prepare.bpmn"),
                      digest=checked["digest"], base=checked["base"])
    assert caught.value.errors == {"files": "the files are not the ones that were checked; upload and check them again"}
    assert versions(platform) == [("wb_approval", 1)]


@pytest.mark.integration
def test_deploy_upload_refuses_when_someone_deployed_after_the_check(platform, users):
    files = upload("approval_v2.bpmn")
    report = check_upload(platform, actor_id=users["ipcu.admin"], files=files)
    deploy(platform, actor="someone", files={"approval.bpmn": (WORKBENCH / "approval_without_prepare.bpmn")
                                             .read_bytes()}, form_files={"note.json": NOTE})
    with pytest.raises(Conflict) as caught:
        deploy_upload(platform, actor_id=users["ipcu.admin"], files=files, digest=report["digest"],
                      base=report["base"])
    assert str(caught.value) == ("'wb_approval' is now at version 2, deployed after your check; "
                                 "check the files again")
    assert versions(platform) == [("wb_approval", 1), ("wb_approval", 2)]


# --- the read side ------------------------------------------------------------------------------------


@pytest.mark.integration
def test_process_list_counts_cases_per_version(platform, users):
    start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval")
    deploy(platform, actor="tests", files=dict(upload("approval_v2.bpmn")[:1]), form_files={"note.json": NOTE})
    start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval")
    start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval")
    page = process_list(platform, actor_id=users["ipcu.officer"])
    assert page["may_deploy"] is False
    [process] = page["processes"]
    assert (process["id"], process["newest"], process["open_on_older"]) == ("wb_approval", 2, 1)
    assert [(v["version"], v["open_cases"], v["cases"], v["deployed_by"]) for v in process["versions"]] == [
        (2, 2, 2, "tests"), (1, 1, 1, "tests")]


@pytest.mark.integration
def test_version_page_shows_files_cases_and_where_they_wait(platform, users):
    case = start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval")
    page = version_page(platform, actor_id=users["ipcu.officer"], process_id="wb_approval", version=1)
    assert [(f["filename"], f["kind"]) for f in page["files"]] == [("approval.bpmn", "bpmn"),
                                                                   ("forms/note.json", "json")]
    assert (page["diagram"], page["waiting"], page["newest"]) == ("approval.bpmn", {"prepare": 1}, 1)
    assert [(c["reference"], c["status"], c["tasks"]) for c in page["cases"]] == [(case.reference, "open", ["Prepare"])]


@pytest.mark.integration
def test_version_file_returns_the_stored_content(platform, users):
    assert version_file(platform, actor_id=users["ipcu.officer"], process_id="wb_approval", version=1,
                        filename="forms/note.json") == (NOTE.decode(), "json")
    with pytest.raises(NotFound):
        version_file(platform, actor_id=users["ipcu.officer"], process_id="wb_approval", version=1,
                     filename="other.bpmn")


@pytest.mark.integration
@pytest.mark.parametrize("username", ["ilo.delhi", "uo.delhi.crime"])
def test_process_pages_are_for_ipcu_only(platform, users, username):
    with pytest.raises(Forbidden):
        process_list(platform, actor_id=users[username])
    with pytest.raises(Forbidden):
        version_page(platform, actor_id=users[username], process_id="wb_approval", version=1)
