"""Facts about the type-specific parts of a notice request: what is missing, attachments and biometrics,
the summary's date and place, and the texts the neutrality and excluded-offence rules search.

Standard library only. Which type must carry which part, the keyword lists and the severities live in
processes/notice_rules.dmn; this module only says what the request contains.
"""

import re

NOTICE_TYPES = ("RED", "YELLOW", "BLUE", "BLACK", "GREEN", "ORANGE", "PURPLE", "UNSC", "SILVER")
# parts a notice type may have to carry; which type needs which is decided in the DMN ("Missing parts")
PARTS = ("case.fir_number", "information_sought", "body.found_date", "body.found_place",
         "subject.physical_description", "threat.description", "threat.imminence", "modus_operandi.description",
         "unsc.un_reference", "unsc.resolution", "unsc.reference_date", "grounds", "assets",
         "diffusion.notice_type", "diffusion.countries")
_DATE_IN_TEXT = re.compile(r"\b(1[89]|20)\d{2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_PLACE_IN_TEXT = re.compile(r"\b(?:in|at|near|from)\s+(?:the\s+)?[A-Z][\w-]+")


def has_text(value) -> bool:
    """True when value is a string with something other than whitespace."""
    return isinstance(value, str) and value.strip() != ""


def part(data: dict, key: str) -> dict:
    """The sub-object data[key], or an empty dict when it is absent or not an object."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def items(data: dict, key: str) -> list:
    """The list data[key], or an empty list when it is absent or not a list."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def checked_type(request: dict) -> str:
    """Whose rules apply: the notice type, or for a diffusion the type of notice it matches."""
    kind = request.get("notice_type")
    if kind == "DIFFUSION":
        kind = part(request, "diffusion").get("notice_type")
    return kind if kind in NOTICE_TYPES else ""


def _given(value) -> bool:
    if isinstance(value, list):
        return any(_given(v) for v in value)
    return has_text(value) or isinstance(value, bool | int | float)


def _part_given(request: dict, path: str) -> bool:
    if path == "grounds":
        grounds = part(request, "grounds")
        return (grounds.get("previous_conviction") is True and has_text(grounds.get("conviction_details"))) \
            or has_text(grounds.get("other_grounds"))
    if path == "assets":
        return any(has_text(a.get("description")) for a in items(request, "assets") if isinstance(a, dict))
    *parents, last = path.split(".")
    node = request
    for key in parents:
        node = part(node, key)
    return _given(node.get(last))


def missing_parts(request: dict) -> list:
    """The PARTS this request leaves empty, in PARTS order."""
    return [p for p in PARTS if not _part_given(request, p)]


def attachment_facts(subject: dict, kinds: list) -> dict:
    """Photo attached; fingerprint and DNA availability stated, and attached when said to be available."""
    fingerprints, dna = subject.get("fingerprints_available"), subject.get("dna_available")
    return {
        "photo_attached": "photo" in kinds,
        "biometrics_declared": isinstance(fingerprints, bool) and isinstance(dna, bool),
        "fingerprints_unattached": fingerprints is True and "fingerprints" not in kinds,
        "dna_unattached": dna is True and "dna" not in kinds,
    }


def summary_facts(case: dict) -> dict:
    """Whether the summary of facts names a date and a place (the offence place, or 'in/at <Place>')."""
    summary = case.get("summary_of_facts") if has_text(case.get("summary_of_facts")) else ""
    place = case.get("offence_place") if has_text(case.get("offence_place")) else None
    return {
        "summary_date_found": bool(_DATE_IN_TEXT.search(summary)),
        "summary_place_found": bool(_PLACE_IN_TEXT.search(summary))
        or (place is not None and place.strip().lower() in summary.lower()),
    }


def _charges(request: dict) -> list:
    return [c for c in items(request, "charges") if isinstance(c, dict)]


def text_facts(request: dict) -> dict:
    """Lower-case texts and categories for the excluded-offence, neutrality and human-rights rules."""
    charges = _charges(request)
    charge_text = " ; ".join(c["description"] for c in charges if has_text(c.get("description"))).lower()
    subject, case = part(request, "subject"), part(request, "case")
    extra = [subject.get("occupation"), case.get("summary_of_facts")]
    return {
        "offence_categories": sorted({c["category"] for c in charges if has_text(c.get("category"))}),
        "linked_to_serious_crime": request.get("linked_to_serious_crime") is True,
        "charge_text": charge_text,
        "neutrality_text": " ; ".join([charge_text] + [t.lower() for t in extra if has_text(t)]),
        "refugee_status": subject.get("refugee_status") is True,
        "trial_in_absentia": request.get("trial_in_absentia") is True,
    }


def mentions_any(text, words) -> bool:
    """True when text contains one of the words or phrases as a whole word (case-insensitive)."""
    if not isinstance(text, str):
        return False
    return any(re.search(rf"\b{re.escape(str(w).lower())}\b", text.lower()) for w in words or ())
