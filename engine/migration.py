"""What changed between two versions of a process, and moving a running case to another version.

Both rest on SpiffWorkflow's `SpiffWorkflow.bpmn.util.diff`: `SpecDiff` aligns the task specs of two
versions (by BPMN id, then by position), `WorkflowDiff` finds the tasks of a case whose spec was changed
or removed, and `migrate_workflow` re-points the case's tasks at the new specs and predicts again what
follows the tasks that are waiting. We build the SpecDiff ourselves (as `diff_workflow` does) to keep
the list of changed attributes for the refusal messages.

A case may move only when no task whose spec was changed or removed has run or is running in it:
the work done, and the work in progress, must mean the same in the new version.
"""

import json
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import Conflict

# tasks in these states have run, or are running or waiting: their spec must be the same in the new version
BLOCKING = TaskState.COMPLETED | TaskState.ERROR | TaskState.STARTED | TaskState.READY | TaskState.WAITING
# the states migrate_workflow resets; what a case had put in these tasks (form data, timer due times) is kept
KEPT = TaskState.READY | TaskState.WAITING

LABELS = {
    "typename": "type", "bpmn_name": "name", "lane": "lane", "extensions": "properties",
    "script": "script", "prescript": "pre-script", "postscript": "post-script",
    "cond_task_specs": "conditions", "default_task_spec": "default flow", "inputs": "incoming flow",
    "outputs": "outgoing flow", "event_definition": "event", "decision_table": "decision table",
    "cancel_activity": "interrupting", "documentation": "documentation", "io_specification": "data inputs/outputs",
}
FORM = "formJsonSchemaFilename"


class MigrationRefused(Conflict):
    """A case cannot move to the target version; `reasons` says why, one line per task."""

    def __init__(self, reference: str, reasons: list[str]):
        super().__init__(f"{reference} cannot move: " + "; ".join(reasons))
        self.reference, self.reasons = reference, reasons


# --- what changed between two specs -------------------------------------------------------------------


def spec_changes(registry, old, new) -> dict:
    """BPMN elements added, removed and changed (with old and new values) from spec `old` to `new`."""
    diff = SpecDiff(registry, old, new)
    changed = []
    for spec, keys in sorted(diff.changed.items(), key=lambda item: item[0].name):
        if spec.bpmn_id is None:  # SpiffWorkflow's own Start/End/joins: their changes show on the elements
            continue
        before, after = registry.convert(spec), registry.convert(diff.alignment[spec])
        changed.append({**_element(diff.alignment[spec]), "changes": _describe(keys, before, after)})
    return {"added": [_element(s) for s in sorted(diff.added, key=_key) if s.bpmn_id],
            "removed": [_element(s) for s in sorted(diff.removed, key=_key) if s.bpmn_id],
            "changed": changed}


def elements(spec) -> list[dict]:
    """Every BPMN element of a spec, as the change summary lists it."""
    return [_element(s) for s in sorted(spec.task_specs.values(), key=_key) if s.bpmn_id]


def _key(spec) -> str:
    return spec.name


def _element(spec) -> dict:
    return {"id": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id, "type": type(spec).__name__,
            "lane": spec.lane, "form": _properties(spec).get(FORM)}


def _properties(spec) -> dict:
    return (getattr(spec, "extensions", None) or {}).get("properties", {})


def _describe(keys: list[str], before: dict, after: dict) -> list[dict]:
    changes = []
    for key in keys:
        if key == "extensions":
            changes.extend(_property_changes(before.get(key) or {}, after.get(key) or {}))
        elif key == "typename":
            changes.append({"what": "type", "old": before.get(key), "new": after.get(key)})
        else:
            changes.append({"what": LABELS.get(key, key), "old": _text(before.get(key)), "new": _text(after.get(key))})
    return changes


def _property_changes(before: dict, after: dict) -> list[dict]:
    old, new = before.get("properties", {}), after.get("properties", {})
    changes = [{"what": "form" if name == FORM else f"property {name}", "old": old.get(name), "new": new.get(name)}
               for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
    other_old = {k: v for k, v in before.items() if k != "properties"}
    other_new = {k: v for k, v in after.items() if k != "properties"}
    if other_old != other_new:
        changes.append({"what": "extensions", "old": _text(other_old), "new": _text(other_new)})
    return changes


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, list) and all(isinstance(v, dict) and "condition" in v for v in value):
        return "; ".join(f"{v['condition']} → {v['task_spec']}" for v in value)
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 300 else text[:299] + "…"


# --- moving one case ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """The diffs of one case against a target spec, and why it may not move (empty: it may)."""

    diffs: list[tuple[object, WorkflowDiff, object]] = field(default_factory=list)  # (workflow, diff, new spec)
    reasons: list[str] = field(default_factory=list)


def plan(registry, workflow, spec, subprocess_specs: dict) -> Plan:
    """Compare a case with a target version: the top workflow and every subprocess it has started."""
    result = Plan()
    _add(result, registry, workflow, spec)
    for sub in workflow.subprocesses.values():
        target = subprocess_specs.get(sub.spec.name)
        if target is None:
            result.reasons.append(f"subprocess '{sub.spec.name}' was started in this case and no longer exists")
        else:
            _add(result, registry, sub, target)
    return result


def _add(result: Plan, registry, workflow, spec):
    spec_diff = SpecDiff(registry, workflow.spec, spec)
    diff = WorkflowDiff(workflow, spec_diff)
    result.diffs.append((workflow, diff, spec))
    for task in diff.removed:
        if task.state & BLOCKING:
            result.reasons.append(f"'{_label(task)}' ({_state(task)}) was removed")
    for task in diff.changed:
        if task.state & BLOCKING and task not in diff.removed:
            what = ", ".join(sorted({LABELS.get(k, k) for k in spec_diff.changed[task.task_spec]}))
            result.reasons.append(f"'{_label(task)}' ({_state(task)}) was changed: {what}")


def _label(task) -> str:
    spec = task.task_spec
    return spec.bpmn_name or spec.bpmn_id or spec.name


def _state(task) -> str:
    return TaskState.get_name(task.state).lower()


def migrate(result: Plan, workflow, subprocess_specs: dict, reference: str):
    """Move the workflow onto the planned specs, in place; MigrationRefused if the plan has reasons or
    a task would be left on a spec the new version does not have."""
    if result.reasons:
        raise MigrationRefused(reference, result.reasons)
    kept = {task.id: (task.data, task.internal_data) for task in workflow.get_tasks(state=KEPT)}
    for each, diff, spec in result.diffs:
        migrate_workflow(diff, each, spec)
    workflow.subprocess_specs = subprocess_specs
    for task in workflow.get_tasks():
        if task.id in kept:  # reset_branch gave it its parent's data and a fresh timer; put the case's back
            task.data, task.internal_data = kept[task.id]
    stranded = [f"'{_label(t)}' ({_state(t)}) has no place in the new version"
                for each, _diff, spec in result.diffs for t in each.get_tasks(skip_subprocesses=True)
                if t.task_spec is not spec.task_specs.get(t.task_spec.name)]
    if stranded:
        raise MigrationRefused(reference, stranded)
