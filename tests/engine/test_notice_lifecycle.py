"""A RED notice request driven through the engine services, on a real database."""

import copy

import pytest
from helpers import assert_round_trip, case_row, history, open_task
from samples import VALID_RED

from engine.directory import agency_by_code, new_user, unit_by_code
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services.cases import add_attachment, send_message, start_case
from engine.services.tasks import claim_task, complete_task, release_task

pytestmark = pytest.mark.integration


def _draft(platform, users, data=VALID_RED, attach=True):
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request",
                      data={"notice_type": "RED"})
    if attach:
        add_attachment(platform, actor_id=users["uo.delhi.crime"], case_id=case.id, filename="nbw.pdf",
                       kind="warrant", content=b"%PDF-1.4 warrant")
    task = open_task(platform, case.id)
    complete_task(platform, actor_id=users["uo.delhi.crime"], task_id=task.id, data=copy.deepcopy(data))
    return case


def test_red_notice_from_draft_to_published(platform, deployed):
    users = deployed
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request",
                      data={"notice_type": "RED"})
    assert case.reference == f"BP/NR/{case.created_at.year}/{case.id:06d}"
    assert_round_trip(platform, case.id)
    draft = open_task(platform, case.id)
    assert (draft.bpmn_id, draft.lane, draft.state) == ("draft", "UO", "ready")
    add_attachment(platform, actor_id=users["uo.delhi.crime"], case_id=case.id, filename="nbw.pdf",
                   kind="warrant", content=b"%PDF-1.4 warrant")
    complete_task(platform, actor_id=users["uo.delhi.crime"], task_id=draft.id, data=copy.deepcopy(VALID_RED))
    assert_round_trip(platform, case.id)

    vet = open_task(platform, case.id)
    assert (vet.bpmn_id, vet.lane) == ("vet", "ILO")
    claim_task(platform, actor_id=users["ilo.delhi"], task_id=vet.id)
    complete_task(platform, actor_id=users["ilo.delhi"], task_id=vet.id, data={"decision": "forward"})
    assert_round_trip(platform, case.id)

    review = open_task(platform, case.id)
    assert (review.bpmn_id, review.lane) == ("review", "IPCU")
    complete_task(platform, actor_id=users["ipcu.officer"], task_id=review.id, data={"decision": "send"})
    assert_round_trip(platform, case.id)
    assert case_row(platform, case.id).status == "open"

    send_message(platform, actor_id=users["ipcu.officer"], name="interpol_decision", correlation=case.reference,
                 payload={"reference": case.reference, "outcome": "published", "notice_number": "A-1234/5-2026",
                          "published_on": "2026-05-04"})
    assert_round_trip(platform, case.id)
    done = case_row(platform, case.id)
    # a published notice stays open: the UO reports the outcome, the five-year review follows
    assert (done.status, done.notice_status, open_task(platform, case.id).bpmn_id) == (
        "open", "published", "maintain_notice")
    assert done.data["published"] == {"interpol_notice_number": "A-1234/5-2026", "published_on": "2026-05-04",
                                      "review_due": "2031-05-04"}
    assert [(a, act, b) for a, act, b, _r in history(platform, case.id)] == [
        ("uo.delhi.crime", "start", None), ("uo.delhi.crime", "attach", None),
        ("uo.delhi.crime", "complete", "draft"), ("ilo.delhi", "claim", "vet"), ("ilo.delhi", "complete", "vet"),
        ("ipcu.officer", "complete", "review"), ("ipcu.officer", "message", None),
    ]


def test_red_notice_returned_twice_keeps_reasons(platform, deployed):
    users = deployed
    case = _draft(platform, users)
    vet = open_task(platform, case.id)
    complete_task(platform, actor_id=users["ilo.delhi"], task_id=vet.id,
                  data={"decision": "return", "return_reason": "red_summary_of_facts",
                        "comments": "Say where the deposits were taken."})
    redraft = open_task(platform, case.id)
    assert redraft.bpmn_id == "draft"
    complete_task(platform, actor_id=users["uo.delhi.crime"], task_id=redraft.id, data=copy.deepcopy(VALID_RED))
    complete_task(platform, actor_id=users["ilo.delhi"], task_id=open_task(platform, case.id).id,
                  data={"decision": "forward"})
    complete_task(platform, actor_id=users["ipcu.officer"], task_id=open_task(platform, case.id).id,
                  data={"decision": "return", "return_reason": "other", "comments": "Attach the charge sheet."})
    assert open_task(platform, case.id).bpmn_id == "draft"
    returns = [(a, b, r) for a, act, b, r in history(platform, case.id) if act == "return"]
    assert returns == [("ilo.delhi", "vet", "red_summary_of_facts"), ("ipcu.officer", "review", "other")]


def test_return_without_reason_is_refused(platform, deployed):
    case = _draft(platform, deployed)
    vet = open_task(platform, case.id)
    with pytest.raises(Invalid) as err:
        complete_task(platform, actor_id=deployed["ilo.delhi"], task_id=vet.id, data={"decision": "return"})
    assert err.value.errors == {"return_reason": "is required"}
    assert open_task(platform, case.id).id == vet.id


def test_punjab_ilo_cannot_see_or_act_on_a_delhi_case(platform, deployed):
    case = _draft(platform, deployed)
    vet = open_task(platform, case.id)
    for action in (claim_task, release_task):
        with pytest.raises(NotFound):
            action(platform, actor_id=deployed["ilo.punjab"], task_id=vet.id)
    with pytest.raises(NotFound):
        complete_task(platform, actor_id=deployed["ilo.punjab"], task_id=vet.id, data={"decision": "forward"})
    with pytest.raises(Forbidden):
        send_message(platform, actor_id=deployed["ilo.punjab"], name="interpol_decision",
                     correlation=case.reference, payload={})
    assert open_task(platform, case.id).state == "ready"


def test_a_delhi_unit_officer_cannot_act_on_the_ilo_step(platform, deployed):
    case = _draft(platform, deployed)
    vet = open_task(platform, case.id)
    with pytest.raises(Forbidden):
        complete_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=vet.id, data={"decision": "forward"})


def test_another_unit_of_the_same_agency_cannot_see_the_case(platform, deployed):
    case = _draft(platform, deployed)
    with pytest.raises(NotFound):
        add_attachment(platform, actor_id=deployed["uo.delhi.south"], case_id=case.id, filename="x.pdf",
                       kind="document", content=b"%PDF-1.4 x")


def test_blocking_rule_refuses_the_draft_and_keeps_it(platform, deployed):
    bad = copy.deepcopy(VALID_RED)
    bad["charges"][0]["max_penalty_months"] = 12
    bad["charges"][1] = {"description": "Forgery", "law": "IPC", "section": "465", "max_penalty_months": 18}
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="notice_request")
    draft = open_task(platform, case.id)
    with pytest.raises(Invalid) as err:
        complete_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=draft.id, data=bad)
    assert sorted(err.value.errors) == ["rule.red_penalty_threshold", "rule.red_warrant_copy"]
    assert open_task(platform, case.id).id == draft.id
    assert history(platform, case.id) == [("uo.delhi.crime", "start", None, None)]


def test_claimed_task_cannot_be_completed_by_a_colleague(platform, deployed):
    with platform.uow() as uow:
        s = uow.session
        colleague = new_user(s, username="uo.delhi.crime2", full_name="Inspector, Crime Branch", role="UO",
                             agency=agency_by_code(s, "DELHI"), unit=unit_by_code(s, "DELHI-CRIME"),
                             password="a-long-enough-password").id
        uow.commit()
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="notice_request")
    draft = open_task(platform, case.id)
    claim_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=draft.id)
    with pytest.raises(Conflict) as err:
        complete_task(platform, actor_id=colleague, task_id=draft.id, data=VALID_RED)
    assert str(err.value) == "task 'Draft notice request' is claimed by uo.delhi.crime"
    with pytest.raises(Conflict):
        claim_task(platform, actor_id=colleague, task_id=draft.id)
    release_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=draft.id)
    assert claim_task(platform, actor_id=colleague, task_id=draft.id).assignee_id == colleague


def test_completed_task_cannot_be_completed_again(platform, deployed):
    case = _draft(platform, deployed)
    draft_id = open_task(platform, case.id).id - 1
    with pytest.raises(Conflict) as err:
        complete_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=draft_id, data=VALID_RED)
    assert str(err.value) == "task 'Draft notice request' is already completed"


def test_only_unit_officers_start_notice_requests(platform, deployed):
    with pytest.raises(Forbidden):
        start_case(platform, actor_id=deployed["ilo.delhi"], process_id="notice_request")
