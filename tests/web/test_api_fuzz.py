"""Schemathesis over the app's own OpenAPI document: every operation, valid and invalid requests, bounded for CI.

BHARATPOL_FUZZ_EXAMPLES=500 runs a longer fuzz outside CI (examples per operation)."""

import io
import os

import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from samples import VALID_RED
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from web.api.openapi import document

pytestmark = pytest.mark.integration

PREFIX = "/api/v1"
EXAMPLES = int(os.environ.get("BHARATPOL_FUZZ_EXAMPLES", "25"))
OPERATIONS = sorted((path, method) for path, item in document()["paths"].items() for method in item)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, positive_data_acceptance, ignored_auth]
# valid by the document yet refused by rules it cannot state: a file's type is read from its content, `to` must
# not be before `from`, a task goes only to an officer eligible for it
SEMANTIC = {("/cases/{case_id}/attachments", "post"), ("/metrics/nodes", "get"), ("/tasks/{task_id}/reassign", "post")}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure is reported as found, quickly
                suppress_health_check=(HealthCheck.too_slow, HealthCheck.filter_too_much))


class ClosingClient(FlaskClient):
    """Reads each answer whole and closes it: schemathesis' WSGI transport leaves a file download open."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


def _token(client, username):
    response = client.post(f"{PREFIX}/tokens", json={"username": username, "password": "bharatpol-demo"})
    assert response.status_code == 201
    return response.json["token"]


@pytest.fixture
def seeded(client):
    """A submitted RED request with a warrant attached, so small ids name real cases, tasks and files."""
    uo = {"Authorization": f"Bearer {_token(client, 'uo.delhi.crime')}"}
    case = client.post(f"{PREFIX}/cases", headers=uo, json={"process": "notice_request", "data": {}}).json
    attachment = client.post(f"{PREFIX}/cases/{case['id']}/attachments", headers=uo,
                             data={"kind": "warrant", "file": (io.BytesIO(PDF), "nbw.pdf")}).json
    done = client.post(f"{PREFIX}/tasks/{case['tasks'][0]['id']}/complete", headers=uo, json={"data": VALID_RED})
    assert (attachment["kind"], done.status_code) == ("warrant", 200)
    return {"case_id": case["id"], "task_id": done.json["case"]["tasks"][0]["id"], "attachment_id": attachment["id"],
            "name": "interpol_decision"}


def _strategy(operation, known: dict):
    """Valid and invalid requests, plus valid ones aimed at the seeded case, task and file."""
    names = {param.name for param in operation.path_parameters}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if names:
        aimed = {name: known[name] for name in names}
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=aimed))
    return st.one_of(strategies)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_operation_survives_fuzzing(app, client, seeded, path, method):
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    schema.config.update(headers={"Authorization": f"Bearer {_token(client, 'ipcu.admin')}"})
    operation = schema[path][method.upper()]
    excluded = [positive_data_acceptance] if (path, method) in SEMANTIC else []
    session = ClosingClient(app, app.response_class)

    @FUZZ
    @given(case=_strategy(operation, seeded))
    def fuzz(case):
        case.call_and_validate(session=session, checks=CHECKS, excluded_checks=excluded)

    fuzz()
