"""processes/reference_request.bpmn on a bare SpiffWorkflow engine (no database): the UO -> ILO -> IPCU chain,
the Letter Rogatory flag, replies per country as the message reference_reply, follow-ups, closing.

Between steps the workflow is serialized and restored, as the portal does between requests.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from cooperation_cases import reference
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.runtime import CaseFlow, build_serializer
from engine.scripting import build_script_engine

pytestmark = pytest.mark.unit

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SERIALIZER = build_serializer(state_only=False)
SCRIPT_ENGINE = build_script_engine()
LR_ROUTE = "Letter Rogatory under BNSS s.112, sent through the Ministry of Home Affairs (central authority)"


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(PROCESSES / "reference_request.bpmn"))
    return parser.get_spec("reference_request"), parser.get_subprocess_specs("reference_request")


def restore(workflow):
    dumped = SERIALIZER.serialize_json(workflow)
    restored = SERIALIZER.deserialize_json(dumped)
    restored.script_engine = SCRIPT_ENGINE
    # nothing changes (nested subprocesses may come back in another key order)
    assert json.loads(SERIALIZER.serialize_json(restored)) == json.loads(dumped)
    return restored


def ready(workflow) -> list[str]:
    return [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def complete(workflow, bpmn_id: str, variable: str, data: dict):
    (task,) = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id]
    task.data[variable] = copy.deepcopy(data)
    task.run()
    CaseFlow(workflow).step()
    return restore(workflow)


def reply(workflow, payload: dict):
    workflow.catch(BpmnEvent(MessageEventDefinition("reference_reply"), payload=payload))
    CaseFlow(workflow).step()
    return restore(workflow)


def data(workflow) -> dict:
    return CaseFlow(workflow).data()


def submitted(specs, request=None):
    workflow = BpmnWorkflow(*specs, script_engine=SCRIPT_ENGINE)
    workflow.do_engine_steps()
    return complete(restore(workflow), "draft", "request", request or reference())


def sent(specs, request=None):
    workflow = complete(submitted(specs, request), "vet", "vetting", {"decision": "forward"})
    return complete(workflow, "review", "review", {"decision": "send"})


def test_user_tasks_sit_in_their_lanes_with_their_forms(specs):
    spec, _subs = specs
    found = {ts.bpmn_id: (ts.lane, ts.extensions["properties"]["formJsonSchemaFilename"],
                          ts.extensions["properties"]["formDataVariable"])
             for ts in spec.task_specs.values() if type(ts).__name__ == "UserTask"}
    assert found == {"draft": ("UO", "reference_draft.json", "request"),
                     "vet": ("ILO", "reference_vet.json", "vetting"),
                     "review": ("IPCU", "reference_review.json", "review"),
                     "close": ("UO", "reference_close.json", "closure")}


def test_a_plain_request_goes_to_the_ilo_without_flag(specs):
    workflow = submitted(specs)
    assert ready(workflow) == ["vet"]
    assert (data(workflow)["blocks"], data(workflow)["letter_rogatory"]) == ([], None)


def test_an_unassigned_country_code_blocks_the_draft(specs):
    workflow = submitted(specs, reference(countries=["AE", "XX"]))
    assert ready(workflow) == ["draft"]
    assert data(workflow)["blocks"] == [{"rule": "country_codes", "message": "Not ISO 3166 alpha-2 country codes: XX."}]


def test_evidence_for_trial_is_flagged_and_needs_an_assessment_to_pass(specs):
    workflow = submitted(specs, reference(evidence_for_trial=True))
    flag = data(workflow)["letter_rogatory"]
    assert (flag["rule"], flag["route"]) == ("letter_rogatory", LR_ROUTE)
    workflow = complete(workflow, "vet", "vetting", {"decision": "forward"})
    assert (ready(workflow), [b["rule"] for b in data(workflow)["blocks"]]) == (["vet"], ["assess.letter_rogatory"])
    workflow = complete(workflow, "vet", "vetting", {"decision": "forward", "evidence_assessment": "Location only."})
    assert ready(workflow) == ["review"]


def test_ipcu_may_refer_a_flagged_request_to_the_letter_rogatory_route(specs):
    workflow = complete(submitted(specs, reference(evidence_for_trial=True)), "vet", "vetting",
                        {"decision": "forward", "evidence_assessment": "IPCU should decide."})
    workflow = complete(workflow, "review", "review", {"decision": "letter_rogatory", "comments": "Send an LR."})
    assert workflow.is_completed()
    assert data(workflow)["closure"] == {"outcome": "letter_rogatory", "summary": "Send an LR.", "route": LR_ROUTE}


@pytest.mark.parametrize(("step", "variable", "decision"), [("vet", "vetting", {"decision": "return"}),
                                                            ("review", "review", {"decision": "return"})])
def test_a_return_goes_back_to_the_draft(specs, step, variable, decision):
    workflow = submitted(specs)
    if step == "review":
        workflow = complete(workflow, "vet", "vetting", {"decision": "forward"})
    workflow = complete(workflow, step, variable, {**decision, "return_reason": "case_facts"})
    assert ready(workflow) == ["draft"]


def test_replies_per_country_go_back_to_the_unit_when_every_country_answered(specs):
    workflow = sent(specs)
    assert (ready(workflow), data(workflow)["tracking"]["awaiting"]) == ([], ["AE", "GB"])
    workflow = reply(workflow, {"country": "GB", "reply": "No trace in the UK.", "ncb_reference": "UK/77"})
    assert (ready(workflow), data(workflow)["tracking"]["awaiting"]) == ([], ["AE"])
    workflow = reply(workflow, {"country": "AE", "reply": "Lives in Dubai Marina."})
    assert ready(workflow) == ["close"]
    replies = data(workflow)["tracking"]["replies"]
    assert {c: (r["reply"], r.get("ncb_reference")) for c, r in replies.items()} == {
        "GB": ("No trace in the UK.", "UK/77"), "AE": ("Lives in Dubai Marina.", None)}
    workflow = complete(workflow, "close", "closure", {"outcome": "answered", "summary": "Located in Dubai."})
    assert workflow.is_completed()


def test_a_reply_from_a_country_not_asked_is_kept_aside(specs):
    workflow = reply(sent(specs), {"country": "FR", "reply": "Nothing."})
    tracking = data(workflow)["tracking"]
    assert (tracking["awaiting"], tracking["replies"], tracking["rejected"]) == (
        ["AE", "GB"], {}, [{"message": {"country": "FR", "reply": "Nothing."}, "reason": "FR was not asked"}])


def test_follow_ups_by_urgency_then_the_unit_closes_after_three(specs):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        workflow = sent(specs)  # urgent: a follow-up every 7 days
    first = start.replace(microsecond=0) + timedelta(days=7)
    assert data(workflow)["tracking"]["next_follow_up"] == first.isoformat()
    for count in (1, 2, 3):
        with time_machine.travel(start + timedelta(days=7 * count, minutes=1), tick=False):
            CaseFlow(workflow).step()
            workflow = restore(workflow)
        follow_ups = data(workflow)["tracking"]["follow_ups"]
        assert [f["countries"] for f in follow_ups] == [["AE", "GB"]] * count
    assert ready(workflow) == ["close"]
