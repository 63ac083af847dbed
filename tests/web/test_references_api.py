"""INTERPOL references through the REST API (process id `reference_request`, message `reference_reply`) and
IPCU's reply page."""

import pytest
from cooperation_cases import reference

pytestmark = pytest.mark.integration

PREFIX = "/api/v1"


@pytest.fixture
def token(client):
    def get(username):
        response = client.post(f"{PREFIX}/tokens", json={"username": username, "password": "bharatpol-demo"})
        return {"Authorization": f"Bearer {response.json['token']}"}
    return get


def _complete(client, headers, case_id, data):
    (task,) = [t for t in client.get(f"{PREFIX}/tasks", headers=headers).json["tasks"] if t["case_id"] == case_id]
    response = client.post(f"{PREFIX}/tasks/{task['id']}/complete", headers=headers, json={"data": data})
    assert response.status_code == 200, response.json
    return response.json


def _sent(client, token, data=None):
    uo, data = token("uo.delhi.crime"), data or reference()
    case = client.post(f"{PREFIX}/cases", headers=uo, json={"process": "reference_request", "data": data})
    assert case.status_code == 201, case.json
    case = case.json
    assert case["data"]["request"] == data  # the start data pre-fills the draft
    _complete(client, uo, case["id"], data)
    _complete(client, token("ilo.delhi"), case["id"], {"decision": "forward"})
    sent = _complete(client, token("ipcu.officer"), case["id"], {"decision": "send"})
    assert (sent["case"]["tasks"], sent["case"]["data"]["tracking"]["awaiting"]) == ([], data["countries"])
    return case


def test_replies_per_country_arrive_as_messages_and_go_back_to_the_unit(client, token):
    case = _sent(client, token)
    ipcu = token("ipcu.officer")
    for country, text in (("AE", "Resides in Dubai Marina."), ("GB", "No trace.")):
        response = client.post(f"{PREFIX}/messages/reference_reply", headers=ipcu,
                               json={"correlation": case["reference"], "payload": {"country": country, "reply": text}})
        assert response.status_code == 200, response.json
    assert [(t["bpmn_id"], t["lane"]) for t in response.json["tasks"]] == [("close", "UO")]
    uo = token("uo.delhi.crime")
    replies = client.get(f"{PREFIX}/cases/{case['id']}", headers=uo).json["data"]["tracking"]["replies"]
    assert {c: r["reply"] for c, r in replies.items()} == {"AE": "Resides in Dubai Marina.", "GB": "No trace."}
    closed = _complete(client, uo, case["id"], {"outcome": "partly_answered", "summary": "Located in Dubai."})
    assert closed["case"]["status"] == "completed"


def test_a_reply_message_from_an_ilo_is_refused_and_a_late_one_conflicts(client, token):
    case = _sent(client, token, reference(countries=["AE"]))
    body = {"correlation": case["reference"], "payload": {"country": "AE", "reply": "Found."}}
    assert client.post(f"{PREFIX}/messages/reference_reply", headers=token("ilo.delhi"), json=body).status_code == 403
    ipcu = token("ipcu.officer")
    assert client.post(f"{PREFIX}/messages/reference_reply", headers=ipcu, json=body).status_code == 200
    assert client.post(f"{PREFIX}/messages/reference_reply", headers=ipcu, json=body).status_code == 409


def test_evidence_for_trial_needs_an_assessment_to_forward(client, token):
    uo, ilo = token("uo.delhi.crime"), token("ilo.delhi")
    case = client.post(f"{PREFIX}/cases", headers=uo, json={"process": "reference_request"}).json
    _complete(client, uo, case["id"], reference(evidence_for_trial=True))
    (vet,) = client.get(f"{PREFIX}/tasks", headers=ilo).json["tasks"]
    response = client.post(f"{PREFIX}/tasks/{vet['id']}/complete", headers=ilo, json={"data": {"decision": "forward"}})
    assert (response.status_code, list(response.json["errors"])) == (422, ["rule.assess.letter_rogatory"])


def test_ipcu_records_a_reply_on_the_reply_page(client, login, token):
    case = _sent(client, token)
    login("ipcu.officer")
    assert "Still awaited" in client.get(f"/references/{case['id']}/reply").get_data(as_text=True)
    refused = client.post(f"/references/{case['id']}/reply", data={"country": "AE", "reply": " "})
    assert refused.status_code == 422
    done = client.post(f"/references/{case['id']}/reply", data={"country": "AE", "reply": "Found in Dubai."})
    assert (done.status_code, done.headers["Location"]) == (302, f"/cases/{case['id']}")
    login("ilo.delhi")
    assert client.get(f"/references/{case['id']}/reply").status_code == 403
