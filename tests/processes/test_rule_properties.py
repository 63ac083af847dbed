"""Properties of the compliance rules (processes/notice_rules.dmn) on random RED requests, on a bare engine.

The threshold and the neutrality keywords are read from the decision table, so a process owner who changes
them changes what these tests expect."""

import ast
import copy
import functools
import re
from xml.etree import ElementTree

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from notice_bare import DMN_NS, PROCESSES, dmn_rules, parse_specs, ready_data, ready_names, submit
from samples import VALID_RED

from engine.compliance import notice_facts

pytestmark = pytest.mark.unit

# no shrinking: CI reports the failing example as found instead of minimising it for minutes
RULES = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                 phases=(Phase.explicit, Phase.generate))
OFFENCES = ("Cheating", "Forgery", "Criminal conspiracy", "Criminal breach of trust", "Murder")
SAFE_WORDS = ("the", "accused", "funds", "transferred", "company", "Delhi", "2021", "investors")


def _entry(entry_id: str) -> str:
    root = ElementTree.parse(PROCESSES / "notice_rules.dmn").getroot()
    return root.find(f".//dmn:inputEntry[@id='{entry_id}']/dmn:text", DMN_NS).text


THRESHOLD = int(re.fullmatch(r"<\s*(\d+)", _entry("rule_red_penalty_threshold_lowest_penalty_months")).group(1))
KEYWORDS = ast.literal_eval(re.fullmatch(r"mentions_any\(\?,\s*(\(.*\))\)",
                                         _entry("rule_neutrality_neutrality_text")).group(1))


@functools.cache
def specs():
    return parse_specs()


def outcome(request) -> tuple:
    """(ready task, block rule ids, warning rule ids, review flag ids) after submitting the draft."""
    workflow = submit(specs(), request, ["warrant"])
    data = ready_data(workflow)
    return (ready_names(workflow), *([f["rule"] for f in data[key]] for key in ("blocks", "warnings", "review_flags")))


def charge(description: str, months) -> dict:
    penalty = {"max_penalty": months} if isinstance(months, str) else {"max_penalty_months": months}
    return {"description": description, "law": "IPC", "section": "420", **penalty}


MONTHS = st.one_of(st.integers(min_value=0, max_value=12 * 40), st.sampled_from(("life", "death")))
CHARGES = st.lists(st.builds(charge, st.sampled_from(OFFENCES), MONTHS), min_size=1, max_size=4)


def red(charges, **changes) -> dict:
    return {**copy.deepcopy(VALID_RED), "charges": charges, **changes}


def lowest(charges) -> int:
    return min(9999 if "max_penalty" in c else c["max_penalty_months"] for c in charges)


def test_threshold_and_keywords_are_read_from_the_decision_table():
    assert (THRESHOLD, len(KEYWORDS), "political" in KEYWORDS, "military" in KEYWORDS) == (24, 17, True, True)


@RULES
@given(charges=CHARGES)
def test_penalty_rule_fires_iff_the_lowest_penalty_is_below_the_threshold(charges):
    below = lowest(charges) < THRESHOLD
    assert outcome(red(charges)) == ((["draft"], ["red_penalty_threshold"]) if below else (["vet"], [])) + ([], [])


@RULES
@given(charges=CHARGES, raise_to=st.integers(min_value=THRESHOLD, max_value=12 * 99),
       purpose=st.sampled_from(("prosecution", "sentence")), importance=st.booleans())
def test_raising_penalties_above_the_threshold_never_adds_a_block(charges, raise_to, purpose, importance):
    request = red(charges, purpose=purpose, particular_importance=importance)
    raised = [charge(c["description"], max(raise_to, c.get("max_penalty_months", raise_to))) for c in charges]
    before, after = outcome(request)[1], outcome({**request, "charges": raised})[1]
    assert (sorted(set(after) - set(before)), "red_penalty_threshold" in after) == ([], False)


TEXT_FIELDS = {"occupation": ("subject", "occupation"), "summary": ("case", "summary_of_facts"),
               "offence": ("charges", 0, "description")}


@RULES
@given(keyword=st.sampled_from(KEYWORDS), field=st.sampled_from(sorted(TEXT_FIELDS)),
       case=st.sampled_from((str.lower, str.upper, str.title)),
       around=st.lists(st.sampled_from(SAFE_WORDS), max_size=3))
def test_a_neutrality_keyword_anywhere_flags_the_request_for_review(keyword, field, case, around):
    request = red([charge("Cheating", 84)])
    *parents, last = TEXT_FIELDS[field]
    target = functools.reduce(lambda node, key: node[key], parents, request)
    target[last] = " ".join([target.get(last, ""), *around, case(keyword), *around]).strip()
    assert outcome(request) == (["vet"], [], [], ["neutrality"])


JUNK = st.one_of(st.text(max_size=60), st.text(alphabet="0123456789-T:./ ", max_size=12), st.none(),
                 st.integers(), st.floats(allow_nan=True), st.booleans(), st.lists(st.text(max_size=5), max_size=3))
JUNK_PATHS = (("notice_type",), ("purpose",), ("subject", "person_status"), ("subject", "date_of_birth"),
              ("subject", "occupation"), ("subject", "nationalities"), ("case", "summary_of_facts"),
              ("case", "offence_date"), ("charges", 0, "max_penalty_months"), ("charges", 0, "max_penalty"),
              ("charges", 1, "description"), ("warrant", "date"), ("extradition", "countries"), ("sentence",))


@RULES
@given(junk=st.dictionaries(st.sampled_from(JUNK_PATHS), JUNK, min_size=1, max_size=5))
def test_rules_are_deterministic_and_never_raise_on_junk(junk):
    request = copy.deepcopy(VALID_RED)
    for (*parents, last), value in junk.items():
        functools.reduce(lambda node, key: node[key] if isinstance(node[key], dict | list) else {}, parents,
                         request)[last] = value
    first = outcome(request)
    assert (first[0] in (["draft"], ["vet"]), outcome(copy.deepcopy(request))) == (True, first)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                max_size=4), max_leaves=30)


@settings(RULES, max_examples=200)
@given(request=st.one_of(JSON, st.dictionaries(st.sampled_from(sorted(VALID_RED)), JSON, max_size=8)),
       attachments=st.lists(st.text(max_size=10), max_size=3))
def test_facts_never_raise_on_arbitrary_json(request, attachments):
    facts = notice_facts(request, attachments)
    assert (sorted(facts) == sorted(notice_facts({}, [])), notice_facts(request, attachments)) == (True, facts)


def test_dmn_names_the_rules_the_properties_use():
    rules = dmn_rules()
    assert (rules["red_penalty_threshold"]["severities"], rules["neutrality"]["severities"]) == (
        {"block", "review"}, {"review"})
