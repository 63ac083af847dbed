"""The REST API described as an OpenAPI 3.1 document, declared by hand (served at /api/v1/openapi.json)."""

import copy

from engine.services.cases import ALLOWED_TYPES
from web.api.parsing import MAX_ID, MAX_PAGE, MAX_PER_PAGE
from web.api.schemas import SCHEMAS

JSON = "application/json"
BEARER_HINT = "Get a token from POST /tokens, then send `Authorization: Bearer <token>`."


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: str | None = None, status: str = "200", **extra) -> dict:
    content = {"content": {JSON: {"schema": _ref(schema)}}} if schema else {}
    return {status: {"description": description, **content, **extra}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": _ref(schema)}}}


def _errors(*codes: int) -> dict:
    """Shared error answers; every authenticated operation may answer 401."""
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             413: "TooLarge", 422: "Invalid"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in sorted({401, *codes})}


def _param(name: str, where: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema}


def _op(op_id: str, tag: str, summary: str, answers: dict, *, body: str | None = None, params=(),
        public: bool = False) -> dict:
    operation = {"operationId": op_id, "tags": [tag], "summary": summary, "responses": answers}
    if params:
        operation["parameters"] = list(params)
    if body:
        operation["requestBody"] = _body(body)
    if public:
        operation["security"] = []
    return operation


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
CASE_ID = _param("case_id", "path", "Case id.", ID)
TASK_ID = _param("task_id", "path", "Task id.", ID)
ATTACHMENT_ID = _param("attachment_id", "path", "Attachment id.", ID)
MESSAGE_NAME = _param("name", "path", "BPMN message name, e.g. `interpol_decision`.", {"type": "string"})
PAGE = _param("page", "query", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                        "default": 1})
PER_PAGE = _param("per_page", "query", "Items per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                                           "default": 25})
INBOX_PARAMS = (
    _param("process", "query", "Only tasks of this process id.", {"type": "string"}),
    _param("category", "query", "Only tasks of cases of this category (e.g. a notice type).", {"type": "string"}),
    _param("agency", "query", "Only tasks in this agency (code).", {"type": "string"}),
    _param("state", "query", "Only tasks in this state.", {"type": "string", "enum": ["ready", "claimed"]}),
    _param("overdue", "query", "Only tasks past their due time.", {"type": "boolean", "default": False}),
    _param("sort", "query", "Order.", {"type": "string", "enum": ["oldest", "newest", "due"], "default": "oldest"}),
    PAGE, PER_PAGE,
)
METRICS_PARAMS = (
    _param("process", "query", "Process id, e.g. `notice_request`.", {"type": "string"}, required=True),
    _param("from", "query", "First day of the period (UTC, inclusive); default: no limit.",
           {"type": "string", "format": "date"}),
    _param("to", "query", "Last day of the period (UTC, inclusive); default: no limit.",
           {"type": "string", "format": "date"}),
    _param("agency", "query", "Only tasks in this agency's scope (code).", {"type": "string"}),
    _param("type", "query", "Only cases of this notice type (the case category).", {"type": "string"}),
)
UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": _ref("AttachmentUpload")}}}
FILE = {"200": {"description": "The file, as an attachment download, with the type read from its content.",
                "content": {kind: {"schema": {"type": "string", "contentMediaType": kind}} for kind in ALLOWED_TYPES}}}
LOCATION = {"headers": {"Location": {"description": "URL of the new resource.", "schema": {"type": "string"}}}}


def _paths() -> dict:
    return {
        "/openapi.json": {"get": _op("openapi", "meta", "This document.",
                                     {"200": {"description": "OpenAPI 3.1 document.",
                                              "content": {JSON: {"schema": {"type": "object"}}}}}, public=True)},
        "/tokens": {"post": _op("createToken", "auth", "Exchange credentials for a bearer token (12 hours).",
                                {**_answer("Token issued.", "Token", "201"), **_errors(400, 403, 422)},
                                body="TokenRequest", public=True)},
        "/processes": {"get": _op("listProcesses", "processes", "Deployed processes and who may start them.",
                                  {**_answer("Processes.", "ProcessList"), **_errors()})},
        "/cases": {
            "post": _op("startCase", "cases", "Start a case; `data` pre-fills the first form.",
                        {**_answer("Case started.", "Case", "201", **LOCATION), **_errors(400, 403, 404, 422)},
                        body="NewCase"),
            "get": _op("listCases", "cases", "Cases the caller may see, newest first.",
                       {**_answer("A page of cases.", "CaseList"), **_errors(422)},
                       params=(_param("status", "query", "Only cases in this status.",
                                      {"type": "string", "examples": ["open", "completed"]}), PAGE, PER_PAGE)),
        },
        "/cases/{case_id}": {"get": _op("getCase", "cases", "A case with data, tasks and history (logged view).",
                                        {**_answer("The case.", "CaseDetail"), **_errors(404)}, params=(CASE_ID,))},
        "/cases/{case_id}/comments": {"post": _op(
            "addComment", "cases", "Comment on a case.",
            {**_answer("Comment added.", "Comment", "201"), **_errors(400, 404, 422)}, body="NewComment",
            params=(CASE_ID,))},
        "/cases/{case_id}/attachments": {
            "post": {**_op("uploadAttachment", "attachments", "Attach a file; its type is checked by content.",
                           {**_answer("Attached.", "Attachment", "201", **LOCATION), **_errors(404, 413, 422)},
                           params=(CASE_ID,)), "requestBody": UPLOAD},
            "get": _op("listAttachments", "attachments", "A case's attachments.",
                       {**_answer("Attachments.", "AttachmentList"), **_errors(404)}, params=(CASE_ID,)),
        },
        "/cases/{case_id}/attachments/{attachment_id}": {"get": _op(
            "downloadAttachment", "attachments", "Download an attachment (logged).", {**FILE, **_errors(404)},
            params=(CASE_ID, ATTACHMENT_ID))},
        "/messages/{name}": {"post": _op(
            "sendMessage", "messages", "Deliver a message from INTERPOL to the case it correlates with (IPCU).",
            {**_answer("The case after the message.", "Case"), **_errors(400, 403, 404, 409, 422)},
            body="Message", params=(MESSAGE_NAME,))},
        "/tasks": {"get": _op("listTasks", "tasks", "Open tasks the caller may act on, with counts.",
                              {**_answer("A page of the inbox.", "Inbox"), **_errors(422)}, params=INBOX_PARAMS)},
        "/tasks/{task_id}": {"get": _op("getTask", "tasks", "A task with its form schema, draft and case (logged).",
                                        {**_answer("The task.", "TaskWithForm"), **_errors(404)},
                                        params=(TASK_ID,))},
        **{f"/tasks/{{task_id}}/{action}": {"post": _op(
            f"{action}Task", "tasks", summary, {**_answer("The task.", "TaskDetail"), **_errors(*codes)},
            body=body, params=(TASK_ID,))} for action, summary, body, codes in TASK_ACTIONS},
        "/metrics/nodes": {"get": _op(
            "metricsNodes", "metrics", "Per BPMN node: WIP, queue / work / lead time p50 and p90, SLA breaches (IPCU).",
            {**_answer("Per-node figures.", "NodeMetrics"), **_errors(403, 404, 422)}, params=METRICS_PARAMS)},
        "/tasks/{task_id}/complete": {"post": _op(
            "completeTask", "tasks", "Submit a task's form; the case moves on.",
            {**_answer("The completed task and its case with the new current tasks.", "CompletedTask"),
             **_errors(400, 403, 404, 409, 422)}, body="FormData", params=(TASK_ID,))},
    }


TASK_ACTIONS = (
    ("claim", "Claim a task so only the caller may complete it.", None, (403, 404, 409)),
    ("release", "Release a task the caller claimed.", None, (404, 409)),
    ("reassign", "Hand a task to another eligible officer (supervisors).", "Reassign", (400, 403, 404, 409, 422)),
    ("draft", "Save unfinished form data on a task.", "FormData", (400, 403, 404, 409, 422)),
)


def _responses() -> dict:
    def error(description, schema="Error", **extra):
        return {"description": description, "content": {JSON: {"schema": _ref(schema)}}, **extra}
    challenge = {"WWW-Authenticate": {"description": "`Bearer realm=\"BHARATPOL\"`", "schema": {"type": "string"}}}
    return {
        "BadRequest": error("The body is not a JSON object."),
        "Unauthorized": error("No, wrong or expired credentials.", headers=challenge),
        "Forbidden": error("Visible to the caller but not allowed."),
        "NotFound": error("Unknown, or outside the caller's scope (existence is not leaked)."),
        "Conflict": error("Task not ready, claimed by another, already done, or a stale version."),
        "TooLarge": error("The upload is larger than the limit."),
        "Invalid": error("Invalid data: a message per field.", "Errors"),
    }


def document() -> dict:
    """The OpenAPI document; built on each call so callers may not change a shared copy."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "BHARATPOL API", "version": "1",
                 "description": "INTERPOL cooperation procedures (notices, references, broadcasts) run as BPMN "
                                "processes. " + BEARER_HINT},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": BEARER_HINT}},
            "responses": _responses(),
            "schemas": copy.deepcopy(SCHEMAS),
        },
    }
