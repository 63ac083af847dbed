"""Edge cases of engine.compliance: the facts the notice_block_rules table tests."""

from datetime import date

import pytest

from engine.compliance import (
    HELPERS,
    ISO_3166_ALPHA2,
    NO_LIMIT_MONTHS,
    add_years,
    dates_out_of_order,
    invalid_country_codes,
    lowest_penalty_months,
    notice_facts,
    parse_day,
    publication_record,
    rule_blocks,
)
from engine.compliance_parts import PARTS

pytestmark = pytest.mark.unit

TODAY = date(2025, 6, 1)


def test_facts_of_an_empty_request():
    assert notice_facts({}, [], today=TODAY) == {
        "checked_type": "",
        "person_named": False,
        "person_status_missing": True,
        "identifiers_complete": False,
        "warrant_fields_complete": False,
        "warrant_copy_attached": False,
        "suspect_without_warrant": False,
        "purpose": "",
        "particular_importance": False,
        "charge_count": 0,
        "lowest_penalty_months": NO_LIMIT_MONTHS,
        "charge_without_law_or_section": False,
        "sentence_imposed_months": 0,
        "sentence_remaining_months": 0,
        "summary_empty": True,
        "extradition_complete": False,
        "summary_date_found": False,
        "summary_place_found": False,
        "photo_attached": False,
        "biometrics_declared": False,
        "fingerprints_unattached": False,
        "dna_unattached": False,
        "missing": list(PARTS),
        "missing_report_complete": False,
        "whereabouts_known": False,
        "dates_out_of_order": False,
        "invalid_country_codes": [],
        "public_extract_unjustified": False,
        "duplicates": [],
        "offence_categories": [],
        "linked_to_serious_crime": False,
        "charge_text": "",
        "neutrality_text": "",
        "refugee_status": False,
        "trial_in_absentia": False,
    }


def test_facts_of_a_full_red_request():
    request = {
        "notice_type": "RED",
        "subject": {
            "family_name": "Sharma",
            "forename": "Ravi",
            "sex": "M",
            "date_of_birth": "1980",
            "nationalities": ["IN"],
            "person_status": "suspect",
            "occupation": "Businessman",
        },
        "case": {"summary_of_facts": "Cheated investors in Delhi in 2021.", "offence_date": "2021-03-15",
                 "fir_number": "RC-1"},
        "charges": [{"description": "Cheating", "law": "IPC", "section": "420", "max_penalty_months": 84,
                     "category": "general"}],
        "purpose": "sentence",
        "sentence": {"imposed_months": 36, "remaining_months": 20},
        "warrant": {"number": "W1", "date": "2023-06-01", "issuing_authority": "Court"},
        "extradition": {"assurance": True, "countries": ["AE"]},
        "particular_importance": True,
        "public_extract": True,
        "public_extract_justification": "Public safety.",
        "whereabouts_known": True,
    }
    assert notice_facts(request, ["judgment", "dna"], today=TODAY) == {
        "checked_type": "RED",
        "person_named": True,
        "person_status_missing": False,
        "identifiers_complete": True,
        "warrant_fields_complete": True,
        "warrant_copy_attached": True,
        "suspect_without_warrant": False,
        "purpose": "sentence",
        "particular_importance": True,
        "charge_count": 1,
        "lowest_penalty_months": 84,
        "charge_without_law_or_section": False,
        "sentence_imposed_months": 36,
        "sentence_remaining_months": 20,
        "summary_empty": False,
        "extradition_complete": True,
        "summary_date_found": True,
        "summary_place_found": True,
        "photo_attached": False,
        "biometrics_declared": False,
        "fingerprints_unattached": False,
        "dna_unattached": False,
        "missing": [p for p in PARTS if p != "case.fir_number"],
        "missing_report_complete": False,
        "whereabouts_known": True,
        "dates_out_of_order": False,
        "invalid_country_codes": [],
        "public_extract_unjustified": False,
        "duplicates": [],
        "offence_categories": ["general"],
        "linked_to_serious_crime": False,
        "charge_text": "cheating",
        "neutrality_text": "cheating ; businessman ; cheated investors in delhi in 2021.",
        "refugee_status": False,
        "trial_in_absentia": False,
    }


@pytest.mark.parametrize(
    ("charges", "expected"),
    [
        ([], NO_LIMIT_MONTHS),
        ([{"max_penalty": "life"}], NO_LIMIT_MONTHS),
        ([{"max_penalty": "death"}, {"max_penalty_months": 30}], 30),
        ([{"max_penalty_months": 120}, {"max_penalty": "life"}, {"max_penalty_months": 18}], 18),
        ([{"description": "no penalty stated"}], 0),
        ([{"max_penalty_months": True}], 0),
        ([{"max_penalty_months": "24"}], 0),
    ],
)
def test_lowest_penalty(charges, expected):
    assert lowest_penalty_months(charges) == expected


def test_suspect_without_any_warrant_field():
    request = {"subject": {"person_status": "suspect"}, "warrant": {"judicial": True}}
    facts = notice_facts(request, [], today=TODAY)
    assert (facts["suspect_without_warrant"], facts["warrant_fields_complete"]) == (True, False)


def test_charge_without_section():
    request = {"charges": [{"law": "IPC", "section": "420"}, {"law": "NDPS Act", "section": " "}]}
    assert notice_facts(request, [], today=TODAY)["charge_without_law_or_section"] is True


@pytest.mark.parametrize(
    ("subject", "case", "warrant", "report", "expected"),
    [
        ({"date_of_birth": "1980-04-12"}, {"offence_date": "2021-03-15"}, {"date": "2021-03-15"}, {}, False),
        ({"date_of_birth": "1980"}, {"offence_date": "2021-03-15"}, {"date": "2023-06-01"}, {}, False),
        ({"date_of_birth": "2021-03-15"}, {"offence_date": "2021-03-15"}, {}, {}, True),
        ({}, {"offence_date": "2023-06-02"}, {"date": "2023-06-01"}, {}, True),
        ({}, {}, {"date": "2025-06-02"}, {}, True),
        ({}, {"offence_date": "2025-06-02"}, {}, {}, True),
        ({}, {}, {}, {"date": "2025-06-02"}, True),
        ({"date_of_birth": "2025-06-02"}, {}, {}, {}, True),
        ({"date_of_birth": "2025-06-01"}, {}, {}, {}, False),
        ({"date_of_birth": "1905-06-01"}, {}, {}, {}, False),
        ({"date_of_birth": "1905-06-02"}, {}, {}, {}, False),
        ({"date_of_birth": "1905-05-31"}, {}, {}, {}, False),
        ({"date_of_birth": "1904-06-01"}, {}, {}, {}, True),
        ({"date_of_birth": "1904"}, {}, {}, {}, True),
        ({"date_of_birth": "12-04-1980"}, {}, {}, {}, True),
        ({}, {"offence_date": "2021-02-30"}, {}, {}, True),
        ({}, {"offence_date": 2021}, {}, {}, True),
    ],
)
def test_dates_in_order(subject, case, warrant, report, expected):
    request = {"subject": subject, "case": case, "warrant": warrant, "missing_report": report}
    assert dates_out_of_order(request, TODAY) is expected


def test_parse_day():
    assert (parse_day("1980"), parse_day("1980-04-12"), parse_day(""), parse_day(None)) == (
        date(1980, 1, 1),
        date(1980, 4, 12),
        None,
        None,
    )
    with pytest.raises(ValueError):
        parse_day("1980-4-12")


def test_iso_codes_constant():
    assert len(ISO_3166_ALPHA2) == 249
    assert {"IN", "GB", "AE", "US", "SS", "XK"} & ISO_3166_ALPHA2 == {"IN", "GB", "AE", "US", "SS"}
    assert "UK" not in ISO_3166_ALPHA2


def test_invalid_country_codes_from_every_place():
    request = {
        "subject": {
            "nationalities": ["IN", "in", "IND"],
            "identity_documents": [{"issuing_country": "UK"}, {"issuing_country": "NP"}, {"type": "card"}],
        },
        "extradition": {"countries": ["AE", "XK", "GB"]},
    }
    assert invalid_country_codes(request) == ["IND", "UK", "XK", "in"]


def test_identifiers_need_an_extra_identifier():
    subject = {"family_name": "Verma", "forename": "Anjali", "sex": "F", "date_of_birth": "2009"}
    facts = [
        notice_facts({"subject": subject}, kinds, today=TODAY)["identifiers_complete"]
        for kinds in ([], ["warrant"], ["photo"], ["fingerprints"], ["dna"])
    ]
    described = dict(subject, physical_description="1.50 m, long black hair")
    documented = dict(subject, identity_documents=[{"type": "passport"}])
    facts += [
        notice_facts({"subject": s}, [], today=TODAY)["identifiers_complete"] for s in (described, documented)
    ]
    assert facts == [False, False, True, True, True, True, True]


def test_identifiers_need_year_of_birth_and_names():
    subject = {"family_name": "Verma", "forename": " ", "sex": "F", "date_of_birth": "2009"}
    without_birth = {"family_name": "Verma", "forename": "Anjali", "sex": "F", "date_of_birth": "x"}
    assert [
        notice_facts({"subject": s}, ["photo"], today=TODAY)["identifiers_complete"]
        for s in (subject, without_birth)
    ] == [False, False]


def test_public_extract_needs_justification():
    cases = [{"public_extract": True}, {"public_extract": True, "public_extract_justification": "  "}, {}]
    assert [notice_facts(c, [], today=TODAY)["public_extract_unjustified"] for c in cases] == [
        True,
        True,
        False,
    ]


def test_rule_blocks_pairs_outputs():
    assert rule_blocks(["a", "b"], ["A.", "B."]) == [
        {"rule": "a", "message": "A."},
        {"rule": "b", "message": "B."},
    ]
    assert rule_blocks(None, None) == []


def test_publication_record_five_years_on():
    decision = {"outcome": "published", "notice_number": "A-1/2024", "published_on": "2024-02-29T10:15:00Z"}
    assert publication_record(decision) == {
        "interpol_notice_number": "A-1/2024",
        "published_on": "2024-02-29",
        "review_due": "2029-02-28",
    }


def test_publication_record_defaults_to_today():
    today = date.today()
    assert publication_record({"notice_number": "A-2/2025"}) == {
        "interpol_notice_number": "A-2/2025",
        "published_on": today.isoformat(),
        "review_due": add_years(today, 5).isoformat(),
    }


def test_helpers_for_scripts():
    names = ["decision_blocks", "extend_publication", "mentions_any", "missing_assessments", "notice_facts",
             "publication_record", "renewal_closure", "review_due_at", "review_reminder_at", "rule_blocks",
             "rule_findings"]
    notice_helpers = {name: HELPERS.get(name) for name in names}
    assert [name for name, helper in notice_helpers.items() if not callable(helper)] == []
    assert (notice_helpers["notice_facts"], notice_helpers["publication_record"]) == (notice_facts,
                                                                                      publication_record)
