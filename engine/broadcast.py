"""The IPCU broadcast board: per broadcast and per agency, sent / acknowledged / answered / overdue.

Read from the task projection (SQL only): a branch is *sent* when its agency's first task appears,
*acknowledged* when the first of its units completes an acknowledgement task, *answered* when its ILO
completes the forwarding task, and *overdue* while one of its open tasks is past its due time (the due
times come from the diagram: `dueAt` = the deadlines of processes/broadcast_deadlines.dmn).
"""

from datetime import datetime

from sqlalchemy import func, select

from engine.errors import Forbidden, Invalid
from engine.models import Agency, Case, Task, Unit, User
from engine.models.task import OPEN_STATES

PROCESS = "broadcast"
ACKNOWLEDGE_TASKS = frozenset({"acknowledge"})  # a unit acknowledges receipt
ANSWER_TASKS = frozenset({"forward"})  # the agency's answer reaches IPCU
STATUSES = ("open", "completed", "all")


def _iso(value):
    return value.isoformat() if value is not None else None


def require_ipcu(user: User):
    if user.role != "IPCU":
        raise Forbidden("the broadcast board is for CBI IPCU")


def board(session, user: User, *, now: datetime, status: str = "open", page: int = 1, per_page: int = 25) -> dict:
    """One page of broadcasts (newest first), each with a row per agency it was sent to; IPCU only."""
    require_ipcu(user)
    if status not in STATUSES:
        raise Invalid({"status": f"must be one of {', '.join(STATUSES)}"})
    query = select(Case).where(Case.process_id == PROCESS)
    if status != "all":
        query = query.where(Case.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    cases = session.scalars(query.order_by(Case.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    rows = _branch_rows(session, [c.id for c in cases])
    items = [_broadcast(case, rows.get(case.id, {}), now) for case in cases]
    return {"broadcasts": items, "total": total, "page": max(page, 1), "per_page": per_page, "status": status,
            "overdue": sum(b["overdue"] for b in items)}


def _branch_rows(session, case_ids: list[int]) -> dict:
    """{case id: {agency code: [(task, agency name, unit code), ...]}} for the agencies' tasks of these cases."""
    found: dict = {}
    if not case_ids:
        return found
    rows = session.execute(select(Task, Agency.code, Agency.name, Unit.code).join(Agency, Agency.id == Task.agency_id)
                           .outerjoin(Unit, Unit.id == Task.unit_id)
                           .where(Task.case_id.in_(case_ids), Task.lane != "IPCU").order_by(Task.id))
    for task, code, name, unit in rows:
        found.setdefault(task.case_id, {}).setdefault(code, []).append((task, name, unit))
    return found


def _broadcast(case: Case, agencies: dict, now: datetime) -> dict:
    data = case.data or {}
    request = data.get("broadcast") if isinstance(data.get("broadcast"), dict) else {}
    deadlines = data.get("deadlines") if isinstance(data.get("deadlines"), dict) else {}
    rows = [agency_status(code, tasks, now) for code, tasks in sorted(agencies.items())]
    return {"id": case.id, "reference": case.reference, "status": case.status, "created_at": _iso(case.created_at),
            **{k: request.get(k) for k in ("from_country", "interpol_reference", "request_type", "urgency",
                                           "subject")},
            "ack_due": deadlines.get("ack_due"), "answer_due": deadlines.get("answer_due"), "agencies": rows,
            "answered": sum(r["status"] == "answered" for r in rows), "overdue": sum(r["overdue"] for r in rows)}


def agency_status(code: str, tasks: list, now: datetime) -> dict:
    """One agency's row: when it was sent, acknowledged and answered, and whether it is overdue now."""
    acks = [t.completed_at for t, _n, _u in tasks if t.bpmn_id in ACKNOWLEDGE_TASKS and t.state == "completed"]
    answers = [t.completed_at for t, _n, _u in tasks if t.bpmn_id in ANSWER_TASKS and t.state == "completed"]
    waiting = [t for t, _n, _u in tasks if t.state in OPEN_STATES]
    late = [t for t in waiting if t.due_at is not None and t.due_at < now]
    status = "answered" if answers else "acknowledged" if acks else "sent"
    due = min((t.due_at for t in waiting if t.due_at is not None), default=None)
    return {"agency": code, "agency_name": tasks[0][1], "status": status,
            "sent_at": _iso(min(t.created_at for t, _n, _u in tasks)),
            "acknowledged_at": _iso(min(acks, default=None)), "answered_at": _iso(max(answers, default=None)),
            "units": sorted({u for _t, _n, u in tasks if u}), "waiting_on": sorted({t.name for t in waiting}),
            "next_due": _iso(due), "overdue": bool(late) and status != "answered",
            "overdue_for": ("acknowledgement" if status == "sent" else "answer") if late else None}
