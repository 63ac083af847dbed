"""Broadcasts through the REST API (bearer tokens, process id `broadcast`) and the IPCU board page."""

import json

import pytest
from cooperation_cases import ANSWER, as_received, broadcast

pytestmark = pytest.mark.integration

PREFIX = "/api/v1"


class Caller:
    """A test client that sends one bearer token with every request to /api/v1."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, path):
        return self.client.get(PREFIX + path, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(PREFIX + path, headers=self.headers, json=body)

    def task(self, case_id, bpmn_id):
        """The caller's single task `bpmn_id` on the case."""
        found = [t for t in self.get("/tasks").json["tasks"] if t["case_id"] == case_id and t["bpmn_id"] == bpmn_id]
        assert len(found) == 1, found
        return found[0]

    def complete(self, case_id, bpmn_id, data):
        response = self.post(f"/tasks/{self.task(case_id, bpmn_id)['id']}/complete", {"data": data})
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture
def api(client):
    def caller(username):
        response = client.post(f"{PREFIX}/tokens", json={"username": username, "password": "bharatpol-demo"})
        assert response.status_code == 201, response.json
        return Caller(client, response.json["token"])
    return caller


def _sent(api, data=None):
    ipcu = api("ipcu.officer")
    started = ipcu.post("/cases", {"process": "broadcast"})
    assert started.status_code == 201, started.json
    case = started.json
    data = data or broadcast()
    done = ipcu.complete(case["id"], "record", data)
    routing = sorted((t["bpmn_id"], t["agency"]) for t in done["case"]["tasks"])
    assert routing == [("route", agency) for agency in data["agencies"]]
    return case


def _delhi_answers(api, case_id):
    api("ilo.delhi").complete(case_id, "route", {"units": ["DELHI-CRIME"], "instructions": "Check the address."})
    uo = api("uo.delhi.crime")
    uo.complete(case_id, "acknowledge", {"received": True, "officer": "Insp. Rana"})
    uo.complete(case_id, "answer", ANSWER)
    api("ilo.delhi").complete(case_id, "forward", {"summary": "DELHI-SUMMARY: located."})


def test_a_broadcast_through_the_api_from_record_to_closed(api):
    case = _sent(api, broadcast(agencies=["DELHI"]))
    assert (case["process"], case["reference"][:6]) == ("broadcast", "BP/BC/")
    _delhi_answers(api, case["id"])
    ipcu = api("ipcu.officer")
    closed = ipcu.complete(case["id"], "consolidate", {"outcome": "answered", "reply_text": "Located in New Delhi."})
    assert (closed["case"]["status"], closed["case"]["data"]["replies"]["DELHI"]["forwarding"]["summary"]) == (
        "completed", "DELHI-SUMMARY: located.")


def test_only_ipcu_may_start_a_broadcast(api):
    response = api("ilo.delhi").post("/cases", {"process": "broadcast"})
    assert response.status_code == 403


def test_an_agency_that_was_not_sent_a_broadcast_gets_404(api):
    case = _sent(api)
    for login in ("ilo.assam", "uo.assam.guwahati"):
        caller = api(login)
        assert caller.get(f"/cases/{case['id']}").status_code == 404
        assert caller.get(f"/cases/{case['id']}/attachments").status_code == 404
        assert [c["id"] for c in caller.get("/cases").json["cases"]] == []
    assert [t["case_id"] for t in api("ilo.assam").get("/tasks").json["tasks"]] == []


def test_a_recipient_agency_does_not_see_another_agencys_answer(api):
    case = _sent(api)
    _delhi_answers(api, case["id"])
    punjab = api("ilo.punjab")
    seen = punjab.get(f"/cases/{case['id']}")
    assert seen.status_code == 200
    assert "DELHI-SUMMARY" not in json.dumps(seen.json) and ANSWER["answer"] not in json.dumps(seen.json)
    assert (seen.json["data"]["broadcast"], [t["agency"] for t in seen.json["tasks"]]) == (as_received(), ["PUNJAB"])
    route = punjab.task(case["id"], "route")
    detail = punjab.get(f"/tasks/{route['id']}").json
    assert "DELHI-SUMMARY" not in json.dumps(detail)
    assert "DELHI-SUMMARY" in json.dumps(api("ipcu.officer").get(f"/cases/{case['id']}").json)


def test_a_unit_of_another_agency_cannot_be_chosen(api):
    case = _sent(api)
    ilo = api("ilo.delhi")
    response = ilo.post(f"/tasks/{ilo.task(case['id'], 'route')['id']}/complete",
                        {"data": {"units": ["PUNJAB-LUDHIANA"]}})
    assert (response.status_code, list(response.json["errors"])) == (422, ["unit"])


def test_the_board_page_shows_each_agency_for_ipcu_only(client, login, api):
    case = _sent(api)
    _delhi_answers(api, case["id"])
    login("ipcu.officer")
    html = client.get("/broadcasts").get_data(as_text=True)
    assert case["reference"] in html
    assert 'data-agency="DELHI" data-status="answered" data-overdue="no"' in html
    assert 'data-agency="PUNJAB" data-status="sent" data-overdue="no"' in html
    assert client.get("/broadcasts?status=completed").get_data(as_text=True).count('class="bc-row"') == 0
    login("ilo.delhi")
    assert client.get("/broadcasts").status_code == 403
