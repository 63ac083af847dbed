"""Concurrent actions on one task: exactly one wins, the others get a conflict, nothing is lost."""

import copy
import threading

import pytest
from helpers import history, open_task
from samples import VALID_RED
from sqlalchemy import func, select

from engine.errors import Conflict
from engine.models import Task
from engine.services.cases import add_attachment, start_case
from engine.services.tasks import claim_task, complete_task

pytestmark = pytest.mark.integration


def _race(n, action):
    barrier, outcomes = threading.Barrier(n), []

    def run():
        barrier.wait()
        try:
            action()
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def _case_at_vet(platform, users):
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request")
    add_attachment(platform, actor_id=users["uo.delhi.crime"], case_id=case.id, filename="nbw.pdf",
                   kind="warrant", content=b"%PDF-1.4 warrant")
    complete_task(platform, actor_id=users["uo.delhi.crime"], task_id=open_task(platform, case.id).id,
                  data=copy.deepcopy(VALID_RED))
    return case, open_task(platform, case.id)


def test_concurrent_completions_of_one_task_one_wins(platform, deployed):
    case, vet = _case_at_vet(platform, deployed)
    outcomes = _race(6, lambda: complete_task(platform, actor_id=deployed["ilo.delhi"], task_id=vet.id,
                                              data={"decision": "forward"}))
    assert outcomes == ["conflict"] * 5 + ["ok"]
    assert [h[:3] for h in history(platform, case.id)].count(("ilo.delhi", "complete", "vet")) == 1
    with platform.uow() as uow:
        per_bpmn = dict(uow.session.execute(select(Task.bpmn_id, func.count()).where(Task.case_id == case.id)
                                            .group_by(Task.bpmn_id)).all())
    assert per_bpmn == {"draft": 1, "vet": 1, "review": 1}
    assert open_task(platform, case.id).bpmn_id == "review"


def test_concurrent_claims_of_one_task_one_wins(platform, deployed):
    case, vet = _case_at_vet(platform, deployed)
    outcomes = _race(4, lambda: claim_task(platform, actor_id=deployed["ilo.delhi"], task_id=vet.id))
    assert outcomes == ["conflict"] * 3 + ["ok"]
    assert open_task(platform, case.id).state == "claimed"
