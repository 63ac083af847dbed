"""Moving running cases to a new process version: checked first (diff_workflow), per case or in bulk,
logged in each case's history and in the audit log."""

from pathlib import Path

import pytest
from helpers import assert_round_trip, case_row, open_task
from sqlalchemy import select

from engine.errors import Conflict, Forbidden, NotFound
from engine.migration import MigrationRefused
from engine.models import AuditEntry, CaseEvent
from engine.services.cases import start_case
from engine.services.deploy import Deployed, deploy
from engine.services.migrations import migrate_all, migrate_case, migration_page
from engine.services.tasks import complete_task, save_draft

WORKBENCH = Path(__file__).parent.parent / "fixtures" / "workbench"
NOTE = {"note.json": (WORKBENCH / "note.json").read_bytes()}
APPROVE_CHANGED = "'Approve' (ready) was changed: name, outgoing flow"


def deploy_fixture(platform, fixture: str) -> list[Deployed]:
    """Deploy a workbench diagram as wb_approval (always under the file name approval.bpmn)."""
    return deploy(platform, actor="tests", files={"approval.bpmn": (WORKBENCH / fixture).read_bytes()},
                  form_files=NOTE)


@pytest.fixture
def users(platform, directory):
    deploy_fixture(platform, "approval.bpmn")
    return directory


def case_at_prepare(platform, users) -> int:
    return start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval").id


def case_at_approve(platform, users) -> int:
    case_id = case_at_prepare(platform, users)
    complete_task(platform, actor_id=users["ipcu.officer"], task_id=open_task(platform, case_id).id,
                  data={"note": "ready"})
    return case_id


def migrate_events(platform, case_id: int) -> list[tuple]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                           CaseEvent.action == "migrate"))
        return [(e.actor, e.detail) for e in rows]


def audit_entries(platform, action: str) -> list[tuple]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [(e.actor, e.object_id, e.detail) for e in rows]


@pytest.mark.integration
def test_migrate_case_waiting_at_unchanged_task_moves_and_is_in_history(platform, users):
    case_id = case_at_prepare(platform, users)
    task_before = open_task(platform, case_id)
    deploy_fixture(platform, "approval_v2.bpmn")
    moved = migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id)
    reference = case_row(platform, case_id).reference
    assert moved == {"reference": reference, "from_version": 1, "to_version": 2}
    assert case_row(platform, case_id).version.version == 2
    assert migrate_events(platform, case_id) == [("ipcu.admin", {"from_version": 1, "to_version": 2})]
    assert audit_entries(platform, "case.migrate") == [
        ("ipcu.admin", reference, {"task": None, "from_version": 1, "to_version": 2})]
    task_after = open_task(platform, case_id)
    assert (task_after.id, task_after.task_uuid, task_after.state) == (task_before.id, task_before.task_uuid, "ready")
    assert_round_trip(platform, case_id)


@pytest.mark.integration
def test_migrated_case_runs_the_new_version_to_the_end(platform, users):
    case_id = case_at_prepare(platform, users)
    deploy_fixture(platform, "approval_v2.bpmn")
    migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id)
    complete_task(platform, actor_id=users["ipcu.officer"], task_id=open_task(platform, case_id).id, data={})
    approve = open_task(platform, case_id)
    assert (approve.bpmn_id, approve.name) == ("approve", "Approve the note")
    complete_task(platform, actor_id=users["ipcu.admin"], task_id=approve.id, data={})
    assert open_task(platform, case_id).bpmn_id == "double_check"


def waiting_timers(platform, case_id: int) -> list[tuple]:
    """The timers the stored workflow waits for, as SpiffWorkflow sees them (not the projection)."""
    case = case_row(platform, case_id)
    with platform.uow() as uow:
        version = uow.session.merge(case.version)
        return platform.workflows.load(version, case.state).timers()


@pytest.mark.integration
def test_migrate_keeps_the_waiting_timer_and_the_task_data(platform, users):
    case_id = start_case(platform, actor_id=users["ipcu.officer"], process_id="wb_approval",
                         data={"note": "given at start"}).id
    save_draft(platform, actor_id=users["ipcu.officer"], task_id=open_task(platform, case_id).id,
               data={"note": "half"})
    timers_before, data_before = waiting_timers(platform, case_id), case_row(platform, case_id).data
    assert data_before["prepare"] == {"note": "given at start"}
    deploy_fixture(platform, "approval_v2.bpmn")
    migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id)
    assert [bpmn_id for _uuid, bpmn_id, _due in timers_before] == ["prepare_reminder"]
    assert waiting_timers(platform, case_id) == timers_before
    assert case_row(platform, case_id).data == data_before
    assert open_task(platform, case_id).draft == {"note": "half"}


@pytest.mark.integration
def test_migrate_refused_when_current_task_changed(platform, users):
    case_id = case_at_approve(platform, users)
    deploy_fixture(platform, "approval_v2.bpmn")
    with pytest.raises(MigrationRefused) as caught:
        migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id)
    assert caught.value.reasons == [APPROVE_CHANGED]
    assert case_row(platform, case_id).version.version == 1
    assert migrate_events(platform, case_id) == []
    assert audit_entries(platform, "case.migrate") == []


@pytest.mark.integration
def test_migrate_refused_when_current_task_removed(platform, users):
    case_id = case_at_prepare(platform, users)
    deploy_fixture(platform, "approval_without_prepare.bpmn")
    with pytest.raises(MigrationRefused) as caught:
        migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id)
    assert caught.value.reasons == [
        "'prepare.BoundaryEventSplit' (completed) was removed", "'Prepare' (ready) was removed",
        "'Prepare reminder' (waiting) was removed", "'start' (completed) was changed: outgoing flow"]
    assert case_row(platform, case_id).version.version == 1


@pytest.mark.integration
def test_migration_page_lists_each_open_case_with_its_verdict(platform, users):
    at_prepare, at_approve = case_at_prepare(platform, users), case_at_approve(platform, users)
    deploy_fixture(platform, "approval_v2.bpmn")
    page = migration_page(platform, actor_id=users["ipcu.officer"], process_id="wb_approval")
    assert (page["target"], page["movable"], page["may_migrate"]) == (2, 1, False)
    assert [(c["id"], c["version"], c["tasks"], c["reasons"]) for c in page["cases"]] == [
        (at_prepare, 1, ["Prepare"], []), (at_approve, 1, ["Approve"], [APPROVE_CHANGED])]


@pytest.mark.integration
def test_migrate_all_moves_what_may_move_and_reports_the_rest(platform, users):
    first, second = case_at_prepare(platform, users), case_at_prepare(platform, users)
    blocked = case_at_approve(platform, users)
    refs = {case_id: case_row(platform, case_id).reference for case_id in (first, second, blocked)}
    deploy_fixture(platform, "approval_v2.bpmn")
    result = migrate_all(platform, actor_id=users["ipcu.admin"], process_id="wb_approval")
    assert result == {
        "process_id": "wb_approval", "to_version": 2,
        "migrated": [{"reference": refs[first], "from_version": 1, "to_version": 2},
                     {"reference": refs[second], "from_version": 1, "to_version": 2}],
        "refused": [{"reference": refs[blocked], "reasons": [APPROVE_CHANGED]}]}
    assert [case_row(platform, c).version.version for c in (first, second, blocked)] == [2, 2, 1]
    assert audit_entries(platform, "process.migrate") == [
        ("ipcu.admin", "wb_approval@2", {"migrated": [refs[first], refs[second]],
                                         "refused": {refs[blocked]: [APPROVE_CHANGED]}})]
    assert [object_id for _a, object_id, _d in audit_entries(platform, "case.migrate")] == [refs[first], refs[second]]


@pytest.mark.integration
def test_migrate_all_leaves_completed_cases_alone(platform, users):
    done = case_at_approve(platform, users)
    complete_task(platform, actor_id=users["ipcu.admin"], task_id=open_task(platform, done).id, data={})
    deploy_fixture(platform, "approval_v2.bpmn")
    result = migrate_all(platform, actor_id=users["ipcu.admin"], process_id="wb_approval")
    assert (result["migrated"], result["refused"]) == ([], [])
    assert case_row(platform, done).version.version == 1


@pytest.mark.integration
@pytest.mark.parametrize("username", ["ipcu.officer", "ilo.delhi", "uo.delhi.crime"])
def test_migrate_needs_the_process_owner_role(platform, users, username):
    case_id = case_at_prepare(platform, users)
    deploy_fixture(platform, "approval_v2.bpmn")
    with pytest.raises(Forbidden):
        migrate_case(platform, actor_id=users[username], case_id=case_id)
    with pytest.raises(Forbidden):
        migrate_all(platform, actor_id=users[username], process_id="wb_approval")
    assert case_row(platform, case_id).version.version == 1


@pytest.mark.integration
def test_migrate_case_already_on_the_newest_version_is_a_conflict(platform, users):
    case_id = case_at_prepare(platform, users)
    with pytest.raises(Conflict) as caught:
        migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id)
    assert str(caught.value) == f"{case_row(platform, case_id).reference} already runs on version 1"


@pytest.mark.integration
def test_migrate_to_a_version_that_is_no_longer_newest_is_a_conflict(platform, users):
    case_id = case_at_prepare(platform, users)
    deploy_fixture(platform, "approval_v2.bpmn")
    deploy_fixture(platform, "approval_without_prepare.bpmn")
    with pytest.raises(Conflict) as caught:
        migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id, to_version=2)
    assert str(caught.value) == "'wb_approval' is now at version 3; check the cases again"


@pytest.mark.integration
def test_migrate_case_of_another_process_is_not_found(platform, users):
    case_id = case_at_prepare(platform, users)
    with pytest.raises(NotFound):
        migrate_case(platform, actor_id=users["ipcu.admin"], case_id=case_id, process_id="notice_request")
