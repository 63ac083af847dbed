"""Notice requests driven through the services, for the test_notices*.py tests (engine and web)."""

import copy

from samples import ATTACHMENTS, VALID
from sqlalchemy import select

from engine.models import Task
from engine.models.task import OPEN_STATES
from engine.services.cases import add_attachment, send_message, start_case
from engine.services.tasks import complete_task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
CONTENT = {"warrant": PDF, "judgment": PDF, "document": PDF, "photo": PNG, "fingerprints": PNG, "dna": PDF}
PUBLISHED = {"outcome": "published", "notice_number": "A-1234/5-2026", "published_on": "2026-05-04"}


def open_task(platform, case_id: int) -> Task:
    """The single open task of a case."""
    with platform.uow() as uow:
        rows = uow.session.scalars(select(Task).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES))).all()
        assert len(rows) == 1, [r.bpmn_id for r in rows]
        return rows[0]


def started(platform, users, kind="RED", uo="uo.delhi.crime", attach=None):
    """A notice request of this type with the attachments its valid sample needs; at the draft."""
    case = start_case(platform, actor_id=users[uo], process_id="notice_request",
                      data={"notice_type": kind})
    for attachment in ATTACHMENTS[kind] if attach is None else attach:
        add_attachment(platform, actor_id=users[uo], case_id=case.id, filename=f"{attachment}.bin",
                       kind=attachment, content=CONTENT[attachment])
    return case


def act(platform, users, username, case, data):
    """Complete the case's single open task as username."""
    return complete_task(platform, actor_id=users[username], task_id=open_task(platform, case.id).id,
                         data=copy.deepcopy(data))


def drafted(platform, users, kind="RED", data=None, uo="uo.delhi.crime"):
    """Started and submitted: the ILO's vetting is next."""
    case = started(platform, users, kind, uo=uo)
    act(platform, users, uo, case, data or VALID[kind])
    return case


def sent(platform, users, kind="RED", data=None):
    """Drafted, forwarded by the ILO and sent by IPCU: waiting for INTERPOL."""
    case = drafted(platform, users, kind, data)
    act(platform, users, "ilo.delhi", case, {"decision": "forward"})
    act(platform, users, "ipcu.officer", case, {"decision": "send"})
    return case


def published(platform, users, payload=PUBLISHED):
    """A RED notice published by INTERPOL: the UO's follow-up task is open."""
    case = sent(platform, users)
    send_message(platform, actor_id=users["ipcu.officer"], name="interpol_decision", correlation=case.reference,
                 payload=dict(payload, reference=case.reference))
    return case
