"""Separation of duties, reassignment by supervisors, and the timer table."""

import copy
from datetime import timedelta

import pytest
from helpers import open_task
from samples import VALID_RED
from sqlalchemy import select

from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Timer
from engine.services._common import now
from engine.services.cases import add_attachment, start_case
from engine.services.deploy import deploy
from engine.services.tasks import claim_task, complete_task, reassign_task

pytestmark = pytest.mark.integration


@pytest.fixture
def two_step(platform, directory, fixtures_dir):
    deploy(platform, actor="tests", files={"two_step_approval.bpmn": (fixtures_dir / "two_step_approval.bpmn")
                                           .read_bytes()},
           form_files={"note.json": (fixtures_dir / "note.json").read_bytes()})
    return directory


def test_who_prepared_a_step_cannot_approve_it(platform, two_step):
    case = start_case(platform, actor_id=two_step["ipcu.officer"], process_id="two_step_approval")
    complete_task(platform, actor_id=two_step["ipcu.officer"], task_id=open_task(platform, case.id).id,
                  data={"note": "ready"})
    approve = open_task(platform, case.id)
    with pytest.raises(Forbidden) as err:
        complete_task(platform, actor_id=two_step["ipcu.officer"], task_id=approve.id, data={})
    assert str(err.value) == "you did 'Prepare' on this case, so someone else must do 'Approve'"
    complete_task(platform, actor_id=two_step["ipcu.admin"], task_id=approve.id, data={"note": "approved"})


def test_supervisor_reassigns_to_an_eligible_officer_only(platform, two_step):
    case = start_case(platform, actor_id=two_step["ipcu.officer"], process_id="two_step_approval")
    task = open_task(platform, case.id)
    with pytest.raises(Forbidden):
        reassign_task(platform, actor_id=two_step["ipcu.officer"], task_id=task.id, to_username="ipcu.admin")
    with pytest.raises(Invalid) as err:
        reassign_task(platform, actor_id=two_step["ipcu.admin"], task_id=task.id, to_username="ilo.delhi")
    assert err.value.errors == {"to": "'ilo.delhi' may not act on 'Prepare'"}
    moved = reassign_task(platform, actor_id=two_step["ipcu.admin"], task_id=task.id, to_username="ipcu.officer")
    assert (moved.state, moved.assignee_id) == ("claimed", two_step["ipcu.officer"])


def test_ilo_supervisor_cannot_see_tasks_outside_its_agency(platform, deployed):
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="notice_request")
    task = open_task(platform, case.id)
    claim_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=task.id)
    with pytest.raises(NotFound):
        reassign_task(platform, actor_id=deployed["ilo.punjab"], task_id=task.id, to_username="uo.punjab.ludhiana")


def test_waiting_timer_is_recorded_with_its_due_time_and_removed_when_cancelled(platform, deployed):
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="notice_request")
    add_attachment(platform, actor_id=deployed["uo.delhi.crime"], case_id=case.id, filename="nbw.pdf",
                   kind="warrant", content=b"%PDF-1.4 warrant")
    before = now()
    complete_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=open_task(platform, case.id).id,
                  data=copy.deepcopy(VALID_RED))
    with platform.uow() as uow:
        timers = uow.session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.bpmn_id)).all()
    assert [t.bpmn_id for t in timers] == ["vet_escalation", "vet_reminder"]
    assert before + timedelta(days=7) <= timers[0].due_at <= now() + timedelta(days=7)
    assert before + timedelta(days=3) <= timers[1].due_at <= now() + timedelta(days=3)
    complete_task(platform, actor_id=deployed["ilo.delhi"], task_id=open_task(platform, case.id).id,
                  data={"decision": "forward"})
    with platform.uow() as uow:  # the vetting timers went with their task; the review has its own
        left = uow.session.scalars(select(Timer.bpmn_id).where(Timer.case_id == case.id)).all()
    assert left == ["review_sla_reminder"]


def test_task_due_time_comes_from_its_due_in_property(platform, two_step):
    case = start_case(platform, actor_id=two_step["ipcu.officer"], process_id="two_step_approval")
    prepare = open_task(platform, case.id)
    assert prepare.due_at is None
    complete_task(platform, actor_id=two_step["ipcu.officer"], task_id=prepare.id, data={})
    approve = open_task(platform, case.id)
    assert approve.due_at - approve.created_at == timedelta(days=5)
