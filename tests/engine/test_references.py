"""INTERPOL references driven through the engine services, on a real database: the UO -> ILO -> IPCU chain,
the Letter Rogatory flag, replies per country (the reference_reply message, or IPCU's page), follow-ups."""

from datetime import timedelta

import pytest
import time_machine
from cooperation_cases import do, open_tasks, reference, sent_reference
from helpers import assert_round_trip, case_row, history

from engine.cooperation_steps import duration
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services._common import now
from engine.services.cases import send_message, start_case, view_case
from engine.services.references import record_reply, reply_page
from engine.services.timers import fire_due_timers

pytestmark = pytest.mark.integration


def _reply(platform, users, case, country, text, login="ipcu.officer"):
    return send_message(platform, actor_id=users[login], name="reference_reply", correlation=case.reference,
                        payload={"country": country, "reply": text})


def test_a_reference_from_draft_to_closed_with_replies_from_every_country(platform, deployed):
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="reference_request")
    assert case.reference == f"BP/RR/{case.created_at.year}/{case.id:06d}"
    do(platform, deployed, "uo.delhi.crime", case.id, "draft", reference())
    do(platform, deployed, "ilo.delhi", case.id, "vet", {"decision": "forward"})
    do(platform, deployed, "ipcu.officer", case.id, "review", {"decision": "send"})
    awaiting = case_row(platform, case.id).data["tracking"]["awaiting"]
    assert (open_tasks(platform, case.id), awaiting) == ([], ["AE", "GB"])
    _reply(platform, deployed, case, "GB", "No trace in the United Kingdom.")
    _reply(platform, deployed, case, "AE", "Resides in Dubai Marina since 2023.")
    assert_round_trip(platform, case.id)
    (close,) = open_tasks(platform, case.id)
    assert (close.bpmn_id, close.lane) == ("close", "UO")
    replies = view_case(platform, actor_id=deployed["uo.delhi.crime"], case_id=case.id)["data"]["tracking"]["replies"]
    assert {c: r["reply"] for c, r in replies.items()} == {"GB": "No trace in the United Kingdom.",
                                                            "AE": "Resides in Dubai Marina since 2023."}
    do(platform, deployed, "uo.delhi.crime", case.id, "close", {"outcome": "answered", "summary": "Located in Dubai."})
    done = case_row(platform, case.id)
    assert (done.status, done.data["closure"]["outcome"]) == ("completed", "answered")
    assert [(a, act, b) for a, act, b, _r in history(platform, case.id)] == [
        ("uo.delhi.crime", "start", None), ("uo.delhi.crime", "complete", "draft"), ("ilo.delhi", "complete", "vet"),
        ("ipcu.officer", "complete", "review"), ("ipcu.officer", "message", None), ("ipcu.officer", "message", None),
        ("uo.delhi.crime", "complete", "close")]


def test_evidence_for_trial_is_flagged_and_forwarding_it_needs_an_assessment(platform, deployed):
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="reference_request")
    do(platform, deployed, "uo.delhi.crime", case.id, "draft", reference(evidence_for_trial=True))
    assert case_row(platform, case.id).data["letter_rogatory"]["rule"] == "letter_rogatory"
    with pytest.raises(Invalid) as err:
        do(platform, deployed, "ilo.delhi", case.id, "vet", {"decision": "forward"})
    assert list(err.value.errors) == ["rule.assess.letter_rogatory"]
    assert [t.bpmn_id for t in open_tasks(platform, case.id)] == ["vet"]  # nothing saved
    do(platform, deployed, "ilo.delhi", case.id, "vet", {"decision": "forward", "evidence_assessment": "IPCU decides."})
    do(platform, deployed, "ipcu.officer", case.id, "review", {"decision": "letter_rogatory",
                                                                "comments": "Request the bank records by LR."})
    done = case_row(platform, case.id)
    assert (done.status, done.data["closure"]["outcome"]) == ("completed", "letter_rogatory")


def test_an_unassigned_country_code_refuses_the_draft(platform, deployed):
    case = start_case(platform, actor_id=deployed["uo.delhi.crime"], process_id="reference_request")
    with pytest.raises(Invalid) as err:
        do(platform, deployed, "uo.delhi.crime", case.id, "draft", reference(countries=["AE", "ZZ"]))
    assert err.value.errors == {"rule.country_codes": "Not ISO 3166 alpha-2 country codes: ZZ."}


def test_only_ipcu_records_replies_and_only_while_they_are_awaited(platform, deployed):
    case = sent_reference(platform, deployed)
    with pytest.raises(Forbidden):
        _reply(platform, deployed, case, "AE", "x", login="ilo.delhi")
    _reply(platform, deployed, case, "AE", "Found.")
    _reply(platform, deployed, case, "GB", "Nothing.")
    with pytest.raises(Conflict):
        _reply(platform, deployed, case, "GB", "Late.")


def test_the_reply_page_checks_the_country_then_delivers_the_message(platform, deployed):
    case = sent_reference(platform, deployed)
    with pytest.raises(Invalid) as err:
        record_reply(platform, actor_id=deployed["ipcu.officer"], case_id=case.id, form={"country": "FR", "reply": ""})
    assert sorted(err.value.errors) == ["country", "reply"]
    record_reply(platform, actor_id=deployed["ipcu.officer"], case_id=case.id,
                 form={"country": "ae", "reply": "Found.", "ncb_reference": "UAE/1", "received_on": "2026-05-04"})
    page = reply_page(platform, actor_id=deployed["ipcu.officer"], case_id=case.id)
    assert (page["awaiting"], page["replies"]["AE"]["ncb_reference"], page["waiting"]) == (["GB"], "UAE/1", True)
    with pytest.raises(Forbidden):
        reply_page(platform, actor_id=deployed["ilo.delhi"], case_id=case.id)
    _reply(platform, deployed, case, "GB", "Nothing.")  # every country answered: the unit's close task is open
    assert reply_page(platform, actor_id=deployed["ipcu.officer"], case_id=case.id)["waiting"] is False


def test_follow_ups_fall_due_by_urgency_and_the_unit_closes_after_three(platform, deployed):
    case = sent_reference(platform, deployed, reference(urgency="immediate"))  # a follow-up every 2 days
    _reply(platform, deployed, case, "AE", "Found.")
    for count in (1, 2, 3):
        with time_machine.travel(now() + timedelta(days=2 * count, minutes=count), tick=True):
            assert fire_due_timers(platform) == [(case.reference, "follow_up_due")]
        follow_ups = case_row(platform, case.id).data["tracking"]["follow_ups"]
        assert [f["countries"] for f in follow_ups] == [["GB"]] * count
    assert [t.bpmn_id for t in open_tasks(platform, case.id)] == ["close"]


def test_other_units_and_agencies_do_not_see_a_reference(platform, deployed):
    case = sent_reference(platform, deployed)
    for login in ("uo.delhi.south", "ilo.punjab", "uo.punjab.ludhiana"):
        with pytest.raises(NotFound):
            view_case(platform, actor_id=deployed[login], case_id=case.id)
    assert view_case(platform, actor_id=deployed["ilo.delhi"], case_id=case.id)["data"]["request"] == reference()


@pytest.mark.parametrize(("text", "expected"), [("P3D", timedelta(days=3)), ("PT12H", timedelta(hours=12)),
                                                ("P1W", timedelta(weeks=1)),
                                                ("P1DT30M", timedelta(days=1, minutes=30))])
def test_durations(text, expected):
    assert duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "3 days", "P1M", "P1Y", None])
def test_durations_refused(text):
    with pytest.raises(ValueError):
        duration(text)
