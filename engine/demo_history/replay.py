"""Open generated cases run through the real engine services, then get their planned timestamps.

Each service call happens now; right after it, every row of that case stamped since the call began
(task times, history events, the case's own times) is moved to the step's planned time, keeping each
task's due time relative to its creation. So open cases have a real state officers can act on.
"""

from sqlalchemy import select, update

from engine.demo_history.plans import CasePlan, Step
from engine.demo_history.requests import ATTACHMENTS, REQUESTS, personal
from engine.models import Case, CaseEvent, Task
from engine.models._types import utcnow
from engine.models.task import OPEN_STATES
from engine.services.cases import add_attachment, send_message, start_case
from engine.services.tasks import claim_task, complete_task

PROCESS = "notice_request"


def replay(platform, plan: CasePlan, officers) -> tuple[str, str | None]:
    """Bring an open plan's case as far as the engine lets it; answers where it waits and why it stopped early."""
    uo = officers.uo[plan.unit].id
    case = _at(platform, None, plan.opened,
               lambda: start_case(platform, actor_id=uo, process_id=PROCESS, data={"notice_type": plan.category}))
    try:
        for action in _actions(plan):
            action(platform, case.id, officers, plan)
    except Exception as exc:  # noqa: BLE001 - a diagram or form under edit may refuse any step; the case stays
        return _waiting_at(platform, case.id), f"{type(exc).__name__}: {str(exc)[:200]}"
    return _waiting_at(platform, case.id), None


def _at(platform, case_id, moment, call):
    since = utcnow()
    result = call()
    _backdate(platform, case_id if case_id is not None else result.id, since, moment)
    return result


def _backdate(platform, case_id: int, since, moment):
    with platform.uow() as uow:
        session = uow.session
        for task in session.scalars(select(Task).where(Task.case_id == case_id)):
            if task.created_at >= since:
                task.due_at = moment + (task.due_at - task.created_at) if task.due_at else None
                task.created_at = moment
            for column in ("claimed_at", "completed_at"):
                if (getattr(task, column) or moment) >= since:
                    setattr(task, column, moment)
        session.execute(update(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.at >= since)
                        .values(at=moment))
        case = session.get(Case, case_id)
        for column in ("created_at", "updated_at", "completed_at"):
            if (getattr(case, column) or moment) >= since:
                setattr(case, column, moment)
        uow.commit()


def _actions(plan: CasePlan) -> list:
    """The plan's steps and INTERPOL messages as calls, in time order."""
    timed = [(step.created, 1, _step_call(step)) for step in plan.steps]
    timed += [(d.at, 0, _message_call(d)) for d in plan.decisions]  # a query comes before the review it opens
    return [call for _at_time, _order, call in sorted(timed, key=lambda item: (item[0], item[1]))]


def _open_task_id(platform, case_id: int) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(Task.id).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES))
                                  .order_by(Task.id).limit(1))


def _step_call(step: Step):
    def run(platform, case_id, officers, plan):
        who = officers.for_lane({"draft": "UO", "vet": "ILO"}.get(step.node, "IPCU"), plan, case_id).id
        task_id = _open_task_id(platform, case_id)
        if step.claimed:
            _at(platform, case_id, step.claimed, lambda: claim_task(platform, actor_id=who, task_id=task_id))
        if step is plan.steps[0] and step.completed:
            _attach(platform, case_id, who, plan, step.claimed or step.created)
        if step.completed:
            data = _form_data(step, plan, case_id)
            _at(platform, case_id, step.completed,
                lambda: complete_task(platform, actor_id=who, task_id=task_id, data=data))
    return run


def _attach(platform, case_id, who, plan, moment):
    for kind, filename, content in ATTACHMENTS.get(plan.category, []):
        _at(platform, case_id, moment, lambda k=kind, n=filename, c=content: add_attachment(
            platform, actor_id=who, case_id=case_id, filename=n, kind=k, content=c))


def _form_data(step: Step, plan: CasePlan, case_id: int) -> dict:
    if step.node == "draft":
        if plan.category not in REQUESTS:
            raise LookupError(f"no sample request for {plan.category}")
        return personal(REQUESTS[plan.category], case_id)
    if step.reason:
        return {"decision": "return", "return_reason": step.reason, "comments": "Please correct (generated)."}
    return {"decision": step.decision}


def _message_call(decision):
    def run(platform, case_id, officers, plan):
        reference = _reference(platform, case_id)
        payload = {"outcome": "query", "question": "Please state the person's role (generated history)."}
        _at(platform, case_id, decision.at, lambda: send_message(
            platform, actor_id=officers.ipcu[0].id, name="interpol_decision", correlation=reference, payload=payload))
    return run


def _reference(platform, case_id: int) -> str:
    with platform.uow() as uow:
        return uow.session.get(Case, case_id).reference


def _waiting_at(platform, case_id: int) -> str:
    with platform.uow() as uow:
        nodes = uow.session.scalars(select(Task.bpmn_id).where(Task.case_id == case_id,
                                                               Task.state.in_(OPEN_STATES))).all()
    return ",".join(sorted(nodes)) or "interpol_decision"
