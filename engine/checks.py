"""Deploy-time checks on a parsed diagram: lanes name roles, scripts compile restricted."""

import ast

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.errors import DeployError
from engine.models.directory import ROLES
from engine.scripting import ScriptRefused, compile_expression, compile_script

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def form_name(task_spec) -> str | None:
    """The user task's form file, from the spiffworkflow property formJsonSchemaFilename."""
    props = getattr(task_spec, "extensions", {}).get("properties", {})
    return props.get("formJsonSchemaFilename")


def lanes(filename: str, root):
    """Every lane names a known role and every user task sits in a lane."""
    in_lane = set()
    for lane in root.iterfind(".//bpmn:lane", NS):
        if lane.get("name") not in ROLES:
            raise DeployError(filename, lane.get("id"),
                              f"lane '{lane.get('name')}' is not a known role ({', '.join(ROLES)})")
        in_lane.update(ref.text for ref in lane.iterfind("bpmn:flowNodeRef", NS))
    for task in root.iterfind(".//bpmn:userTask", NS):
        if task.get("id") not in in_lane:
            raise DeployError(filename, task.get("id"), "user task is not in a lane, so nobody may act on it")


def spec(filename: str, process_spec, subprocess_specs: dict):
    """Every script, condition and expression compiles in the restricted environment."""
    for each in [process_spec, *subprocess_specs.values()]:
        for ts in each.task_specs.values():
            _check_task(filename, ts)
            if type(ts).__name__ == "UserTask" and form_name(ts) is None:
                raise DeployError(filename, ts.bpmn_id, "user task names no formJsonSchemaFilename")
            _check_due_in(filename, ts)
            _check_due_at(filename, ts)


def _check_task(filename, ts):
    sources = []
    for attribute in ("script", "prescript", "postscript"):
        if getattr(ts, attribute, None):
            sources.append(("script", getattr(ts, attribute)))
    for condition, _target in getattr(ts, "cond_task_specs", []):
        if condition is not None:
            sources.append(("condition", getattr(condition, "args", [condition])[0]))
    event = getattr(ts, "event_definition", None)
    if isinstance(event, TimerEventDefinition):
        sources.append(("timer expression", event.expression))
    engine = getattr(ts, "dmnEngine", None)
    if engine is not None:
        sources.extend(_decision_sources(engine.decision_table))
    for kind, source in sources:
        try:
            compile_script(source) if kind == "script" else compile_expression(source)
        except ScriptRefused as exc:
            raise DeployError(filename, ts.bpmn_id, f"{kind} refused: {exc}") from None


def _decision_sources(table):
    for inp in table.inputs:
        yield "decision input", inp.expression
    for rule in table.rules:
        for entry in rule.inputEntries:
            for lhs in entry.lhs:
                if lhs and lhs.strip() not in ("-", ""):
                    yield f"decision input entry (row {rule.row_number})", _entry_expression(lhs)
        for entry in rule.outputEntries:
            if entry.text:
                yield f"decision output (row {rule.row_number})", entry.text


def _entry_expression(lhs: str) -> str:
    """An input entry as the DMN engine will run it: `x == (entry)`, or `x <entry>` for '< 24'."""
    text = lhs.replace("?", "x")
    try:
        ast.parse(text)
        return f"x == ({text})"
    except SyntaxError:
        return f"x {text}"


def _check_due_in(filename, ts):
    due_in = getattr(ts, "extensions", {}).get("properties", {}).get("dueIn")
    if due_in is None:
        return
    try:
        TimerEventDefinition.parse_iso_duration(due_in)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception
        raise DeployError(filename, ts.bpmn_id, f"dueIn '{due_in}' is not an ISO 8601 duration such as P3D") from None


def _check_due_at(filename, ts):
    """`dueAt` is an expression over the task data giving an ISO date-time: it must compile restricted."""
    due_at = getattr(ts, "extensions", {}).get("properties", {}).get("dueAt")
    if due_at is None:
        return
    try:
        compile_expression(due_at)
    except ScriptRefused as exc:
        raise DeployError(filename, ts.bpmn_id, f"dueAt refused: {exc}") from None
