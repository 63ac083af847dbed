"""One case's workflow around SpiffWorkflow: specs per version, state in and out, steps.

A case's state is the serializer's JSON without the spec: the spec is stored once per process
version and kept parsed in a per-process cache (versions never change once deployed).
"""

import json
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.checks import form_name
from engine.scripting import build_script_engine


class StateConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec; the spec comes from the process version."""

    def to_dict(self, workflow):
        """Like BpmnWorkflowConverter.to_dict, minus the spec (converting it only to drop it is costly)."""
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        """Restore a workflow whose 'spec' and 'subprocess_specs' are already spec objects."""
        workflow = self.target_class(dct.pop("spec"), dct.pop("subprocess_specs"), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def build_serializer(state_only: bool) -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    if state_only:
        config[BpmnWorkflow] = StateConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


class Workflows:
    """Builds, loads and saves workflows; one per process (or per worker)."""

    def __init__(self):
        self.script_engine = build_script_engine()
        self.spec_serializer = build_serializer(state_only=False)
        self.state_serializer = build_serializer(state_only=True)
        self._specs: dict[int, tuple] = {}
        self.forms: dict[tuple[int, str], dict] = {}

    def spec_json(self, spec, subprocess_specs) -> str:
        """The spec of a new version, as stored in process_version.spec_json."""
        registry = self.spec_serializer.registry
        return json.dumps({"spec": registry.convert(spec),
                           "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()}})

    def specs_for(self, version) -> tuple:
        if version.id not in self._specs:
            dct = json.loads(version.spec_json)
            registry = self.spec_serializer.registry
            self._specs[version.id] = (registry.restore(dct["spec"]),
                                       {k: registry.restore(v) for k, v in dct["subprocess_specs"].items()})
        return self._specs[version.id]

    def new(self, version, data: dict) -> "CaseFlow":
        spec, subs = self.specs_for(version)
        workflow = BpmnWorkflow(spec, subs, script_engine=self.script_engine)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return CaseFlow(workflow)

    def load(self, version, state: str) -> "CaseFlow":
        spec, subs = self.specs_for(version)
        dct = json.loads(state, cls=self.state_serializer.json_decoder_cls)
        self.state_serializer.migrate(dct)
        dct["spec"], dct["subprocess_specs"] = spec, subs
        workflow = self.state_serializer.from_dict(dct)
        workflow.script_engine = self.script_engine
        return CaseFlow(workflow)

    def dump(self, flow: "CaseFlow") -> str:
        return self.state_serializer.serialize_json(flow.workflow)


class CaseFlow:
    """One case's running workflow, with intent-named operations."""

    def __init__(self, workflow: BpmnWorkflow):
        self.workflow = workflow

    def step(self):
        """Run every automatic step (scripts, rules, gateways, due timers) until people must act."""
        self.workflow.do_engine_steps()
        # do_engine_steps ends by firing due timers; run whatever they made ready
        while self.workflow.get_tasks(state=TaskState.READY, manual=False):
            self.workflow.do_engine_steps()

    def ready_human_tasks(self) -> list:
        return [t for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)]

    def task(self, task_uuid: str):
        try:
            return self.workflow.get_task_from_id(UUID(task_uuid))
        except Exception:  # noqa: BLE001 - unknown or malformed id
            return None

    def complete(self, task, variable: str, data: dict, host_data: dict):
        """Put the validated form data under the task's variable and complete it."""
        task.data.update(host_data)
        task.data[variable] = data
        task.run()
        self.step()

    def waits_for_message(self, name: str) -> bool:
        return any(e.name == name for e in self.workflow.waiting_events() if e.event_type.startswith("Message"))

    def catch_message(self, name: str, payload: dict):
        self.workflow.catch(BpmnEvent(MessageEventDefinition(name), payload=payload))
        self.step()

    def timers(self) -> list[tuple[str, str, datetime]]:
        """(task id, BPMN id, due time) for every timer event now waiting."""
        found = []
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            event = getattr(task.task_spec, "event_definition", None)
            value = task._get_internal_data("event_value")
            if isinstance(event, TimerEventDefinition) and isinstance(value, str):
                due = datetime.fromisoformat(value)
                found.append((str(task.id), task.task_spec.bpmn_id, due if due.tzinfo else due.replace(tzinfo=UTC)))
        return found

    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    def data(self) -> dict:
        """The case data: the data of the newest ready task, or of the last completed one."""
        ready = self.ready_human_tasks()
        source = ready[-1] if ready else self.workflow.last_task
        return dict(source.data) if source is not None else dict(self.workflow.data)


def task_facts(task) -> dict:
    """What the projection needs from a ready user task's spec."""
    props = task.task_spec.extensions.get("properties", {})
    return {
        "bpmn_id": task.task_spec.bpmn_id,
        "name": task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        "lane": task.task_spec.lane,
        "form": form_name(task.task_spec),
        "variable": props.get("formDataVariable", task.task_spec.bpmn_id),
        "separate_from": [s.strip() for s in props.get("separateFrom", "").split(",") if s.strip()],
        "due_in": props.get("dueIn"),
    }


def due_time(due_in: str | None, start: datetime) -> datetime | None:
    """A user task's deadline from its `dueIn` property (ISO 8601 duration such as P3D)."""
    if not due_in:
        return None
    parsed = TimerEventDefinition.parse_iso_duration(due_in)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
