"""Show, claim, release, reassign and complete user tasks."""

import json

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

import forms
from engine import audit, queries
from engine.assignment import case_scope_clause, may_act, may_supervise, separation_conflict
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.models import Case, ProcessFile, Task, User
from engine.models.task import OPEN_STATES
from engine.notices import duplicate_data
from engine.runtime import task_facts
from engine.services._common import actor, now, record, sync
from engine.services.cases import attachment_kinds


def _open_task(session, user: User, task_id: int):
    """Lock the task's case, then read the task fresh: concurrent actions queue up on the case row."""
    case = session.scalar(select(Case).join(Task, Task.case_id == Case.id)
                          .where(Task.id == task_id, case_scope_clause(user))
                          .with_for_update(of=Case).execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"task {task_id} not found")
    task = session.get(Task, task_id, populate_existing=True)
    if task.state not in OPEN_STATES:
        raise Conflict(f"task '{task.name}' is already {task.state}")
    return case, task


def claim_task(platform, *, actor_id: int, task_id: int) -> Task:
    """Take a task so that only this user may complete it."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        case, task = _open_task(session, user, task_id)
        if not may_act(user, task):
            raise Forbidden(f"'{task.name}' is for {task.lane} officers of its unit or agency")
        if task.state == "claimed":
            raise Conflict(f"task '{task.name}' is already claimed")
        task.state, task.assignee_id, task.claimed_at = "claimed", user.id, now()
        case.updated_at = task.claimed_at
        record(session, user=user, case=case, action="claim", task=task)
        uow.commit()
        return task


def release_task(platform, *, actor_id: int, task_id: int) -> Task:
    """Give a claimed task back to everyone eligible."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        case, task = _open_task(session, user, task_id)
        if not (may_act(user, task) or may_supervise(user, task)):
            raise Forbidden(f"'{task.name}' is for {task.lane} officers of its unit or agency")
        if task.state != "claimed" or (task.assignee_id != user.id and not may_supervise(user, task)):
            raise Conflict(f"task '{task.name}' is not claimed by you")
        task.state, task.assignee_id, task.claimed_at = "ready", None, None
        case.updated_at = now()
        record(session, user=user, case=case, action="release", task=task)
        uow.commit()
        return task


def reassign_task(platform, *, actor_id: int, task_id: int, to_username: str) -> Task:
    """A supervisor hands a task to another eligible officer."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        case, task = _open_task(session, user, task_id)
        if not may_supervise(user, task):
            raise Forbidden("only a supervisor of this task's scope may reassign it")
        target = session.scalar(select(User).where(User.username == to_username))
        if target is None or not may_act(target, task):
            raise Invalid({"to": f"'{to_username}' may not act on '{task.name}'"})
        task.state, task.assignee_id, task.claimed_at = "claimed", target.id, now()
        case.updated_at = task.claimed_at
        record(session, user=user, case=case, action="reassign", task=task, detail={"to": to_username})
        uow.commit()
        return task


def complete_task(platform, *, actor_id: int, task_id: int, data: dict) -> Task:
    """Validate the form data, complete the task, run the engine, and save it all in one transaction."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        case, task = _open_task(session, user, task_id)
        _check_actor(session, user, case, task)
        flow = platform.workflows.load(case.version, case.state)
        spiff_task = flow.task(task.task_uuid)
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise Conflict(f"task '{task.name}' is no longer ready")
        facts = task_facts(spiff_task)
        if conflict := separation_conflict(session, user=user, case_id=case.id, task=task,
                                           separate_from=facts["separate_from"]):
            raise Forbidden(f"you did '{conflict}' on this case, so someone else must do '{task.name}'")
        errors = forms.validate(form_schema(platform, session, case.version_id, task.form), data)
        if errors:
            raise Invalid(errors)
        host = {"attachments": attachment_kinds(session, case.id), **duplicate_data(session, user, case, data)}
        flow.complete(spiff_task, facts["variable"], data, host)
        _refuse_blocks(flow)
        task.state, task.completed_at, task.completed_by = "completed", at, user.id
        task.assignee_id = task.assignee_id or user.id
        sync(session, platform.workflows, case, flow, at)
        record(session, user=user, case=case, task=task, **_outcome(data))
        uow.commit()
        return task


def _check_actor(session, user, case, task):
    if not may_act(user, task):
        raise Forbidden(f"'{task.name}' is for {task.lane} officers of its unit or agency")
    if task.state == "claimed" and task.assignee_id != user.id:
        holder = session.get(User, task.assignee_id)
        raise Conflict(f"task '{task.name}' is claimed by {holder.username}")


def _refuse_blocks(flow):
    """A decision or script that lists blocking rules refuses the whole step."""
    blocks = flow.data().get("blocks") or []
    if blocks:
        raise Invalid({f"rule.{b['rule']}": b["message"] for b in blocks})


def _outcome(data: dict) -> dict:
    """A form whose decision is 'return' is recorded as a return, with its reason."""
    if isinstance(data, dict) and data.get("decision") == "return":
        return {"action": "return", "detail": {"reason": data.get("return_reason"),
                                               "comments": data.get("comments")}}
    decision = data.get("decision") if isinstance(data, dict) else None
    return {"action": "complete", "detail": {"decision": decision} if decision else {}}


def form_schema(platform, session, version_id: int, form: str | None) -> dict:
    """A version's form schema (cached: deployed versions never change)."""
    if form is None:
        return {"type": "object", "additionalProperties": False}
    key, cache = (version_id, form), platform.workflows.forms
    if key not in cache:
        content = session.scalar(select(ProcessFile.content).where(
            ProcessFile.version_id == version_id, ProcessFile.filename == f"forms/{form}"))
        cache[key] = json.loads(content)
    return cache[key]


def save_draft(platform, *, actor_id: int, task_id: int, data: dict) -> Task:
    """Keep unfinished form data on the task; it is validated only when the task is completed."""
    if not isinstance(data, dict):
        raise Invalid({"data": "must be a JSON object"})
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        case, task = _open_task(session, user, task_id)
        _check_actor(session, user, case, task)
        task.draft = data
        record(session, user=user, case=case, action="save_draft", task=task)
        uow.commit()
        return task


def view_task(platform, *, actor_id: int, task_id: int) -> dict:
    """A task, its form schema and its case; showing the case's data is logged like a case view."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        task = queries.task_detail(uow.session, user, task_id)
        case = queries.case_detail(uow.session, user, task["case_id"])
        schema = form_schema(platform, uow.session, task["version_id"], task["form"])
        audit.append(uow.session, actor=user.username, action="task.view", object_type="case",
                     object_id=case["reference"], detail={"task": task["bpmn_id"]})
        uow.commit()
        return {"task": task, "case": case, "schema": schema, "draft": task["draft"], "prefill": task["prefill"]}
