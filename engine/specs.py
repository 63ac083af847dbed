"""Parse and check a set of BPMN, DMN and form files before it may be deployed.

XML is first read by defusedxml with DTDs forbidden (no entity expansion, no external entities),
then by lxml with entity resolution and network access off. Every refusal names the file, the
element and the reason.
"""

import hashlib
import io
import json
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as defused_iterparse
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine import checks
from engine.errors import DeployError
from forms import SchemaError, check_schema

BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
# Limits on one deployed file, checked before lxml or SpiffWorkflow see it: the largest shipped file
# (notice_rules.dmn) has 3,548 elements, nesting 7 deep, values of at most 294 characters.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ELEMENTS = 20_000
MAX_DEPTH = 32
MAX_VALUE_CHARS = 65_536  # one attribute value or text (a script, an expression, a documentation)


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    start_lane: str | None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """Content digest over every file this version is built from."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()


def read_xml(filename: str, content: bytes):
    """Parse XML safely or raise DeployError; DTDs and entities are refused outright."""
    if len(content) > MAX_FILE_BYTES:
        raise DeployError(filename, None, f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        _check_shape(filename, content)
    except DeployError:
        raise
    except DefusedXmlException as exc:
        reason = f"refused: {type(exc).__name__} (DTDs and entities are not allowed)"
        raise DeployError(filename, None, reason) from None
    except Exception as exc:  # noqa: BLE001 - expat ParseError and friends
        raise DeployError(filename, None, f"not well-formed XML: {exc}") from None
    try:
        return etree.fromstring(content, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DeployError(filename, None, f"not well-formed XML: {exc}") from None


def _check_shape(filename: str, content: bytes):
    """Stream the file once (expat, DTDs forbidden, each element freed when closed) against the limits;
    a refusal names the innermost element with an id."""
    ids: list[str | None] = []  # per open element: its id, or the nearest enclosing one
    count = 0
    for event, element in defused_iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True):
        if event == "end":
            for value in (element.text, element.tail):
                _check_value(filename, ids[-1], value, "text")
            element.clear()
            ids.pop()
            continue
        count += 1
        ids.append(element.get("id") or (ids[-1] if ids else None))
        if count > MAX_ELEMENTS:
            raise DeployError(filename, None, f"more than {MAX_ELEMENTS} elements (limit MAX_ELEMENTS)")
        if len(ids) > MAX_DEPTH:
            raise DeployError(filename, ids[-1], f"nested more than {MAX_DEPTH} deep (limit MAX_DEPTH)")
        for name, value in element.attrib.items():
            _check_value(filename, ids[-1], value, f"attribute '{name}'")


def _check_value(filename: str, element_id: str | None, value: str | None, what: str):
    if value is not None and len(value) > MAX_VALUE_CHARS:
        reason = f"{what} longer than {MAX_VALUE_CHARS} characters (limit MAX_VALUE_CHARS)"
        raise DeployError(filename, element_id, reason)


def parse_set(files: dict[str, bytes], forms: dict[str, bytes]) -> list[ParsedProcess]:
    """Parse BPMN/DMN files (and the forms they name) into checked process specs."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    texts, bpmn_names = {}, []
    for filename, content in sorted(files.items()):
        _add_file(parser, filename, content)
        texts[filename] = content.decode("utf-8")
        if filename.endswith(".bpmn"):
            bpmn_names.append(filename)
    if not bpmn_names:
        raise DeployError("(set)", None, "no .bpmn file given")
    processes = [_build(parser, name, texts, forms) for name in bpmn_names]
    return [p for group in processes for p in group]


def _add_file(parser, filename: str, content: bytes):
    if not filename.endswith((".bpmn", ".dmn")):
        raise DeployError(filename, None, "only .bpmn and .dmn files can be deployed")
    root = read_xml(filename, content)
    try:
        if filename.endswith(".bpmn"):
            checks.lanes(filename, root)
            parser.add_bpmn_xml(root, filename)
        elif filename.endswith(".dmn"):
            parser.add_dmn_xml(root, filename)
        else:
            raise DeployError(filename, None, "only .bpmn and .dmn files can be deployed")
    except ValidationException as exc:
        raise DeployError(filename, getattr(exc, "id", None), str(exc).splitlines()[0]) from None


def _build(parser, filename: str, texts: dict, forms: dict) -> list[ParsedProcess]:
    root = etree.fromstring(texts[filename].encode(), SAFE_PARSER)
    built = []
    for proc in root.iterfind("bpmn:process", BPMN_NS):
        if proc.get("isExecutable", "true") == "false":
            continue
        pid = proc.get("id")
        try:
            spec = parser.get_spec(pid)
            subs = parser.get_subprocess_specs(pid)
        except (ValidationException, SpiffWorkflowException) as exc:
            raise DeployError(filename, pid, str(exc).splitlines()[0]) from None
        used = _used_files(filename, proc, texts, parser)
        for each in (spec, *subs.values()):  # user tasks inside subprocesses name forms too
            used.update(_forms_for(filename, each, forms))
        checks.spec(filename, spec, subs)
        start_lane = next((ts.lane for ts in spec.task_specs.values()
                           if type(ts).__name__ == "StartEvent"), None)
        built.append(ParsedProcess(pid, proc.get("name") or pid, spec, subs, start_lane, used))
    return built


def _used_files(filename, proc, texts, parser) -> dict[str, str]:
    used = {filename: texts[filename]}
    rule_parser = parser._get_parser_class(f"{{{BPMN_NS['bpmn']}}}businessRuleTask")[0]
    for node in proc.iterfind(".//bpmn:businessRuleTask", BPMN_NS):
        dmn_parser = parser.dmn_parsers.get(rule_parser.get_decision_ref(node))
        if dmn_parser is not None and dmn_parser.filename in texts:
            used[dmn_parser.filename] = texts[dmn_parser.filename]
    return used


def _forms_for(filename, spec, forms: dict[str, bytes]) -> dict[str, str]:
    found = {}
    for ts in spec.task_specs.values():
        form = checks.form_name(ts)
        if form is None:
            continue
        if form not in forms:
            raise DeployError(filename, ts.bpmn_id, f"form file '{form}' not found")
        try:
            schema = json.loads(forms[form])
            check_schema(schema)
        except (ValueError, SchemaError) as exc:
            raise DeployError(form, ts.bpmn_id, f"not a valid JSON Schema: {exc}") from None
        found[f"forms/{form}"] = forms[form].decode("utf-8")
    return found
