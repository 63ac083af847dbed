"""Sample data and service-level helpers for the reference_request and broadcast tests."""

import copy

from sqlalchemy import select

from engine.models import Agency, Task, Unit
from engine.models.task import OPEN_STATES
from engine.services.cases import start_case
from engine.services.tasks import complete_task

REFERENCE = {
    "countries": ["AE", "GB"],
    "sought": "Current address, travel history and criminal antecedents of the accused.",
    "subject": {"family_name": "Sharma", "forename": "Ravi", "date_of_birth": "1980-04-12", "nationalities": ["IN"]},
    "case": {"fir_number": "RC0012023A0001", "police_station": "CBI EO-I New Delhi",
             "summary_of_facts": "The accused cheated 40 investors of INR 12 crore and left India in 2022."},
    "urgency": "urgent",
    "evidence_for_trial": False,
}
BROADCAST = {
    "from_country": "AE",
    "interpol_reference": "NCB-ABU-DHABI/2026/4471",
    "request_type": "location",
    "urgency": "immediate",
    "subject": "Arjun MEHTA, born 1987, Indian passport P7654321",
    "request_text": "Please locate the subject and confirm his current address; he is wanted in the UAE for fraud.",
    "agencies": ["DELHI", "PUNJAB"],
}
ANSWER = {"result": "information_found", "answer": "Lives at 12 Lajpat Nagar, New Delhi; verified on 3 May."}


def reference(**changes) -> dict:
    return {**copy.deepcopy(REFERENCE), **changes}


def broadcast(**changes) -> dict:
    return {**copy.deepcopy(BROADCAST), **changes}


def as_received(data=None) -> dict:
    """The request as a recipient agency sees it: without the list of the other agencies it went to."""
    return {k: v for k, v in (data or broadcast()).items() if k != "agencies"}


def open_tasks(platform, case_id: int) -> list[Task]:
    with platform.uow() as uow:
        return uow.session.scalars(select(Task).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES))
                                   .order_by(Task.id)).all()


def task_at(platform, case_id: int, bpmn_id: str, agency: str | None = None, unit: str | None = None) -> Task:
    """The single open task `bpmn_id` of a case, in the branch of `agency` (and `unit`) when given."""
    with platform.uow() as uow:
        query = select(Task).join(Agency, Agency.id == Task.agency_id).outerjoin(Unit, Unit.id == Task.unit_id) \
            .where(Task.case_id == case_id, Task.bpmn_id == bpmn_id, Task.state.in_(OPEN_STATES))
        if agency:
            query = query.where(Agency.code == agency)
        if unit:
            query = query.where(Unit.code == unit)
        rows = uow.session.scalars(query).all()
    assert len(rows) == 1, [(r.bpmn_id, r.agency_id, r.unit_id) for r in rows]
    return rows[0]


def do(platform, users, login: str, case_id: int, bpmn_id: str, data: dict, agency=None, unit=None) -> Task:
    """`login` completes the open task `bpmn_id` (of that branch) with data."""
    task = task_at(platform, case_id, bpmn_id, agency, unit)
    return complete_task(platform, actor_id=users[login], task_id=task.id, data=copy.deepcopy(data))


def sent_broadcast(platform, users, data=None):
    """IPCU starts a broadcast and records it: each agency's ILO now has 'Route to units'."""
    case = start_case(platform, actor_id=users["ipcu.officer"], process_id="broadcast")
    do(platform, users, "ipcu.officer", case.id, "record", data or broadcast())
    return case


def answered_by_delhi(platform, users, case_id: int):
    """Delhi routes to its crime branch, which acknowledges and answers; the ILO forwards the answer."""
    do(platform, users, "ilo.delhi", case_id, "route", {"units": ["DELHI-CRIME"]}, "DELHI")
    do(platform, users, "uo.delhi.crime", case_id, "acknowledge", {"received": True}, "DELHI", "DELHI-CRIME")
    do(platform, users, "uo.delhi.crime", case_id, "answer", ANSWER, "DELHI", "DELHI-CRIME")
    do(platform, users, "ilo.delhi", case_id, "forward", {"summary": "Delhi Police: subject located."}, "DELHI")


def sent_reference(platform, users, data=None):
    """A reference drafted by uo.delhi.crime, vetted by ilo.delhi and sent by IPCU: replies are awaited."""
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="reference_request")
    do(platform, users, "uo.delhi.crime", case.id, "draft", data or reference())
    do(platform, users, "ilo.delhi", case.id, "vet", {"decision": "forward"})
    do(platform, users, "ipcu.officer", case.id, "review", {"decision": "send"})
    return case
