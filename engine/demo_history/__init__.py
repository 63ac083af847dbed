"""`bharatpol demo-history`: a realistic year of notice requests so the effectiveness pages have data.

Closed cases (published or refused by INTERPOL) are history only: their case, task and case_event rows
are written directly, with a placeholder state (a fresh, never-run workflow of the same version, so a
stray message gets a clean 409 and nobody has a task to act on). Open cases run through the real engine
services (engine.demo_history.replay) and then get their planned timestamps, so officers can act on them.
Durations follow the lognormal distributions in engine.demo_history.plans; the seed makes a run repeatable.
"""

from collections import Counter
from datetime import timedelta
from random import Random

from sqlalchemy import select

from engine.checks import form_name
from engine.demo_history.plans import AGENCY_WEIGHT, TYPE_WEIGHT, opening_times, pick, plan_case
from engine.demo_history.replay import PROCESS, replay
from engine.demo_history.writer import NodeSpec, Officers, ensure_officers, insert_history
from engine.errors import BharatpolError
from engine.models import Agency, Unit
from engine.models._types import utcnow
from engine.services.cases import latest_version

NODES = ("draft", "vet", "review")


def generate(platform, *, cases: int = 1000, seed: int = 2025, now=None) -> dict:
    """Write `cases` notice requests opened over the last year; returns counts of what was made."""
    now, rng = now or utcnow(), Random(seed)
    with platform.uow() as uow:
        version = latest_version(uow.session, PROCESS)
        nodes = node_specs(platform, version)
        units = _units(uow.session)
        created = ensure_officers(uow.session, [code for codes in units.values() for code in codes])
        uow.commit()
    plans = []
    for opened in opening_times(rng, cases, now):
        agency = pick(rng, AGENCY_WEIGHT)
        plans.append(plan_case(rng, opened=opened, agency=agency, unit=rng.choice(units[agency]),
                               category=pick(rng, TYPE_WEIGHT), now=now))
    closed = [p for p in plans if p.closed]
    with platform.uow() as uow:
        state = platform.workflows.dump(platform.workflows.new(version, {"generated_history": True}))
        insert_history(uow.session, version=version, nodes=nodes, plans=closed, state=state, seed=seed)
        officers = Officers(uow.session)
        uow.commit()
    replayed = [replay(platform, plan, officers) for plan in plans if not plan.closed]
    waiting, stops = Counter(node for node, _ in replayed), Counter(error for _, error in replayed if error)
    return {"closed": len(closed), "open": len(replayed), "waiting_at": dict(sorted(waiting.items())),
            "stopped_early": dict(stops.most_common()),
            "officers_created": created, "from": (now - timedelta(days=365)).date().isoformat(),
            "to": now.date().isoformat()}


def _units(session) -> dict[str, list[str]]:
    """The units of the demo agencies that draft notice requests (CBI IPCU reviews, it does not draft)."""
    rows = session.execute(select(Agency.code, Unit.code).join(Unit, Unit.agency_id == Agency.id)
                           .where(Agency.code.in_(list(AGENCY_WEIGHT))).order_by(Unit.code)).all()
    units = {}
    for agency, unit in rows:
        units.setdefault(agency, []).append(unit)
    missing = sorted(set(AGENCY_WEIGHT) - set(units))
    if missing:
        raise BharatpolError(f"demo agencies missing ({', '.join(missing)}): run `bharatpol init-db --demo` first")
    return units


def node_specs(platform, version) -> dict[str, NodeSpec]:
    """Name, lane, form, variable and dueIn of the draft, vet and review user tasks of a deployed version."""
    spec, _subprocesses = platform.workflows.specs_for(version)
    found = {}
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "bpmn_id", None) in NODES:
            props = task_spec.extensions.get("properties", {})
            found[task_spec.bpmn_id] = NodeSpec(
                name=task_spec.bpmn_name or task_spec.bpmn_id, lane=task_spec.lane,
                form=form_name(task_spec), variable=props.get("formDataVariable", task_spec.bpmn_id),
                due_in=props.get("dueIn"))
    if set(found) != set(NODES):
        raise BharatpolError(f"{PROCESS} version {version.version} lacks the user tasks {', '.join(NODES)}")
    return found
