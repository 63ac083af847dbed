"""Every kind of audited action, performed through the services, leaves exactly its own audit entry; the kinds
are read from the code (every audit.append call and the helpers that wrap it), so a new kind fails this test
until it is performed here. Then tampering is reported entry by entry."""

import ast
from datetime import timedelta

import pyotp
import pytest
import time_machine
from click.testing import CliRunner
from library_samples import make_pdf
from notice_cases import CONTENT, drafted, sent
from samples import VALID_RED
from sqlalchemy import delete, func, select, update

from engine import audit, backup
from engine.cli import main
from engine.config import PROJECT_ROOT
from engine.models import AuditEntry, MessageAttachment
from engine.services import connect, messages, notices, resources, training, two_factor
from engine.services._common import now
from engine.services.accounts import SignInFailed, authenticate, change_password, end_sessions, issue_token
from engine.services.broadcast import board_page
from engine.services.cases import add_attachment, add_comment, open_attachment, send_message, start_case, view_case
from engine.services.deploy import deploy
from engine.services.metrics import export_csv
from engine.services.migrations import migrate_all, migrate_case
from engine.services.tasks import claim_task, complete_task, reassign_task, release_task, save_draft, view_task
from engine.services.timers import fire_due_timers

pytestmark = pytest.mark.integration
WORKBENCH = PROJECT_ROOT / "tests" / "fixtures" / "workbench"
PASSWORD = "bharatpol-demo"


def _calls(tree, wanted):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and wanted(n.func)]


def _enclosing(tree) -> dict:
    """node -> innermost function around it (ast.walk is breadth-first: inner functions overwrite outer)."""
    found = {}
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        found.update({node: fn for node in ast.walk(fn)})
    return found


def _strings(expr, fn) -> set[str]:
    """The string values an expression can take: a literal, either side of `a if c else b`, or a local name
    assigned such values (alone or in a tuple). Anything else fails, naming the line to teach this test."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body, fn) | _strings(expr.orelse, fn)
    if isinstance(expr, ast.Name):
        pairs = [(t, node.value) for node in ast.walk(fn) if isinstance(node, ast.Assign) for t in node.targets]
        pairs += [(t, v) for t, v in list(pairs) if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple)
                  for t, v in zip(t.elts, v.elts, strict=True)]
        values = [v for t, v in pairs if isinstance(t, ast.Name) and t.id == expr.id]
        if values:
            return set().union(*(_strings(v, fn) for v in values))
    raise AssertionError(f"line {expr.lineno}: cannot tell which audit action this is: {ast.unparse(expr)}")


def _wrapper(action, fn) -> tuple[str, int | None, str] | None:
    """(parameter, its position, prefix) when `action=` passes a parameter of fn on (fn wraps audit.append)."""
    params = [a.arg for a in fn.args.args]
    names = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
    prefix = ""
    if isinstance(action, ast.JoinedStr) and len(action.values) == 2:
        prefix, action = action.values[0].value, action.values[1].value
    if isinstance(action, ast.Name) and action.id in names:
        return action.id, params.index(action.id) if action.id in params else None, prefix
    return None


def _wrapped(call, param: str, index: int | None, tree, fn) -> set[str]:
    for kw in call.keywords:
        if kw.arg == param:
            return _strings(kw.value, fn)
        if kw.arg is None and isinstance(kw.value, ast.Call):  # record(..., **_outcome(data))
            helper = next(f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == kw.value.func.id)
            return {v.value for d in ast.walk(helper) if isinstance(d, ast.Dict)
                    for k, v in zip(d.keys, d.values, strict=True) if getattr(k, "value", None) == param}
    return _strings(call.args[index], fn)


def audited_kinds() -> set[str]:
    """Every action kind the code can write to the audit log (engine/ and web/)."""
    modules = {".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts): ast.parse(p.read_text())
               for folder in ("engine", "web") for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))
               if "migrations" not in p.parts}
    kinds, wrappers = set(), {}
    for name, tree in modules.items():
        around = _enclosing(tree)
        for call in _calls(tree, lambda f: isinstance(f, ast.Attribute) and f.attr == "append"
                           and getattr(f.value, "id", None) == "audit"):
            action = next(kw.value for kw in call.keywords if kw.arg == "action")
            if found := _wrapper(action, around[call]):
                wrappers[(name, around[call].name)] = found
            else:
                kinds |= _strings(action, around[call])
    for (home, function), (param, index, prefix) in wrappers.items():
        for name, tree in modules.items():
            imported = any(isinstance(n, ast.ImportFrom) and n.module == home and function in {a.name for a in n.names}
                           for n in ast.walk(tree))
            if name == home or imported:
                around = _enclosing(tree)
                for call in _calls(tree, lambda f, fname=function: isinstance(f, ast.Name) and f.id == fname):
                    kinds |= {prefix + k for k in _wrapped(call, param, index, tree, around[call])}
    return kinds


class Audited:
    """Runs one action and checks that it appended exactly the expected (action, actor, object id) entries."""

    def __init__(self, platform):
        self.platform, self.kinds = platform, set()

    def __call__(self, expected, action, *args, **kwargs):
        before = self._rows(0)[-1][0] if self._rows(0) else 0
        result = action(*args, **kwargs)
        expected = expected(result) if callable(expected) else expected
        assert [row[1:] for row in self._rows(before)] == expected
        self.kinds |= {e[0] for e in expected}
        return result

    def _rows(self, after: int) -> list[tuple]:
        with self.platform.uow() as uow:
            return uow.session.execute(select(AuditEntry.seq, AuditEntry.action, AuditEntry.actor,
                                              AuditEntry.object_id).where(AuditEntry.seq > after)
                                       .order_by(AuditEntry.seq)).all()


def _refused(error, action, *args, **kwargs):
    with pytest.raises(error):
        action(*args, **kwargs)


def _cli(platform, *args):
    env = {"BHARATPOL_DATABASE_URL": platform.engine.url.render_as_string(hide_password=False),
           "BHARATPOL_DATA_DIR": str(platform.settings.data_dir)}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _sign_in(run, p, users):
    uo = "uo.delhi.crime"
    run([("login", uo, uo)], authenticate, p, username=uo, password=PASSWORD)
    run([("login.failed", uo, uo)], _refused, SignInFailed, authenticate, p, username=uo, password="wrong")
    run([("login.failed", "nobody", "nobody")], _refused, SignInFailed, authenticate, p, username="nobody",
        password=PASSWORD)
    run([("login", uo, uo), ("token.issue", uo, uo)], issue_token, p, username=uo, password=PASSWORD)
    run([("logout", uo, uo)], end_sessions, p, user_id=users[uo])


def _administration(run, p, users):
    admin, ilo, new, passphrase = users["ipcu.admin"], users["ilo.delhi"], "uo.delhi.cyber", "a-long-new-passphrase"
    run([("agency.create", "ipcu.admin", "KERALA")], connect.create_agency, p, actor_id=admin, code="KERALA",
        name="Kerala Police", kind="state_police")
    run([("unit.create", "ilo.delhi", "DELHI-CYBER")], connect.create_unit, p, actor_id=ilo, agency_code="DELHI",
        code="DELHI-CYBER", name="Cyber Cell")
    account, temporary = run([("account.create", "ilo.delhi", new)], connect.create_account, p, actor_id=ilo,
                             agency_code="DELHI", username=new, full_name="Cyber officer", role="UO",
                             unit_code="DELHI-CYBER")
    run([("account.password", new, new)], change_password, p, user_id=account.id, current=temporary,
        new=passphrase, confirm=passphrase)
    secret = two_factor.start_enrolment(p, user_id=account.id)["secret"]
    run([("account.2fa_on", new, new)], two_factor.confirm_enrolment, p, user_id=account.id,
        code=pyotp.TOTP(secret).now())
    run([("account.password_reset", "ilo.delhi", new)], connect.reset_password, p, actor_id=ilo, username=new)
    run([("account.deactivate", "ilo.delhi", new)], connect.set_active, p, actor_id=ilo, username=new, active=False,
        reason="transferred")
    run([("account.reactivate", "ilo.delhi", new)], connect.set_active, p, actor_id=ilo, username=new, active=True)
    run([("user.create", "cli", "ipcu.auditor")], _cli, p, "create-user", "--username", "ipcu.auditor", "--name",
        "Auditor", "--role", "IPCU", "--agency", "CBI", "--password", "another-long-passphrase")


def _task_id(p, users, username, case):
    return view_case(p, actor_id=users[username], case_id=case.id)["tasks"][0]["id"]


def _case_work(run, p, users):
    uo, ilo = users["uo.delhi.crime"], users["ilo.delhi"]
    case = run(lambda c: [("case.start", "uo.delhi.crime", c.reference)], start_case, p, actor_id=uo,
               process_id="notice_request")
    ref, who = case.reference, "uo.delhi.crime"
    att = run([("case.attach", who, ref)], add_attachment, p, actor_id=uo, case_id=case.id, filename="nbw.pdf",
              kind="warrant", content=CONTENT["warrant"])
    run([("case.view", who, ref)], view_case, p, actor_id=uo, case_id=case.id)
    task = _task_id(p, users, "uo.delhi.crime", case)
    run([("task.view", who, ref)], view_task, p, actor_id=uo, task_id=task)
    run([("case.save_draft", who, ref)], save_draft, p, actor_id=uo, task_id=task, data={"notice_type": "RED"})
    run([("case.reassign", "ilo.delhi", ref)], reassign_task, p, actor_id=ilo, task_id=task, to_username=who)
    run([("case.release", who, ref)], release_task, p, actor_id=uo, task_id=task)
    run([("case.claim", who, ref)], claim_task, p, actor_id=uo, task_id=task)
    run([("case.complete", who, ref)], complete_task, p, actor_id=uo, task_id=task, data=dict(VALID_RED))
    run([("case.return", "ilo.delhi", ref)], complete_task, p, actor_id=ilo, task_id=_task_id(p, users, who, case),
        data={"decision": "return", "return_reason": "other", "comments": "Attach the charge sheet."})
    run([("case.comment", who, ref)], add_comment, p, actor_id=uo, case_id=case.id, body="Charge sheet follows.")
    run([("case.download", who, ref)], open_attachment, p, actor_id=uo, case_id=case.id, attachment_id=att.id)
    waiting = sent(p, users, kind="YELLOW")  # other people than the first case: no duplicate warning
    run([("case.message", "ipcu.officer", waiting.reference)], send_message, p, actor_id=users["ipcu.officer"],
        name="interpol_decision", correlation=waiting.reference,
        payload={"outcome": "refused", "reason": "Article 3", "reference": waiting.reference})
    vetting = drafted(p, users, kind="BLUE")
    with time_machine.travel(now() + timedelta(days=3, minutes=1), tick=True):
        run([("case.timer", "system", vetting.reference)], fire_due_timers, p)


def _processes(run, p, users):
    files = {name: {"approval.bpmn": (WORKBENCH / name).read_bytes()} for name in ("approval.bpmn", "approval_v2.bpmn")}
    note, officer = {"note.json": (WORKBENCH / "note.json").read_bytes()}, users["ipcu.officer"]
    run([("process.deploy", "tests", "wb_approval@1")], deploy, p, actor="tests", files=files["approval.bpmn"],
        form_files=note)
    first, second = (start_case(p, actor_id=officer, process_id="wb_approval") for _ in range(2))
    run([("process.deploy", "tests", "wb_approval@2")], deploy, p, actor="tests", files=files["approval_v2.bpmn"],
        form_files=note)
    run([("case.migrate", "ipcu.admin", first.reference)], migrate_case, p, actor_id=users["ipcu.admin"],
        case_id=first.id)
    run([("case.migrate", "ipcu.admin", second.reference), ("process.migrate", "ipcu.admin", "wb_approval@2")],
        migrate_all, p, actor_id=users["ipcu.admin"], process_id="wb_approval")


def _library(run, p, users):
    ipcu, ilo = users["ipcu.officer"], users["ilo.delhi"]
    doc = run(lambda r: [("resource.upload", "ipcu.officer", str(r.id))], resources.publish, p, actor_id=ipcu,
              title="Manual", category="manuals", filename="manual.pdf", content=make_pdf("Red notices"))
    uploaded = [("resource.upload", "ipcu.officer", str(doc.id))]
    run(uploaded, resources.add_version, p, actor_id=ipcu, resource_id=doc.id, filename="m2.pdf",
        content=make_pdf("Red notices, 2026"))
    run([("resource.edit", "ipcu.officer", str(doc.id))], resources.edit, p, actor_id=ipcu, resource_id=doc.id,
        title="Manual 2026", description="", category="manuals", tags="red notice")
    run([("resource.download", "ilo.delhi", str(doc.id))], resources.open_version, p, actor_id=ilo, resource_id=doc.id)
    video = run(lambda r: [("resource.upload", "ipcu.officer", str(r.id))], resources.publish, p, actor_id=ipcu,
                title="I-24/7", category="training", url="https://video.example/i247")
    run([("resource.open", "ilo.delhi", str(video.id))], resources.open_version, p, actor_id=ilo, resource_id=video.id)
    run(lambda r: [("training.record", "ipcu.officer", str(r.id))], training.record_session, p, actor_id=ipcu,
        held_on="2025-04-10", title="Notices", mode="online", organiser="CBI IPCU", agency_codes=["DELHI"])
    run([("notice.register", "ilo.delhi", "notices")], notices.register_page, p, actor_id=ilo)
    run([("notice.export", "ilo.delhi", "notices")], notices.export_register, p, actor_id=ilo)
    run([("metrics.export", "ipcu.officer", "nodes")], export_csv, p, actor_id=ipcu, table="nodes",
        process="notice_request")
    run([("broadcast.board", "ipcu.officer", "broadcasts")], board_page, p, actor_id=ipcu)


def _connect(run, p, users):
    uo, ilo = users["uo.delhi.crime"], users["ilo.delhi"]
    thread = run(lambda t: [("message.send", "uo.delhi.crime", str(t.id))], messages.start_thread, p, actor_id=uo,
                 to="ILO:DELHI", subject="Warrant", body="Is a copy enough?", filename="w.pdf",
                 content=CONTENT["warrant"])
    run([("message.send", "ilo.delhi", str(thread.id))], messages.reply, p, actor_id=ilo, thread_id=thread.id,
        body="Yes.")
    run([("message.read", "uo.delhi.crime", str(thread.id))], messages.open_thread, p, actor_id=uo, thread_id=thread.id)
    with p.uow() as uow:
        file_id = uow.session.scalar(select(MessageAttachment.id))
    run([("message.download", "ilo.delhi", str(thread.id))], messages.open_file, p, actor_id=ilo, thread_id=thread.id,
        attachment_id=file_id)


def test_every_audited_kind_leaves_exactly_its_entry(platform, deployed, tmp_path):
    run = Audited(platform)
    for step in (_sign_in, _administration, _case_work, _processes, _library, _connect):
        step(run, platform, deployed)
    archive = tmp_path / "everything.tar.gz"
    run([("backup.create", "tests", archive.name)], backup.backup, platform, path=archive, actor="tests")
    run([("backup.restore", "tests", archive.name)], backup.restore, platform, path=archive, force=True, actor="tests")
    assert run.kinds == audited_kinds()
    with platform.uow() as uow:
        assert audit.verify(uow.session) == []


def test_tampering_is_reported_entry_by_entry(platform, deployed):
    for _ in range(6):
        authenticate(platform, username="uo.delhi.crime", password=PASSWORD)
    with platform.engine.begin() as conn:
        last = conn.scalar(select(func.max(AuditEntry.seq)))
        assert last == 9  # three deployments, six sign-ins
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(detail={"digest": "forged"}))
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 7).values(seq=-7))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 8).values(seq=7))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == -7).values(seq=8))
    with platform.uow() as uow:
        assert audit.verify(uow.session) == [
            "entry 3: content does not match its hash (edited?)",
            "entry 5 to 5 missing (deleted?)",
            "entry 6: chain broken (previous hash does not match)",
            "entry 7: chain broken (previous hash does not match)",
            "entry 7: content does not match its hash (edited?)",
            "entry 8: chain broken (previous hash does not match)",
            "entry 8: content does not match its hash (edited?)",
            "entry 9: chain broken (previous hash does not match)",
        ]
