"""Fire due timers: many workers may poll at once; each timer fires once (FOR UPDATE SKIP LOCKED)."""

from sqlalchemy import select

from engine.models import Case, Timer
from engine.services._common import SYSTEM, now, record, sync


def fire_due_timers(platform, *, limit: int = 100) -> list[tuple[str, str]]:
    """Fire up to `limit` due timers, one transaction each; returns (case reference, timer id) pairs."""
    fired = []
    while len(fired) < limit:
        done = _fire_one(platform)
        if done is None:
            break
        fired.append(done)
    return fired


def _fire_one(platform) -> tuple[str, str] | None:
    with platform.uow() as uow:
        session, at = uow.session, now()
        timer = session.scalar(select(Timer).where(Timer.fired_at.is_(None), Timer.due_at <= at)
                               .order_by(Timer.due_at, Timer.id).limit(1).with_for_update(skip_locked=True))
        if timer is None:
            return None
        case = session.scalar(select(Case).where(Case.id == timer.case_id).with_for_update(of=Case)
                              .execution_options(populate_existing=True))
        flow = platform.workflows.load(case.version, case.state)
        flow.step()  # SpiffWorkflow fires every timer whose time has come
        timer.fired_at = at
        sync(session, platform.workflows, case, flow, at)
        record(session, user=SYSTEM, case=case, action="timer",
               detail={"timer": timer.bpmn_id, "due": timer.due_at.isoformat(), **_attached(flow, timer.task_uuid)})
        uow.commit()
        return case.reference, timer.bpmn_id


def _attached(flow, task_uuid: str) -> dict:
    """The timer's name and the user task a boundary timer is attached to (its sibling under the boundary split)."""
    task = flow.task(task_uuid)
    if task is None:
        return {}
    siblings = task.parent.children if task.parent else []
    attached = [t.task_spec.bpmn_id for t in siblings if t is not task and t.task_spec.manual]
    return {"name": task.task_spec.bpmn_name, **({"on": attached[0]} if attached else {})}
