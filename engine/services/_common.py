"""Helpers shared by the services: the actor, locked cases, and syncing a case after a step."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import audit, notify
from engine.assignment import case_scope_clause
from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Agency, Case, CaseEvent, Task, Timer, Unit, User
from engine.models.task import OPEN_STATES
from engine.notices import index_notice
from engine.runtime import due_time, task_facts

SYSTEM = SimpleNamespace(username="system")  # the actor of timer firings and other automatic steps
BRANCHES = "branches"  # case-data key: each branch's own data, by `AGENCY` or `AGENCY/UNIT` (see branch_views)


def now() -> datetime:
    return datetime.now(UTC)


def is_iso_day(value: str) -> bool:
    """True for a calendar date written YYYY-MM-DD."""
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def actor(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise Forbidden("this account is not active")
    return user


def visible_case(session, user: User, case_id: int, *, for_update=False) -> Case:
    """The case if the user may know of it, else NotFound (existence is not leaked)."""
    query = select(Case).where(Case.id == case_id, case_scope_clause(user))
    if for_update:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    case = session.scalar(query)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def record(session, *, user: User, case: Case, action: str, task=None, detail=None):
    """Append a history line and its audit entry."""
    detail = detail or {}
    session.add(CaseEvent(case_id=case.id, actor=user.username, action=action,
                          bpmn_id=task.bpmn_id if task else None, task_name=task.name if task else None,
                          detail=detail))
    notify.after_step(session, case, action, detail)
    # last: the audit head stays locked from here to the commit
    audit.append(session, actor=user.username, action=f"case.{action}", object_type="case",
                 object_id=case.reference, detail={"task": task.bpmn_id if task else None, **detail})


def sync(session, workflows, case: Case, flow, at: datetime):
    """Write state, data, status, the task projection and timers after engine steps."""
    case.state = workflows.dump(flow)
    data, views = flow.data(), branch_views(flow)
    if views:  # the main line's data, not whichever branch's task happens to be newest, plus each branch's
        data = {**(_main_line(flow) if isinstance(data.get("agency"), str) else data), BRANCHES: views}
    case.data = data
    case.category = _category(case.data)
    case.updated_at = at
    if flow.completed:
        case.status, case.completed_at = "completed", at
    index_notice(case, flow)
    _project_tasks(session, case, flow, at)
    _project_timers(session, case, flow)


def branch_views(flow) -> dict:
    """Per branch whose tasks carry an `agency` code (and a `unit` code), the data of its newest user task,
    keyed `AGENCY` (agency-level tasks) or `AGENCY/UNIT`: a recipient of a branch is shown only its own."""
    tasks = flow.workflow.get_tasks(state=TaskState.READY | TaskState.COMPLETED, manual=True)
    views = {}
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        agency, unit = task.data.get("agency"), task.data.get("unit")
        if isinstance(agency, str):
            views[f"{agency}/{unit}" if isinstance(unit, str) else agency] = dict(task.data)
    return views


def _main_line(flow) -> dict:
    """The data of the newest task outside the branches (what they were started with, or what came back)."""
    reached = TaskState.READY | TaskState.STARTED | TaskState.COMPLETED
    tasks = [t for t in flow.workflow.get_tasks(skip_subprocesses=True)
             if t.has_state(reached) and not isinstance(t.data.get("agency"), str)]
    return dict(max(tasks, key=lambda t: t.last_state_change).data) if tasks else {}


def _category(data: dict) -> str | None:
    """What inbox filters call the case's type: a request's notice_type, if it has one."""
    request = data.get("request")
    value = request.get("notice_type") if isinstance(request, dict) else None
    return value[:32] if isinstance(value, str) else None  # only a code fits the column; the form checks the rest


def _project_tasks(session, case: Case, flow, at):
    ready = {str(t.id): t for t in flow.ready_human_tasks()}
    rows = session.scalars(select(Task).where(Task.case_id == case.id, Task.state.in_(OPEN_STATES))).all()
    for row in rows:
        if row.task_uuid not in ready:
            row.state, row.completed_at = "cancelled", at
        elif row.category != case.category:
            row.category = case.category
    known = {row.task_uuid for row in rows}
    for uuid, task in ready.items():
        if uuid in known:
            continue
        facts = task_facts(task)
        agency_id, unit_id = _scope(session, case, task.data)
        row = Task(case_id=case.id, task_uuid=uuid, process_id=case.process_id, bpmn_id=facts["bpmn_id"],
                   name=facts["name"], lane=facts["lane"], form=facts["form"], variable=facts["variable"],
                   agency_id=agency_id, unit_id=unit_id, created_at=at, due_at=_due_at(task, facts, at),
                   category=case.category, branch=_is_branch(case, agency_id, unit_id))
        session.add(row)
        notify.task_opened(session, row)


def _due_at(task, facts: dict, at: datetime) -> datetime | None:
    """The deadline: `dueAt` (an expression over the task data giving an ISO date-time), else `dueIn` from now."""
    expression = task.task_spec.extensions.get("properties", {}).get("dueAt")
    if not expression:
        return due_time(facts["due_in"], at)
    due = datetime.fromisoformat(str(task.workflow.script_engine.evaluate(task, expression)))
    return due if due.tzinfo else due.replace(tzinfo=UTC)


def _is_branch(case: Case, agency_id: int, unit_id: int | None) -> bool:
    """The task goes to another agency or unit than its case's (a broadcast branch): see case_scope_clause."""
    return agency_id != case.agency_id or (unit_id is not None and unit_id != case.unit_id)


def _scope(session, case: Case, data: dict) -> tuple[int, int | None]:
    """A branch may narrow the scope with `agency` / `unit` codes in its data; unknown codes are refused."""
    agency_id, unit_id = case.agency_id, case.unit_id
    if data.get("agency"):
        agency = session.scalar(select(Agency).where(Agency.code == data["agency"]))
        if agency is None:
            raise Invalid({"agency": f"no agency has the code '{data['agency']}'"})
        if agency.id != case.agency_id:
            agency_id, unit_id = agency.id, None
    if data.get("unit"):
        unit = session.scalar(select(Unit).where(Unit.code == data["unit"], Unit.agency_id == agency_id))
        if unit is None:
            raise Invalid({"unit": f"'{data['unit']}' is not a unit code of the agency this step belongs to"})
        unit_id = unit.id
    return agency_id, unit_id


def _project_timers(session, case: Case, flow):
    waiting = {uuid: (bpmn_id, due) for uuid, bpmn_id, due in flow.timers()}
    rows = session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.fired_at.is_(None))).all()
    for row in rows:
        if row.task_uuid not in waiting:
            session.delete(row)
    known = {row.task_uuid for row in rows}
    for uuid, (bpmn_id, due) in waiting.items():
        if uuid not in known:
            session.add(Timer(case_id=case.id, task_uuid=uuid, bpmn_id=bpmn_id, due_at=due))
