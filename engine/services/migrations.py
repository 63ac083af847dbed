"""Moving running cases to the newest version of their process: checked first, then per case or in bulk.

Each case moves in its own transaction with its row locked, so one refusal does not undo the others and
officers acting on other cases are not held up; each move is in the case's history and the audit log.
"""

from sqlalchemy import select

from engine import audit, migration
from engine.errors import Conflict, NotFound
from engine.models import Case, Task
from engine.models.task import OPEN_STATES
from engine.services._common import actor, now, record, sync, visible_case
from engine.services.processes import newest, owner, viewer

PAGE_LIMIT = 500


def _target(session, process_id: str, version: int | None = None):
    found = newest(session, process_id)
    if found is None:
        raise NotFound(f"no process '{process_id}' is deployed")
    if version is not None and version != found.version:
        raise Conflict(f"'{process_id}' is now at version {found.version}; check the cases again")
    return found


def _plan(platform, case: Case, target):
    flow = platform.workflows.load(case.version, case.state)
    spec, subs = platform.workflows.specs_for(target)
    return flow, migration.plan(platform.workflows.spec_serializer.registry, flow.workflow, spec, subs)


def _older_open(session, process_id: str, target) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.process_id == process_id, Case.status == "open",
                                                   Case.version_id != target.id).order_by(Case.id)
                                .limit(PAGE_LIMIT)))


def migration_page(platform, *, actor_id: int, process_id: str) -> dict:
    """Every open case on an older version, and whether it may move to the newest (with the reasons)."""
    with platform.uow() as uow:
        session = uow.session
        user = viewer(session, actor_id)
        target = _target(session, process_id)
        cases = _older_open(session, process_id, target)
        tasks = session.execute(select(Task.case_id, Task.name).where(
            Task.case_id.in_([c.id for c in cases]), Task.state.in_(OPEN_STATES)).order_by(Task.id)).all()
        rows = [{"id": c.id, "reference": c.reference, "version": c.version.version,
                 "tasks": [name for case_id, name in tasks if case_id == c.id],
                 "reasons": _plan(platform, c, target)[1].reasons} for c in cases]
        return {"process_id": process_id, "name": target.name, "target": target.version, "cases": rows,
                "movable": sum(1 for r in rows if not r["reasons"]), "may_migrate": user.is_process_owner,
                "limit": PAGE_LIMIT}


def migrate_case(platform, *, actor_id: int, case_id: int, process_id: str | None = None,
                 to_version: int | None = None) -> dict:
    """Move one open case to the newest version of its process, or MigrationRefused with the reasons."""
    with platform.uow() as uow:
        return _migrate(platform, uow, owner(uow.session, actor_id), case_id, to_version, process_id)


def _migrate(platform, uow, user, case_id: int, to_version: int | None, process_id: str | None = None) -> dict:
    session = uow.session
    case = visible_case(session, user, case_id, for_update=True)
    if process_id is not None and case.process_id != process_id:
        raise NotFound(f"case {case_id} is not a case of '{process_id}'")
    if case.status != "open":
        raise Conflict(f"{case.reference} is {case.status}; only open cases move")
    target = _target(session, case.process_id, to_version)
    if case.version_id == target.id:
        raise Conflict(f"{case.reference} already runs on version {target.version}")
    flow, plan = _plan(platform, case, target)
    migration.migrate(plan, flow.workflow, platform.workflows.specs_for(target)[1], case.reference)
    moved = {"reference": case.reference, "from_version": case.version.version, "to_version": target.version}
    case.version = target
    sync(session, platform.workflows, case, flow, now())
    record(session, user=user, case=case, action="migrate",
           detail={"from_version": moved["from_version"], "to_version": target.version})
    uow.commit()
    return moved


def migrate_all(platform, *, actor_id: int, process_id: str, to_version: int | None = None) -> dict:
    """Move every open case on an older version that may move; report the ones refused, with reasons."""
    with platform.uow() as uow:
        username = owner(uow.session, actor_id).username
        target = _target(uow.session, process_id, to_version)
        cases = [(c.id, c.reference) for c in _older_open(uow.session, process_id, target)]
    migrated, refused = [], []
    for case_id, reference in cases:
        with platform.uow() as uow:
            try:
                migrated.append(_migrate(platform, uow, actor(uow.session, actor_id), case_id, target.version))
            except migration.MigrationRefused as exc:
                refused.append({"reference": exc.reference, "reasons": exc.reasons})
            except Conflict as exc:  # closed or changed meanwhile
                refused.append({"reference": reference, "reasons": [str(exc)]})
    with platform.uow() as uow:
        audit.append(uow.session, actor=username, action="process.migrate", object_type="process",
                     object_id=f"{process_id}@{target.version}",
                     detail={"migrated": [m["reference"] for m in migrated],
                             "refused": {r["reference"]: r["reasons"] for r in refused}})
        uow.commit()
    return {"process_id": process_id, "to_version": target.version, "migrated": migrated, "refused": refused}
