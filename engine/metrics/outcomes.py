"""Figures from the case history (case_event): return rates, published ÷ requested, GS wait, end to end.

What each figure counts (cases of the process, narrowed by the originating agency and the notice type):
- decisions at a stage: events inside the period at that BPMN node that are a return, or a completion
  whose form carried a decision (forward / send); returns: those that were returns, by their reason code.
- published ÷ requested: the cohort of requests opened in the period; each column counts distinct cases of
  the cohort that reached the step by now: forwarded by the ILO, sent to INTERPOL by IPCU, published
  (an interpol_decision 'published' with a notice number), refused (an interpol_decision 'refused').
- GS wait: per interpol_decision message received in the period, the time since the case was last sent.
- end to end: per case first published in the period, opening → publication.
"""

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from engine.metrics.filters import Filters, case_scope, in_period
from engine.metrics.sql import nearest_rank, seconds
from engine.models import Case, CaseEvent

DECISION = CaseEvent.detail["decision"].as_string()
REASON = CaseEvent.detail["reason"].as_string()
OUTCOME = CaseEvent.detail[("payload", "outcome")].as_string()
NOTICE_NUMBER = CaseEvent.detail[("payload", "notice_number")].as_string()
REFUSAL_REASON = CaseEvent.detail[("payload", "reason")].as_string()
DECISION_MESSAGE = and_(CaseEvent.action == "message", CaseEvent.detail["message"].as_string() == "interpol_decision")
PUBLISHED = and_(DECISION_MESSAGE, OUTCOME == "published", NOTICE_NUMBER != "")
REFUSED = and_(DECISION_MESSAGE, OUTCOME == "refused")
SENT = and_(CaseEvent.action == "complete", DECISION == "send")


def _events(f: Filters, *conditions):
    return (CaseEvent.case_id.in_(select(Case.id).where(*case_scope(f))), *in_period(CaseEvent.at, f), *conditions)


def return_rates(session, f: Filters) -> dict:
    """Per stage: decisions, returns and the return rate; per stage and reason: returns and shares."""
    is_return = CaseEvent.action == "return"
    decided = or_(is_return, and_(CaseEvent.action == "complete", DECISION.is_not(None)))
    stages = session.execute(
        select(CaseEvent.bpmn_id, func.max(CaseEvent.task_name), func.count(),
               func.sum(case((is_return, 1), else_=0)))
        .where(*_events(f, decided)).group_by(CaseEvent.bpmn_id).order_by(func.min(CaseEvent.id))).all()
    totals = {stage: (int(n), int(r)) for stage, _name, n, r in stages}
    reasons = session.execute(
        select(CaseEvent.bpmn_id, REASON.label("reason"), func.count())
        .where(*_events(f, is_return)).group_by(CaseEvent.bpmn_id, REASON)
        .order_by(CaseEvent.bpmn_id, func.count().desc(), REASON)).all()
    return {
        "stages": [{"stage": stage, "name": name, "decisions": int(n), "returns": int(r),
                    "return_rate": _ratio(r, n)} for stage, name, n, r in stages],
        "reasons": [{"stage": stage, "reason": reason or "(none)", "returns": n,
                     "share_of_returns": _ratio(n, totals[stage][1]),
                     "share_of_decisions": _ratio(n, totals[stage][0])} for stage, reason, n in reasons],
    }


def _ratio(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def publication(session, f: Filters) -> list[dict]:
    """Per notice type, the cohort opened in the period and how far its cases got (distinct cases)."""
    cohort = select(Case.id).where(*case_scope(f), *in_period(Case.created_at, f))
    forwarded = and_(CaseEvent.action == "complete", DECISION == "forward")
    steps = {"forwarded": forwarded, "sent": SENT, "published": PUBLISHED, "refused": REFUSED}
    reached = (select(CaseEvent.case_id, *[func.max(case((condition, 1), else_=0)).label(name)
                                           for name, condition in steps.items()])
               .where(CaseEvent.case_id.in_(cohort), CaseEvent.action.in_(("complete", "message")))
               .group_by(CaseEvent.case_id).subquery("reached"))
    rows = session.execute(
        select(Case.category, func.count(), *[func.coalesce(func.sum(reached.c[name]), 0) for name in steps])
        .outerjoin(reached, reached.c.case_id == Case.id).where(Case.id.in_(cohort))
        .group_by(Case.category).order_by(Case.category)).all()
    return [{"type": cat, "requested": req, "forwarded": int(fwd), "sent": int(sent), "published": int(pub),
             "refused": int(ref), "published_per_requested": _ratio(pub, req), "published_per_sent": _ratio(pub, sent)}
            for cat, req, fwd, sent, pub, ref in rows]


def stage_times(session, f: Filters) -> list[dict]:
    """p50 / p90 of the GS wait and of end-to-end time (nearest rank, seconds)."""
    d = session.get_bind().dialect.name
    in_scope = CaseEvent.case_id.in_(select(Case.id).where(*case_scope(f)))
    # the latest 'send' up to each event (a running max over the case's history, ties in time included)
    last_sent = func.max(case((SENT, CaseEvent.at))).over(partition_by=CaseEvent.case_id, order_by=CaseEvent.at)
    history = (select(CaseEvent.at, case((DECISION_MESSAGE, 1), else_=0).label("decision"), last_sent.label("sent"))
               .where(in_scope, CaseEvent.action.in_(("complete", "message"))).subquery("history"))
    waits = select(literal("gs_wait").label("measure"), seconds(d, history.c.at, history.c.sent).label("value")) \
        .where(history.c.decision == 1, *in_period(history.c.at, f))
    first = (select(CaseEvent.case_id, func.min(CaseEvent.at).label("at")).where(in_scope, PUBLISHED)
             .group_by(CaseEvent.case_id).subquery("first_published"))
    ends = (select(literal("end_to_end").label("measure"), seconds(d, first.c.at, Case.created_at).label("value"))
            .join(first, first.c.case_id == Case.id).where(*in_period(first.c.at, f)))
    both = union_all(waits, ends).subquery("stage_values")
    rows = select(both).where(both.c.value.is_not(None)).subquery("stage_rows")
    found = {r["measure"]: r for r in session.execute(nearest_rank(d, rows, ["measure"], ["value"])).mappings()}
    return [{"measure": m, "n": int(found[m]["n"]) if m in found else 0,
             "p50_s": found.get(m, {}).get("value_p50"), "p90_s": found.get(m, {}).get("value_p90")}
            for m in ("gs_wait", "end_to_end")]
