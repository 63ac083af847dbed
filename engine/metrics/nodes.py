"""Per BPMN node of a process: work in progress, queue / work / lead time percentiles, SLA breaches.

What each figure counts (task rows of the process, narrowed by the agency and notice-type filters):
- wip: tasks open now (ready or claimed), whatever the period.
- completed: tasks completed inside the period. Cancelled tasks (e.g. closed by a boundary event) never count.
- queue time: created → claimed; work time: claimed → completed; lead time: created → completed, over the
  tasks completed in the period. `claimed_at` is the last claim (a release clears it); a task completed
  without a claim has its whole lead time as queue time and zero work time, so queue + work = lead.
- percentiles: p50 and p90 by the nearest-rank method (engine.metrics.sql.nearest_rank), in seconds.
- sla_s: the node's due time (the user task's dueIn, stored as task.due_at): the longest due_at − created_at
  among the tasks counted; None when the node has no dueIn.
- sla_breaches: tasks completed in the period after their due time, plus tasks open now past it.
"""

from sqlalchemy import and_, case, func, select, text

from engine.metrics.filters import Filters, in_period, task_scope
from engine.metrics.sql import moment, nearest_rank, seconds, week_start
from engine.models import Agency, Case, Task, Unit, User
from engine.models.task import OPEN_STATES

DURATIONS = ("queue_s", "work_s", "lead_s")


def _dialect(session) -> str:
    return session.get_bind().dialect.name


def node_figures(session, f: Filters) -> list[dict]:
    """One dict per node with tasks in scope, in the order of each node's first task (then by id).

    Two queries: the tasks completed in the period (read from the covering index ix_task_node_times on
    PostgreSQL, with one sort per node and duration) and the tasks open now.
    """
    d = _dialect(session)
    if d == "postgresql":  # measured hot path: keep the per-node sorts in memory (bench/metrics.py)
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    done = {row["bpmn_id"]: row for row in session.execute(completed_query(d, f)).mappings()}
    live = {row["bpmn_id"]: row for row in session.execute(open_query(d, f)).mappings()}
    labels = {b: (row["name"], row["lane"]) for b, row in live.items()} | _labels(session, f, set(done) - set(live))
    nodes = [_node(b, labels[b], done.get(b, {}), live.get(b, {})) for b in set(done) | set(live)]
    nodes.sort(key=lambda n: (n["first"], n["id"]))
    for node in nodes:
        del node["first"]
    return nodes


def _node(bpmn_id: str, label: tuple, done, live) -> dict:
    due_in = done.get("due_in")  # an interval on PostgreSQL (one conversion per node, not per row)
    due_in = due_in.total_seconds() if hasattr(due_in, "total_seconds") else due_in
    slas = [v for v in (due_in, live.get("sla_s")) if v is not None]
    lead_p90, sla = done.get("lead_s_p90"), max(slas) if slas else None
    return {"id": bpmn_id, "name": label[0], "lane": label[1], "wip": int(live.get("n") or 0),
            "completed": int(done.get("n") or 0),
            **{f"{m[:-2]}_p{p}_s": done.get(f"{m}_p{p}") for m in DURATIONS for p in (50, 90)},
            "sla_s": sla, "sla_breaches": int(done.get("late") or 0) + int(live.get("late") or 0),
            "heat": heat(lead_p90, sla), "first": min(t for t in (done.get("first"), live.get("first")) if t)}


def heat(p90: float | None, sla: float | None) -> str:
    """The heatmap colour: p90 lead time against the SLA (green < 50 %, amber < 100 %, red ≥ 100 %)."""
    if p90 is None or not sla:
        return "grey"
    ratio = p90 / sla
    return "green" if ratio < 0.5 else "amber" if ratio < 1 else "red"


def _done(f: Filters):
    return and_(Task.state == "completed", *in_period(Task.completed_at, f))


def completed_query(dialect: str, f: Filters):
    """Per node, over the tasks completed in the period: count, late ones, the SLA, the first creation, and
    nearest-rank p50 / p90 of queue, work and lead time."""
    started = func.coalesce(Task.claimed_at, Task.completed_at)
    rows = (select(Task.bpmn_id, seconds(dialect, started, Task.created_at).label("queue_s"),
                   seconds(dialect, Task.completed_at, started).label("work_s"),
                   seconds(dialect, Task.completed_at, Task.created_at).label("lead_s"),
                   Task.completed_at, Task.created_at, Task.due_at)
            .where(*task_scope(f), _done(f)).subquery("durations"))
    late = func.count().filter(rows.c.completed_at > rows.c.due_at)
    due_in = func.max(rows.c.due_at - rows.c.created_at) if dialect == "postgresql" else func.max(
        seconds(dialect, rows.c.due_at, rows.c.created_at))
    return nearest_rank(dialect, rows, ["bpmn_id"], list(DURATIONS),
                        extras={"late": late, "due_in": due_in, "first": func.min(rows.c.created_at)})


def open_query(dialect: str, f: Filters):
    """Per node, over the tasks open now: name, lane, count, those past their due time, the SLA, the first."""
    return (select(Task.bpmn_id, func.max(Task.name).label("name"), func.max(Task.lane).label("lane"),
                   func.count().label("n"), func.sum(case((Task.due_at < moment(f.now), 1), else_=0)).label("late"),
                   func.max(seconds(dialect, Task.due_at, Task.created_at)).label("sla_s"),
                   func.min(Task.created_at).label("first"))
            .where(*task_scope(f), Task.state.in_(OPEN_STATES)).group_by(Task.bpmn_id))


def _labels(session, f: Filters, bpmn_ids: set) -> dict:
    """Name and lane of nodes with no open task: one indexed row each."""
    found = {}
    for bpmn_id in bpmn_ids:
        found[bpmn_id] = tuple(session.execute(
            select(Task.name, Task.lane).where(Task.process_id == f.process, Task.state == "completed",
                                               Task.bpmn_id == bpmn_id).order_by(Task.id.desc()).limit(1)).one())
    return found


def weekly_completions(session, f: Filters) -> list[dict]:
    """Tasks completed per ISO week (Monday, UTC) and node, inside the period."""
    week = week_start(_dialect(session), Task.completed_at).label("week")
    query = (select(week, Task.bpmn_id, func.count().label("completed"))
             .where(*task_scope(f), _done(f)).group_by(week, Task.bpmn_id).order_by(week, Task.bpmn_id))
    return [{"week": str(w), "node": node, "completed": n} for w, node, n in session.execute(query)]


def node_cases(session, f: Filters, bpmn_id: str, *, limit: int = 200) -> dict:
    """The cases at a node: its open tasks, oldest first, with their age and due time."""
    age = seconds(_dialect(session), moment(f.now), Task.created_at).label("age_s")
    query = (select(Task, Case.reference, Case.category, Agency.code, Unit.code, User.username, age)
             .join(Case, Case.id == Task.case_id).join(Agency, Agency.id == Task.agency_id)
             .outerjoin(Unit, Unit.id == Task.unit_id).outerjoin(User, User.id == Task.assignee_id)
             .where(*task_scope(f), Task.bpmn_id == bpmn_id, Task.state.in_(OPEN_STATES))
             .order_by(Task.created_at, Task.id).limit(limit))
    rows = session.execute(query).all()
    return {"node": bpmn_id, "name": rows[0][0].name if rows else None, "cases": [
        {"task_id": t.id, "case_id": t.case_id, "reference": ref, "type": cat, "agency": agency, "unit": unit,
         "state": t.state, "assignee": who, "created_at": t.created_at.isoformat(), "age_s": age_s,
         "due_at": t.due_at.isoformat() if t.due_at else None,
         "overdue": t.due_at is not None and t.due_at < f.now}
        for t, ref, cat, agency, unit, who, age_s in rows]}
