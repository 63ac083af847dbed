"""Notice requests of every type through the services: blocks (422 naming the rule), warnings with their
justification, review flags with the ILO's and IPCU's assessments, and a threshold changed by a deploy."""

import copy

import pytest
from helpers import case_row, open_task
from notice_cases import act, drafted, sent, started
from samples import VALID, VALID_RED
from sqlalchemy import select

from engine.config import PROJECT_ROOT
from engine.errors import Invalid
from engine.models import Case
from engine.services.cases import send_message
from engine.services.deploy import Deployed, deploy, read_paths

pytestmark = pytest.mark.integration

PENALTY = "<text>&lt; 24</text>"
WARN_DUPLICATE = "rule.warn.duplicate_request"


@pytest.mark.parametrize("kind", sorted(VALID))
def test_complete_request_of_each_type_goes_to_the_ilo(platform, deployed, kind):
    case = drafted(platform, deployed, kind)
    row = case_row(platform, case.id)
    assert (open_task(platform, case.id).bpmn_id, row.category, row.notice_status) == ("vet", kind, "vetting")
    assert (row.data["blocks"], row.data["warnings"], row.data["review_flags"]) == ([], [], [])


@pytest.mark.parametrize(("kind", "change", "rule"), [
    ("RED", lambda r: r["charges"][0].update(max_penalty_months=12), "red_penalty_threshold"),
    ("YELLOW", lambda r: r["subject"].pop("dna_available"), "biometrics_declared"),
    ("BLUE", lambda r: r.pop("information_sought"), "blue_information_sought"),
    ("BLACK", lambda r: r.pop("body"), "black_found"),
    ("GREEN", lambda r: r.pop("grounds"), "green_grounds"),
    ("ORANGE", lambda r: r["threat"].pop("imminence"), "orange_threat"),
    ("PURPLE", lambda r: r.pop("modus_operandi"), "purple_method"),
    ("UNSC", lambda r: r["unsc"].pop("un_reference"), "unsc_reference"),
    ("SILVER", lambda r: r.update(assets=[]), "silver_assets"),
    ("DIFFUSION", lambda r: r["diffusion"].update(countries=[]), "diffusion_countries"),
])
def test_block_rule_refuses_the_draft_naming_the_rule(platform, deployed, kind, change, rule):
    case = started(platform, deployed, kind)
    request = copy.deepcopy(VALID[kind])
    change(request)
    draft = open_task(platform, case.id)
    with pytest.raises(Invalid) as err:
        act(platform, deployed, "uo.delhi.crime", case, request)
    assert list(err.value.errors) == [f"rule.{rule}"]
    assert (open_task(platform, case.id).id, case_row(platform, case.id).data["request"]) == (
        draft.id, {"notice_type": kind})


def test_missing_attachments_are_named_per_type(platform, deployed):
    red, black = started(platform, deployed, "RED", attach=[]), started(platform, deployed, "BLACK", attach=[])
    errors = []
    for case, kind in ((red, "RED"), (black, "BLACK")):
        with pytest.raises(Invalid) as err:
            act(platform, deployed, "uo.delhi.crime", case, VALID[kind])
        errors.append(sorted(err.value.errors))
    assert errors == [["rule.red_warrant_copy"], ["rule.fingerprints_copy", "rule.photo_required"]]


def test_duplicate_request_warns_and_goes_on_with_a_justification(platform, deployed):
    first = drafted(platform, deployed)
    second = started(platform, deployed)
    with pytest.raises(Invalid) as err:
        act(platform, deployed, "uo.delhi.crime", second, VALID_RED)
    assert err.value.errors == {WARN_DUPLICATE: (
        f"An open request or published notice exists for the same person and case: {first.reference}. Write a "
        "justification (justifications.duplicate_request) to go on despite this warning.")}
    justified = dict(copy.deepcopy(VALID_RED), justifications={"duplicate_request": "The first was sent in error."})
    act(platform, deployed, "uo.delhi.crime", second, justified)
    assert case_row(platform, second.id).data["warnings"] == [{
        "rule": "duplicate_request", "justification": "The first was sent in error.",
        "message": f"An open request or published notice exists for the same person and case: {first.reference}."}]


def test_duplicate_outside_the_officers_scope_is_not_named(platform, deployed):
    drafted(platform, deployed, uo="uo.delhi.south")
    case = started(platform, deployed)
    with pytest.raises(Invalid) as err:
        act(platform, deployed, "uo.delhi.crime", case, VALID_RED)
    assert err.value.errors[WARN_DUPLICATE].startswith("An open request or published notice exists for the same "
                                                       "person and case: a request of another unit or agency.")


def test_refused_request_is_no_duplicate(platform, deployed):
    first = sent(platform, deployed)
    send_message(platform, actor_id=deployed["ipcu.officer"], name="interpol_decision", correlation=first.reference,
                 payload={"outcome": "refused", "reason": "Art. 3"})
    second = drafted(platform, deployed)
    assert (case_row(platform, first.id).notice_status, open_task(platform, second.id).bpmn_id) == (
        "refused", "vet")


def test_subject_key_is_stored_for_the_duplicate_check(platform, deployed):
    case = drafted(platform, deployed)
    with platform.uow() as uow:
        row = uow.session.execute(select(Case.subject_key, Case.subject_names).where(Case.id == case.id)).one()
    assert tuple(row) == ("sharma|ravi|1980 04 12|rc0012023a0001", "sharma ravi | ravi s")


def test_review_flag_needs_ilo_and_ipcu_assessments(platform, deployed):
    request = copy.deepcopy(VALID_RED)
    request["subject"]["occupation"] = "Journalist"
    case = drafted(platform, deployed, data=request)
    assert [f["rule"] for f in case_row(platform, case.id).data["review_flags"]] == ["neutrality"]
    with pytest.raises(Invalid) as err:
        act(platform, deployed, "ilo.delhi", case, {"decision": "forward"})
    assert list(err.value.errors) == ["rule.assess.neutrality"]
    ilo = {"decision": "forward", "assessments": {"neutrality": "Fraud; the occupation plays no part."}}
    act(platform, deployed, "ilo.delhi", case, ilo)
    with pytest.raises(Invalid):
        act(platform, deployed, "ipcu.officer", case, {"decision": "send"})
    ipcu = {"decision": "send", "assessments": {"neutrality": "Ordinary crime predominates."}}
    act(platform, deployed, "ipcu.officer", case, ipcu)
    row = case_row(platform, case.id)
    assert (row.notice_status, row.data["vetting"], row.data["review"]) == ("sent", ilo, ipcu)


def test_return_carries_a_reason_code_but_no_assessment(platform, deployed):
    request = copy.deepcopy(VALID_RED)
    request["trial_in_absentia"] = True
    case = drafted(platform, deployed, data=request)
    act(platform, deployed, "ilo.delhi", case, {"decision": "return", "return_reason": "human_rights",
                                                "comments": "Was the accused heard?"})
    assert (open_task(platform, case.id).bpmn_id, case_row(platform, case.id).notice_status) == ("draft", "draft")


def _files_with_threshold(months: int) -> dict[str, bytes]:
    files = read_paths([PROJECT_ROOT / "processes" / name for name in ("notice_request.bpmn", "notice_rules.dmn")])
    dmn = files["notice_rules.dmn"].decode()
    assert dmn.count(PENALTY) == 1
    files["notice_rules.dmn"] = dmn.replace(PENALTY, f"<text>&lt; {months}</text>").encode()
    return files


def test_changed_prosecution_threshold_applies_to_new_cases_only(platform, deployed):
    thirty_months = copy.deepcopy(VALID_RED)
    thirty_months["charges"][0]["max_penalty_months"] = 30
    running = started(platform, deployed)
    assert deploy(platform, actor="ipcu.admin", files=_files_with_threshold(36)) == [
        Deployed("notice_request", 2, True)]
    new = started(platform, deployed)
    assert (case_row(platform, running.id).version.version, case_row(platform, new.id).version.version) == (1, 2)
    with pytest.raises(Invalid) as err:
        act(platform, deployed, "uo.delhi.crime", new, thirty_months)
    assert list(err.value.errors) == ["rule.red_penalty_threshold"]
    act(platform, deployed, "uo.delhi.crime", running, thirty_months)
    assert open_task(platform, running.id).bpmn_id == "vet"
