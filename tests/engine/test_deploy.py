"""Deploying process files: every refusal names file, element and reason, and stores nothing."""

import copy
import json

import pytest
from helpers import open_task
from lxml import etree
from samples import VALID_RED
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from sqlalchemy import select

from engine.config import PROJECT_ROOT
from engine.errors import DeployError
from engine.models import AuditEntry, ProcessFile, ProcessVersion
from engine.services.cases import start_case
from engine.services.deploy import Deployed, deploy, read_paths
from engine.services.tasks import complete_task
from engine.specs import MAX_FILE_BYTES, SAFE_PARSER, read_xml

BPMN = (PROJECT_ROOT / "processes" / "notice_request.bpmn").read_text(encoding="utf-8")
DMN = (PROJECT_ROOT / "processes" / "notice_rules.dmn").read_text(encoding="utf-8")
VET_FORM = (PROJECT_ROOT / "forms" / "schemas" / "notice_vet.json").read_bytes()
COLLECT_SCRIPT = "found = rule_findings(rule_id, rule_severity, rule_message, request)"
DRAFT_PROPERTIES = ('<spiffworkflow:property name="formDataVariable" value="request" />\n'
                    "        </spiffworkflow:properties>")
VET_FORM_PROPERTY = '<spiffworkflow:property name="formJsonSchemaFilename" value="notice_vet.json" />'
DTD_REFUSED = "refused: DTDForbidden (DTDs and entities are not allowed)"


def files(bpmn: str = BPMN, dmn: str = DMN) -> dict[str, bytes]:
    return {"notice_request.bpmn": bpmn.encode(), "notice_rules.dmn": dmn.encode()}


def variant(old: str, new: str) -> dict[str, bytes]:
    """The real file set with one exact, unique piece of notice_request.bpmn replaced."""
    assert BPMN.count(old) == 1, old
    return files(bpmn=BPMN.replace(old, new))


def dmn_variant(old: str, new: str) -> dict[str, bytes]:
    """The real file set with the first piece of notice_rules.dmn that matches replaced."""
    assert old in DMN, old
    return files(dmn=DMN.replace(old, new, 1))


def with_script(source: str) -> dict[str, bytes]:
    """The real diagram with the collect_blocks script task body replaced by source."""
    return variant(COLLECT_SCRIPT, source)


def padded_bpmn(size: int) -> bytes:
    """The real diagram grown to exactly size bytes by a comment."""
    filler = "x" * (size - len(BPMN.encode()) - len("<!---->"))
    content = BPMN.replace("</bpmn:definitions>", f"<!--{filler}--></bpmn:definitions>").encode()
    assert len(content) == size
    return content


def stored(platform) -> list[tuple[str, int]]:
    with platform.uow() as uow:
        query = select(ProcessVersion.process_id, ProcessVersion.version).order_by(ProcessVersion.id)
        return [tuple(row) for row in uow.session.execute(query)]


def stored_file(platform, version: int, filename: str) -> str:
    with platform.uow() as uow:
        return uow.session.scalar(select(ProcessFile.content).join(ProcessVersion).where(
            ProcessVersion.version == version, ProcessFile.filename == filename))


def deploy_audit(platform) -> list[tuple[str, str]]:
    with platform.uow() as uow:
        entries = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "process.deploy")
                                      .order_by(AuditEntry.seq))
        return [(e.actor, e.object_id) for e in entries]


def refused(platform, file_set: dict[str, bytes], form_files: dict[str, bytes] | None = None) -> DeployError:
    """Deploy must raise DeployError and leave no version, file or audit entry behind."""
    with pytest.raises(DeployError) as caught:
        deploy(platform, actor="admin", files=file_set, form_files=form_files)
    assert stored(platform) == []
    assert deploy_audit(platform) == []
    with platform.uow() as uow:
        assert uow.session.scalars(select(ProcessFile.filename)).all() == []
    return caught.value


def where(error: DeployError) -> tuple:
    return error.filename, error.element, error.reason


# --- files that are not safe, well-formed XML ------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("fixture", ["xxe.bpmn", "billion_laughs.bpmn"])
def test_deploy_refuses_dtd_entities(platform, fixtures_dir, fixture):
    error = refused(platform, {fixture: (fixtures_dir / fixture).read_bytes()})
    assert where(error) == (fixture, None, DTD_REFUSED)
    assert str(error) == f"{fixture}: {DTD_REFUSED}"


@pytest.mark.unit
def test_safe_parser_alone_refuses_external_entity(fixtures_dir):
    # second line of defence: lxml as configured does not fetch the entity either
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring((fixtures_dir / "xxe.bpmn").read_bytes(), SAFE_PARSER)


@pytest.mark.integration
def test_deploy_refuses_malformed_xml(platform, fixtures_dir):
    error = refused(platform, {"malformed.bpmn": (fixtures_dir / "malformed.bpmn").read_bytes()})
    assert where(error) == ("malformed.bpmn", None, "not well-formed XML: mismatched tag: line 5, column 4")


@pytest.mark.integration
def test_deploy_refuses_malformed_dmn_next_to_a_valid_bpmn(platform):
    error = refused(platform, dmn_variant('<decision id="notice_block_rules"', "<decision id=notice_block_rules"))
    assert where(error) == ("notice_rules.dmn", None,
                            "not well-formed XML: not well-formed (invalid token): line 3, column 15")


@pytest.mark.integration
def test_deploy_refuses_file_over_size_limit(platform):
    content = padded_bpmn(MAX_FILE_BYTES + 1)
    error = refused(platform, {"notice_request.bpmn": content, "notice_rules.dmn": DMN.encode()})
    assert where(error) == ("notice_request.bpmn", None, "file is larger than 2048 KiB")


@pytest.mark.unit
def test_read_xml_accepts_file_of_exactly_size_limit():
    content = padded_bpmn(MAX_FILE_BYTES)
    assert read_xml("notice_request.bpmn", content).get("id") == "notice_request_definitions"


# --- file names and sets ----------------------------------------------------------------------------------


@pytest.mark.integration
def test_deploy_refuses_xml_file_without_bpmn_or_dmn_suffix(platform):
    error = refused(platform, {"notice_request.xml": BPMN.encode(), **files()})
    assert where(error) == ("notice_request.xml", None, "only .bpmn and .dmn files can be deployed")


@pytest.mark.integration
def test_deploy_refuses_text_file_for_its_name(platform):
    error = refused(platform, {"notes.txt": b"remember to deploy on Friday\n", **files()})
    assert where(error) == ("notes.txt", None, "only .bpmn and .dmn files can be deployed")


@pytest.mark.integration
def test_deploy_refuses_set_without_bpmn(platform):
    error = refused(platform, {"notice_rules.dmn": DMN.encode()})
    assert where(error) == ("(set)", None, "no .bpmn file given")


@pytest.mark.integration
def test_deploy_refuses_whole_set_when_second_process_is_bad(platform):
    good_copy = BPMN.replace('id="notice_request"', 'id="notice_copy"').replace(
        'processRef="notice_request"', 'processRef="notice_copy"')
    bad_copy = good_copy.replace("notice_vet.json", "notice_missing.json")
    error = refused(platform, {**files(), "notice_copy.bpmn": bad_copy.encode()})
    assert where(error) == ("notice_copy.bpmn", "vet", "form file 'notice_missing.json' not found")


@pytest.mark.unit
def test_read_paths_takes_only_bpmn_and_dmn_from_a_folder(tmp_path):
    for name in ("a.bpmn", "b.dmn", "notes.txt", "c.bpmn.bak"):
        (tmp_path / name).write_bytes(name.encode())
    assert read_paths([tmp_path]) == {"a.bpmn": b"a.bpmn", "b.dmn": b"b.dmn"}


@pytest.mark.unit
def test_read_paths_refuses_missing_path(tmp_path):
    with pytest.raises(DeployError) as caught:
        read_paths([tmp_path / "gone.bpmn"])
    assert where(caught.value) == (str(tmp_path / "gone.bpmn"), None, "no such file or folder")


# --- lanes and forms --------------------------------------------------------------------------------------


@pytest.mark.integration
def test_deploy_refuses_unknown_lane_name(platform):
    error = refused(platform, variant('name="UO"', 'name="CLERK"'))
    assert where(error) == ("notice_request.bpmn", "lane_uo", "lane 'CLERK' is not a known role (UO, ILO, IPCU)")


@pytest.mark.integration
def test_deploy_refuses_user_task_outside_every_lane(platform):
    error = refused(platform, variant("<bpmn:flowNodeRef>vet</bpmn:flowNodeRef>", ""))
    assert where(error) == ("notice_request.bpmn", "vet", "user task is not in a lane, so nobody may act on it")


@pytest.mark.integration
def test_deploy_refuses_user_task_whose_form_file_is_missing(platform):
    error = refused(platform, variant("notice_vet.json", "notice_missing.json"))
    assert where(error) == ("notice_request.bpmn", "vet", "form file 'notice_missing.json' not found")


@pytest.mark.integration
def test_deploy_refuses_user_task_without_form(platform):
    error = refused(platform, variant(VET_FORM_PROPERTY, ""))
    assert where(error) == ("notice_request.bpmn", "vet", "user task names no formJsonSchemaFilename")


@pytest.mark.integration
def test_deploy_refuses_form_that_is_not_a_json_schema(platform):
    bad_form = json.dumps({"type": "object", "properties": {"decision": {"type": "choice"}}}).encode()
    error = refused(platform, files(), form_files={"notice_vet.json": bad_form})
    assert where(error)[:2] == ("notice_vet.json", "vet")
    first_line = error.reason.splitlines()[0]
    assert first_line == "not a valid JSON Schema: 'choice' is not valid under any of the given schemas"


@pytest.mark.integration
def test_deploy_refuses_form_that_is_not_json(platform):
    error = refused(platform, files(), form_files={"notice_vet.json": b'{"type": "object",'})
    assert where(error) == ("notice_vet.json", "vet", "not a valid JSON Schema: Expecting property name enclosed "
                                                      "in double quotes: line 1 column 19 (char 18)")


# --- scripts and expressions ------------------------------------------------------------------------------

DUNDER_CLASS = '"__class__" is an invalid attribute name because it starts with "_".'


@pytest.mark.integration
@pytest.mark.parametrize(("source", "reason"), [
    ("import os", "line 1: import statements are not allowed"),
    ("from os import path", "line 1: import statements are not allowed"),
    ("blocks = []\nimport subprocess", "line 2: import statements are not allowed"),
    ("x = __import__('os')", 'Line 1: "__import__" is an invalid variable name because it starts with "_"'),
    ("x = ().__class__.__bases__",
     f'Line 1: "__bases__" is an invalid attribute name because it starts with "_".; Line 1: {DUNDER_CLASS}'),
    ("x = eval('1')", "Line 1: Eval calls are not allowed."),
    ("exec('x = 1')", "Line 1: Exec calls are not allowed."),
    ("x = 1 +", "syntax error on line 1: invalid syntax"),
])
def test_deploy_refuses_unsafe_script(platform, source, reason):
    error = refused(platform, with_script(source))
    assert where(error) == ("notice_request.bpmn", "collect_blocks", f"script refused: {reason}")


@pytest.mark.integration
@pytest.mark.parametrize("source", [
    "x = open('/etc/passwd').read()",
    "x = getattr(blocks, '__class__')",
    "x = globals()",
])
def test_deploy_accepts_script_that_fails_only_at_run_time(platform, source):
    # these compile under RestrictedPython; the names are simply absent when the script runs
    assert deploy(platform, actor="admin", files=with_script(source)) == [Deployed("notice_request", 1, True)]


@pytest.mark.integration
def test_script_calling_open_fails_when_it_runs(platform, directory):
    deploy(platform, actor="admin", files=variant("facts = notice_facts(request, attachments)",
                                                  "facts = open('/etc/passwd').read()"))
    users = directory
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request",
                      data={"notice_type": "RED"})
    draft = open_task(platform, case.id)
    with pytest.raises(WorkflowTaskException) as caught:
        complete_task(platform, actor_id=users["uo.delhi.crime"], task_id=draft.id, data=copy.deepcopy(VALID_RED))
    assert caught.value.error_type == "NameError"
    still_open = open_task(platform, case.id)
    assert (still_open.id, still_open.state) == (draft.id, "ready")


@pytest.mark.integration
@pytest.mark.parametrize(("condition", "reason"), [
    ("blocks.__class__ == []", f"Line 1: {DUNDER_CLASS}"),
    ('__import__("os") == []', 'Line 1: "__import__" is an invalid variable name because it starts with "_"'),
])
def test_deploy_refuses_unsafe_gateway_condition(platform, condition, reason):
    error = refused(platform, variant("blocks == []", condition))
    assert where(error) == ("notice_request.bpmn", "compliance_gateway", f"condition refused: {reason}")


@pytest.mark.integration
def test_deploy_refuses_unsafe_timer_expression(platform):
    error = refused(platform, variant('"P3D"', "().__class__"))
    assert where(error) == ("notice_request.bpmn", "vet_reminder", f"timer expression refused: Line 1: {DUNDER_CLASS}")


@pytest.mark.integration
def test_deploy_refuses_unsafe_decision_input_expression(platform):
    error = refused(platform, dmn_variant('<text>request["notice_type"]</text>', "<text>request.__class__</text>"))
    assert where(error) == ("notice_request.bpmn", "check_rules", f"decision input refused: Line 1: {DUNDER_CLASS}")


@pytest.mark.integration
def test_deploy_refuses_unsafe_decision_output_naming_the_bpmn_task(platform):
    # the refusal names the business rule task that calls the table, and the table row
    error = refused(platform, dmn_variant('<text>"person_status"</text>', "<text>().__class__</text>"))
    assert where(error) == ("notice_request.bpmn", "check_rules",
                            f"decision output (row 1) refused: Line 1: {DUNDER_CLASS}")


@pytest.mark.integration
def test_deploy_refuses_unsafe_decision_input_entry(platform):
    error = refused(platform, dmn_variant('<text>not in ("prosecution", "sentence")</text>',
                                          '<text>__import__("os")</text>'))
    assert where(error)[:2] == ("notice_request.bpmn", "check_rules")
    assert error.reason.endswith('"__import__" is an invalid variable name because it starts with "_"')


@pytest.mark.integration
@pytest.mark.parametrize("tag", ["preScript", "postScript"])
def test_deploy_refuses_unsafe_pre_or_post_script(platform, tag):
    script = f"\n        <spiffworkflow:{tag}>import os</spiffworkflow:{tag}>"
    error = refused(platform, variant(DRAFT_PROPERTIES, DRAFT_PROPERTIES + script))
    assert where(error) == ("notice_request.bpmn", "draft", "script refused: line 1: import statements are not allowed")


# --- versions ---------------------------------------------------------------------------------------------


@pytest.mark.integration
def test_deploy_on_empty_database_stores_version_one_with_its_files(platform):
    assert deploy(platform, actor="admin", files=files()) == [Deployed("notice_request", 1, True)]
    with platform.uow() as uow:
        version = uow.session.scalars(select(ProcessVersion)).one()
        assert (version.process_id, version.name, version.version, version.start_lane, version.deployed_by) == (
            "notice_request", "INTERPOL notice request", 1, "UO", "admin")
        assert [(f.filename, f.kind) for f in version.files] == [
            ("forms/notice_cancellation.json", "json"), ("forms/notice_draft.json", "json"),
            ("forms/notice_outcome.json", "json"), ("forms/notice_renewal.json", "json"),
            ("forms/notice_review.json", "json"), ("forms/notice_vet.json", "json"), ("notice_request.bpmn", "bpmn"),
            ("notice_rules.dmn", "dmn")]
    assert deploy_audit(platform) == [("admin", "notice_request@1")]


@pytest.mark.integration
def test_deploy_with_only_the_directory_can_start_a_case(platform, directory):
    assert deploy(platform, actor="admin", files=read_paths([PROJECT_ROOT / "processes"])) == [
        Deployed("broadcast", 1, True), Deployed("notice_request", 1, True), Deployed("reference_request", 1, True)]
    case = start_case(platform, actor_id=directory["uo.delhi.crime"], process_id="notice_request",
                      data={"notice_type": "RED"})
    draft = open_task(platform, case.id)
    assert (draft.bpmn_id, draft.lane, draft.state) == ("draft", "UO", "ready")


@pytest.mark.integration
def test_deploy_same_content_twice_keeps_version_one(platform):
    deploy(platform, actor="admin", files=files())
    reordered = dict(reversed(list(files().items())))
    assert deploy(platform, actor="someone.else", files=reordered) == [Deployed("notice_request", 1, False)]
    assert stored(platform) == [("notice_request", 1)]
    assert deploy_audit(platform) == [("admin", "notice_request@1")]


@pytest.mark.integration
def test_deploy_changed_bpmn_creates_version_two_and_keeps_version_one(platform):
    deploy(platform, actor="admin", files=files())
    changed = variant('name="Vet request"', 'name="Vet the request"')
    assert deploy(platform, actor="admin", files=changed) == [Deployed("notice_request", 2, True)]
    assert stored(platform) == [("notice_request", 1), ("notice_request", 2)]
    assert stored_file(platform, 1, "notice_request.bpmn") == BPMN
    assert stored_file(platform, 2, "notice_request.bpmn") == changed["notice_request.bpmn"].decode()
    assert deploy_audit(platform) == [("admin", "notice_request@1"), ("admin", "notice_request@2")]


@pytest.mark.integration
def test_deploy_changed_form_creates_version_two(platform):
    deploy(platform, actor="admin", files=files())
    form = json.loads(VET_FORM)
    form["title"] = "Vet the request"
    new_form = json.dumps(form).encode()
    result = deploy(platform, actor="admin", files=files(), form_files={"notice_vet.json": new_form})
    assert result == [Deployed("notice_request", 2, True)]
    assert stored_file(platform, 1, "forms/notice_vet.json") == VET_FORM.decode()
    assert stored_file(platform, 2, "forms/notice_vet.json") == new_form.decode()


@pytest.mark.integration
def test_deploy_changed_decision_table_creates_version_two(platform):
    deploy(platform, actor="admin", files=files())
    changed = dmn_variant('<text>"person_status"</text>', '<text>"person_status_missing"</text>')
    assert deploy(platform, actor="admin", files=changed) == [Deployed("notice_request", 2, True)]
    assert stored_file(platform, 1, "notice_rules.dmn") == DMN


@pytest.mark.integration
def test_deploy_refusal_keeps_existing_versions(platform):
    deploy(platform, actor="admin", files=files())
    with pytest.raises(DeployError):
        deploy(platform, actor="admin", files=variant('name="UO"', 'name="CLERK"'))
    assert stored(platform) == [("notice_request", 1)]
    assert stored_file(platform, 1, "notice_request.bpmn") == BPMN
