"""The compliance rules of processes/notice_rules.dmn, per notice type and severity, on a bare engine."""

import jsonschema
import pytest
from notice_bare import dmn_rules, form, mutated, parse_specs, ready_data, ready_names, submit
from samples import ATTACHMENTS, VALID, VALID_BLACK, VALID_BLUE, VALID_RED, VALID_YELLOW

pytestmark = pytest.mark.unit


def _set(path, value):
    """Mutation that sets request[path...] = value."""

    def mutate(request):
        *parents, last = path
        for key in parents:
            request = request[key]
        request[last] = value

    return mutate


def _delete(path):
    """Mutation that deletes request[path...]."""

    def mutate(request):
        *parents, last = path
        for key in parents:
            request = request[key]
        del request[last]

    return mutate


def _sentence(imposed, remaining):
    return lambda r: r.update(purpose="sentence", sentence={"imposed_months": imposed, "remaining_months": remaining})


def _suspect_without_warrant(request):
    request["subject"]["person_status"] = "suspect"
    del request["warrant"]


def _unidentified(request):
    del request["subject"]["physical_description"]
    del request["subject"]["identity_documents"]


RED, ON_FILE = VALID_RED, ["warrant"]
# block rule id -> (notice type, attachments, mutation making exactly that rule fail)
BLOCK_CASES = {
    "person_status": ("RED", ON_FILE, _delete(["subject", "person_status"])),
    "red_purpose": ("RED", ON_FILE, _delete(["purpose"])),
    "red_penalty_threshold": ("RED", ON_FILE, _set(["charges", 0, "max_penalty_months"], 12)),
    "red_sentence_threshold": ("RED", ON_FILE, _sentence(4, 2)),
    "red_charges": ("RED", ON_FILE, _set(["charges"], [])),
    "red_charge_law_section": ("RED", ON_FILE, _delete(["charges", 1, "section"])),
    "red_warrant_fields": ("RED", ON_FILE, _delete(["warrant", "issuing_authority"])),
    "red_warrant_copy": ("RED", ["photo"], lambda r: None),
    "red_suspect_without_warrant": ("RED", [], _suspect_without_warrant),
    "red_summary_of_facts": ("RED", ON_FILE, _set(["case", "summary_of_facts"], "  ")),
    "red_extradition": ("RED", ON_FILE, _set(["extradition", "countries"], [])),
    "yellow_identifiers": ("YELLOW", ["photo"], _delete(["subject", "sex"])),
    "yellow_missing_report": ("YELLOW", ["photo"], _delete(["missing_report", "number"])),
    "yellow_whereabouts_known": ("YELLOW", ["photo"], _set(["whereabouts_known"], True)),
    "photo_required": ("BLACK", ["fingerprints"], lambda r: None),
    "biometrics_declared": ("YELLOW", ["photo"], _delete(["subject", "dna_available"])),
    "fingerprints_copy": ("BLACK", ["photo"], lambda r: None),
    "dna_copy": ("RED", ON_FILE, _set(["subject", "dna_available"], True)),
    "blue_investigation_reference": ("BLUE", [], _delete(["case", "fir_number"])),
    "blue_information_sought": ("BLUE", [], _set(["information_sought"], " ")),
    "black_found": ("BLACK", ["photo", "fingerprints"], _delete(["body", "found_place"])),
    "black_description": ("BLACK", ["photo", "fingerprints"], _delete(["subject", "physical_description"])),
    "green_grounds": ("GREEN", [], _set(["grounds", "previous_conviction"], False)),
    "orange_threat": ("ORANGE", [], _delete(["threat", "imminence"])),
    "purple_method": ("PURPLE", [], _delete(["modus_operandi", "description"])),
    "unsc_reference": ("UNSC", [], _delete(["unsc", "resolution"])),
    "silver_assets": ("SILVER", [], _set(["assets"], [{"type": "real estate"}])),
    "diffusion_type": ("DIFFUSION", ON_FILE, _delete(["diffusion", "notice_type"])),
    "diffusion_countries": ("DIFFUSION", ON_FILE, _set(["diffusion", "countries"], [])),
    "dates_order": ("RED", ON_FILE, _set(["case", "offence_date"], "2023-07-01")),
    "country_codes": ("RED", ON_FILE, _set(["extradition", "countries"], ["AE", "UK"])),
    "public_extract_justification": ("RED", ON_FILE, _set(["public_extract"], True)),
}
NO_DATE_OR_PLACE = "The accused cheated investors with forged deposit receipts."
WARN_CASES = {
    "red_sentence_edge": (_sentence(12, 2), []),
    "red_summary_date_place": (_set(["case", "summary_of_facts"], NO_DATE_OR_PLACE), []),
    "red_identifiers": (_unidentified, []),
    "duplicate_request": (lambda r: None, ["BP/NR/2026/000001"]),
}
REVIEW_CASES = {
    "red_penalty_threshold": lambda r: r.update(particular_importance=True,
                                                charges=[dict(r["charges"][0], max_penalty_months=12)]),
    "red_excluded_offence": _set(["charges", 0, "category"], "private_dispute"),
    "neutrality": _set(["subject", "occupation"], "Journalist"),
    "human_rights": _set(["trial_in_absentia"], True),
}


@pytest.fixture(scope="module")
def specs():
    return parse_specs()


@pytest.fixture(scope="module")
def rules():
    return dmn_rules()


def findings(workflow):
    data = ready_data(workflow)
    return data["blocks"], data["warnings"], data["review_flags"]


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_sample_matches_the_draft_form(kind):
    validator = jsonschema.Draft202012Validator(form("notice_draft.json"), format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(VALID[kind])] == []


@pytest.mark.parametrize("kind", sorted(VALID))
def test_complete_request_of_each_type_goes_to_vetting(specs, kind):
    workflow = submit(specs, VALID[kind], ATTACHMENTS[kind])
    assert (ready_names(workflow), findings(workflow)) == (["vet"], ([], [], []))


@pytest.mark.parametrize("rule_id", sorted(BLOCK_CASES))
def test_each_block_rule_fails_alone_with_its_message(specs, rules, rule_id):
    kind, attachments, mutation = BLOCK_CASES[rule_id]
    workflow = submit(specs, mutated(VALID[kind], mutation), attachments)
    assert ready_names(workflow) == ["draft"]
    assert findings(workflow) == ([{"rule": rule_id, "message": rules[rule_id]["message"]}], [], [])


@pytest.mark.parametrize("rule_id", sorted(WARN_CASES))
def test_warning_without_justification_blocks_naming_the_rule(specs, rule_id):
    mutation, duplicates = WARN_CASES[rule_id]
    workflow = submit(specs, mutated(RED, mutation), ON_FILE, duplicates)
    blocks, warnings, flags = findings(workflow)
    assert (ready_names(workflow), [b["rule"] for b in blocks], warnings, flags) == (
        ["draft"], [f"warn.{rule_id}"], [], [])
    assert blocks[0]["message"].endswith(f"Write a justification (justifications.{rule_id}) to go on despite "
                                         "this warning.")


@pytest.mark.parametrize("rule_id", sorted(WARN_CASES))
def test_justified_warning_goes_on_and_is_recorded(specs, rules, rule_id):
    mutation, duplicates = WARN_CASES[rule_id]
    request = mutated(RED, mutation)
    request["justifications"] = {rule_id: "  The Delhi court confirmed this in writing.  "}
    workflow = submit(specs, request, ON_FILE, duplicates)
    message = rules[rule_id]["message"] or ("An open request or published notice exists for the same person and "
                                            "case: BP/NR/2026/000001.")
    assert ready_names(workflow) == ["vet"]
    assert findings(workflow) == ([], [{"rule": rule_id, "message": message,
                                        "justification": "The Delhi court confirmed this in writing."}], [])


@pytest.mark.parametrize("rule_id", sorted(REVIEW_CASES))
def test_review_rule_flags_the_request_for_ilo_and_ipcu(specs, rules, rule_id):
    workflow = submit(specs, mutated(RED, REVIEW_CASES[rule_id]), ON_FILE)
    assert ready_names(workflow) == ["vet"]
    assert findings(workflow) == ([], [], [{"rule": rule_id, "message": rules[rule_id]["message"]}])


def test_dmn_has_exactly_the_tested_rules_with_their_severities(rules):
    expected = {r: {"block"} for r in BLOCK_CASES} | {r: {"warn"} for r in WARN_CASES}
    for rule_id in REVIEW_CASES:
        expected[rule_id] = expected.get(rule_id, set()) | {"review"}
    assert {r: v["severities"] for r, v in rules.items()} == expected


def test_forms_name_one_justification_per_warning_and_one_assessment_per_flag(rules):
    warn = sorted(r for r, v in rules.items() if "warn" in v["severities"])
    review = sorted(r for r, v in rules.items() if "review" in v["severities"])
    assert sorted(form("notice_draft.json")["properties"]["justifications"]["properties"]) == warn
    for name in ("notice_vet.json", "notice_review.json"):
        assert sorted(form(name)["properties"]["assessments"]["properties"]) == review


def test_return_reasons_are_the_rule_ids_or_other(rules):
    vet = form("notice_vet.json")["properties"]["return_reason"]
    review = form("notice_review.json")["properties"]["return_reason"]
    assert (sorted(vet["enum"]), len(vet["enumNames"])) == (sorted([*rules, "other"]), len(vet["enum"]))
    assert sorted(review["enum"]) == sorted([*rules, "interpol_query", "other"])


def test_penalty_at_the_threshold_passes(specs):
    workflow = submit(specs, mutated(RED, _set(["charges", 0, "max_penalty_months"], 24)), ON_FILE)
    assert findings(workflow) == ([], [], [])


@pytest.mark.parametrize("mutation", [
    _sentence(6, 6), _sentence(36, 20),
    lambda r: r.update(public_extract=True, public_extract_justification="Victims abroad must be warned."),
    lambda r: r["subject"].update(person_status="convicted"),
    lambda r: r["charges"][0].update(category="private_dispute") or r.update(linked_to_serious_crime=True),
    _set(["case", "summary_of_facts"], "In March 2021 at Delhi the accused cheated investors."),
], ids=["sentence_both", "sentence_long", "public_extract_ok", "convicted", "excluded_but_organised",
        "summary_in_at"])
def test_red_edges_that_pass(specs, mutation):
    workflow = submit(specs, mutated(RED, mutation), ["judgment"])
    assert (ready_names(workflow), findings(workflow)) == (["vet"], ([], [], []))


def test_excluded_offence_found_by_its_wording(specs, rules):
    request = mutated(RED, _set(["charges", 0, "description"], "Dishonour of cheque"))
    assert findings(submit(specs, request, ON_FILE))[2] == [
        {"rule": "red_excluded_offence", "message": rules["red_excluded_offence"]["message"]}]


def test_diffusion_is_checked_as_its_matching_notice(specs, rules):
    request = mutated(VALID["DIFFUSION"], _set(["charges", 0, "max_penalty_months"], 12))
    workflow = submit(specs, request, [])
    assert [b["rule"] for b in findings(workflow)[0]] == ["red_penalty_threshold", "red_warrant_copy"]


def test_orange_about_a_named_person_needs_a_status(specs):
    request = mutated(VALID["ORANGE"], _set(["subject"], {"family_name": "Roy"}))
    assert [b["rule"] for b in findings(submit(specs, request, []))[0]] == ["person_status"]


def test_yellow_identity_document_counts_as_identifier(specs):
    request = mutated(VALID_YELLOW, _set(["subject", "identity_documents"], [{"type": "aadhaar", "number": "1234"}]))
    assert findings(submit(specs, request, ["photo"])) == ([], [], [])


def test_black_needs_no_name_but_blue_does_not_need_a_warrant(specs):
    assert findings(submit(specs, VALID_BLACK, ["photo", "fingerprints"]))[0] == []
    assert findings(submit(specs, VALID_BLUE, []))[0] == []


def test_several_rules_come_in_table_order(specs):
    request = mutated(RED, lambda r: r.update(purpose=None, public_extract=True))
    assert [b["rule"] for b in findings(submit(specs, request, []))[0]] == [
        "red_purpose", "red_warrant_copy", "public_extract_justification"]


def test_each_rule_is_reported_once_even_when_two_rows_match(specs):
    request = mutated(RED, lambda r: r.update(trial_in_absentia=True) or r["subject"].update(refugee_status=True))
    assert [f["rule"] for f in findings(submit(specs, request, ON_FILE))[2]] == ["human_rights"]
