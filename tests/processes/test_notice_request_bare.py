"""The notice_request diagram's paths on a bare engine: vetting, review, INTERPOL's decision, the published
notice's five-year review."""

import copy
from datetime import date
from xml.etree import ElementTree

import pytest
from notice_bare import (
    PROCESSES,
    complete,
    fire,
    gs_decision,
    mutated,
    parse_specs,
    ready_data,
    ready_names,
    redraft,
    start,
    submit,
    timer_due,
    waiting,
)
from samples import VALID_RED
from SpiffWorkflow.util.task import TaskState

from engine.notice_steps import add_years

pytestmark = pytest.mark.unit

PUBLISHED = {"reference": "2025/88231", "outcome": "published", "notice_number": "A-1234/5-2025",
             "published_on": "2025-05-20"}
NEUTRAL = {"rule": "neutrality", "message": "Neutrality (Constitution Art. 3): the offences or the person's "
           "description suggest a political, military, religious or racial character; assess whether ordinary "
           "crime predominates."}


@pytest.fixture(scope="module")
def specs():
    return parse_specs()


def to_review(specs, request=VALID_RED, attachments=("warrant",), vetting=None):
    workflow = submit(specs, request, attachments)
    workflow = complete(workflow, "vet", vetting=vetting or {"decision": "forward"})
    assert ready_names(workflow) == ["review"]
    return workflow


def published(specs):
    workflow = complete(to_review(specs), "review", review={"decision": "send"})
    workflow = gs_decision(workflow, PUBLISHED)
    assert ready_names(workflow) == ["maintain_notice"]
    return workflow


def test_user_task_lanes_and_forms(specs):
    spec, _ = specs
    found = {name: (ts.lane, ts.extensions["properties"]["formJsonSchemaFilename"],
                    ts.extensions["properties"]["formDataVariable"])
             for name, ts in spec.task_specs.items() if type(ts).__name__ == "UserTask"}
    assert found == {
        "draft": ("UO", "notice_draft.json", "request"), "vet": ("ILO", "notice_vet.json", "vetting"),
        "review": ("IPCU", "notice_review.json", "review"),
        "maintain_notice": ("UO", "notice_outcome.json", "closure"),
        "notice_renewal": ("UO", "notice_renewal.json", "renewal"),
        "request_cancellation": ("IPCU", "notice_cancellation.json", "cancellation"),
    }


def test_valid_red_request_is_published_with_review_date_and_reminder(specs):
    workflow = start(specs)
    assert ready_names(workflow) == ["draft"]
    workflow = redraft(workflow, VALID_RED)
    assert (ready_names(workflow), ready_data(workflow)["blocks"]) == (["vet"], [])
    workflow = complete(workflow, "vet", vetting={"decision": "forward"})
    workflow = complete(workflow, "review", review={"decision": "send"})
    assert (ready_names(workflow), waiting(workflow)) == ([], ["await_decision"])
    workflow = gs_decision(workflow, PUBLISHED)
    data = ready_data(workflow)
    assert (ready_names(workflow), data["published"], data["blocks"]) == (["maintain_notice"], {
        "interpol_notice_number": "A-1234/5-2025", "published_on": "2025-05-20", "review_due": "2030-05-20"}, [])
    assert timer_due(workflow, "review_reminder") == "2029-11-20T00:00:00+00:00"


def test_refused_decision_ends_without_publication(specs):
    workflow = complete(to_review(specs), "review", review={"decision": "send"})
    workflow = gs_decision(workflow, {"reference": "2025/88231", "outcome": "refused", "reason": "Art. 3"})
    assert workflow.is_completed()
    end = workflow.get_tasks(state=TaskState.COMPLETED, spec_name="refused_end")
    assert ("published" in end[0].data, end[0].data["interpol_decision"]["reason"]) == (False, "Art. 3")


def test_incomplete_decision_keeps_waiting(specs):
    workflow = complete(to_review(specs), "review", review={"decision": "send"})
    workflow = gs_decision(workflow, {"outcome": "published"})
    assert (ready_names(workflow), waiting(workflow)) == ([], ["await_decision"])
    blocks = workflow.get_tasks(state=TaskState.COMPLETED, spec_name="check_decision")[-1].data["blocks"]
    assert blocks == [{"rule": "decision.notice_number", "message": "A published decision needs the INTERPOL "
                                                                     "notice number."}]
    assert ready_names(gs_decision(workflow, PUBLISHED)) == ["maintain_notice"]


def test_query_goes_to_ipcu_then_to_the_uo_and_comes_back(specs):
    workflow = complete(to_review(specs), "review", review={"decision": "send"})
    query = {"reference": "2025/88231", "outcome": "query", "question": "Send the charge sheet."}
    workflow = gs_decision(workflow, query)
    assert (ready_names(workflow), ready_data(workflow)["interpol_decision"]) == (["review"], query)
    workflow = complete(workflow, "review", review={"decision": "return", "return_reason": "interpol_query",
                                                    "comments": "INTERPOL asks for the charge sheet."})
    workflow = redraft(workflow, VALID_RED)
    workflow = complete(workflow, "vet", vetting={"decision": "forward"})
    workflow = complete(workflow, "review", review={"decision": "send"})
    assert ready_names(gs_decision(workflow, PUBLISHED)) == ["maintain_notice"]


def test_vet_return_goes_back_to_draft(specs):
    workflow = submit(specs, VALID_RED, ["warrant"])
    vetting = {"decision": "return", "return_reason": "neutrality", "comments": "Check role."}
    workflow = complete(workflow, "vet", vetting=vetting)
    assert (ready_names(workflow), ready_data(workflow)["vetting"]) == (["draft"], vetting)
    assert ready_names(redraft(workflow, VALID_RED)) == ["vet"]


def test_review_return_goes_back_to_draft(specs):
    workflow = complete(to_review(specs), "review",
                        review={"decision": "return", "return_reason": "red_summary_date_place"})
    assert ready_names(workflow) == ["draft"]


def test_fixed_draft_clears_old_blocks(specs):
    workflow = submit(specs, mutated(VALID_RED, lambda r: r["case"].update(summary_of_facts="")), ["warrant"])
    assert [b["rule"] for b in ready_data(workflow)["blocks"]] == ["red_summary_of_facts"]
    workflow = redraft(workflow, VALID_RED)
    data = ready_data(workflow)
    assert (ready_names(workflow), data["blocks"], data["warnings"], data["review_flags"]) == (["vet"], [], [], [])
    assert [k for k in ("rule_id", "rule_severity", "rule_message", "found", "duplicates") if k in data] == []


def _flagged(request):
    request["subject"]["occupation"] = "Activist"


def test_review_flag_needs_the_ilo_assessment_before_forwarding(specs):
    workflow = submit(specs, mutated(VALID_RED, _flagged), ["warrant"])
    assert ready_data(workflow)["review_flags"] == [NEUTRAL]
    workflow = complete(workflow, "vet", vetting={"decision": "forward"})
    assert ready_names(workflow) == ["vet"]
    assert ready_data(workflow)["blocks"] == [{"rule": "assess.neutrality", "message": "Record your assessment of "
                                               f"'neutrality' (assessments.neutrality) before forwarding: "
                                               f"{NEUTRAL['message']}"}]
    assessed = {"decision": "forward", "assessments": {"neutrality": "A fraud; the occupation is incidental."}}
    workflow = complete(workflow, "vet", vetting=assessed)
    assert (ready_names(workflow), ready_data(workflow)["vetting"]) == (["review"], assessed)


def test_review_flag_needs_the_ipcu_assessment_before_sending(specs):
    vetting = {"decision": "forward", "assessments": {"neutrality": "Ordinary crime predominates."}}
    workflow = to_review(specs, mutated(VALID_RED, _flagged), vetting=vetting)
    workflow = complete(workflow, "review", review={"decision": "send", "assessments": {"neutrality": " "}})
    assert [b["rule"] for b in ready_data(workflow)["blocks"]] == ["assess.neutrality"]
    workflow = complete(workflow, "review", review={"decision": "send",
                                                    "assessments": {"neutrality": "Agreed with the ILO."}})
    assert (ready_names(workflow), waiting(workflow)) == ([], ["await_decision"])


def test_return_needs_no_assessment(specs):
    workflow = submit(specs, mutated(VALID_RED, _flagged), ["warrant"])
    workflow = complete(workflow, "vet", vetting={"decision": "return", "return_reason": "neutrality"})
    assert ready_names(workflow) == ["draft"]


def test_vet_reminder_fires_without_ending_vetting(specs):
    workflow = fire(submit(specs, VALID_RED, ["warrant"]), "vet_reminder")
    assert len(workflow.get_tasks(state=TaskState.COMPLETED, spec_name="vet_reminder_end")) == 1
    assert ready_names(complete(workflow, "vet", vetting={"decision": "forward"})) == ["review"]


def test_uo_reports_arrest_and_ipcu_asks_interpol_to_cancel(specs):
    closure = {"action": "cancel", "outcome": "arrested", "outcome_date": "2026-02-01",
               "details": "Arrested in Dubai; extradition requested."}
    workflow = complete(published(specs), "maintain_notice", closure=closure)
    assert ready_names(workflow) == ["request_cancellation"]
    workflow = complete(workflow, "request_cancellation", cancellation={"sent_on": "2026-02-02"})
    assert workflow.is_completed()
    end = workflow.get_tasks(state=TaskState.COMPLETED, spec_name="closed_end")[0]
    assert (end.data["closure"], end.data["cancellation"]) == (closure, {"sent_on": "2026-02-02"})


def test_reminder_six_months_before_review_asks_to_extend_or_cancel(specs):
    workflow = fire(published(specs), "review_reminder")
    assert (ready_names(workflow), waiting(workflow)) == (["notice_renewal"], ["review_lapse"])
    assert timer_due(workflow, "review_lapse") == "2030-05-20T00:00:00+00:00"
    workflow = complete(workflow, "notice_renewal", renewal={"decision": "extend",
                                                             "justification": "Still wanted; trial pending."})
    data = ready_data(workflow)
    assert (ready_names(workflow), data["published"]["review_due"]) == (["maintain_notice"], "2035-05-20")
    assert data["published"]["extensions"] == [{"on": date.today().isoformat(), "previous_review_due": "2030-05-20",
                                                "justification": "Still wanted; trial pending."}]
    assert timer_due(workflow, "review_reminder") == "2034-11-20T00:00:00+00:00"


def test_review_may_cancel_with_the_outcome(specs):
    workflow = fire(published(specs), "review_reminder")
    renewal = {"decision": "cancel", "outcome": "extradited", "outcome_date": "2029-12-01"}
    workflow = complete(workflow, "notice_renewal", renewal=renewal)
    assert (ready_names(workflow), ready_data(workflow)["closure"]) == (["request_cancellation"], {
        "action": "cancel", "outcome": "extradited", "outcome_date": "2029-12-01"})


def test_unreviewed_notice_lapses_on_its_review_date(specs):
    workflow = fire(fire(published(specs), "review_reminder"), "review_lapse")
    assert workflow.is_completed()
    assert len(workflow.get_tasks(state=TaskState.COMPLETED, spec_name="lapsed_end")) == 1


def test_review_dates_follow_the_calendar():
    assert (add_years(date(2024, 2, 29), 5), add_years(date(2025, 5, 20), 5)) == (date(2029, 2, 28),
                                                                                   date(2030, 5, 20))


def test_samples_are_not_changed_by_the_flow(specs):
    before = copy.deepcopy(VALID_RED)
    published(specs)
    assert before == VALID_RED


def test_every_element_and_lane_is_drawn():
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    root = ElementTree.parse(PROCESSES / "notice_request.bpmn").getroot()
    process = root.find("bpmn:process", ns)
    elements = {e.get("id") for e in process if e.get("id") and not e.tag.endswith("laneSet")}
    elements |= {lane.get("id") for lane in process.iterfind(".//bpmn:lane", ns)}
    drawn = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNShape", ns)}
    drawn |= {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    assert sorted(elements - drawn) == []
    lanes = {lane.get("name") for lane in process.iterfind(".//bpmn:lane", ns)}
    assert lanes == {"UO", "ILO", "IPCU"}
