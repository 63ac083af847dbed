"""Broadcasts from member countries driven through the engine services, on a real database: branches per agency
and unit, who sees what, deadlines, reminders, and the IPCU board."""

import json
from datetime import timedelta

import pytest
import time_machine
from cooperation_cases import (
    ANSWER,
    answered_by_delhi,
    as_received,
    broadcast,
    do,
    open_tasks,
    sent_broadcast,
    task_at,
)
from helpers import case_row
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.config import PROJECT_ROOT
from engine.errors import DeployError, Forbidden, Invalid, NotFound
from engine.models import ProcessFile, ProcessVersion
from engine.services._common import now
from engine.services.broadcast import board_page
from engine.services.cases import add_attachment, open_attachment, start_case, view_case
from engine.services.deploy import deploy
from engine.services.tasks import claim_task, complete_task
from engine.services.timers import fire_due_timers

pytestmark = pytest.mark.integration
LUDHIANA = ("PUNJAB", "PUNJAB-LUDHIANA")


def _round_trip(platform, case_id):
    """Restoring the stored state and saving it again changes nothing (compared as JSON: nested subprocesses
    may come back in another key order)."""
    case = case_row(platform, case_id)
    flow = platform.workflows.load(case.version, case.state)
    assert json.loads(platform.workflows.dump(flow)) == json.loads(case.state)


def _ended(platform, case_id) -> list[tuple]:
    """(end event, agency) of every reminder or escalation end event reached so far."""
    case = case_row(platform, case_id)
    tasks = platform.workflows.load(case.version, case.state).workflow.get_tasks()
    return sorted((t.task_spec.bpmn_id, t.data.get("agency")) for t in tasks if t.state == TaskState.COMPLETED
                  and (t.task_spec.bpmn_id or "").endswith(("_reminder_end", "_escalation_end")))


def _board_rows(platform, users, case_id, status="open"):
    found = board_page(platform, actor_id=users["ipcu.officer"], status=status)["broadcasts"]
    (item,) = [b for b in found if b["id"] == case_id]
    return {a["agency"]: (a["status"], a["overdue"], a["overdue_for"]) for a in item["agencies"]}


def test_only_ipcu_starts_a_broadcast(platform, deployed):
    with pytest.raises(Forbidden):
        start_case(platform, actor_id=deployed["ilo.delhi"], process_id="broadcast")
    case = start_case(platform, actor_id=deployed["ipcu.officer"], process_id="broadcast")
    assert case.reference == f"BP/BC/{case.created_at.year}/{case.id:06d}"
    assert [(t.bpmn_id, t.lane) for t in open_tasks(platform, case.id)] == [("record", "IPCU")]


def test_each_chosen_agency_gets_a_routing_task_in_its_own_scope(platform, deployed):
    case = sent_broadcast(platform, deployed)
    _round_trip(platform, case.id)
    delhi, punjab = task_at(platform, case.id, "route", "DELHI"), task_at(platform, case.id, "route", "PUNJAB")
    assert (delhi.lane, delhi.unit_id, punjab.lane) == ("ILO", None, "ILO")
    with pytest.raises(Forbidden):  # Punjab's ILO sees the broadcast, but this task is Delhi's
        claim_task(platform, actor_id=deployed["ilo.punjab"], task_id=delhi.id)
    assert claim_task(platform, actor_id=deployed["ilo.delhi"], task_id=delhi.id).state == "claimed"


def test_an_agency_that_was_not_sent_the_broadcast_sees_nothing_of_it(platform, deployed):
    case = sent_broadcast(platform, deployed)
    answered_by_delhi(platform, deployed, case.id)
    for login in ("ilo.assam", "uo.assam.guwahati", "uo.punjab.ludhiana", "uo.delhi.south"):
        with pytest.raises(NotFound):
            view_case(platform, actor_id=deployed[login], case_id=case.id)


def test_units_acknowledge_and_answer_in_their_own_scope(platform, deployed):
    case = sent_broadcast(platform, deployed)
    do(platform, deployed, "ilo.delhi", case.id, "route", {"units": ["DELHI-CRIME", "DELHI-SOUTH"]}, "DELHI")
    crime, south = (task_at(platform, case.id, "acknowledge", "DELHI", u) for u in ("DELHI-CRIME", "DELHI-SOUTH"))
    with pytest.raises(Forbidden):
        complete_task(platform, actor_id=deployed["uo.delhi.south"], task_id=crime.id, data={"received": True})
    complete_task(platform, actor_id=deployed["uo.delhi.south"], task_id=south.id, data={"received": True})
    assert task_at(platform, case.id, "answer", "DELHI", "DELHI-SOUTH").lane == "UO"
    _round_trip(platform, case.id)


def test_a_recipient_sees_its_own_branch_and_no_other_agencys_answer(platform, deployed):
    case = sent_broadcast(platform, deployed)
    answered_by_delhi(platform, deployed, case.id)
    do(platform, deployed, "ilo.punjab", case.id, "route", {"units": ["PUNJAB-LUDHIANA"]}, "PUNJAB")
    do(platform, deployed, "uo.punjab.ludhiana", case.id, "acknowledge", {"received": True}, *LUDHIANA)
    do(platform, deployed, "uo.punjab.ludhiana", case.id, "answer",
       {"result": "nothing_found", "answer": "PUNJAB-SECRET"}, *LUDHIANA)
    do(platform, deployed, "ilo.punjab", case.id, "forward", {"summary": "PUNJAB-SUMMARY"}, "PUNJAB")
    for login in ("ilo.delhi", "uo.delhi.crime"):
        seen = view_case(platform, actor_id=deployed[login], case_id=case.id)
        assert "PUNJAB-SECRET" not in json.dumps(seen) and "PUNJAB-SUMMARY" not in json.dumps(seen)
        assert (seen["data"]["broadcast"], "agency_codes" in seen["data"]) == (as_received(), False)
        assert {t["agency"] for t in seen["finished_tasks"]} == {"DELHI"}
        assert {h["actor"] for h in seen["history"]} <= {"ipcu.officer", "ilo.delhi", "uo.delhi.crime"}
    assert view_case(platform, actor_id=deployed["uo.delhi.crime"], case_id=case.id)["data"]["answer"] == ANSWER
    ilo = view_case(platform, actor_id=deployed["ilo.delhi"], case_id=case.id)["data"]
    assert (ilo["agency"], list(ilo["unit_replies"]), ilo["forwarding"]) == (
        "DELHI", ["DELHI-CRIME"], {"summary": "Delhi Police: subject located."})
    ipcu = view_case(platform, actor_id=deployed["ipcu.officer"], case_id=case.id)
    assert sorted(ipcu["data"]["replies"]) == ["DELHI", "PUNJAB"]
    assert "PUNJAB-SECRET" in json.dumps(ipcu["data"])


def test_ipcu_consolidates_and_closes_once_every_agency_answered(platform, deployed):
    case = sent_broadcast(platform, deployed, broadcast(agencies=["DELHI"]))
    answered_by_delhi(platform, deployed, case.id)
    assert [t.bpmn_id for t in open_tasks(platform, case.id)] == ["consolidate"]
    do(platform, deployed, "ipcu.admin", case.id, "consolidate",
       {"outcome": "answered", "reply_text": "The subject lives in New Delhi.", "sent_on": "2026-05-04"})
    done = case_row(platform, case.id)
    assert (done.status, done.data["consolidation"]["outcome"], list(done.data["replies"])) == (
        "completed", "answered", ["DELHI"])
    assert _board_rows(platform, deployed, case.id, status="completed") == {"DELHI": ("answered", False, None)}


def test_an_unknown_agency_or_a_unit_of_another_agency_is_refused(platform, deployed):
    case = start_case(platform, actor_id=deployed["ipcu.officer"], process_id="broadcast")
    with pytest.raises(Invalid) as err:
        do(platform, deployed, "ipcu.officer", case.id, "record", broadcast(agencies=["DELHI", "GOTHAM"]))
    assert err.value.errors == {"agency": "no agency has the code 'GOTHAM'"}
    assert [t.bpmn_id for t in open_tasks(platform, case.id)] == ["record"]
    do(platform, deployed, "ipcu.officer", case.id, "record", broadcast())
    with pytest.raises(Invalid) as err:
        do(platform, deployed, "ilo.delhi", case.id, "route", {"units": ["PUNJAB-LUDHIANA"]}, "DELHI")
    assert list(err.value.errors) == ["unit"]


def test_an_unassigned_requesting_country_is_refused(platform, deployed):
    case = start_case(platform, actor_id=deployed["ipcu.officer"], process_id="broadcast")
    with pytest.raises(Invalid) as err:
        do(platform, deployed, "ipcu.officer", case.id, "record", broadcast(from_country="XX"))
    assert err.value.errors == {"rule.country_codes": "Not ISO 3166 alpha-2 country codes: XX."}


@pytest.mark.parametrize(("urgency", "ack_days", "answer_days"), [("immediate", 1, 3), ("routine", 5, 30)])
def test_tasks_are_due_by_the_urgency_deadlines(platform, deployed, urgency, ack_days, answer_days):
    start = now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        case = sent_broadcast(platform, deployed, broadcast(urgency=urgency))
        do(platform, deployed, "ilo.delhi", case.id, "route", {"units": ["DELHI-CRIME"]}, "DELHI")
        do(platform, deployed, "uo.delhi.crime", case.id, "acknowledge", {"received": True}, "DELHI", "DELHI-CRIME")
    due = {t.bpmn_id: t.due_at for t in open_tasks(platform, case.id)}
    assert due == {"route": start + timedelta(days=ack_days), "answer": start + timedelta(days=answer_days)}


def test_reminders_and_escalations_fire_once_at_the_deadlines(platform, deployed):
    case = sent_broadcast(platform, deployed)  # immediate: acknowledge in a day, answer in three
    do(platform, deployed, "ilo.delhi", case.id, "route", {"units": ["DELHI-CRIME"]}, "DELHI")
    with time_machine.travel(now() + timedelta(days=1, minutes=1), tick=True):
        # one engine step fires every timer of the case that is due: Punjab's ILO and Delhi's unit are reminded
        assert fire_due_timers(platform) == [(case.reference, "route_reminder")]
        assert fire_due_timers(platform) == []
    assert _ended(platform, case.id) == [("ack_reminder_end", "DELHI"), ("route_reminder_end", "PUNJAB")]
    do(platform, deployed, "uo.delhi.crime", case.id, "acknowledge", {"received": True}, "DELHI", "DELHI-CRIME")
    with time_machine.travel(now() + timedelta(days=3, minutes=2), tick=True):
        assert fire_due_timers(platform) == [(case.reference, "answer_escalation")]
    assert ("answer_escalation_end", "DELHI") in _ended(platform, case.id)
    assert sorted(t.bpmn_id for t in open_tasks(platform, case.id)) == ["answer", "route"]  # work stays open


def test_the_board_shows_sent_acknowledged_answered_and_overdue_per_agency(platform, deployed):
    case = sent_broadcast(platform, deployed, broadcast(agencies=["DELHI", "PUNJAB", "ASSAM"]))
    answered_by_delhi(platform, deployed, case.id)
    do(platform, deployed, "ilo.punjab", case.id, "route", {"units": ["PUNJAB-LUDHIANA"]}, "PUNJAB")
    do(platform, deployed, "uo.punjab.ludhiana", case.id, "acknowledge", {"received": True}, *LUDHIANA)
    assert _board_rows(platform, deployed, case.id) == {
        "ASSAM": ("sent", False, None), "DELHI": ("answered", False, None), "PUNJAB": ("acknowledged", False, None)}
    with time_machine.travel(now() + timedelta(days=1, minutes=1), tick=True):
        assert _board_rows(platform, deployed, case.id) == {
            "ASSAM": ("sent", True, "acknowledgement"), "DELHI": ("answered", False, None),
            "PUNJAB": ("acknowledged", False, None)}
    with time_machine.travel(now() + timedelta(days=3, minutes=1), tick=True):
        assert _board_rows(platform, deployed, case.id)["PUNJAB"] == ("acknowledged", True, "answer")


def test_the_board_is_for_ipcu(platform, deployed):
    sent_broadcast(platform, deployed)
    with pytest.raises(Forbidden):
        board_page(platform, actor_id=deployed["ilo.delhi"])
    with pytest.raises(Invalid):
        board_page(platform, actor_id=deployed["ipcu.officer"], status="lost")


def _broadcast_files(old: str = "", new: str = "") -> dict[str, bytes]:
    processes = PROJECT_ROOT / "processes"
    bpmn = (processes / "broadcast.bpmn").read_text(encoding="utf-8")
    assert old in bpmn
    return {"broadcast.bpmn": bpmn.replace(old, new).encode(),
            "broadcast_deadlines.dmn": (processes / "broadcast_deadlines.dmn").read_bytes()}


def test_deploy_keeps_the_forms_of_user_tasks_inside_subprocesses(platform, directory):
    (done,) = deploy(platform, actor="tests", files=_broadcast_files())
    with platform.uow() as uow:
        names = set(uow.session.scalars(select(ProcessFile.filename).join(ProcessVersion)
                                        .where(ProcessVersion.process_id == "broadcast")))
    assert (done.process_id, sorted(n for n in names if n.startswith("forms/"))) == ("broadcast", [
        "forms/broadcast_ack.json", "forms/broadcast_answer.json", "forms/broadcast_consolidate.json",
        "forms/broadcast_forward.json", "forms/broadcast_record.json", "forms/broadcast_route.json"])


def test_deploy_refuses_a_due_at_expression_that_does_not_compile_restricted(platform, directory):
    with pytest.raises(DeployError) as err:
        deploy(platform, actor="tests", files=_broadcast_files('value="deadlines[&quot;ack_due&quot;]"',
                                                               'value="deadlines.__class__"'))
    assert (err.value.filename, err.value.element) == ("broadcast.bpmn", "route")
    assert err.value.reason.startswith("dueAt refused: ")


def test_a_recipient_cannot_open_another_agencys_attachment(platform, deployed):
    case = sent_broadcast(platform, deployed)
    delhi_file = add_attachment(platform, actor_id=deployed["ilo.delhi"], case_id=case.id, filename="delhi.pdf",
                                kind="document", content=b"%PDF-1.4 Delhi answer")
    ipcu_file = add_attachment(platform, actor_id=deployed["ipcu.officer"], case_id=case.id, filename="request.pdf",
                               kind="document", content=b"%PDF-1.4 the request")
    with pytest.raises(NotFound):
        open_attachment(platform, actor_id=deployed["ilo.punjab"], case_id=case.id, attachment_id=delhi_file.id)
    meta, _path = open_attachment(platform, actor_id=deployed["ilo.punjab"], case_id=case.id,
                                  attachment_id=ipcu_file.id)
    assert meta["filename"] == "request.pdf"
    assert open_attachment(platform, actor_id=deployed["ilo.delhi"], case_id=case.id,
                           attachment_id=delhi_file.id)[0]["filename"] == "delhi.pdf"
