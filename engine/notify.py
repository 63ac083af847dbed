"""Notifications, written in the transaction of the step that causes them: a new task, a return, a reminder or
escalation timer, a delivered message. Addressed like tasks (lane + agency/unit); e-mailed when SMTP is set."""

from sqlalchemy import and_, exists, or_, select

from engine.assignment import task_scope_clause
from engine.models import Case, MailOutbox, Notification, NotificationRead, Task, User
from engine.models.task import OPEN_STATES

NEW_TASKS = "bharatpol.new_tasks"  # session.info key: tasks the last sync made ready
SMTP = "bharatpol.smtp"  # session.info key: true when notifications are also e-mailed


def task_opened(session, task: Task):
    """Remember a newly ready task; after_step() tells its lane."""
    session.info.setdefault(NEW_TASKS, []).append(task)


def after_step(session, case: Case, action: str, detail: dict):
    """The notifications a recorded step causes (the hook `record` calls)."""
    new = session.info.pop(NEW_TASKS, [])
    kind = "return" if action == "return" else "task"
    for task in new:
        verb = "returned to you" if kind == "return" else "waiting"
        _add(session, case, kind, _scope(task), f"{case.reference}: '{task.name}' {verb}")
    if action == "timer":
        _timer(session, case, detail)
    elif action == "message":
        for task in _open_tasks(session, case):
            _add(session, case, "message", _scope(task),
                 f"{case.reference}: message '{detail.get('message')}' received ('{task.name}')")


def _timer(session, case: Case, detail: dict):
    """A reminder to the attached open task's scope; an escalation (id or name says 'escalat') to IPCU."""
    name = f"{detail.get('timer')} {detail.get('name') or ''}".lower()
    kind = "escalation" if "escalat" in name else "reminder"
    for task in _open_tasks(session, case, detail.get("on")):
        scope = ("IPCU", task.agency_id, None) if kind == "escalation" else _scope(task)
        _add(session, case, kind, scope, f"{case.reference}: {detail.get('name') or kind} — '{task.name}'")


def _open_tasks(session, case: Case, bpmn_id: str | None = None) -> list[Task]:
    query = select(Task).where(Task.case_id == case.id, Task.state.in_(OPEN_STATES)).order_by(Task.id)
    if bpmn_id:
        query = query.where(Task.bpmn_id == bpmn_id)
    return list(session.scalars(query))


def _scope(task: Task) -> tuple:
    return task.lane, task.agency_id, task.unit_id


def _add(session, case: Case, kind: str, scope: tuple, text: str):
    lane, agency_id, unit_id = scope
    note = Notification(kind=kind, case_id=case.id, lane=lane, agency_id=agency_id, unit_id=unit_id, text=text[:300])
    session.add(note)
    if session.info.get(SMTP):
        session.flush()
        for address in session.scalars(select(User.email).where(User.active, User.email.is_not(None),
                                                                _recipients(note))):
            session.add(MailOutbox(notification_id=note.id, to_address=address,
                                   subject=f"BHARATPOL {kind}: {case.reference}", body=text))


def _recipients(note: Notification):
    """SQL condition on User: the officers a notification is addressed to."""
    if note.user_id is not None:
        return User.id == note.user_id
    if note.lane == "UO":
        return and_(User.role == "UO", User.unit_id == note.unit_id)
    if note.lane == "ILO":
        return and_(User.role == "ILO", User.agency_id == note.agency_id)
    return User.role == note.lane


def visible_clause(user: User):
    """SQL condition on Notification: what this officer sees (their scopes, as for tasks, and their own)."""
    return or_(Notification.user_id == user.id,
               and_(Notification.user_id.is_(None), task_scope_clause(user, Notification)))


def unread_clause(user: User):
    return ~exists(select(NotificationRead.notification_id).where(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user.id))
