"""Drive processes/notice_request.bpmn + notice_rules.dmn on a bare SpiffWorkflow engine."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from samples import VALID_RED, VALID_YELLOW
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.compliance import HELPERS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
SCHEMAS = ROOT / "forms" / "schemas"
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
DMN_NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}



def _set(path, value):
    """Mutation that sets request[path...] = value."""

    def mutate(request):
        *parents, last = path
        for key in parents:
            request = request[key]
        request[last] = value

    return mutate


def _delete(path):
    """Mutation that deletes request[path...]."""

    def mutate(request):
        *parents, last = path
        for key in parents:
            request = request[key]
        del request[last]

    return mutate


def _sentence(request):
    request["purpose"] = "sentence"
    request["sentence"] = {"imposed_months": 4, "remaining_months": 2}


def _suspect_without_warrant(request):
    request["subject"]["person_status"] = "suspect"
    del request["warrant"]


# rule id -> (base request, attachments, mutation making exactly that rule fail)
RULE_CASES = {
    "person_status": (VALID_RED, ["warrant"], _delete(["subject", "person_status"])),
    "red_purpose": (VALID_RED, ["warrant"], _delete(["purpose"])),
    "red_penalty_threshold": (VALID_RED, ["warrant"], _set(["charges", 0, "max_penalty_months"], 12)),
    "red_sentence_threshold": (VALID_RED, ["warrant"], _sentence),
    "red_charges": (VALID_RED, ["warrant"], _set(["charges"], [])),
    "red_charge_law_section": (VALID_RED, ["warrant"], _delete(["charges", 1, "section"])),
    "red_warrant_fields": (VALID_RED, ["warrant"], _delete(["warrant", "issuing_authority"])),
    "red_warrant_copy": (VALID_RED, ["photo"], lambda r: None),
    "red_suspect_without_warrant": (VALID_RED, [], _suspect_without_warrant),
    "red_summary_of_facts": (VALID_RED, ["warrant"], _set(["case", "summary_of_facts"], "  ")),
    "red_extradition": (VALID_RED, ["warrant"], _set(["extradition", "countries"], [])),
    "yellow_identifiers": (VALID_YELLOW, [], lambda r: None),
    "yellow_missing_report": (VALID_YELLOW, ["photo"], _delete(["missing_report", "number"])),
    "yellow_whereabouts_known": (VALID_YELLOW, ["photo"], _set(["whereabouts_known"], True)),
    "dates_order": (VALID_RED, ["warrant"], _set(["case", "offence_date"], "2023-07-01")),
    "country_codes": (VALID_RED, ["warrant"], _set(["extradition", "countries"], ["AE", "UK"])),
    "public_extract_justification": (VALID_RED, ["warrant"], _set(["public_extract"], True)),
}


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(PROCESSES / "notice_request.bpmn"))
    parser.add_dmn_file(str(PROCESSES / "notice_rules.dmn"))
    return parser.get_spec("notice_request"), parser.get_subprocess_specs("notice_request")


@pytest.fixture(scope="module")
def dmn_messages():
    root = ElementTree.parse(PROCESSES / "notice_rules.dmn").getroot()
    messages = {}
    for rule in root.iterfind(".//dmn:rule", DMN_NS):
        rule_text, message_text = [
            e.findtext("dmn:text", namespaces=DMN_NS) for e in rule.iterfind("dmn:outputEntry", DMN_NS)
        ]
        messages[json.loads(rule_text)] = json.loads(message_text)
    return messages


def engine():
    return PythonScriptEngine(environment=TaskDataEnvironment(dict(HELPERS)))


def restore(workflow):
    """Serialize and deserialize, as the portal does between requests."""
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    restored.script_engine = engine()
    return restored


def start(specs):
    spec, subprocesses = specs
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=engine())
    workflow.do_engine_steps()
    return restore(workflow)


def ready_names(workflow):
    return sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def complete(workflow, name, **data):
    """Complete the single ready user task `name` with data, run engine steps, save and restore."""
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True, spec_name=name)
    assert len(tasks) == 1
    tasks[0].data.update(copy.deepcopy(data))
    tasks[0].run()
    workflow.do_engine_steps()
    return restore(workflow)


def ready_data(workflow):
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert len(tasks) == 1
    return tasks[0].data


def submit(specs, request, attachments):
    workflow = start(specs)
    return complete(workflow, "draft", request=request, attachments=attachments)


def gs_decision(workflow, payload):
    event = BpmnEvent(MessageEventDefinition("interpol_decision"), payload=payload)
    workflow.catch(event)
    workflow.do_engine_steps()
    return restore(workflow)


def mutated(base, mutation):
    request = copy.deepcopy(base)
    mutation(request)
    return request


def to_review(specs, request=VALID_RED, attachments=("warrant",)):
    workflow = submit(specs, request, list(attachments))
    workflow = complete(workflow, "vet", vetting={"decision": "forward"})
    assert ready_names(workflow) == ["review"]
    return workflow


def test_valid_requests_match_draft_schema():
    schema = json.loads((SCHEMAS / "notice_draft.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(VALID_RED)] == []
    assert [e.message for e in validator.iter_errors(VALID_YELLOW)] == []


def test_user_task_lanes_and_forms(specs):
    spec, _ = specs
    found = {
        name: (spec.task_specs[name].lane, spec.task_specs[name].extensions["properties"])
        for name in ("draft", "vet", "review")
    }
    assert found == {
        "draft": ("UO", {"formJsonSchemaFilename": "notice_draft.json", "formDataVariable": "request"}),
        "vet": ("ILO", {"formJsonSchemaFilename": "notice_vet.json", "formDataVariable": "vetting"}),
        "review": ("IPCU", {"formJsonSchemaFilename": "notice_review.json", "formDataVariable": "review"}),
    }


def test_valid_red_request_is_published_with_review_date(specs):
    workflow = start(specs)
    assert ready_names(workflow) == ["draft"]
    workflow = complete(workflow, "draft", request=VALID_RED, attachments=["warrant"])
    assert ready_names(workflow) == ["vet"]
    assert ready_data(workflow)["blocks"] == []
    workflow = complete(workflow, "vet", vetting={"decision": "forward"})
    assert ready_names(workflow) == ["review"]
    workflow = complete(workflow, "review", review={"decision": "send"})
    assert ready_names(workflow) == []
    assert [t.task_spec.name for t in workflow.get_tasks(state=TaskState.WAITING)] == ["await_decision"]
    workflow = gs_decision(
        workflow,
        {
            "reference": "2025/88231",
            "outcome": "published",
            "notice_number": "A-1234/5-2025",
            "published_on": "2025-05-20",
        },
    )
    assert workflow.is_completed()
    end = workflow.get_tasks(state=TaskState.COMPLETED, spec_name="published_end")
    assert len(end) == 1
    assert end[0].data["published"] == {
        "interpol_notice_number": "A-1234/5-2025",
        "published_on": "2025-05-20",
        "review_due": "2030-05-20",
    }


def test_refused_decision_ends_without_publication(specs):
    workflow = complete(to_review(specs), "review", review={"decision": "send"})
    workflow = gs_decision(workflow, {"reference": "2025/88231", "outcome": "refused"})
    assert workflow.is_completed()
    end = workflow.get_tasks(state=TaskState.COMPLETED, spec_name="refused_end")
    assert len(end) == 1
    assert "published" not in end[0].data


def test_query_goes_back_to_review(specs):
    workflow = complete(to_review(specs), "review", review={"decision": "send"})
    workflow = gs_decision(workflow, {"reference": "2025/88231", "outcome": "query"})
    assert ready_names(workflow) == ["review"]
    assert ready_data(workflow)["interpol_decision"] == {"reference": "2025/88231", "outcome": "query"}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_each_block_rule_fires_alone(specs, dmn_messages, rule_id):
    base, attachments, mutation = RULE_CASES[rule_id]
    workflow = submit(specs, mutated(base, mutation), attachments)
    assert ready_names(workflow) == ["draft"]
    assert ready_data(workflow)["blocks"] == [{"rule": rule_id, "message": dmn_messages[rule_id]}]


def test_dmn_covers_exactly_the_tested_rules(dmn_messages):
    assert sorted(dmn_messages) == sorted(RULE_CASES)


def test_penalty_message_text(specs):
    request = mutated(VALID_RED, _set(["charges", 0, "max_penalty_months"], 23))
    workflow = submit(specs, request, ["warrant"])
    assert ready_data(workflow)["blocks"] == [
        {
            "rule": "red_penalty_threshold",
            "message": "For a RED notice for prosecution every charge must carry a maximum penalty of at "
            "least 2 years (or life or death); claim particular importance to international cooperation "
            "if an exception is sought.",
        }
    ]


@pytest.mark.parametrize(
    "mutation",
    [
        _set(["charges", 0, "max_penalty_months"], 24),
        lambda r: r.update(
            particular_importance=True, charges=[dict(r["charges"][0], max_penalty_months=12)]
        ),
        lambda r: r.update(purpose="sentence", sentence={"imposed_months": 12, "remaining_months": 2}),
        lambda r: r.update(purpose="sentence", sentence={"imposed_months": 6, "remaining_months": 0}),
        lambda r: r.update(
            public_extract=True, public_extract_justification="Victims abroad must be warned."
        ),
        lambda r: r["subject"].update(person_status="convicted"),
    ],
    ids=[
        "penalty_24",
        "particular_importance",
        "sentence_imposed_only",
        "sentence_6_imposed",
        "public_extract_ok",
        "convicted",
    ],
)
def test_red_edges_that_pass(specs, mutation):
    workflow = submit(specs, mutated(VALID_RED, mutation), ["judgment"])
    assert ready_names(workflow) == ["vet"]
    assert ready_data(workflow)["blocks"] == []


def test_complete_yellow_passes(specs):
    workflow = submit(specs, VALID_YELLOW, ["photo"])
    assert ready_names(workflow) == ["vet"]
    assert ready_data(workflow)["blocks"] == []


def test_yellow_identity_document_counts_as_identifier(specs):
    request = mutated(
        VALID_YELLOW, _set(["subject", "identity_documents"], [{"type": "aadhaar", "number": "1234"}])
    )
    assert ready_data(submit(specs, request, []))["blocks"] == []


def test_yellow_without_year_of_birth_fails(specs, dmn_messages):
    request = mutated(VALID_YELLOW, _delete(["subject", "date_of_birth"]))
    workflow = submit(specs, request, ["photo", "fingerprints"])
    assert ready_data(workflow)["blocks"] == [
        {"rule": "yellow_identifiers", "message": dmn_messages["yellow_identifiers"]}
    ]


def test_several_rules_come_in_table_order(specs):
    request = mutated(VALID_RED, lambda r: r.update(purpose=None, public_extract=True))
    workflow = submit(specs, request, [])
    assert [b["rule"] for b in ready_data(workflow)["blocks"]] == [
        "red_purpose",
        "red_warrant_copy",
        "public_extract_justification",
    ]


def test_fixed_draft_clears_old_blocks(specs):
    workflow = submit(specs, mutated(VALID_RED, _set(["case", "summary_of_facts"], "")), ["warrant"])
    assert [b["rule"] for b in ready_data(workflow)["blocks"]] == ["red_summary_of_facts"]
    workflow = complete(workflow, "draft", request=VALID_RED)
    assert ready_names(workflow) == ["vet"]
    data = ready_data(workflow)
    assert (data["blocks"], data["block_rule"], data["block_message"]) == ([], [], [])


def test_vet_return_goes_back_to_draft(specs):
    workflow = submit(specs, VALID_RED, ["warrant"])
    workflow = complete(
        workflow,
        "vet",
        vetting={"decision": "return", "return_reason": "neutrality", "comments": "Check role."},
    )
    assert ready_names(workflow) == ["draft"]
    assert ready_data(workflow)["vetting"] == {
        "decision": "return",
        "return_reason": "neutrality",
        "comments": "Check role.",
    }
    workflow = complete(workflow, "draft", request=VALID_RED)
    assert ready_names(workflow) == ["vet"]


def test_review_return_goes_back_to_draft(specs):
    workflow = complete(
        to_review(specs), "review", review={"decision": "return", "return_reason": "red_summary_date_place"}
    )
    assert ready_names(workflow) == ["draft"]


def test_vet_reminder_fires_without_ending_vetting(specs):
    workflow = submit(specs, VALID_RED, ["warrant"])
    timers = workflow.get_tasks(state=TaskState.WAITING, spec_name="vet_reminder")
    assert len(timers) == 1
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    timers[0]._set_internal_data(event_value=past)
    workflow.refresh_timers()
    workflow.do_engine_steps()
    workflow = restore(workflow)
    assert len(workflow.get_tasks(state=TaskState.COMPLETED, spec_name="vet_reminder_end")) == 1
    assert ready_names(workflow) == ["vet"]
    workflow = complete(workflow, "vet", vetting={"decision": "forward"})
    assert ready_names(workflow) == ["review"]
