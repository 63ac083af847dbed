"""Broadcast responsiveness and training coverage per agency.

What each figure counts:
- broadcast branches: one per broadcast (process `broadcast`) and agency it was sent to, read from the task
  table as the IPCU board reads it (engine.broadcast): *sent* = the creation of the agency's first task,
  *acknowledged* = the first completed acknowledgement task of its units, *answered* = the completion of its
  ILO's forwarding task. Branches sent in the period count; the agency filter applies, process and type do not.
- time to acknowledge / to answer: sent → acknowledged / answered, median by the nearest-rank method over the
  branches acknowledged / answered so far.
- answered on time: answered at or before the forwarding task's due time (the broadcast's answer deadline);
  the share is answered on time ÷ sent.
- training coverage: engine.resources_queries.training_coverage, as of now (the period does not apply).
"""

from sqlalchemy import and_, case, func, literal, select, union_all

from engine.broadcast import ACKNOWLEDGE_TASKS, ANSWER_TASKS, PROCESS
from engine.metrics.filters import Filters, agency_id, in_period
from engine.metrics.sql import nearest_rank, seconds
from engine.models import Agency, Task
from engine.resources_queries import training_coverage

DONE = Task.state == "completed"


def _branches(f: Filters):
    """Per broadcast and agency: when it was sent, acknowledged, answered, and the answer's due time."""
    conditions = [Task.process_id == PROCESS, Task.lane != "IPCU"]
    if f.agency:
        conditions.append(Task.agency_id == agency_id(f))
    is_answer = Task.bpmn_id.in_(ANSWER_TASKS)
    rows = (select(Task.case_id, Task.agency_id, func.min(Task.created_at).label("sent"),
                   func.min(case((and_(Task.bpmn_id.in_(ACKNOWLEDGE_TASKS), DONE), Task.completed_at)))
                   .label("acknowledged"),
                   func.max(case((and_(is_answer, DONE), Task.completed_at))).label("answered"),
                   func.max(case((is_answer, Task.due_at))).label("answer_due"))
            .where(*conditions).group_by(Task.case_id, Task.agency_id).subquery("all_branches"))
    return select(rows).where(*in_period(rows.c.sent, f)).subquery("branches")


def broadcast_responsiveness(session, f: Filters) -> list[dict]:
    """Per agency: broadcasts sent, acknowledged, answered, median times, answered on time and its share."""
    d = session.get_bind().dialect.name
    b = _branches(f)
    on_time = and_(b.c.answered.is_not(None), b.c.answer_due.is_not(None), b.c.answered <= b.c.answer_due)
    counts = session.execute(
        select(Agency.code, Agency.name, func.count(), func.count(b.c.acknowledged), func.count(b.c.answered),
               func.sum(case((on_time, 1), else_=0)))
        .join(Agency, Agency.id == b.c.agency_id).group_by(Agency.code, Agency.name).order_by(Agency.code)).all()
    medians = _medians(session, d, b)
    return [{"agency": code, "name": name, "sent": int(n), "acknowledged": int(acks), "answered": int(answers),
             "ack_p50_s": medians.get((code, "ack")), "answer_p50_s": medians.get((code, "answer")),
             "answered_on_time": int(timely), "on_time_share": round(timely / n, 4) if n else None}
            for code, name, n, acks, answers, timely in counts]


def _medians(session, d: str, b) -> dict:
    """{(agency code, 'ack' | 'answer'): median seconds} over the branches that reached the step."""
    code = select(Agency.code).where(Agency.id == b.c.agency_id).scalar_subquery()
    acks = select(code.label("agency"), literal("ack").label("measure"),
                  seconds(d, b.c.acknowledged, b.c.sent).label("value")).where(b.c.acknowledged.is_not(None))
    answers = select(code, literal("answer"), seconds(d, b.c.answered, b.c.sent)).where(b.c.answered.is_not(None))
    rows = union_all(acks, answers).subquery("response_times")
    query = nearest_rank(d, rows, ["agency", "measure"], ["value"], ps=(50,))
    return {(r["agency"], r["measure"]): r["value_p50"] for r in session.execute(query).mappings()}


def training(session, f: Filters) -> list[dict]:
    """Per agency (the agency filter applies): sessions held, officers trained, active accounts, coverage %."""
    found = session.scalar(select(Agency.id).where(Agency.code == f.agency)) if f.agency else None
    return training_coverage(session, found)["agencies"]
