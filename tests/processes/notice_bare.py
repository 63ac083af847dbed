"""Drive processes/notice_request.bpmn + notice_rules.dmn on a bare SpiffWorkflow engine (no database).

The script engine is the portal's restricted one; between steps the workflow is serialized and restored,
as the portal does between requests.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.scripting import build_script_engine

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
SCHEMAS = ROOT / "forms" / "schemas"
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
DMN_NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
SCRIPT_ENGINE = build_script_engine()


def parse_specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(PROCESSES / "notice_request.bpmn"))
    parser.add_dmn_file(str(PROCESSES / "notice_rules.dmn"))
    return parser.get_spec("notice_request"), parser.get_subprocess_specs("notice_request")


def dmn_rules() -> dict[str, dict]:
    """{rule id: {"severities": set, "message": text}} read from the decision table's output cells."""
    root = ElementTree.parse(PROCESSES / "notice_rules.dmn").getroot()
    rules = {}
    for row in root.iterfind(".//dmn:rule", DMN_NS):
        rule, severity, message = [e.findtext("dmn:text", namespaces=DMN_NS)
                                   for e in row.iterfind("dmn:outputEntry", DMN_NS)]
        entry = rules.setdefault(json.loads(rule), {"severities": set(), "message": None})
        entry["severities"].update(s for s in ("block", "warn", "review") if f'"{s}"' in severity)
        if message.startswith('"') and message.endswith('"') and message.count('"') == 2:
            entry["message"] = json.loads(message)
    return rules


def form(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def restore(workflow):
    """Serialize and deserialize, as the portal does between requests."""
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    restored.script_engine = SCRIPT_ENGINE
    return restored


def start(specs):
    spec, subprocesses = specs
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=SCRIPT_ENGINE)
    workflow.do_engine_steps()
    return restore(workflow)


def ready_names(workflow):
    return sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def complete(workflow, name, **data):
    """Complete the single ready user task `name` with data, run engine steps, save and restore."""
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True, spec_name=name)
    assert len(tasks) == 1, ready_names(workflow)
    tasks[0].data.update(copy.deepcopy(data))
    tasks[0].run()
    workflow.do_engine_steps()
    return restore(workflow)


def ready_data(workflow):
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert len(tasks) == 1, ready_names(workflow)
    return tasks[0].data


def submit(specs, request, attachments, duplicates=()):
    return complete(start(specs), "draft", request=request, attachments=list(attachments),
                    duplicates=list(duplicates))


def redraft(workflow, request, attachments=("warrant",)):
    return complete(workflow, "draft", request=request, attachments=list(attachments), duplicates=[])


def gs_decision(workflow, payload):
    workflow.catch(BpmnEvent(MessageEventDefinition("interpol_decision"), payload=payload))
    workflow.do_engine_steps()
    return restore(workflow)


def mutated(base, mutation):
    request = copy.deepcopy(base)
    mutation(request)
    return request


def waiting(workflow) -> list[str]:
    return sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.WAITING))


def timer_due(workflow, name) -> str:
    """The stored due time of a waiting timer (evaluated from its expression when it started waiting)."""
    tasks = workflow.get_tasks(state=TaskState.WAITING, spec_name=name)
    assert len(tasks) == 1, waiting(workflow)
    return tasks[0]._get_internal_data("event_value")


def fire(workflow, name):
    """Move a waiting timer's due time into the past and let it fire."""
    tasks = workflow.get_tasks(state=TaskState.WAITING, spec_name=name)
    assert len(tasks) == 1, waiting(workflow)
    tasks[0]._set_internal_data(event_value=(datetime.now(UTC) - timedelta(minutes=1)).isoformat())
    workflow.refresh_timers()
    workflow.do_engine_steps()
    return restore(workflow)
