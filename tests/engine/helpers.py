"""Small helpers for service-level tests."""

from sqlalchemy import select

from engine.models import Case, CaseEvent, Task
from engine.models.task import OPEN_STATES


def open_task(platform, case_id: int) -> Task:
    """The single open task of a case."""
    with platform.uow() as uow:
        rows = uow.session.scalars(select(Task).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES))).all()
        assert len(rows) == 1, [r.bpmn_id for r in rows]
        return rows[0]


def case_row(platform, case_id: int) -> Case:
    with platform.uow() as uow:
        return uow.session.get(Case, case_id)


def history(platform, case_id: int) -> list[tuple]:
    with platform.uow() as uow:
        events = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        return [(e.actor, e.action, e.bpmn_id, e.detail.get("reason")) for e in events]


def assert_round_trip(platform, case_id: int):
    """Restoring the stored state and saving it again changes nothing."""
    with platform.uow() as uow:
        case = uow.session.get(Case, case_id)
        flow = platform.workflows.load(case.version, case.state)
        assert platform.workflows.dump(flow) == case.state
