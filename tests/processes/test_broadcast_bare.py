"""processes/broadcast.bpmn + broadcast_deadlines.dmn on a bare SpiffWorkflow engine (no database): one branch per
agency (element variable `agency`), one per unit inside it (`unit`), deadlines by urgency, reminders, replies.

Between steps the workflow is serialized and restored, as the portal does between requests.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from cooperation_cases import ANSWER, as_received, broadcast
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.runtime import CaseFlow, build_serializer
from engine.scripting import build_script_engine

pytestmark = pytest.mark.unit

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SERIALIZER = build_serializer(state_only=False)
SCRIPT_ENGINE = build_script_engine()


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(PROCESSES / "broadcast.bpmn"))
    parser.add_dmn_file(str(PROCESSES / "broadcast_deadlines.dmn"))
    return parser.get_spec("broadcast"), parser.get_subprocess_specs("broadcast")


def restore(workflow):
    dumped = SERIALIZER.serialize_json(workflow)
    restored = SERIALIZER.deserialize_json(dumped)
    restored.script_engine = SCRIPT_ENGINE
    # nothing changes (nested subprocesses may come back in another key order)
    assert json.loads(SERIALIZER.serialize_json(restored)) == json.loads(dumped)
    return restored


def ready(workflow) -> list[tuple]:
    return sorted((t.task_spec.bpmn_id, t.data.get("agency"), t.data.get("unit"))
                  for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def complete(workflow, bpmn_id: str, variable: str, data: dict, agency=None, unit=None):
    (task,) = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id
               and t.data.get("agency") == agency and t.data.get("unit") == unit]
    task.data[variable] = copy.deepcopy(data)
    task.run()
    CaseFlow(workflow).step()
    return restore(workflow)


def recorded(specs, data=None):
    workflow = BpmnWorkflow(*specs, script_engine=SCRIPT_ENGINE)
    workflow.do_engine_steps()
    return complete(restore(workflow), "record", "broadcast", data or broadcast())


def answered(workflow, agency: str, units: list[str]):
    workflow = complete(workflow, "route", "routing", {"units": units}, agency)
    for unit in units:
        workflow = complete(workflow, "acknowledge", "acknowledgement", {"received": True}, agency, unit)
        workflow = complete(workflow, "answer", "answer", {**ANSWER, "answer": f"{unit}: found"}, agency, unit)
    return complete(workflow, "forward", "forwarding", {"summary": f"{agency} answered"}, agency)


def finished(workflow, bpmn_id: str) -> list:
    """Data of the completed tasks `bpmn_id` (a COMPLETED-only filter would not look inside running branches)."""
    return [t.data for t in workflow.get_tasks() if t.task_spec.bpmn_id == bpmn_id and t.state == TaskState.COMPLETED]


def test_lanes_and_element_variables(specs):
    spec, subs = specs
    lanes = {ts.bpmn_id: ts.lane for s in (spec, *subs.values()) for ts in s.task_specs.values()
             if type(ts).__name__ == "UserTask"}
    assert lanes == {"record": "IPCU", "consolidate": "IPCU", "route": "ILO", "forward": "ILO",
                     "acknowledge": "UO", "answer": "UO"}
    mi = {ts.bpmn_id: (ts.data_input.bpmn_id, ts.input_item.bpmn_id, ts.data_output.bpmn_id, ts.output_item.bpmn_id)
          for s in (spec, *subs.values()) for ts in s.task_specs.values()
          if type(ts).__name__ == "ParallelMultiInstanceTask"}
    assert mi == {"agency_branch": ("agency_codes", "agency", "replies", "reply"),
                  "unit_work": ("unit_codes", "unit", "unit_replies", "unit_reply")}


def test_each_agency_gets_its_own_branch_without_the_list_of_the_others(specs):
    workflow = recorded(specs)
    assert ready(workflow) == [("route", "DELHI", None), ("route", "PUNJAB", None)]
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        assert ("agency_codes" in task.data, task.data["broadcast"]) == (False, as_received())


@pytest.mark.parametrize(("urgency", "ack_days", "answer_days"), [("immediate", 1, 3), ("urgent", 2, 7),
                                                                  ("routine", 5, 30)])
def test_deadlines_by_urgency_come_from_the_decision_table(specs, urgency, ack_days, answer_days):
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        workflow = recorded(specs, broadcast(urgency=urgency))
    deadlines = CaseFlow(workflow).data()["deadlines"]
    assert deadlines == {"sent_at": start.isoformat(), "ack_in": f"P{ack_days}D", "answer_in": f"P{answer_days}D",
                         "ack_due": (start + timedelta(days=ack_days)).isoformat(),
                         "answer_due": (start + timedelta(days=answer_days)).isoformat()}
    assert {(bpmn_id, due) for _uuid, bpmn_id, due in CaseFlow(workflow).timers()} == {
        ("route_reminder", start + timedelta(days=ack_days))}


def test_an_unassigned_requesting_country_blocks_the_record(specs):
    workflow = recorded(specs, broadcast(from_country="XX"))
    assert ready(workflow) == [("record", None, None)]
    assert CaseFlow(workflow).data()["blocks"][0]["rule"] == "country_codes"


def test_units_get_their_own_branches_inside_their_agency(specs):
    workflow = complete(recorded(specs), "route", "routing", {"units": ["DELHI-CRIME", "DELHI-SOUTH"]}, "DELHI")
    assert ready(workflow) == [("acknowledge", "DELHI", "DELHI-CRIME"), ("acknowledge", "DELHI", "DELHI-SOUTH"),
                               ("route", "PUNJAB", None)]


def test_replies_are_kept_per_agency_and_per_unit_then_ipcu_consolidates(specs):
    workflow = answered(recorded(specs), "DELHI", ["DELHI-CRIME", "DELHI-SOUTH"])
    workflow = answered(workflow, "PUNJAB", ["PUNJAB-LUDHIANA"])
    assert ready(workflow) == [("consolidate", None, None)]
    data = CaseFlow(workflow).data()
    assert sorted(data) == ["agency_codes", "blocks", "broadcast", "deadlines", "replies"]
    assert {a: (r["forwarding"]["summary"], {u: v["answer"]["answer"] for u, v in r["units"].items()})
            for a, r in data["replies"].items()} == {
        "DELHI": ("DELHI answered", {"DELHI-CRIME": "DELHI-CRIME: found", "DELHI-SOUTH": "DELHI-SOUTH: found"}),
        "PUNJAB": ("PUNJAB answered", {"PUNJAB-LUDHIANA": "PUNJAB-LUDHIANA: found"})}
    workflow = complete(workflow, "consolidate", "consolidation", {"outcome": "answered", "reply_text": "Located."})
    assert workflow.is_completed()


def test_reminders_and_escalations_fire_at_the_deadlines_and_leave_the_work_open(specs):
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        workflow = complete(recorded(specs), "route", "routing", {"units": ["DELHI-CRIME"]}, "DELHI")
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        CaseFlow(workflow).step()
    routed = sorted(d["agency"] for d in finished(workflow, "route_reminder_end"))
    # Delhi routed in time, so only its unit is reminded; Punjab has not routed yet
    assert (routed, [d["unit"] for d in finished(workflow, "ack_reminder_end")]) == (["PUNJAB"], ["DELHI-CRIME"])
    workflow = complete(restore(workflow), "acknowledge", "acknowledgement", {"received": True}, "DELHI", "DELHI-CRIME")
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        CaseFlow(workflow).step()
    escalated = [d["unit"] for d in finished(workflow, "answer_escalation_end")]
    assert (escalated, ready(workflow)) == (["DELHI-CRIME"], [("answer", "DELHI", "DELHI-CRIME"),
                                                             ("route", "PUNJAB", None)])
