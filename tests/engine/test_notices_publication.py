"""INTERPOL's decision recorded by IPCU, the published notice's review date, the reminder six months before
it (a timer fired by the worker), extension, cancellation and lapse."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from helpers import case_row, history, open_task
from notice_cases import act, published, sent
from samples import VALID_RED
from sqlalchemy import select

from engine.errors import Conflict, Forbidden, Invalid
from engine.models import Timer
from engine.services.notices import decision_page, record_decision
from engine.services.timers import fire_due_timers

pytestmark = pytest.mark.integration


def _timers(platform, case_id):
    with platform.uow() as uow:
        rows = uow.session.scalars(select(Timer).where(Timer.case_id == case_id).order_by(Timer.id)).all()
        return [(t.bpmn_id, t.due_at, t.fired_at is not None) for t in rows]


def _travel(day: str):
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=6, tzinfo=UTC), tick=True)


def test_published_red_notice_shows_its_review_date_and_waits_for_the_reminder(platform, deployed):
    case = published(platform, deployed)
    row = case_row(platform, case.id)
    assert (row.status, row.notice_status, row.interpol_number, row.published_on, row.review_due) == (
        "open", "published", "A-1234/5-2026", date(2026, 5, 4), date(2031, 5, 4))
    assert row.data["published"] == {"interpol_notice_number": "A-1234/5-2026", "published_on": "2026-05-04",
                                     "review_due": "2031-05-04"}
    assert open_task(platform, case.id).bpmn_id == "maintain_notice"
    assert _timers(platform, case.id)[-1] == ("review_reminder", datetime(2030, 11, 4, tzinfo=UTC), False)


def test_reminder_fires_six_months_before_and_opens_the_review(platform, deployed):
    case = published(platform, deployed)
    with _travel("2030-11-03"):
        assert fire_due_timers(platform) == []
    with _travel("2030-11-05"):
        assert fire_due_timers(platform) == [(case.reference, "review_reminder")]
        assert fire_due_timers(platform) == []
    review = open_task(platform, case.id)
    assert (review.bpmn_id, review.lane, case_row(platform, case.id).notice_status) == (
        "notice_renewal", "UO", "review_due")
    assert _timers(platform, case.id)[-1] == ("review_lapse", datetime(2031, 5, 4, tzinfo=UTC), False)
    assert history(platform, case.id)[-1][:2] == ("system", "timer")


def test_extension_needs_a_justification_and_sets_the_next_review(platform, deployed):
    case = published(platform, deployed)
    with _travel("2030-11-05"):
        fire_due_timers(platform)
        with pytest.raises(Invalid) as err:
            act(platform, deployed, "uo.delhi.crime", case, {"decision": "extend"})
        assert err.value.errors == {"justification": "is required"}
        act(platform, deployed, "uo.delhi.crime", case, {"decision": "extend",
                                                        "justification": "Trial pending; still wanted."})
    row = case_row(platform, case.id)
    assert (open_task(platform, case.id).bpmn_id, row.notice_status, row.review_due) == (
        "maintain_notice", "published", date(2036, 5, 4))
    assert row.data["published"]["extensions"] == [
        {"on": "2030-11-05", "previous_review_due": "2031-05-04", "justification": "Trial pending; still wanted."}]
    assert _timers(platform, case.id)[-1] == ("review_reminder", datetime(2035, 11, 4, tzinfo=UTC), False)


def test_unreviewed_notice_lapses_on_its_review_date(platform, deployed):
    case = published(platform, deployed)
    with _travel("2030-11-05"):
        fire_due_timers(platform)
    with _travel("2031-05-05"):
        assert fire_due_timers(platform) == [(case.reference, "review_lapse")]
    row = case_row(platform, case.id)
    assert (row.status, row.notice_status) == ("completed", "lapsed")


@pytest.mark.parametrize(("action", "status"), [("cancel", "cancelled"), ("withdraw", "withdrawn")])
def test_located_person_ends_the_notice_with_the_outcome_recorded(platform, deployed, action, status):
    case = published(platform, deployed)
    closure = {"action": action, "outcome": "arrested", "outcome_date": "2026-09-01",
               "details": "Arrested at Dubai airport."}
    act(platform, deployed, "uo.delhi.crime", case, closure)
    assert (open_task(platform, case.id).bpmn_id, case_row(platform, case.id).notice_status) == (
        "request_cancellation", "cancelling")
    act(platform, deployed, "ipcu.officer", case, {"sent_on": "2026-09-02"})
    row = case_row(platform, case.id)
    assert (row.status, row.notice_status, row.data["closure"]) == ("completed", status, closure)


def test_ipcu_records_publication_from_the_page(platform, deployed):
    case = sent(platform, deployed)
    page = decision_page(platform, actor_id=deployed["ipcu.officer"], case_id=case.id)
    assert (page["waiting"], page["status"], page["subject"]) == (True, "sent", "Sharma Ravi")
    record_decision(platform, actor_id=deployed["ipcu.officer"], case_id=case.id,
                    form={"outcome": "published", "notice_number": " A-77/1-2026 ", "published_on": "2026-06-01"})
    row = case_row(platform, case.id)
    assert (row.interpol_number, row.review_due, row.data["interpol_decision"]) == (
        "A-77/1-2026", date(2031, 6, 1), {"reference": case.reference, "outcome": "published",
                                          "notice_number": "A-77/1-2026", "published_on": "2026-06-01"})


def test_refusal_is_recorded_with_its_reason(platform, deployed):
    case = sent(platform, deployed)
    record_decision(platform, actor_id=deployed["ipcu.officer"], case_id=case.id,
                    form={"outcome": "refused", "reason": "Predominantly political (Art. 3).",
                          "interpol_reference": "GS/2026/1187"})
    row = case_row(platform, case.id)
    assert (row.status, row.notice_status, row.data["interpol_decision"]) == ("completed", "refused", {
        "reference": "GS/2026/1187", "outcome": "refused", "reason": "Predominantly political (Art. 3)."})


def test_query_goes_to_ipcu_then_the_uo_and_comes_back(platform, deployed):
    case = sent(platform, deployed)
    record_decision(platform, actor_id=deployed["ipcu.officer"], case_id=case.id,
                    form={"outcome": "query", "question": "Send the charge sheet."})
    assert (open_task(platform, case.id).bpmn_id, case_row(platform, case.id).notice_status) == ("review", "query")
    act(platform, deployed, "ipcu.officer", case, {"decision": "return", "return_reason": "interpol_query",
                                                   "comments": "INTERPOL asks for the charge sheet."})
    act(platform, deployed, "uo.delhi.crime", case, VALID_RED)
    act(platform, deployed, "ilo.delhi", case, {"decision": "forward"})
    act(platform, deployed, "ipcu.officer", case, {"decision": "send"})
    assert case_row(platform, case.id).notice_status == "sent"
    returns = [(who, task, reason) for who, action, task, reason in history(platform, case.id) if action == "return"]
    assert returns == [("ipcu.officer", "review", "interpol_query")]


@pytest.mark.parametrize(("form", "errors"), [
    ({}, {"outcome": "choose published, refused or query"}),
    ({"outcome": "published"}, {"notice_number": "is required", "published_on": "is required"}),
    ({"outcome": "published", "notice_number": "A-1", "published_on": "4 May"},
     {"published_on": "must be a date YYYY-MM-DD"}),
    ({"outcome": "refused", "reason": " "}, {"reason": "is required"}),
    ({"outcome": "query"}, {"question": "is required"}),
])
def test_incomplete_decision_is_refused_field_by_field(platform, deployed, form, errors):
    case = sent(platform, deployed)
    with pytest.raises(Invalid) as err:
        record_decision(platform, actor_id=deployed["ipcu.officer"], case_id=case.id, form=form)
    assert (err.value.errors, case_row(platform, case.id).notice_status) == (errors, "sent")


def test_only_ipcu_records_decisions_and_only_when_one_is_awaited(platform, deployed):
    case = sent(platform, deployed)
    for user in ("ilo.delhi", "uo.delhi.crime"):
        with pytest.raises(Forbidden):
            record_decision(platform, actor_id=deployed[user], case_id=case.id, form={"outcome": "query"})
        with pytest.raises(Forbidden):
            decision_page(platform, actor_id=deployed[user], case_id=case.id)
    record_decision(platform, actor_id=deployed["ipcu.officer"], case_id=case.id,
                    form={"outcome": "refused", "reason": "Art. 3"})
    with pytest.raises(Conflict):
        record_decision(platform, actor_id=deployed["ipcu.officer"], case_id=case.id,
                        form={"outcome": "refused", "reason": "Art. 3"})
