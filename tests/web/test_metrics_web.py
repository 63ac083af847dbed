"""The metrics pages, CSV exports and GET /api/v1/metrics/nodes: IPCU only, figures from a known history."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from engine.demo_history.plans import CasePlan, Step
from engine.demo_history.writer import NodeSpec, insert_history
from engine.models import AuditEntry, ProcessFile, ProcessVersion
from engine.models._types import utcnow
from web.api.openapi import document

pytestmark = pytest.mark.integration

T = datetime(2025, 6, 2, 10, tzinfo=UTC)
H = timedelta(hours=1)
NODES = {"draft": NodeSpec("Draft notice request", "UO", "notice_draft.json", "request", "P3D"),
         "vet": NodeSpec("Vet request", "ILO", "notice_vet.json", "vetting", None)}
FIGURES = [
    {"id": "draft", "name": "Draft notice request", "lane": "UO", "wip": 1, "completed": 2, "queue_p50_s": 1800.0,
     "queue_p90_s": 10800.0, "work_p50_s": 0.0, "work_p90_s": 1800.0, "lead_p50_s": 3600.0, "lead_p90_s": 10800.0,
     "sla_s": 259200.0, "sla_breaches": 0, "heat": "green"},
    {"id": "vet", "name": "Vet request", "lane": "ILO", "wip": 0, "completed": 1, "queue_p50_s": 3600.0,
     "queue_p90_s": 3600.0, "work_p50_s": 10800.0, "work_p90_s": 10800.0, "lead_p50_s": 14400.0,
     "lead_p90_s": 14400.0, "sla_s": None, "sla_breaches": 0, "heat": "grey"},
]
PAGES = ("/metrics", "/metrics/heatmap", "/metrics/heatmap/diagram.bpmn", "/metrics/nodes/draft",
         "/metrics/export/nodes.csv")


@pytest.fixture
def history(platform, app):
    """Two completed drafts (lead 1 h and 3 h), one open, one vet step returned; returns the case ids."""
    opened = utcnow() - timedelta(days=2)
    plans = [CasePlan("DELHI-CRIME", "DELHI", "RED", T, [
                 Step("draft", T, T + H / 2, T + H),
                 Step("vet", T + H, T + 2 * H, T + 5 * H, reason="red_warrant_copy")]),
             CasePlan("DELHI-CRIME", "DELHI", "RED", T, [Step("draft", T, None, T + 3 * H)]),
             CasePlan("PUNJAB-LUDHIANA", "PUNJAB", "YELLOW", opened, [Step("draft", opened)])]
    with platform.uow() as uow:
        version = uow.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == "notice_request"))
        ids = insert_history(uow.session, version=version, nodes=NODES, plans=plans, state="{}")
        uow.commit()
    return ids


@pytest.fixture
def api(client):
    def headers(username):
        response = client.post("/api/v1/tokens", json={"username": username, "password": "bharatpol-demo"})
        return {"Authorization": f"Bearer {response.json['token']}"}
    return headers


def test_pages_and_exports_are_for_ipcu_only(client, login, history):
    for username in ("uo.delhi.crime", "ilo.delhi"):
        login(username)
        assert [client.get(path).status_code for path in PAGES] == [403] * len(PAGES)
    login("ipcu.officer")
    assert [client.get(path).status_code for path in PAGES] == [200] * len(PAGES)


def test_overview_shows_every_table_with_what_it_counts(client, login, history):
    login("ipcu.officer")
    page = client.get("/metrics?from=2025-06-01&to=2025-06-30").get_data(as_text=True)
    for table in ("metrics-nodes", "metrics-stage-times", "metrics-return-stages", "metrics-return-reasons",
                  "metrics-publication", "metrics-backlog", "metrics-activity", "metrics-training"):
        assert f'id="{table}"' in page
    assert "Cohort: requests opened in the period" in page
    assert "No broadcast was sent in this selection." in page
    assert "coverage = trained ÷ active accounts" in page
    assert "available when" not in page
    assert page.count("<svg") == 2  # completions per week and backlog per agency
    assert 'href="/metrics/export/nodes.csv?process=notice_request&amp;from=2025-06-01&amp;to=2025-06-30"' in page


def test_bad_filters_are_refused_with_the_field(client, login, history):
    login("ipcu.officer")
    assert client.get("/metrics?from=June").status_code == 422
    assert client.get("/metrics?process=nope").status_code == 404
    assert client.get("/metrics?agency=NOPE").status_code == 422


def test_csv_export_is_exact_and_audited(client, login, history, platform):
    login("ipcu.officer")
    response = client.get("/metrics/export/nodes.csv?from=2025-06-01&to=2025-06-30&agency=DELHI")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="bharatpol-notice_request-nodes-\d{8}\.csv"',
                        response.headers["Content-Disposition"])
    assert response.get_data(as_text=True).splitlines() == [
        "id,name,lane,wip,completed,queue_p50_s,queue_p90_s,work_p50_s,work_p90_s,lead_p50_s,lead_p90_s,sla_s,"
        "sla_breaches,heat",
        "draft,Draft notice request,UO,0,2,1800.0,10800.0,0.0,1800.0,3600.0,10800.0,259200.0,0,green",
        "vet,Vet request,ILO,0,1,3600.0,3600.0,10800.0,10800.0,14400.0,14400.0,,0,grey"]
    assert client.get("/metrics/export/passwords.csv").status_code == 404
    assert client.get("/metrics/export/broadcasts.csv").get_data(as_text=True) == (
        "agency,name,sent,acknowledged,answered,ack_p50_s,answer_p50_s,answered_on_time,on_time_share\r\n")
    training = client.get("/metrics/export/training.csv?agency=DELHI").get_data(as_text=True).splitlines()
    assert training == ["code,name,sessions,trained,accounts,coverage", "DELHI,Delhi Police,2,3,3,100.0"]
    with platform.uow() as uow:
        entry, *others = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "metrics.export")
                                             .order_by(AuditEntry.id))
    assert [(e.object_id, e.detail["rows"]) for e in others] == [("broadcasts", 0), ("training", 1)]
    assert (entry.actor, entry.object_id, entry.detail) == ("ipcu.officer", "nodes", {
        "filters": {"process": "notice_request", "from": "2025-06-01", "to": "2025-06-30", "agency": "DELHI",
                    "type": None}, "rows": 2})


def test_heatmap_marks_each_node_and_links_its_cases(client, login, history, platform):
    login("ipcu.officer")
    page = client.get("/metrics/heatmap?process=notice_request").get_data(as_text=True)
    marks = json.loads(re.search(r"data-nodes='([^']*)'", page).group(1).replace("&#34;", '"'))
    assert [(m["id"], m["wip"], m["heat"], m["p90"], m["sla"], m["url"]) for m in marks] == [
        ("draft", 1, "green", "3.0 h", "3.0 d", "/metrics/nodes/draft?process=notice_request"),
        ("vet", 0, "grey", "4.0 h", "—", "/metrics/nodes/vet?process=notice_request")]
    assert 'src="/static/metrics.js"' in page
    with platform.uow() as uow:
        newest = uow.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == "notice_request")
                                    .order_by(ProcessVersion.version.desc()).limit(1))
        xml = uow.session.scalar(select(ProcessFile.content).where(ProcessFile.version_id == newest.id,
                                                                   ProcessFile.kind == "bpmn"))
    diagram = client.get("/metrics/heatmap/diagram.bpmn?process=notice_request")
    assert (diagram.mimetype, diagram.get_data(as_text=True)) == ("application/xml", xml)


def test_node_page_lists_the_cases_waiting_there(client, login, history):
    login("ipcu.officer")
    page = client.get("/metrics/nodes/draft").get_data(as_text=True)
    rows = re.findall(r'<a href="/cases/(\d+)">', page)
    assert rows == [str(history[2])]
    assert "PUNJAB / PUNJAB-LUDHIANA" in page


def test_api_answers_the_documented_node_figures_to_ipcu(client, api, history):
    response = client.get("/api/v1/metrics/nodes?process=notice_request", headers=api("ipcu.officer"))
    assert (response.status_code, response.json) == (200, {"process": "notice_request", "nodes": FIGURES})
    doc = document()
    schema = doc["paths"]["/metrics/nodes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": doc["components"]}).validate(response.json)
    period = client.get("/api/v1/metrics/nodes?process=notice_request&from=2025-06-03", headers=api("ipcu.officer"))
    assert [(n["id"], n["wip"], n["completed"]) for n in period.json["nodes"]] == [("draft", 1, 0)]


def test_api_refuses_others_and_bad_queries(client, api, history):
    ipcu = api("ipcu.officer")
    answers = [client.get(path, headers=headers) for path, headers in (
        ("/api/v1/metrics/nodes?process=notice_request", api("ilo.delhi")),
        ("/api/v1/metrics/nodes?process=notice_request", {}),
        ("/api/v1/metrics/nodes", ipcu),
        ("/api/v1/metrics/nodes?process=nope", ipcu),
        ("/api/v1/metrics/nodes?process=notice_request&to=yesterday", ipcu),
        ("/api/v1/metrics/nodes?process=notice_request&agency=NOPE", ipcu))]
    assert [(r.status_code, r.json) for r in answers] == [
        (403, {"error": "effectiveness figures are for CBI IPCU"}),
        (401, {"error": "send 'Authorization: Bearer <token>'; get a token from POST /api/v1/tokens"}),
        (422, {"errors": {"process": "is required"}}),
        (404, {"error": "no process 'nope' is deployed"}),
        (422, {"errors": {"to": "must be a date YYYY-MM-DD"}}),
        (422, {"errors": {"agency": "no agency with code 'NOPE'"}})]
