"""Write planned cases straight into case_file, task and case_event (history only, no engine run)."""

import uuid
from dataclasses import dataclass
from random import Random

from sqlalchemy import insert, select

from engine.demo import DEMO_PASSWORD, _demo_hash
from engine.demo_history.plans import CasePlan, Decision, Step
from engine.directory import new_user
from engine.models import Agency, Case, CaseEvent, Task, Unit, User
from engine.runtime import due_time

REASON_TEXT = "Returned for correction (generated history)."


@dataclass(frozen=True)
class NodeSpec:
    """What a task row copies from the diagram's user task."""

    name: str
    lane: str
    form: str | None
    variable: str
    due_in: str | None


class Officers:
    """Who acts in each lane: the unit's UO, the agency's ILO, IPCU officers in turn."""

    def __init__(self, session):
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
        self.uo = {u.unit.code: u for u in users if u.role == "UO" and u.unit is not None}
        self.ilo = {u.agency.code: u for u in users if u.role == "ILO"}
        self.ipcu = [u for u in users if u.role == "IPCU"]
        self.agencies = {a.code: a for a in session.scalars(select(Agency))}
        self.units = {u.code: u for u in session.scalars(select(Unit))}

    def for_lane(self, lane: str, plan: CasePlan, turn: int) -> User:
        if lane == "UO":
            return self.uo[plan.unit]
        if lane == "ILO":
            return self.ilo[plan.agency]
        return self.ipcu[turn % len(self.ipcu)]


def ensure_officers(session, unit_codes) -> list[str]:
    """A demo UO account (uo.<unit code>, demo password) for every unit that has none; returns the new names."""
    have = set(session.scalars(select(Unit.code).join(User, User.unit_id == Unit.id).where(User.role == "UO")))
    created = []
    for unit in session.scalars(select(Unit).where(Unit.code.in_(list(unit_codes))).order_by(Unit.code)):
        if unit.code in have:
            continue
        username = "uo." + unit.code.lower().replace("-", ".")
        new_user(session, username=username, full_name=f"Unit Officer, {unit.name}", role="UO", agency=unit.agency,
                 unit=unit, password=DEMO_PASSWORD, password_hash=_demo_hash(), is_demo=True,
                 must_change_password=False)
        created.append(username)
    session.flush()
    return created


def insert_history(session, *, version, nodes: dict[str, NodeSpec], plans: list[CasePlan], state: str,
                   seed: int = 0) -> list[int]:
    """Insert the planned cases with their task rows and history; returns the case ids. The caller commits.

    Steps without a completion become open task rows: only for tests, since such a case's state is the
    placeholder `state` (the demo command runs open cases through the real engine instead).
    """
    officers, rng = Officers(session), Random(seed)
    cases = [_case(officers, version, plan, state) for plan in plans]
    session.add_all(cases)
    session.flush()
    tasks, events = [], []
    for case, plan in zip(cases, plans, strict=True):
        case.reference = f"BP/NR/{plan.opened.year}/{case.id:06d}"
        _note_publication(case, plan)
        starter = officers.uo[plan.unit]
        events.append(_event(case.id, plan.opened, starter, "start",
                             detail={"process": version.process_id, "version": version.version, "generated": True}))
        for turn, step in enumerate(plan.steps):
            who = officers.for_lane(nodes[step.node].lane, plan, case.id + turn)
            tasks.append(_task(case, nodes[step.node], step, who, rng))
            events.extend(_step_events(case.id, nodes[step.node], step, who))
        events.extend(_decision_event(case, d, officers.ipcu[case.id % len(officers.ipcu)]) for d in plan.decisions)
    if tasks:
        session.execute(insert(Task), tasks)
    if events:
        session.execute(insert(CaseEvent), events)
    return [case.id for case in cases]


def _case(officers: Officers, version, plan: CasePlan, state: str) -> Case:
    unit = officers.units[plan.unit]
    return Case(process_id=version.process_id, version_id=version.id, status="completed" if plan.closed else "open",
                category=plan.category, agency_id=unit.agency_id, unit_id=unit.id,
                created_by=officers.uo[plan.unit].id, created_at=plan.opened,
                updated_at=plan.closed or _last_moment(plan), completed_at=plan.closed, state=state,
                data={"request": {"notice_type": plan.category}, "generated_history": True})


def _note_publication(case: Case, plan: CasePlan):
    published = [d for d in plan.decisions if d.outcome == "published"]
    if published:
        case.data = {**case.data, "published": {"interpol_notice_number": _notice_number(case.id, published[0]),
                                                "published_on": published[0].at.date().isoformat()}}


def _last_moment(plan: CasePlan):
    moments = [plan.opened] + [m for s in plan.steps for m in (s.created, s.claimed, s.completed) if m]
    return max(moments + [d.at for d in plan.decisions])


def _task(case: Case, node: NodeSpec, step: Step, who: User, rng: Random) -> dict:
    state = "completed" if step.completed else "claimed" if step.claimed else "ready"
    return {"case_id": case.id, "task_uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "process_id": case.process_id, "bpmn_id": step.node, "name": node.name, "lane": node.lane,
            "form": node.form, "variable": node.variable, "agency_id": case.agency_id, "unit_id": case.unit_id,
            "state": state, "assignee_id": who.id if state != "ready" else None, "created_at": step.created,
            "claimed_at": step.claimed, "completed_at": step.completed,
            "completed_by": who.id if step.completed else None, "due_at": due_time(node.due_in, step.created)}


def _event(case_id: int, at, who: User, action: str, *, bpmn_id=None, name=None, detail=None) -> dict:
    return {"case_id": case_id, "at": at, "actor": who.username, "action": action, "bpmn_id": bpmn_id,
            "task_name": name, "detail": detail or {}}


def _step_events(case_id: int, node: NodeSpec, step: Step, who: User) -> list[dict]:
    events = []
    if step.claimed:
        events.append(_event(case_id, step.claimed, who, "claim", bpmn_id=step.node, name=node.name))
    if step.completed and step.reason:
        events.append(_event(case_id, step.completed, who, "return", bpmn_id=step.node, name=node.name,
                             detail={"reason": step.reason, "comments": REASON_TEXT}))
    elif step.completed:
        events.append(_event(case_id, step.completed, who, "complete", bpmn_id=step.node, name=node.name,
                             detail={"decision": step.decision} if step.decision else {}))
    return events


def _decision_event(case: Case, decision: Decision, who: User) -> dict:
    payload = {"outcome": decision.outcome}
    if decision.outcome == "published":
        payload |= {"notice_number": _notice_number(case.id, decision), "published_on": decision.at.date().isoformat()}
    elif decision.outcome == "refused":
        payload["reason"] = "Not compliant with Article 3 of the Constitution (generated history)."
    else:
        payload["question"] = "Please state the person's role in the offence (generated history)."
    return _event(case.id, decision.at, who, "message", detail={"message": "interpol_decision", "payload": payload})


def _notice_number(case_id: int, decision: Decision) -> str:
    return f"A-{case_id}/{decision.at.month}-{decision.at.year}"
