"""Edge cases of the helpers notice scripts call (engine.notice_steps) and of the type-specific facts
(engine.compliance_parts), and of the register's derived columns (engine.notices)."""

from datetime import date

import pytest

from engine.compliance_parts import checked_type, mentions_any, missing_parts, summary_facts, text_facts
from engine.notice_steps import (
    add_months,
    decision_blocks,
    extend_publication,
    missing_assessments,
    renewal_closure,
    review_due_at,
    review_reminder_at,
    rule_findings,
)
from engine.notices import notice_status, subject_key, subject_names

pytestmark = pytest.mark.unit


def test_findings_split_by_severity_once_each():
    found = rule_findings(["a", "w", "a", "r", "w2"], ["block", "warn", "block", "review", "warn"],
                          ["A.", "W.", "A.", "R.", "W2."], {"justifications": {"w2": " because "}})
    assert found == {
        "blocks": [{"rule": "a", "message": "A."},
                   {"rule": "warn.w", "message": "W. Write a justification (justifications.w) to go on despite "
                                                 "this warning."}],
        "warnings": [{"rule": "w2", "message": "W2.", "justification": "because"}],
        "review_flags": [{"rule": "r", "message": "R."}],
    }
    assert rule_findings(None, None, None, None) == {"blocks": [], "warnings": [], "review_flags": []}


def test_missing_assessments_name_each_unassessed_flag():
    flags = [{"rule": "neutrality", "message": "N."}, {"rule": "human_rights", "message": "H."}]
    blocks = missing_assessments(flags, {"assessments": {"neutrality": "ok", "human_rights": "  "}})
    assert blocks == [{"rule": "assess.human_rights", "message": "Record your assessment of 'human_rights' "
                                                                 "(assessments.human_rights) before forwarding: H."}]
    assert missing_assessments([], {}) == []


@pytest.mark.parametrize(("decision", "rules"), [
    ({"outcome": "published", "notice_number": "A-1"}, []),
    ({"outcome": "published", "notice_number": "A-1", "published_on": "2026-13-01"}, ["decision.published_on"]),
    ({"outcome": "refused"}, ["decision.reason"]),
    ({"outcome": "query", "question": "Which court?"}, []),
    ({"outcome": "maybe"}, ["decision.outcome"]),
    ("published", ["decision.outcome"]),
])
def test_decision_blocks(decision, rules):
    assert [b["rule"] for b in decision_blocks(decision)] == rules


def test_review_timers_and_extension():
    published = {"interpol_notice_number": "A-1", "published_on": "2024-08-31", "review_due": "2029-08-31"}
    assert (review_reminder_at(published), review_due_at(published)) == (
        "2029-02-28T00:00:00+00:00", "2029-08-31T00:00:00+00:00")
    extended = extend_publication(published, {"decision": "extend", "justification": "Still wanted."})
    assert (extended["review_due"], extended["extensions"][0]["previous_review_due"], published["review_due"]) == (
        "2034-08-31", "2029-08-31", "2029-08-31")
    assert (add_months(date(2025, 1, 31), 1), add_months(date(2025, 3, 15), -6)) == (date(2025, 2, 28),
                                                                                    date(2024, 9, 15))


def test_renewal_closure_keeps_the_outcome():
    assert renewal_closure({"decision": "cancel", "outcome": "deceased", "justification": "x"}) == {
        "action": "cancel", "outcome": "deceased"}


def test_checked_type_of_a_diffusion():
    assert [checked_type(r) for r in ({"notice_type": "DIFFUSION", "diffusion": {"notice_type": "BLUE"}},
                                      {"notice_type": "DIFFUSION"}, {"notice_type": "GREEN"}, {})] == [
        "BLUE", "", "GREEN", ""]


def test_missing_parts_with_any_of_grounds_and_assets():
    request = {"case": {"fir_number": " "}, "grounds": {"other_grounds": "Seen with a weapon."},
               "assets": [{"type": "car"}, {"description": "Yacht"}], "diffusion": {"countries": []},
               "threat": {"description": "Bomb"}}
    assert missing_parts(request) == [
        "case.fir_number", "information_sought", "body.found_date", "body.found_place",
        "subject.physical_description", "threat.imminence", "modus_operandi.description", "unsc.un_reference",
        "unsc.resolution", "unsc.reference_date", "diffusion.notice_type", "diffusion.countries"]


@pytest.mark.parametrize(("summary", "place", "expected"), [
    ("On 15 March 2021 in New Delhi he cheated investors.", None, (True, True)),
    ("He cheated investors on 15/03/21.", "Karol Bagh", (True, False)),
    ("He cheated investors in karol bagh.", "Karol Bagh", (False, True)),
    ("", "Delhi", (False, False)),
])
def test_summary_date_and_place(summary, place, expected):
    facts = summary_facts({"summary_of_facts": summary, "offence_place": place})
    assert (facts["summary_date_found"], facts["summary_place_found"]) == expected


def test_text_facts_and_keywords():
    facts = text_facts({"charges": [{"description": "Sedition", "category": "general"}, {"description": "Hurt"}],
                        "subject": {"occupation": "Army officer", "refugee_status": True}})
    assert (facts["charge_text"], facts["neutrality_text"], facts["offence_categories"], facts["refugee_status"]) == (
        "sedition ; hurt", "sedition ; hurt ; army officer", ["general"], True)
    assert [mentions_any(t, ("army", "waging war")) for t in ("army officer", "pharmacy", "waging war on", None)] == [
        True, False, True, False]


def test_subject_key_and_names():
    request = {"subject": {"family_name": " Sharmā ", "forename": "Ravi", "date_of_birth": "1980-04-12",
                           "aliases": ["R. Sharma", 7]}, "case": {"fir_number": "RC-001/2023"}}
    assert (subject_key(request), subject_names(request)) == ("sharma|ravi|1980 04 12|rc 001 2023",
                                                              "sharma ravi | r sharma")
    assert subject_key({"subject": {"family_name": "X"}}) is None
    yellow = {"subject": {"forename": "Anjali"}, "missing_report": {"number": "MPR/1"}}
    assert subject_key(yellow) == "|anjali||mpr 1"


@pytest.mark.parametrize(("data", "open_tasks", "completed", "status"), [
    ({}, ["draft"], False, "draft"), ({}, ["vet"], False, "vetting"), ({}, ["review"], False, "review"),
    ({"interpol_decision": {"outcome": "query"}}, ["review"], False, "query"), ({}, [], False, "sent"),
    ({"published": {}}, ["maintain_notice"], False, "published"), ({}, ["notice_renewal"], False, "review_due"),
    ({}, ["request_cancellation"], False, "cancelling"), ({"interpol_decision": {}}, [], True, "refused"),
    ({"published": {"review_due": "2031-01-01"}}, [], True, "lapsed"),
    ({"published": {"x": 1}, "closure": {"action": "withdraw"}}, [], True, "withdrawn"),
    ({"published": {"x": 1}, "closure": {"action": "cancel"}}, [], True, "cancelled"),
])
def test_notice_status(data, open_tasks, completed, status):
    assert notice_status(data, open_tasks, completed) == status
