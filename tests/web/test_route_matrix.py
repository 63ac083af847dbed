"""Authorization matrix: every rule of the app × every method × six principals, on one RED request at vetting.

The request is drafted by uo.delhi.crime (Delhi Police, Crime Branch) with a warrant, a comment and a Connect
thread to its ILO desk (with a file), so its open task is the ILO's `vet`. In scope: uo.delhi.crime (its
unit), ilo.delhi (its agency), ipcu.officer (everything; not an administrator, not a process owner). Out of
scope: uo.delhi.south (another unit of the same agency), ilo.punjab (another agency). The library holds one
document and the training register one session (Delhi, attended by uo.delhi.crime).

Each principal sends every GET, then every POST the matrix says it is refused, against one world (and the
refusals must leave it unchanged); each accepted POST runs on a database of its own. A rule the app serves
that is missing from EXPECTED fails test_every_rule_is_in_the_matrix: add a row with it. Cells that answer
otherwise than designed are in KNOWN_BUGS with what they answer today; each has a strict xfail test that
asserts the designed answer.
"""

import base64
import copy
import io
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from samples import VALID_RED
from sqlalchemy import func, select

from engine.config import PROJECT_ROOT
from engine.models import (
    Agency,
    Attachment,
    Case,
    Comment,
    Message,
    MessageAttachment,
    MessageThread,
    Resource,
    ResourceVersion,
    Task,
    TrainingSession,
    Unit,
    User,
)
from engine.models.task import OPEN_STATES
from engine.services import resources, training
from engine.services.cases import add_attachment, add_comment, start_case
from engine.services.messages import start_thread
from engine.services.tasks import complete_task
from web import create_app

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PUBLISHED = {"outcome": "published", "notice_number": "A-1234/5-2026", "published_on": "2026-05-04"}
BPMN = (PROJECT_ROOT / "processes" / "notice_request.bpmn").read_bytes()
ANONYMOUS = "anonymous"
PRINCIPALS = (ANONYMOUS, "uo.delhi.crime", "uo.delhi.south", "ilo.delhi", "ilo.punjab", "ipcu.officer")
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# (rule, method) → the designed status for each of PRINCIPALS, in that order.
EXPECTED = {
    #                                                                  anon crime south ilo.d ilo.p ipcu
    ("/login", "GET"):                                                (200, 200, 200, 200, 200, 200),
    ("/login", "POST"):                                               (401, 401, 401, 401, 401, 401),  # empty
    ("/logout", "POST"):                                              (302, 302, 302, 302, 302, 302),
    ("/account/password", "GET"):                                     (302, 200, 200, 200, 200, 200),
    ("/account/password", "POST"):                                    (302, 422, 422, 422, 422, 422),  # empty
    ("/account/two-factor", "GET"):                                   (302, 200, 200, 200, 200, 200),
    ("/account/two-factor", "POST"):                                  (302, 422, 422, 422, 422, 422),  # bad code
    ("/", "GET"):                                                     (302, 200, 200, 200, 200, 200),
    ("/tasks", "GET"):                                                (302, 200, 200, 200, 200, 200),
    ("/tasks/<int:task_id>", "GET"):                                  (302, 200, 404, 200, 404, 200),
    ("/tasks/<int:task_id>", "POST"):                                 (302, 403, 404, 422, 404, 403),  # empty
    ("/tasks/<int:task_id>/claim", "POST"):                           (302, 403, 404, 302, 404, 403),
    ("/tasks/<int:task_id>/release", "POST"):                         (302, 403, 404, 409, 404, 403),  # unclaimed
    ("/cases", "GET"):                                                (302, 200, 200, 200, 200, 200),
    ("/cases/new", "GET"):                                            (302, 200, 200, 200, 200, 200),
    ("/cases/new", "POST"):                                           (302, 302, 302, 403, 403, 403),  # a RED
    ("/cases/<int:case_id>", "GET"):                                  (302, 200, 404, 200, 404, 200),
    ("/cases/<int:case_id>/comments", "POST"):                        (302, 302, 404, 302, 404, 302),
    ("/cases/<int:case_id>/attachments", "POST"):                     (302, 302, 404, 302, 404, 302),
    ("/cases/<int:case_id>/attachments/<int:attachment_id>", "GET"):  (302, 200, 404, 200, 404, 200),
    ("/cases/<int:case_id>/diagram.bpmn", "GET"):                     (302, 200, 404, 200, 404, 200),
    ("/notices", "GET"):                                              (302, 403, 403, 200, 200, 200),
    ("/notices/export.csv", "GET"):                                   (302, 403, 403, 200, 200, 200),
    ("/notices/<int:case_id>/decision", "GET"):                       (302, 403, 403, 403, 403, 200),
    ("/notices/<int:case_id>/decision", "POST"):                      (302, 403, 403, 403, 403, 409),  # at vetting
    ("/references/<int:case_id>/reply", "GET"):                       (302, 403, 403, 403, 403, 404),  # a notice
    ("/references/<int:case_id>/reply", "POST"):                      (302, 403, 403, 403, 403, 404),
    ("/broadcasts", "GET"):                                           (302, 403, 403, 403, 403, 200),
    ("/processes", "GET"):                                            (302, 403, 403, 403, 403, 200),
    ("/processes/upload", "GET"):                                     (302, 403, 403, 403, 403, 403),  # owners
    ("/processes/upload", "POST"):                                    (302, 403, 403, 403, 403, 403),  # a BPMN
    ("/processes/deploy", "POST"):                                    (302, 403, 403, 403, 403, 403),  # no owner
    ("/processes/<process_id>/v<int:version>", "GET"):                (302, 403, 403, 403, 403, 200),
    ("/processes/<process_id>/v<int:version>/files/<path:filename>", "GET"): (302, 403, 403, 403, 403, 200),
    ("/processes/<process_id>/migrate", "GET"):                       (302, 403, 403, 403, 403, 200),
    ("/processes/<process_id>/migrate", "POST"):                      (302, 403, 403, 403, 403, 403),
    ("/processes/<process_id>/migrate/<int:case_id>", "POST"):        (302, 403, 403, 403, 403, 403),
    ("/metrics", "GET"):                                              (302, 403, 403, 403, 403, 200),
    ("/metrics/heatmap", "GET"):                                      (302, 403, 403, 403, 403, 200),
    ("/metrics/heatmap/diagram.bpmn", "GET"):                         (302, 403, 403, 403, 403, 200),
    ("/metrics/nodes/<node>", "GET"):                                 (302, 403, 403, 403, 403, 200),
    ("/metrics/export/<table>.csv", "GET"):                           (302, 403, 403, 403, 403, 200),
    ("/notifications", "GET"):                                        (302, 200, 200, 200, 200, 200),
    ("/notifications/read", "POST"):                                  (302, 302, 302, 302, 302, 302),
    ("/connect", "GET"):                                              (302, 200, 200, 200, 200, 200),
    ("/connect/agencies", "POST"):                                    (302, 403, 403, 403, 403, 403),  # admins
    ("/connect/agencies/<code>", "GET"):                              (302, 403, 403, 200, 404, 403),
    ("/connect/agencies/<code>/units", "POST"):                       (302, 403, 403, 302, 404, 403),
    ("/connect/agencies/<code>/accounts", "POST"):                    (302, 403, 403, 201, 404, 403),
    ("/connect/accounts/<username>", "GET"):                          (302, 403, 403, 200, 404, 403),
    ("/connect/accounts/<username>/<any(deactivate, reactivate):action>", "POST"): (302, 403, 403, 302, 404, 403),
    ("/connect/accounts/<username>/password", "POST"):                (302, 403, 403, 200, 404, 403),
    ("/connect/messages", "GET"):                                     (302, 200, 200, 200, 200, 200),
    ("/connect/messages", "POST"):                                    (302, 302, 302, 403, 403, 302),  # to ILO:DELHI
    ("/connect/messages/new", "GET"):                                 (302, 200, 200, 200, 200, 200),
    ("/connect/messages/<int:thread_id>", "GET"):                     (302, 200, 404, 200, 404, 404),
    ("/connect/messages/<int:thread_id>", "POST"):                    (302, 302, 404, 302, 404, 404),
    ("/connect/messages/<int:thread_id>/files/<int:attachment_id>", "GET"): (302, 200, 404, 200, 404, 404),
    ("/resources", "GET"):                                            (302, 200, 200, 200, 200, 200),
    ("/resources", "POST"):                                           (302, 403, 403, 403, 403, 302),
    ("/resources/new", "GET"):                                        (302, 403, 403, 403, 403, 200),
    ("/resources/<int:resource_id>", "GET"):                          (302, 200, 200, 200, 200, 200),
    ("/resources/<int:resource_id>/versions", "POST"):                (302, 403, 403, 403, 403, 302),
    ("/resources/<int:resource_id>/details", "POST"):                 (302, 403, 403, 403, 403, 302),
    ("/resources/<int:resource_id>/download", "GET"):                 (302, 200, 200, 200, 200, 200),
    ("/resources/<int:resource_id>/v<int:version>/download", "GET"):  (302, 200, 200, 200, 200, 200),
    ("/resources/training", "GET"):                                   (302, 200, 200, 200, 200, 200),
    ("/resources/training", "POST"):                                  (302, 403, 403, 403, 403, 302),
    ("/resources/training/new", "GET"):                               (302, 403, 403, 403, 403, 200),
    ("/resources/training/<int:session_id>", "GET"):                  (302, 200, 200, 200, 200, 200),
    ("/api/v1/openapi.json", "GET"):                                  (200, 200, 200, 200, 200, 200),
    ("/api/v1/tokens", "POST"):                                       (401, 401, 401, 401, 401, 401),  # wrong
    ("/api/v1/processes", "GET"):                                     (401, 200, 200, 200, 200, 200),
    ("/api/v1/cases", "POST"):                                        (401, 201, 201, 403, 403, 403),
    ("/api/v1/cases", "GET"):                                         (401, 200, 200, 200, 200, 200),
    ("/api/v1/cases/<int:case_id>", "GET"):                           (401, 200, 404, 200, 404, 200),
    ("/api/v1/cases/<int:case_id>/comments", "POST"):                 (401, 201, 404, 201, 404, 201),
    ("/api/v1/cases/<int:case_id>/attachments", "POST"):              (401, 201, 404, 201, 404, 201),
    ("/api/v1/cases/<int:case_id>/attachments", "GET"):               (401, 200, 404, 200, 404, 200),
    ("/api/v1/cases/<int:case_id>/attachments/<int:attachment_id>", "GET"): (401, 200, 404, 200, 404, 200),
    ("/api/v1/messages/<name>", "POST"):                              (401, 403, 403, 403, 403, 409),  # vetting
    ("/api/v1/metrics/nodes", "GET"):                                 (401, 403, 403, 403, 403, 200),
    ("/api/v1/tasks", "GET"):                                         (401, 200, 200, 200, 200, 200),
    ("/api/v1/tasks/<int:task_id>", "GET"):                           (401, 200, 404, 200, 404, 200),
    ("/api/v1/tasks/<int:task_id>/claim", "POST"):                    (401, 403, 404, 200, 404, 403),
    ("/api/v1/tasks/<int:task_id>/release", "POST"):                  (401, 403, 404, 409, 404, 403),  # unclaimed
    ("/api/v1/tasks/<int:task_id>/reassign", "POST"):                 (401, 403, 404, 200, 404, 403),
    ("/api/v1/tasks/<int:task_id>/draft", "POST"):                    (401, 403, 404, 200, 404, 403),
    ("/api/v1/tasks/<int:task_id>/complete", "POST"):                 (401, 403, 404, 200, 404, 403),  # forward
}

KNOWN_BUGS = {}


def _pdf(name="note.pdf", **fields):
    return {"data": {**fields, "file": (io.BytesIO(PDF), name)}}


# What each request sends besides the path; rows without an entry send nothing.
BODIES = {
    ("/login", "POST"): lambda w: {"data": {}},
    ("/account/password", "POST"): lambda w: {"data": {}},
    ("/account/two-factor", "POST"): lambda w: {"data": {"otp": "000000"}},
    ("/tasks/<int:task_id>", "POST"): lambda w: {"data": {}},
    ("/cases/new", "POST"): lambda w: {"data": {"process": "notice_request", "notice_type": "RED"}},
    ("/cases/<int:case_id>/comments", "POST"): lambda w: {"data": {"body": "Seen by the matrix."}},
    ("/cases/<int:case_id>/attachments", "POST"): lambda w: _pdf(kind="document"),
    ("/notices/<int:case_id>/decision", "POST"): lambda w: {"data": PUBLISHED},
    ("/references/<int:case_id>/reply", "POST"): lambda w: {"data": {"country": "GB", "reply": "Not known here.",
                                                                     "received_on": "2026-05-04"}},
    ("/processes/upload", "POST"): lambda w: {"data": {"files": (io.BytesIO(BPMN), "notice_request.bpmn")}},
    ("/processes/deploy", "POST"): lambda w: {"data": {"name": "notice_request.bpmn", "digest": "0" * 64,
                                                       "content": base64.b64encode(BPMN).decode(), "base": "{}"}},
    ("/processes/<process_id>/migrate", "POST"): lambda w: {"data": {"to": "1"}},
    ("/processes/<process_id>/migrate/<int:case_id>", "POST"): lambda w: {"data": {"to": "1"}},
    ("/connect/agencies", "POST"): lambda w: {"data": {"code": "KERALA", "name": "Kerala Police",
                                                       "kind": "state_police"}},
    ("/connect/agencies/<code>/units", "POST"): lambda w: {"data": {"code": "DELHI-EAST", "name": "East District"}},
    ("/connect/agencies/<code>/accounts", "POST"): lambda w: {"data": {"username": "uo.delhi.new", "role": "UO",
                                                                       "full_name": "SI Crime Branch",
                                                                       "unit": "DELHI-CRIME"}},
    ("/connect/accounts/<username>/<any(deactivate, reactivate):action>", "POST"):
        lambda w: {"data": {"reason": "transferred"}},
    ("/connect/messages", "POST"): lambda w: {"data": {"to": "ILO:DELHI", "subject": "Matrix", "body": "Hello."}},
    ("/connect/messages/<int:thread_id>", "POST"): lambda w: {"data": {"body": "Received, thank you."}},
    ("/resources", "POST"): lambda w: _pdf("guide.pdf", title="User guide", category="manuals"),
    ("/resources/<int:resource_id>/versions", "POST"): lambda w: _pdf("guide-2.pdf", note="Second edition"),
    ("/resources/<int:resource_id>/details", "POST"): lambda w: {"data": {"title": "Guide", "category": "manuals",
                                                                          "description": "", "tags": ""}},
    ("/resources/training", "POST"): lambda w: {"data": {"held_on": "2026-03-02", "title": "Notices workshop",
                                                         "mode": "online", "organiser": "CBI IPCU",
                                                         "agencies": "DELHI"}},
    ("/api/v1/tokens", "POST"): lambda w: {"json": {"username": "nobody", "password": "wrong-password"}},
    ("/api/v1/cases", "POST"): lambda w: {"json": {"process": "notice_request", "data": {"notice_type": "RED"}}},
    ("/api/v1/cases/<int:case_id>/comments", "POST"): lambda w: {"json": {"body": "Seen by the matrix."}},
    ("/api/v1/cases/<int:case_id>/attachments", "POST"): lambda w: _pdf(kind="document"),
    ("/api/v1/messages/<name>", "POST"): lambda w: {"json": {"correlation": w["reference"], "payload": PUBLISHED}},
    ("/api/v1/metrics/nodes", "GET"): lambda w: {"query_string": {"process": "notice_request"}},
    ("/api/v1/tasks/<int:task_id>/reassign", "POST"): lambda w: {"json": {"to": "ilo.delhi"}},
    ("/api/v1/tasks/<int:task_id>/draft", "POST"): lambda w: {"json": {"data": {"decision": "forward"}}},
    ("/api/v1/tasks/<int:task_id>/complete", "POST"): lambda w: {"json": {"data": {"decision": "forward"}}},
}

# Where a page's 302 leads a signed-in principal ({new} is the id of what the request created).
LOCATIONS = {
    ("/logout", "POST"): "/login",
    ("/tasks/<int:task_id>/claim", "POST"): "/tasks/{task_id}",
    ("/cases/new", "POST"): "/cases/{new}",
    ("/cases/<int:case_id>/comments", "POST"): "/cases/{case_id}#comments",
    ("/cases/<int:case_id>/attachments", "POST"): "/cases/{case_id}#attachments",
    ("/connect/agencies/<code>/units", "POST"): "/connect/agencies/DELHI#units",
    ("/connect/accounts/<username>/<any(deactivate, reactivate):action>", "POST"): "/connect/accounts/uo.delhi.crime",
    ("/connect/messages", "POST"): "/connect/messages/{new_thread}",
    ("/connect/messages/<int:thread_id>", "POST"): "/connect/messages/{thread_id}#reply",
    ("/notifications/read", "POST"): "/notifications",
    ("/resources", "POST"): "/resources/{new_resource}",
    ("/resources/<int:resource_id>/versions", "POST"): "/resources/{resource_id}",
    ("/resources/<int:resource_id>/details", "POST"): "/resources/{resource_id}",
    ("/resources/training", "POST"): "/resources/training/{new_session}",
}
# A parameter a rule names differently from the world's key.
RENAMED = {"/connect/messages/<int:thread_id>/files/<int:attachment_id>": {"attachment_id": "message_file_id"}}


def _open_task_id(platform, case_id):
    with platform.uow() as uow:
        return uow.session.scalars(select(Task.id).where(Task.case_id == case_id,
                                                         Task.state.in_(OPEN_STATES))).one()


def _newest(platform, column) -> int | None:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.max(column)))


@pytest.fixture
def world(platform, deployed):
    """The RED request at vetting, its Connect thread, a library document and a training session."""
    crime, ipcu = deployed["uo.delhi.crime"], deployed["ipcu.officer"]
    case = start_case(platform, actor_id=crime, process_id="notice_request", data={"notice_type": "RED"})
    attachment = add_attachment(platform, actor_id=crime, case_id=case.id, filename="nbw.pdf", kind="warrant",
                                content=PDF)
    complete_task(platform, actor_id=crime, task_id=_open_task_id(platform, case.id), data=copy.deepcopy(VALID_RED))
    add_comment(platform, actor_id=crime, case_id=case.id, body="Warrant attached.")
    thread = start_thread(platform, actor_id=crime, to="ILO:DELHI", subject="Warrant copy", body="Attached.",
                          case_reference=case.reference, filename="nbw.pdf", content=PDF)
    document = resources.publish(platform, actor_id=ipcu, title="Notices handbook", category="notices",
                                 filename="handbook.pdf", content=PDF)
    held = training.record_session(platform, actor_id=ipcu, held_on="2026-02-10", title="Red notices",
                                   mode="in_person", organiser="CBI IPCU", agency_codes=["DELHI"],
                                   usernames=["uo.delhi.crime"])
    return {"case_id": case.id, "task_id": _open_task_id(platform, case.id), "attachment_id": attachment.id,
            "name": "interpol_decision", "reference": case.reference, "process_id": "notice_request",
            "version": 1, "filename": "notice_request.bpmn", "node": "vet", "table": "nodes",
            "code": "DELHI", "username": "uo.delhi.crime", "action": "deactivate", "thread_id": thread.id,
            "message_file_id": _newest(platform, MessageAttachment.id), "resource_id": document.id,
            "session_id": held.id}


def rules(app) -> dict[tuple[str, str], object]:
    """(rule, method) → werkzeug rule, for every rule the app serves but static files."""
    return {(rule.rule, method): rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - IGNORED_METHODS}


def path_of(rule: str, world) -> str:
    """The rule with the world's values in its placeholders."""
    names = RENAMED.get(rule, {})
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: quote(str(world[names.get(m[1], m[1])])), rule)


def answer(rule, method, principal) -> int:
    """What the cell answers today: the designed status, or the known bug's."""
    known = KNOWN_BUGS.get((rule, method, principal))
    return known[0] if known else EXPECTED[(rule, method)][PRINCIPALS.index(principal)]


class Principal:
    """Sends requests as one principal: a bearer token for /api/, a signed-in session for pages."""

    def __init__(self, client, username):
        self.client, self.username, self.token, self.signed_in = client, username, None, False

    def send(self, rule, method, world, body=None):
        path, headers = path_of(rule, world), {}
        if self.username != ANONYMOUS and path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self._token()}"
        elif self.username != ANONYMOUS and not self.signed_in:
            answer = self.client.post("/login", data={"username": self.username, "password": "bharatpol-demo"})
            assert answer.status_code == 302, answer.data[:300]
            self.signed_in = True
        if body is None:
            body = BODIES.get((rule, method), lambda w: {})(world)
        response = self.client.open(path, method=method, headers=headers, **body)
        response.get_data()  # buffer the body, then close the file a download streams
        response.close()
        return path, response

    def _token(self):
        if self.token is None:
            answer = self.client.post("/api/v1/tokens", json={"username": self.username, "password": "bharatpol-demo"})
            assert answer.status_code == 201, answer.json
            self.token = answer.json["token"]
        return self.token


def check_redirect(platform, world, rule, method, principal, path, response):
    """A 302 leads anonymous officers to the sign-in page (then back), the others where LOCATIONS says."""
    if principal == ANONYMOUS and (rule, method) != ("/logout", "POST"):
        target = urlsplit(response.location)
        assert (target.path, parse_qs(target.query)) == ("/login", {"next": [path]})
        return
    new = {"new": _newest(platform, Case.id), "new_thread": _newest(platform, MessageThread.id),
           "new_resource": _newest(platform, Resource.id), "new_session": _newest(platform, TrainingSession.id)}
    assert response.location == LOCATIONS[(rule, method)].format(**new, **world)


def accepted(rule, method, principal) -> bool:
    """Does the cell change something? (Every refusal, and every anonymous request, leaves no trace.)"""
    return principal != ANONYMOUS and answer(rule, method, principal) < 400


def _posts(principal, *, accepted_ones: bool) -> list[str]:
    return [rule for (rule, method) in EXPECTED
            if method == "POST" and accepted(rule, method, principal) == accepted_ones]


def footprint(platform, world) -> dict:
    """What a request could have changed: row counts, the vet task, the officer accounts may touch."""
    with platform.uow() as uow:
        s = uow.session
        counts = {model.__name__: s.scalar(select(func.count()).select_from(model)) for model in (
            Case, Task, Comment, Attachment, MessageThread, Message, Resource, ResourceVersion, TrainingSession,
            Agency, Unit, User)}
        task = s.get(Task, world["task_id"])
        officer = s.scalar(select(User).where(User.username == "uo.delhi.crime"))
        return {**counts, "vet": (task.state, task.assignee_id, task.draft),
                "uo.delhi.crime": (officer.active, officer.password_hash, officer.must_change_password)}


def test_every_rule_is_in_the_matrix(app):
    served = set(rules(app))
    assert (sorted(served - set(EXPECTED)), sorted(set(EXPECTED) - served)) == ([], [])


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_get_rules_answer_each_principal(client, platform, world, principal):
    caller = Principal(client, principal)
    gets = [rule for (rule, method) in EXPECTED if method == "GET"]
    answers = {}
    for rule in gets:
        path, response = caller.send(rule, "GET", world)
        answers[rule] = response.status_code
        if response.status_code == 302:
            check_redirect(platform, world, rule, "GET", principal, path, response)
    assert answers == {rule: answer(rule, "GET", principal) for rule in gets}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_refused_posts_answer_each_principal_and_change_nothing(client, platform, world, principal):
    caller, before = Principal(client, principal), footprint(platform, world)
    refused = _posts(principal, accepted_ones=False)
    answers = {}
    for rule in refused:
        path, response = caller.send(rule, "POST", world)
        answers[rule] = response.status_code
        if response.status_code == 302:
            check_redirect(platform, world, rule, "POST", principal, path, response)
        if path.startswith("/api/") and response.status_code == 401 and rule != "/api/v1/tokens":
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="BHARATPOL"'
    assert answers == {rule: answer(rule, "POST", principal) for rule in refused}
    assert footprint(platform, world) == before


@pytest.mark.parametrize(("rule", "principal"), [
    pytest.param(rule, principal, id=f"{rule} {principal}")
    for principal in PRINCIPALS for rule in _posts(principal, accepted_ones=True)])
def test_accepted_post_answers_the_principal(client, platform, world, rule, principal):
    path, response = Principal(client, principal).send(rule, "POST", world)
    assert response.status_code == answer(rule, "POST", principal), response.get_data(as_text=True)[:300]
    if response.status_code == 302:
        check_redirect(platform, world, rule, "POST", principal, path, response)


@pytest.mark.parametrize(("rule", "method", "principal"), [
    pytest.param(*cell, marks=pytest.mark.xfail(strict=True, reason=reason), id=" ".join(cell))
    for cell, (_today, reason) in KNOWN_BUGS.items()])
def test_known_bug_cells_answer_as_designed(client, world, rule, method, principal):
    _path, response = Principal(client, principal).send(rule, method, world)
    assert response.status_code == EXPECTED[(rule, method)][PRINCIPALS.index(principal)]


# Every request that carries a body, sent without it by an officer who may use the route (if any of the six
# may), and what the app answers: (principal, status).
EMPTY = {
    ("/login", "POST"): (ANONYMOUS, 401),
    ("/account/password", "POST"): ("uo.delhi.crime", 422),
    ("/account/two-factor", "POST"): ("uo.delhi.crime", 422),
    ("/tasks/<int:task_id>", "POST"): ("ilo.delhi", 422),
    ("/cases/new", "POST"): ("uo.delhi.crime", 422),
    ("/cases/<int:case_id>/comments", "POST"): ("uo.delhi.crime", 302),  # refused with a flash on the case page
    ("/cases/<int:case_id>/attachments", "POST"): ("uo.delhi.crime", 302),  # the same
    ("/notices/<int:case_id>/decision", "POST"): ("ipcu.officer", 422),
    ("/references/<int:case_id>/reply", "POST"): ("ipcu.officer", 404),
    ("/processes/upload", "POST"): ("ipcu.officer", 403),
    ("/processes/deploy", "POST"): ("ipcu.officer", 403),
    ("/processes/<process_id>/migrate", "POST"): ("ipcu.officer", 403),
    ("/processes/<process_id>/migrate/<int:case_id>", "POST"): ("ipcu.officer", 403),
    ("/connect/agencies", "POST"): ("ipcu.officer", 403),
    ("/connect/agencies/<code>/units", "POST"): ("ilo.delhi", 302),  # refused with a flash on the agency page
    ("/connect/agencies/<code>/accounts", "POST"): ("ilo.delhi", 302),  # the same
    ("/connect/accounts/<username>/<any(deactivate, reactivate):action>", "POST"): ("ilo.delhi", 302),
    ("/connect/messages", "POST"): ("uo.delhi.crime", 422),
    ("/connect/messages/<int:thread_id>", "POST"): ("uo.delhi.crime", 422),
    ("/resources", "POST"): ("ipcu.officer", 422),
    ("/resources/<int:resource_id>/versions", "POST"): ("ipcu.officer", 302),  # flash on the resource page
    ("/resources/<int:resource_id>/details", "POST"): ("ipcu.officer", 302),  # the same
    ("/resources/training", "POST"): ("ipcu.officer", 422),
    ("/api/v1/tokens", "POST"): (ANONYMOUS, 400),
    ("/api/v1/cases", "POST"): ("uo.delhi.crime", 400),
    ("/api/v1/cases/<int:case_id>/comments", "POST"): ("uo.delhi.crime", 400),
    ("/api/v1/cases/<int:case_id>/attachments", "POST"): ("uo.delhi.crime", 422),
    ("/api/v1/messages/<name>", "POST"): ("ipcu.officer", 400),
    ("/api/v1/metrics/nodes", "GET"): ("ipcu.officer", 422),  # no ?process=
    ("/api/v1/tasks/<int:task_id>/reassign", "POST"): ("ilo.delhi", 400),
    ("/api/v1/tasks/<int:task_id>/draft", "POST"): ("ilo.delhi", 400),
    ("/api/v1/tasks/<int:task_id>/complete", "POST"): ("ilo.delhi", 400),
}
EMPTY_BUGS = {}


def test_every_body_is_in_the_empty_body_table():
    assert sorted(EMPTY) == sorted(BODIES)


@pytest.mark.parametrize("principal", sorted({principal for principal, _status in EMPTY.values()}))
def test_requests_without_their_body_are_refused_and_change_nothing(client, platform, world, principal):
    caller, before = Principal(client, principal), footprint(platform, world)
    cells = {cell: EMPTY_BUGS.get(cell, (status,))[0] for cell, (who, status) in EMPTY.items() if who == principal}
    answers = {cell: caller.send(*cell, world, body={})[1].status_code for cell in cells}
    assert (answers, footprint(platform, world)) == (cells, before)


@pytest.mark.parametrize("cell", [pytest.param(cell, marks=pytest.mark.xfail(strict=True, reason=reason))
                                  for cell, (_today, reason) in EMPTY_BUGS.items()])
def test_empty_body_bug_cells_answer_as_designed(client, world, cell):
    principal, status = EMPTY[cell]
    assert Principal(client, principal).send(*cell, world, body={})[1].status_code == status


def _csrf_token(client, path):
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    return html[html.index(marker) + len(marker):].split('"', 1)[0]


def test_page_posts_need_the_csrf_token_and_api_posts_do_not(platform, world):
    client = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform).test_client()
    token = _csrf_token(client, "/login")
    signed_in = client.post("/login", data={"username": "ilo.delhi", "password": "bharatpol-demo",
                                            "csrf_token": token})
    assert (signed_in.status_code, signed_in.location) == (302, "/")
    before, as_is = footprint(platform, world), Principal(client, ANONYMOUS)  # the session cookie, no token
    posts = [rule for (rule, method) in EXPECTED if method == "POST"]
    pages = [rule for rule in posts if not rule.startswith("/api/") and rule != "/login"]
    answers = {rule: as_is.send(rule, "POST", world)[1] for rule in pages}
    assert {rule: r.status_code for rule, r in answers.items()} == dict.fromkeys(pages, 400)
    assert {"<h1>Form expired</h1>" in r.get_data(as_text=True) for r in answers.values()} == {True}
    # the sign-in form alone sends the officer back to a fresh form rather than to an error page
    login = as_is.send("/login", "POST", world)[1]
    assert (login.status_code, login.location) == (302, "/login")
    # nothing happened: still signed in (signing out was refused too), nothing created or changed
    assert (client.get("/").status_code, footprint(platform, world)) == (200, before)

    # the API ignores the cookie: without a token each POST is refused for want of a token, not of CSRF
    apis = [rule for rule in posts if rule.startswith("/api/")]
    assert {rule: as_is.send(rule, "POST", world)[1].status_code for rule in apis} == {
        rule: EXPECTED[(rule, "POST")][0] for rule in apis}
    _path, claim = Principal(client, "ilo.delhi").send("/api/v1/tasks/<int:task_id>/claim", "POST", world)
    assert (claim.status_code, claim.json["state"], claim.json["assignee"]) == (200, "claimed", "ilo.delhi")
    released = client.post(f"/tasks/{world['task_id']}/release",
                           data={"csrf_token": _csrf_token(client, "/account/password")})
    assert (released.status_code, footprint(platform, world)) == (302, before)
