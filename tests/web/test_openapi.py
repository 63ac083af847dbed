"""The OpenAPI document at /api/v1/openapi.json: complete, consistent, and true to the answers the API gives."""

import copy
import io
import re

import pytest
from jsonschema import Draft202012Validator
from samples import VALID_RED

from web.api.openapi import document

pytestmark = pytest.mark.integration

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PDF = b"%PDF-1.4\n%%EOF\n"
OPERATIONS = [
    ("/cases", "get"), ("/cases", "post"), ("/cases/{case_id}", "get"), ("/cases/{case_id}/attachments", "get"),
    ("/cases/{case_id}/attachments", "post"), ("/cases/{case_id}/attachments/{attachment_id}", "get"),
    ("/cases/{case_id}/comments", "post"), ("/messages/{name}", "post"), ("/metrics/nodes", "get"),
    ("/openapi.json", "get"),
    ("/processes", "get"), ("/tasks", "get"), ("/tasks/{task_id}", "get"), ("/tasks/{task_id}/claim", "post"),
    ("/tasks/{task_id}/complete", "post"), ("/tasks/{task_id}/draft", "post"), ("/tasks/{task_id}/reassign", "post"),
    ("/tasks/{task_id}/release", "post"), ("/tokens", "post"),
]


def _app_operations(app) -> set:
    """(OpenAPI path, method) of every rule under /api/v1; `<int:x>` becomes `{x}`."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _resolve(doc, node: dict) -> dict:
    """Follow local `#/...` references."""
    while "$ref" in node:
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_document_lists_exactly_the_routes_of_the_app(app):
    assert sorted(_app_operations(app)) == OPERATIONS
    assert sorted((path, method) for path, method, _op in _operations(document())) == OPERATIONS


def test_document_is_served_without_a_token(client, deployed):
    response = client.get(f"{PREFIX}/openapi.json")
    assert (response.status_code, response.json) == (200, document())
    assert (response.json["openapi"], response.json["servers"]) == ("3.1.0", [{"url": "/api/v1"}])


def test_bearer_scheme_guards_every_operation_but_tokens_and_the_document():
    doc = document()
    assert doc["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["type"] == "http"
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    public = sorted((path, method) for path, method, op in _operations(doc) if op.get("security") == [])
    assert public == [("/openapi.json", "get"), ("/tokens", "post")]
    unanswered = [(path, method) for path, method, op in _operations(doc)
                  if (path, method) not in public and "401" not in op["responses"]]
    assert unanswered == []


def test_every_reference_resolves_and_every_schema_is_valid():
    doc = document()
    for ref in set(_refs(doc)):
        assert _resolve(doc, {"$ref": ref}), ref
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_path_parameters_match_the_path():
    mismatched = []
    for path, method, op in _operations(document()):
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        if declared != set(re.findall(r"{(\w+)}", path)):
            mismatched.append((path, method))
    assert mismatched == []


def test_operation_ids_are_unique():
    ids = [op["operationId"] for _path, _method, op in _operations(document())]
    assert len(ids) == len(set(ids)) == len(OPERATIONS)


class Checked:
    """A bearer client whose every JSON answer must match the schema documented for its path and status."""

    def __init__(self, client, doc, log, token=None):
        self.client, self.doc, self.log = client, doc, log
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method, template, expect, *, json=None, data=None, query=None, **values):
        response = self.client.open(PREFIX + template.format(**values), method=method.upper(), headers=self.headers,
                                    json=json, data=data, query_string=query)
        assert response.status_code == expect, response.json
        documented = _resolve(self.doc, self.doc["paths"][template][method]["responses"][str(expect)])
        schema = documented["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": self.doc["components"]}).validate(response.json)
        self.log.add((template, method))
        return response.json


def test_answers_match_the_documented_schemas(client, deployed):
    doc, log = document(), set()
    anonymous = Checked(client, doc, log)
    anonymous.call("get", "/openapi.json", 200)
    anonymous.call("post", "/tokens", 401, json={"username": "uo.delhi.crime", "password": "nope"})
    anonymous.call("post", "/tokens", 400, data="[")
    anonymous.call("get", "/processes", 401)

    def signed_in(username):
        token = anonymous.call("post", "/tokens", 201, json={"username": username, "password": "bharatpol-demo"})
        return Checked(client, doc, log, token["token"])

    uo, ilo = signed_in("uo.delhi.crime"), signed_in("ilo.delhi")
    uo.call("get", "/processes", 200)
    case = uo.call("post", "/cases", 201, json={"process": "notice_request", "data": {"notice_type": "RED"}})
    ilo.call("post", "/cases", 403, json={"process": "notice_request"})
    uo.call("post", "/cases", 404, json={"process": "nope"})
    uo.call("post", "/cases", 422, json={"process": "notice_request", "data": 1})
    ids = {"case_id": case["id"], "task_id": case["tasks"][0]["id"]}
    uo.call("post", "/cases/{case_id}/attachments", 201, data={"kind": "warrant", "file": (io.BytesIO(PDF), "w.pdf")},
            **ids)
    uo.call("get", "/cases/{case_id}/attachments", 200, **ids)
    uo.call("post", "/cases/{case_id}/comments", 201, json={"body": "Copy attached."}, **ids)
    uo.call("get", "/cases", 200)
    uo.call("get", "/tasks", 200)
    uo.call("get", "/tasks", 422, query={"per_page": 500})
    uo.call("get", "/tasks/{task_id}", 200, **ids)
    uo.call("post", "/tasks/{task_id}/draft", 200, json={"data": {"notice_type": "RED"}}, **ids)
    uo.call("post", "/tasks/{task_id}/claim", 200, **ids)
    uo.call("post", "/tasks/{task_id}/release", 200, **ids)
    ilo.call("post", "/tasks/{task_id}/reassign", 200, json={"to": "uo.delhi.crime"}, **ids)
    uo.call("post", "/tasks/{task_id}/complete", 422, json={"data": {"colour": "red"}}, **ids)
    uo.call("post", "/tasks/{task_id}/complete", 200, json={"data": copy.deepcopy(VALID_RED)}, **ids)
    uo.call("post", "/tasks/{task_id}/complete", 409, json={"data": copy.deepcopy(VALID_RED)}, **ids)
    uo.call("post", "/messages/{name}", 403, json={"correlation": case["reference"]}, name="interpol_decision")
    signed_in("ilo.punjab").call("get", "/cases/{case_id}", 404, **ids)
    uo.call("get", "/cases/{case_id}", 200, **ids)
    signed_in("ipcu.officer").call("get", "/metrics/nodes", 200, query={"process": "notice_request"})
    uo.call("get", "/metrics/nodes", 403, query={"process": "notice_request"})
    assert sorted(log) == [op for op in OPERATIONS if op != ("/cases/{case_id}/attachments/{attachment_id}", "get")]
