"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API's request and response bodies."""

STR, INT, BOOL, OBJ = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "object"}
OPT_STR, OPT_INT = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
# text the database can store holds no NUL character; a required text field is also not only whitespace
NO_NUL = {"type": "string", "pattern": "^[^\\u0000]*$"}
TEXT = {"type": "string", "minLength": 1, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
# free-form JSON (form data, message payloads) whose texts and keys hold no NUL character
DATA = {"type": "object", "propertyNames": NO_NUL, "additionalProperties": {"$ref": "#/components/schemas/Storable"}}
TIME, OPT_TIME = {"type": "string", "format": "date-time"}, {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required=(), **extra) -> dict:
    return {"type": "object", "properties": properties, "required": list(required or properties), **extra}


def _extends(base: str, properties: dict, required=()) -> dict:
    return {"allOf": [_ref(base), _object(properties, required or properties)]}


def _list(name: str, key: str, **more) -> dict:
    return _object({key: {"type": "array", "items": _ref(name)}, **more})


TASK = {
    "id": INT, "name": STR, "bpmn_id": STR, "lane": {"type": "string", "examples": ["UO", "ILO", "IPCU"]},
    "state": {"type": "string", "enum": ["ready", "claimed", "completed", "cancelled"]},
    "assignee": {**OPT_STR, "description": "Username of the claimer or completer."}, "case_id": INT,
    "case_reference": STR, "process": STR, "category": OPT_STR, "created_at": TIME, "claimed_at": OPT_TIME,
    "completed_at": OPT_TIME, "due_at": OPT_TIME,
}
CASE_SUMMARY = {
    "id": INT, "reference": {"type": "string", "examples": ["BP/NR/2026/000001"]}, "process": STR,
    "status": {"type": "string", "examples": ["open", "completed"]}, "category": OPT_STR,
    "agency": {**OPT_STR, "description": "Code of the originating agency."},
    "unit": {**OPT_STR, "description": "Code of the originating unit."}, "version": INT, "created_at": TIME,
    "updated_at": TIME, "completed_at": OPT_TIME,
}
HISTORY_EVENT = {"at": TIME, "actor": STR, "action": STR, "bpmn_id": OPT_STR, "task": OPT_STR, "detail": OBJ}
CASE_COMMENT = {"id": INT, "author": STR, "author_name": STR, "body": STR, "at": TIME}
ATTACHMENT = {
    "id": INT, "filename": STR,
    "kind": {"type": "string", "enum": ["warrant", "judgment", "photo", "fingerprints", "dna", "document"]},
    "size": INT, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "content_type": STR,
}

SECONDS = {"type": ["number", "null"], "minimum": 0}
NODE_FIGURES = {
    "id": {**STR, "description": "BPMN id of the user task."}, "name": STR, "lane": STR,
    "wip": {**INT, "description": "Tasks open now (ready or claimed)."},
    "completed": {**INT, "description": "Tasks completed in the period."},
    **{f"{kind}_p{p}_s": {**SECONDS, "description": f"{kind.capitalize()} time, {p}th percentile (nearest rank), "
                                                   "seconds; null without completed tasks."}
       for kind in ("queue", "work", "lead") for p in (50, 90)},
    "sla_s": {**SECONDS, "description": "The node's due time (dueIn) in seconds; null when it has none."},
    "sla_breaches": {**INT, "description": "Completed in the period after the due time, plus open past it."},
    "heat": {"type": "string", "enum": ["green", "amber", "red", "grey"],
             "description": "p90 lead time against the SLA: < 50 % green, < 100 % amber, otherwise red; grey "
                            "without SLA or completions."},
}

SCHEMAS = {
    "Storable": {"anyOf": [NO_NUL, {"type": ["number", "boolean", "null"]},
                           {"type": "array", "items": _ref("Storable")}, DATA]},
    "Error": _object({"error": STR}),
    "Errors": _object({"errors": {"type": "object", "additionalProperties": STR,
                                  "description": "Message per field; compliance rules appear as `rule.<id>`."}}),
    "TokenRequest": _object({"username": TEXT, "password": {**TEXT, "format": "password"},
                             "otp": {**STR, "description": "One-time code, for accounts with two-factor sign-in."}},
                            required=("username", "password")),
    "Token": _object({"token": STR, "token_type": {"const": "Bearer"}, "expires_in": INT,
                      "user": _object({"username": STR, "role": STR, "agency": STR, "unit": OPT_STR})}),
    "Process": _object({"id": STR, "name": STR, "version": INT, "start_role": OPT_STR, "deployed_at": TIME,
                        "may_start": BOOL}),
    "ProcessList": _list("Process", "processes"),
    "Task": _object(TASK),
    "InboxTask": _extends("Task", {"agency": STR}),
    "CaseTask": _extends("Task", {"may_act": BOOL}),
    "TaskDetail": _extends("Task", {"may_act": BOOL, "form": OPT_STR, "variable": STR,
                                    "draft": {"type": ["object", "null"]}, "prefill": {}}),
    "TaskWithForm": _extends("TaskDetail", {"form_schema": {**OBJ, "description": "The form's JSON Schema."},
                                            "case": _ref("CaseDetail")}),
    "CompletedTask": _extends("TaskDetail", {"case": _ref("Case")}),
    "Inbox": _list("InboxTask", "tasks", total=INT, page=INT, per_page=INT, counts=OBJ),
    "CaseSummary": _object(CASE_SUMMARY),
    "Case": _extends("CaseSummary", {"data": OBJ, "tasks": {"type": "array", "items": _ref("CaseTask")}}),
    "CaseDetail": _extends("Case", {
        "finished_tasks": {"type": "array", "items": _ref("CaseTask")},
        "history": {"type": "array", "items": _object(HISTORY_EVENT)},
        "comments": {"type": "array", "items": _object(CASE_COMMENT)},
        "attachments": {"type": "array", "items": _ref("Attachment")},
        "diagram": _object({"completed": {"type": "array", "items": STR}, "current": {"type": "array", "items": STR}}),
    }),
    "CaseList": _list("CaseSummary", "cases", total=INT, page=INT, per_page=INT),
    "Attachment": _object({**ATTACHMENT, "uploaded_at": TIME}, required=tuple(ATTACHMENT)),
    "AttachmentList": _list("Attachment", "attachments"),
    "AttachmentUpload": _object({"file": {"type": "string", "contentMediaType": "application/octet-stream"},
                                 "kind": ATTACHMENT["kind"]}),
    "Comment": _object({"id": INT, "case_id": INT, "author": STR, "body": STR, "at": TIME}),
    "NewCase": _object({"process": {**TEXT, "examples": ["notice_request"]},
                        "data": {**DATA, "description": "Pre-fills the first form, e.g. {\"notice_type\": \"RED\"}."}},
                       required=("process",)),
    "NewComment": _object({"body": TEXT}),
    "FormData": _object({"data": {**DATA, "description": "Form fields, checked against the task's form_schema."}}),
    "Reassign": _object({"to": {**TEXT, "description": "Username of the officer to hand the task to."}}),
    "NodeFigures": _object(NODE_FIGURES),
    "NodeMetrics": _object({"process": STR, "nodes": {"type": "array", "items": _ref("NodeFigures")}}),
    "Message": _object({"correlation": {**TEXT, "description": "The case reference."},
                        "payload": {**DATA, "examples": [{"outcome": "published", "notice_number": "A-1234/5-2026",
                                                         "published_on": "2026-05-04"}]}},
                       required=("correlation",)),
}
