"""What a generated case goes through, as plain data, and the random distributions of the demo year.

A plan is a timeline: the case opens, user tasks follow one another (each created when the previous one
ends, claimed or not, completed or returned), and INTERPOL decisions arrive as messages. A step or a
message later than `now` has not happened: the case is open there.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

HOUR = timedelta(hours=1)
# node: (median queue hours, median work hours); lognormal with sigma 0.8, scaled by the agency's pace
NODE_HOURS = {"draft": (20.0, 30.0), "vet": (36.0, 6.0), "review": (60.0, 10.0)}
SIGMA = 0.8
AGENCY_PACE = {"DELHI": 1.0, "PUNJAB": 1.2, "ASSAM": 1.6, "TELANGANA": 0.9, "ANDHRA": 1.1, "TRIPURA": 2.0,
               "NIA": 0.8}
AGENCY_WEIGHT = {"DELHI": 25, "PUNJAB": 16, "ASSAM": 8, "TELANGANA": 12, "ANDHRA": 10, "TRIPURA": 4, "NIA": 15}
TYPE_WEIGHT = {"RED": 55, "YELLOW": 12, "BLUE": 14, "BLACK": 3, "GREEN": 5, "ORANGE": 2, "PURPLE": 2, "UNSC": 1,
               "SILVER": 2, "DIFFUSION": 4}
CLAIM_SHARE = 0.85
STALL_SHARE, STALL_FACTOR = 0.03, 30.0  # a few tasks lie forgotten in an inbox for weeks
RETURN_SHARE = {"vet": 0.15, "review": 0.2}
REASONS = {
    "RED": {"red_warrant_copy": 5, "red_summary_date_place": 4, "red_charge_law_section": 3, "red_extradition": 2,
            "red_penalty_threshold": 1, "other": 2},
    "YELLOW": {"yellow_identifiers": 4, "yellow_missing_report": 3, "other": 1},
    "*": {"duplicate_request": 2, "country_codes": 1, "other": 3},
}
GS_WAIT_DAYS, GS_OUTCOME = 21.0, {"published": 80, "refused": 8, "query": 12}
MAX_STEPS = 12


@dataclass
class Step:
    """One user task: created → (claimed) → completed, with the decision or the return reason."""

    node: str
    created: datetime
    claimed: datetime | None = None
    completed: datetime | None = None
    decision: str | None = None
    reason: str | None = None


@dataclass
class Decision:
    """An interpol_decision message."""

    at: datetime
    outcome: str


@dataclass
class CasePlan:
    unit: str
    agency: str
    category: str
    opened: datetime
    steps: list[Step] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    closed: datetime | None = None


def pick(rng: Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _hours(rng: Random, median: float, pace: float) -> timedelta:
    return HOUR * rng.lognormvariate(math.log(median * pace), SIGMA)


def opening_times(rng: Random, n: int, now: datetime, days: int = 365) -> list[datetime]:
    """n openings over the year before `now`, twice as many a day now as a year ago (adoption grows),
    in office hours (IST), and mostly on working days."""
    times = []
    while len(times) < n:
        age_days = days * rng.random()
        if rng.random() > 1 - 0.5 * age_days / days:
            continue
        moment = (now - timedelta(days=age_days)).replace(hour=rng.randint(4, 12), minute=rng.randint(0, 59))
        if moment.weekday() >= 5 and rng.random() < 0.8:
            moment -= timedelta(days=moment.weekday() - 4)
        times.append(min(moment, now - timedelta(minutes=5)))
    return sorted(times)


def plan_case(rng: Random, *, opened: datetime, agency: str, unit: str, category: str, now: datetime) -> CasePlan:
    """Simulate one case from its opening until it closes or reaches `now`."""
    plan, node, at = CasePlan(unit=unit, agency=agency, category=category, opened=opened), "draft", opened
    while len(plan.steps) < MAX_STEPS:
        step = _step(rng, node, at, AGENCY_PACE.get(agency, 1.0), now)
        plan.steps.append(step)
        if step.completed is None:
            return plan
        node, at = _decide(rng, plan, step), step.completed
        if node == "gs":
            node, at = _gs(rng, plan, at, now)
            if node is None:
                return plan
    return plan


def _step(rng: Random, node: str, created: datetime, pace: float, now: datetime) -> Step:
    queue_h, work_h = NODE_HOURS[node]
    if rng.random() < STALL_SHARE:
        queue_h *= STALL_FACTOR
    claimed = created + _hours(rng, queue_h, pace) if rng.random() < CLAIM_SHARE else None
    completed = (claimed + _hours(rng, work_h, pace)) if claimed else created + _hours(rng, queue_h + work_h, pace)
    if claimed is not None and claimed > now:
        claimed = None
    return Step(node, created, claimed, completed if completed <= now else None)


def _decide(rng: Random, plan: CasePlan, step: Step) -> str:
    """Fill in the step's decision; answer the node that comes next ('gs' after IPCU sends)."""
    if step.node == "draft":
        return "vet"
    returns = sum(1 for s in plan.steps if s.reason)
    if returns < 3 and rng.random() < RETURN_SHARE[step.node]:
        step.reason = pick(rng, REASONS.get(plan.category, REASONS["*"]))
        return "draft"
    step.decision = "forward" if step.node == "vet" else "send"
    return "review" if step.node == "vet" else "gs"


def _gs(rng: Random, plan: CasePlan, sent: datetime, now: datetime) -> tuple[str | None, datetime]:
    """INTERPOL's answer: published or refused close the case; a query sends it back to IPCU review."""
    at = sent + timedelta(days=rng.lognormvariate(math.log(GS_WAIT_DAYS), 0.7))
    if at > now:
        return None, sent
    outcome = pick(rng, GS_OUTCOME)
    plan.decisions.append(Decision(at, outcome))
    if outcome == "query":
        return "review", at
    plan.closed = at
    return None, at
