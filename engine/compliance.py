"""Compliance facts for INTERPOL notice requests, used by the notice_request diagram scripts.

The functions only compute facts; thresholds, keyword lists, which rule applies to which notice type and
each rule's severity (block, warn, review) live in processes/notice_rules.dmn. Standard library only
(engine.compliance_parts and engine.notice_steps import nothing of ours either).
"""

import re
from datetime import date

from engine.compliance_parts import (
    attachment_facts,
    checked_type,
    has_text,
    items,
    mentions_any,
    missing_parts,
    part,
    summary_facts,
    text_facts,
)
from engine.cooperation_steps import COOPERATION_HELPERS
from engine.cooperation_steps import country_code_blocks as _country_code_blocks
from engine.notice_steps import STEP_HELPERS, add_years, publication_record, rule_blocks

__all__ = ["HELPERS", "ISO_3166_ALPHA2", "NO_LIMIT_MONTHS", "add_years", "dates_out_of_order",
           "invalid_country_codes", "lowest_penalty_months", "notice_facts", "parse_day", "publication_record",
           "rule_blocks"]

_ISO_3166_ALPHA2_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_3166_ALPHA2 = frozenset(_ISO_3166_ALPHA2_CODES.split())
PERSON_STATUSES = frozenset({"convicted", "accused", "suspect", "witness", "missing", "unidentified"})
WARRANT_COPY_KINDS = frozenset({"warrant", "judgment"})
IDENTIFIER_ATTACHMENT_KINDS = frozenset({"photo", "fingerprints", "dna"})
NO_LIMIT_MONTHS = 9999
MAX_AGE_YEARS = 120
_YEAR = re.compile(r"^\d{4}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_text, _part, _items = has_text, part, items


def _number(value) -> float:
    """A numeric value, or 0 when value is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return value


def parse_day(value) -> date | None:
    """Parse YYYY (read as 1 January) or YYYY-MM-DD; None when empty; ValueError when malformed."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _YEAR.match(value):
        return date(int(value), 1, 1)
    if isinstance(value, str) and _DAY.match(value):
        return date.fromisoformat(value)
    raise ValueError(f"not a date: {value!r}")


def _charge_months(charge: dict) -> float:
    """Maximum penalty of one charge in months; life or death counts as no limit."""
    if charge.get("max_penalty") in ("life", "death"):
        return NO_LIMIT_MONTHS
    return _number(charge.get("max_penalty_months"))


def lowest_penalty_months(charges: list) -> float:
    """The smallest maximum penalty over all charges (NO_LIMIT_MONTHS when there are none)."""
    months = [_charge_months(c) for c in charges if isinstance(c, dict)]
    return min(months, default=NO_LIMIT_MONTHS)


def _charge_without_law_or_section(charges: list) -> bool:
    """True when some charge does not name both a law and a section."""
    return any(not (_text(c.get("law")) and _text(c.get("section"))) for c in charges if isinstance(c, dict))


def _age(birth: date, today: date) -> int:
    """Age in whole years on today."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def dates_out_of_order(request: dict, today: date) -> bool:
    """True unless birth < offence <= warrant <= today, other dates <= today, age 0-120, all parseable."""
    try:
        birth = parse_day(_part(request, "subject").get("date_of_birth"))
        offence = parse_day(_part(request, "case").get("offence_date"))
        issued = parse_day(_part(request, "warrant").get("date"))
        others = [parse_day(_part(request, key).get(field)) for key, field in
                  (("missing_report", "date"), ("body", "found_date"), ("unsc", "reference_date"))]
    except ValueError:
        return True
    chain = [d for d in (offence, issued, today) if d is not None]
    if any(later < earlier for earlier, later in zip(chain, chain[1:], strict=False)):
        return True
    if any(d is not None and d > today for d in others):
        return True
    if birth is None:
        return False
    before_first = birth < chain[0] if len(chain) > 1 else birth <= today
    return not before_first or not 0 <= _age(birth, today) <= MAX_AGE_YEARS


def invalid_country_codes(request: dict) -> list:
    """Sorted country values that are not officially assigned ISO 3166-1 alpha-2 codes."""
    subject = _part(request, "subject")
    codes = list(_items(subject, "nationalities")) + list(_items(_part(request, "extradition"), "countries"))
    codes += list(_items(_part(request, "diffusion"), "countries"))
    codes += [d.get("issuing_country") for d in _items(subject, "identity_documents") if isinstance(d, dict)]
    codes += [a.get("location_country") for a in _items(request, "assets") if isinstance(a, dict)]
    return sorted({str(c) for c in codes if c not in (None, "") and c not in ISO_3166_ALPHA2})


def identifiers_complete(subject: dict, attachments: list) -> bool:
    """Family name, forename, sex, year of birth and one of description/photo/fingerprints/DNA/document."""
    try:
        birth = parse_day(subject.get("date_of_birth"))
    except ValueError:
        birth = None
    named = all(_text(subject.get(k)) for k in ("family_name", "forename", "sex")) and birth is not None
    extra = _text(subject.get("physical_description")) or bool(_items(subject, "identity_documents"))
    return named and (extra or bool(IDENTIFIER_ATTACHMENT_KINDS.intersection(attachments)))


def _person_facts(request: dict, attachments: list) -> dict:
    """Facts about the person: named, status, identifiers, the arrest warrant or judgment."""
    warrant, subject = _part(request, "warrant"), _part(request, "subject")
    fields = [warrant.get(k) for k in ("number", "date", "issuing_authority")]
    status = subject.get("person_status")
    return {
        "person_named": _text(subject.get("family_name")) or _text(subject.get("forename")),
        "person_status_missing": status not in PERSON_STATUSES,
        "identifiers_complete": identifiers_complete(subject, attachments),
        "warrant_fields_complete": all(_text(v) for v in fields),
        "warrant_copy_attached": bool(WARRANT_COPY_KINDS.intersection(attachments)),
        "suspect_without_warrant": status == "suspect" and not any(_text(v) for v in fields),
    }


def _red_facts(request: dict) -> dict:
    """Facts about purpose, charges, sentence, summary and extradition (RED)."""
    charges = [c for c in _items(request, "charges") if isinstance(c, dict)]
    sentence, extradition = _part(request, "sentence"), _part(request, "extradition")
    purpose = request.get("purpose")
    return {
        "purpose": purpose if isinstance(purpose, str) else "",
        "particular_importance": request.get("particular_importance") is True,
        "charge_count": len(charges),
        "lowest_penalty_months": lowest_penalty_months(charges),
        "charge_without_law_or_section": _charge_without_law_or_section(charges),
        "sentence_imposed_months": _number(sentence.get("imposed_months")),
        "sentence_remaining_months": _number(sentence.get("remaining_months")),
        "summary_empty": not _text(_part(request, "case").get("summary_of_facts")),
        "extradition_complete": extradition.get("assurance") is True
        and bool(_items(extradition, "countries")),
    }


def notice_facts(request: dict, attachments: list, today: date | None = None) -> dict:
    """Flat dict of the facts the notice_block_rules decision table (notice_rules.dmn) tests."""
    request = request if isinstance(request, dict) else {}
    kinds = [str(a) for a in (attachments or [])]
    today = today or date.today()
    report = _part(request, "missing_report")
    facts = {"checked_type": checked_type(request)} | _person_facts(request, kinds) | _red_facts(request)
    return facts | summary_facts(_part(request, "case")) | attachment_facts(_part(request, "subject"), kinds) | {
        "missing": missing_parts(request),
        "missing_report_complete": _text(report.get("number")) and _text(report.get("date")),
        "whereabouts_known": request.get("whereabouts_known") is True,
        "dates_out_of_order": dates_out_of_order(request, today),
        "invalid_country_codes": invalid_country_codes(request),
        "public_extract_unjustified": request.get("public_extract") is True
        and not _text(request.get("public_extract_justification")),
        "duplicates": [],
    } | text_facts(request)


def country_code_blocks(codes) -> list:
    """A block naming every code that is not ISO 3166-1 alpha-2 (reference_request and broadcast diagrams)."""
    return _country_code_blocks(codes, ISO_3166_ALPHA2)


HELPERS = {"notice_facts": notice_facts, "mentions_any": mentions_any, **STEP_HELPERS, **COOPERATION_HELPERS,
           "country_code_blocks": country_code_blocks}
