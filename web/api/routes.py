"""REST API views: parse the request, call one service (then read the result back), answer JSON."""

from flask import jsonify, request, send_file, url_for

from engine import read
from engine.errors import Forbidden, Invalid
from engine.models.task import OPEN_STATES
from engine.queries import SORTS
from engine.services import accounts
from engine.services import cases as case_service
from engine.services import tasks as task_service
from web.api import bp
from web.api.auth import me, my_username, token_required
from web.api.openapi import document
from web.api.parsing import (
    choice_arg,
    flag_arg,
    ids_in_range,
    json_body,
    object_field,
    page_args,
    refuse_bad_text,
    text_field,
)
from web.context import platform

bp.url_value_preprocessor(lambda _endpoint, values: ids_in_range(values))


@bp.get("/openapi.json")
def openapi():
    """This API described as an OpenAPI 3.1 document."""
    return jsonify(document())


@bp.post("/tokens")
def create_token():
    """Exchange a username and password for a bearer token (valid 12 hours)."""
    body = json_body()
    if body.get("otp") is not None and not isinstance(body["otp"], str):
        raise Invalid({"otp": "must be a string"})
    token, user = accounts.issue_token(platform(), username=text_field(body, "username"),
                                       password=text_field(body, "password"), otp=body.get("otp"))
    if user.must_change_password:
        raise Forbidden("change the password you were given (sign in on the web) before using the API")
    return jsonify(token=token, token_type="Bearer", expires_in=accounts.TOKEN_HOURS * 3600,
                   user={"username": user.username, "role": user.role, "agency": user.agency.code,
                         "unit": user.unit.code if user.unit else None}), 201


@bp.get("/processes")
@token_required
def list_processes():
    """The deployed procedures, with the role that may start each."""
    return jsonify(processes=read.processes_page(platform(), actor_id=me()))


@bp.post("/cases")
@token_required
def start_case():
    """Start a case of a process; `data` becomes the draft of its first form."""
    body = json_body()
    case = case_service.start_case(platform(), actor_id=me(), process_id=text_field(body, "process"),
                                   data=object_field(body, "data"))
    location = url_for("api.get_case", case_id=case.id)
    return jsonify(read.case_state(platform(), actor_id=me(), case_id=case.id)), 201, {"Location": location}


@bp.get("/cases")
@token_required
def list_cases():
    """Cases the caller may see, newest first."""
    refuse_bad_text()
    return jsonify(read.cases_page(platform(), actor_id=me(), status=request.args.get("status") or None,
                                   **page_args()))


@bp.get("/cases/<int:case_id>")
@token_required
def get_case(case_id):
    """A case: status, data, current tasks, history, comments, attachments (the view is logged)."""
    return jsonify(case_service.view_case(platform(), actor_id=me(), case_id=case_id))


@bp.post("/cases/<int:case_id>/comments")
@token_required
def add_comment(case_id):
    """Add a comment to a case."""
    comment = case_service.add_comment(platform(), actor_id=me(), case_id=case_id,
                                       body=text_field(json_body(), "body"))
    return jsonify(id=comment.id, case_id=comment.case_id, author=my_username(), body=comment.body,
                   at=comment.created_at.isoformat()), 201


@bp.post("/cases/<int:case_id>/attachments")
@token_required
def upload_attachment(case_id):
    """Attach a file (multipart `file` and `kind`); its type is checked by content."""
    refuse_bad_text()
    file = request.files.get("file")
    if file is None:
        raise Invalid({"file": "is required"})
    att = case_service.add_attachment(platform(), actor_id=me(), case_id=case_id, filename=file.filename or "",
                                      kind=request.form.get("kind", ""), content=file.read())
    location = url_for("api.download_attachment", case_id=case_id, attachment_id=att.id)
    return jsonify(id=att.id, filename=att.filename, kind=att.kind, size=att.size, sha256=att.sha256,
                   content_type=att.content_type), 201, {"Location": location}


@bp.get("/cases/<int:case_id>/attachments")
@token_required
def list_attachments(case_id):
    """The attachments of a case."""
    return jsonify(attachments=read.case_attachments(platform(), actor_id=me(), case_id=case_id))


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@token_required
def download_attachment(case_id, attachment_id):
    """Download an attachment (logged)."""
    meta, path = case_service.open_attachment(platform(), actor_id=me(), case_id=case_id,
                                              attachment_id=attachment_id)
    return send_file(path, mimetype=meta["content_type"], as_attachment=True, download_name=meta["filename"])


@bp.post("/messages/<name>")
@token_required
def send_message(name):
    """Deliver a message from INTERPOL (e.g. interpol_decision) to the case it correlates with (IPCU)."""
    body = json_body()
    case = case_service.send_message(platform(), actor_id=me(), name=name,
                                     correlation=text_field(body, "correlation"),
                                     payload=object_field(body, "payload") or {})
    return jsonify(read.case_state(platform(), actor_id=me(), case_id=case.id))


@bp.get("/tasks")
@token_required
def list_tasks():
    """Open tasks the caller may act on, filtered, sorted and paged, with counts per filter value."""
    refuse_bad_text()
    filters = {key: request.args.get(key) or None for key in ("process", "category", "agency")}
    return jsonify(read.inbox_page(platform(), actor_id=me(), **filters, state=choice_arg("state", OPEN_STATES),
                                   overdue=flag_arg("overdue"), sort=choice_arg("sort", tuple(SORTS)) or "oldest",
                                   **page_args()))


@bp.get("/tasks/<int:task_id>")
@token_required
def get_task(task_id):
    """A task with its form's JSON Schema, its saved draft and its case (the view is logged)."""
    detail = task_service.view_task(platform(), actor_id=me(), task_id=task_id)
    task = {key: value for key, value in detail["task"].items() if key not in read.INTERNAL_TASK_KEYS}
    return jsonify({**task, "form_schema": detail["schema"], "case": detail["case"]})


@bp.post("/tasks/<int:task_id>/claim")
@token_required
def claim_task(task_id):
    """Claim a task so that only the caller may complete it."""
    task_service.claim_task(platform(), actor_id=me(), task_id=task_id)
    return jsonify(read.task_state(platform(), actor_id=me(), task_id=task_id))


@bp.post("/tasks/<int:task_id>/release")
@token_required
def release_task(task_id):
    """Give a claimed task back to everyone eligible."""
    task_service.release_task(platform(), actor_id=me(), task_id=task_id)
    return jsonify(read.task_state(platform(), actor_id=me(), task_id=task_id))


@bp.post("/tasks/<int:task_id>/reassign")
@token_required
def reassign_task(task_id):
    """Hand a task to another eligible officer (supervisors)."""
    to = text_field(json_body(), "to")
    task_service.reassign_task(platform(), actor_id=me(), task_id=task_id, to_username=to)
    return jsonify(read.task_state(platform(), actor_id=me(), task_id=task_id))


@bp.post("/tasks/<int:task_id>/draft")
@token_required
def save_draft(task_id):
    """Keep unfinished form data on a task; it is validated only on completion."""
    task_service.save_draft(platform(), actor_id=me(), task_id=task_id,
                            data=object_field(json_body(), "data", required=True))
    return jsonify(read.task_state(platform(), actor_id=me(), task_id=task_id))


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete_task(task_id):
    """Submit a task's form; answers the task and its case with the case's new current tasks."""
    task_service.complete_task(platform(), actor_id=me(), task_id=task_id,
                               data=object_field(json_body(), "data", required=True))
    return jsonify(read.task_state(platform(), actor_id=me(), task_id=task_id, with_case=True))


@bp.get("/metrics/nodes")
@token_required
def metrics_nodes():
    """Per BPMN node of a process: WIP, queue / work / lead time p50 and p90, SLA breaches (IPCU)."""
    refuse_bad_text()
    args = request.args
    if not args.get("process"):
        raise Invalid({"process": "is required"})
    return jsonify(read.metrics_nodes(platform(), actor_id=me(), process=args["process"], start=args.get("from"),
                                      end=args.get("to"), agency=args.get("agency"), category=args.get("type")))
