"""Who may see a case and act on a task: lane = role, scope by agency/unit, separation of duties."""

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from engine.models import Case, Task, User

BRANCH = aliased(Task, name="branch")  # the case's tasks, aliased because callers may join Task themselves


def may_act(user: User, task: Task) -> bool:
    """The user's role is the task's lane and the task lies in the user's scope."""
    if not user.active or user.role != task.lane:
        return False
    if task.lane == "UO":
        return user.unit_id is not None and user.unit_id == task.unit_id
    if task.lane == "ILO":
        return user.agency_id == task.agency_id
    return task.lane == "IPCU"


def may_supervise(user: User, task: Task) -> bool:
    """Supervisors reassign: an IPCU supervisor anywhere, an ILO supervisor inside its agency."""
    if not (user.active and user.is_supervisor):
        return False
    return user.role == "IPCU" or (user.role == "ILO" and user.agency_id == task.agency_id)


def task_scope_clause(user: User, model=Task):
    """SQL condition: open tasks this user may act on (or rows of `model` addressed like tasks: notifications)."""
    if user.role == "UO":
        return and_(model.lane == "UO", model.unit_id == user.unit_id)
    if user.role == "ILO":
        return and_(model.lane == "ILO", model.agency_id == user.agency_id)
    return model.lane == "IPCU"


def case_scope_clause(user: User):
    """SQL condition: cases this user may see (need to know)."""
    if user.role == "IPCU":
        return Case.id.is_not(None)
    return or_(own_cases_clause(user), exists(sent_to(user, BRANCH).where(BRANCH.case_id == Case.id)))


def own_cases_clause(user: User):
    """SQL condition: the cases of the UO's unit / the ILO's agency."""
    return Case.unit_id == user.unit_id if user.role == "UO" else Case.agency_id == user.agency_id


def not_own_cases_clause(user: User):
    """SQL condition: the complement of own_cases_clause (a case without a unit is not a UO's own)."""
    return (Case.unit_id.is_distinct_from(user.unit_id) if user.role == "UO"
            else Case.agency_id != user.agency_id)


def sent_to(user: User, branch=BRANCH):
    """The branch tasks (rows of `branch`) sent to the UO's unit / the ILO's agency; few, and indexed."""
    mine = branch.unit_id == user.unit_id if user.role == "UO" else branch.agency_id == user.agency_id
    return select(branch.case_id).where(branch.branch, mine)


def separation_conflict(session, *, user: User, case_id: int, task: Task, separate_from: list[str]) -> str | None:
    """Name the earlier step this user did that forbids them this one, if any."""
    done = session.scalars(select(Task).where(
        Task.case_id == case_id, Task.completed_by == user.id, Task.state == "completed",
    )).all()
    for earlier in done:
        if earlier.lane != task.lane or earlier.bpmn_id in separate_from:
            return earlier.name
    return None
