"""HTML form fields to JSON data, following the form's JSON Schema."""

import json

import pytest
from samples import VALID_RED
from werkzeug.datastructures import MultiDict

import forms
from forms.fields import field_path, parse_submission, resolve, to_fields

pytestmark = pytest.mark.unit

DRAFT = json.loads((forms.SCHEMA_DIR / "notice_draft.json").read_text())
VET = json.loads((forms.SCHEMA_DIR / "notice_vet.json").read_text())


def parse(pairs, schema=DRAFT):
    return parse_submission(schema, MultiDict(pairs))


def test_parse_strings_are_stripped_and_nested():
    data = parse([("notice_type", " RED "), ("subject.family_name", "  Sharma"), ("subject.forename", "Ravi ")])
    assert data == {"notice_type": "RED", "subject": {"family_name": "Sharma", "forename": "Ravi"}}


def test_parse_integer_converted():
    assert parse([("sentence.imposed_months", " 18 ")]) == {"sentence": {"imposed_months": 18}}


def test_parse_bad_integer_kept_as_string():
    assert parse([("charges.0.max_penalty_months", "7 years")]) == {"charges": [{"max_penalty_months": "7 years"}]}
    assert parse([("sentence.imposed_months", "12.5")]) == {"sentence": {"imposed_months": "12.5"}}


def test_parse_bad_integer_is_reported_by_validation():
    data = parse([("notice_type", "RED"), ("subject.family_name", "X"), ("sentence.imposed_months", "ten")])
    assert forms.validate(DRAFT, data) == {"sentence.imposed_months": "'ten' is not of type 'integer'"}


def test_parse_number_converted():
    schema = {"type": "object", "properties": {"height": {"type": "number"}, "weight": {"type": "number"}}}
    assert parse([("height", "1.75"), ("weight", "70")], schema) == {"height": 1.75, "weight": 70}


def test_parse_number_not_finite_kept_as_string():
    schema = {"type": "object", "properties": {"height": {"type": "number"}}}
    assert parse([("height", "1e999")], schema) == {"height": "1e999"}


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("false", False), ("on", True), ("TRUE", True)])
def test_parse_boolean(raw, value):
    assert parse([("extradition.assurance", raw)]) == {"extradition": {"assurance": value}}


def test_parse_boolean_empty_is_absent():
    assert parse([("whereabouts_known", ""), ("extradition.assurance", "")]) == {}


def test_parse_boolean_unreadable_kept_as_string():
    assert parse([("whereabouts_known", "perhaps")]) == {"whereabouts_known": "perhaps"}


def test_parse_boolean_hidden_false_then_checkbox_takes_the_last():
    assert parse([("public_extract", "false"), ("public_extract", "on")]) == {"public_extract": True}


def test_parse_empty_strings_and_empty_objects_dropped():
    data = parse([("notice_type", "RED"), ("subject.family_name", " "), ("warrant.number", ""),
                  ("warrant.date", ""), ("case.summary_of_facts", "\n")])
    assert data == {"notice_type": "RED"}


def test_parse_nothing_gives_empty_object():
    assert parse([]) == {}


def test_parse_csrf_token_and_action_ignored():
    assert parse([("csrf_token", "abc"), ("action", "save"), ("purpose", "prosecution")]) == {"purpose": "prosecution"}


def test_parse_arrays_ordered_by_index_with_empty_items_dropped():
    data = parse([("subject.nationalities.2", "GB"), ("subject.nationalities.0", "IN"),
                  ("subject.nationalities.1", ""), ("subject.nationalities.10", "AE")])
    assert data == {"subject": {"nationalities": ["IN", "GB", "AE"]}}


def test_parse_array_of_objects():
    data = parse([("charges.1.law", "IPC"), ("charges.1.section", "120B"), ("charges.1.max_penalty", "life"),
                  ("charges.0.description", "Cheating"), ("charges.0.max_penalty_months", "84"),
                  ("charges.2.law", ""), ("charges.2.section", " ")])
    assert data == {"charges": [{"description": "Cheating", "max_penalty_months": 84},
                                {"law": "IPC", "section": "120B", "max_penalty": "life"}]}


def test_parse_nested_array_of_objects():
    data = parse([("subject.identity_documents.0.type", "passport"),
                  ("subject.identity_documents.0.issuing_country", "IN")])
    assert data == {"subject": {"identity_documents": [{"type": "passport", "issuing_country": "IN"}]}}


def test_parse_repeated_name_for_array_without_index():
    data = parse([("extradition.countries", "AE"), ("extradition.countries", ""), ("extradition.countries", "GB")])
    assert data == {"extradition": {"countries": ["AE", "GB"]}}


def test_parse_repeated_name_for_scalar_keeps_every_value():
    data = parse([("subject.family_name", "Sharma"), ("subject.family_name", "Verma")])
    assert data == {"subject": {"family_name": ["Sharma", "Verma"]}}
    assert forms.validate(DRAFT, dict(data, notice_type="RED")) == {
        "subject.family_name": "['Sharma', 'Verma'] is not of type 'string'"}


def test_parse_unknown_names_kept_and_refused_by_validation():
    data = parse([("notice_type", "RED"), ("subject.family_name", "X"), ("subject.nickname", " Ravi "),
                  ("colour", "blue"), ("charges.0.penalty", "7")])
    assert data == {"notice_type": "RED", "subject": {"family_name": "X", "nickname": "Ravi"}, "colour": "blue",
                    "charges": [{"penalty": "7"}]}
    assert forms.validate(DRAFT, data) == {"colour": "is not a field of this form",
                                           "subject.nickname": "is not a field of this form",
                                           "charges.0.penalty": "is not a field of this form"}


def test_parse_value_for_an_object_itself_kept():
    data = parse([("subject", "Sharma"), ("subject.forename", "Ravi")])
    assert data == {"subject": {"forename": "Ravi", "": "Sharma"}}


def test_parse_non_numeric_index_in_array_kept_as_object():
    assert parse([("charges.first.law", "IPC")]) == {"charges": {"first": {"law": "IPC"}}}


def test_parse_conditional_schema_takes_main_properties():
    data = parse([("decision", "return"), ("return_reason", "other"), ("comments", " Attach the charge sheet ")],
                 VET)
    assert data == {"decision": "return", "return_reason": "other", "comments": "Attach the charge sheet"}


def test_parse_property_only_in_then_branch():
    schema = {"type": "object", "properties": {"flag": {"type": "boolean"}},
              "allOf": [{"if": {}, "then": {"properties": {"months": {"type": "integer"}}}}]}
    assert parse([("flag", "true"), ("months", "6")], schema) == {"flag": True, "months": 6}


def test_parse_refs_and_defs_resolved():
    schema = {
        "type": "object",
        "$defs": {"charge": {"type": "object", "properties": {"months": {"$ref": "#/$defs/months"}}},
                  "months": {"type": "integer"}},
        "properties": {"charges": {"type": "array", "items": {"$ref": "#/$defs/charge"}},
                       "total": {"$ref": "#/$defs/months"}},
    }
    assert parse([("charges.0.months", "24"), ("total", "24")], schema) == {"charges": [{"months": 24}],
                                                                           "total": 24}


def test_resolve_cycle_and_unknown_ref_give_the_empty_schema():
    root = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}
    assert resolve({"$ref": "#/$defs/a"}, root) == {"$ref": "#/$defs/a"}
    assert resolve({"$ref": "#/$defs/missing"}, root) == {}
    assert resolve({"$ref": "other.json#/x"}, root) == {}


def test_parse_type_list_with_null():
    schema = {"type": "object", "properties": {"months": {"type": ["integer", "null"]}}}
    assert parse([("months", "3")], schema) == {"months": 3}


def test_field_path_joins_parts():
    assert field_path("charges", 0, "law") == "charges.0.law"
    assert field_path("", "notice_type") == "notice_type"


def test_to_fields_round_trips_the_valid_red_request():
    fields = to_fields(VALID_RED)
    assert fields["charges.1.max_penalty"] == "life"
    assert fields["extradition.assurance"] == "true"
    assert fields["subject.nationalities.0"] == "IN"
    assert parse(list(fields.items())) == VALID_RED
