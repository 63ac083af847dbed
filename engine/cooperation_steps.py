"""Helpers the reference_request and broadcast diagrams' scripts call: the Letter Rogatory flag, replies per
country and their follow-ups, and deadlines computed from ISO 8601 durations.

Standard library only: this module imports nothing from the project. Durations, follow-up counts and which
urgency gets which deadline are diagram or decision-table data; these functions only compute.
"""

import re
from datetime import UTC, datetime, timedelta

LETTER_ROGATORY_ROUTE = ("Letter Rogatory under BNSS s.112, sent through the Ministry of Home Affairs "
                         "(central authority)")
LETTER_ROGATORY_MESSAGE = ("The request asks for evidence for trial. INTERPOL references carry police-to-police "
                           "information, not evidence: formal evidence abroad needs a " + LETTER_ROGATORY_ROUTE + ".")
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_ISO2 = re.compile(r"^[A-Z]{2}$")


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def duration(value: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes or seconds (P3D, PT12H, P1W); ValueError otherwise."""
    found = _DURATION.match(value) if isinstance(value, str) else None
    if found is None or value in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration in weeks, days or hours: {value!r}")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def due_after(start: str, period: str) -> str:
    """ISO date-time `period` (ISO 8601 duration) after the ISO date-time `start`."""
    return (datetime.fromisoformat(start) + duration(period)).isoformat()


def keyed(codes) -> dict:
    """{code: code} for a list of codes: a multi-instance over it keeps each branch's output under its code."""
    return {str(code): str(code) for code in codes or []}


def broadcast_deadlines(ack_in: str, answer_in: str) -> dict:
    """When a broadcast was sent to the agencies and by when each must acknowledge and answer."""
    sent = _now().isoformat()
    return {"sent_at": sent, "ack_in": ack_in, "answer_in": answer_in,
            "ack_due": due_after(sent, ack_in), "answer_due": due_after(sent, answer_in)}


def letter_rogatory_flag(request) -> dict | None:
    """A flag pointing to the Letter Rogatory route when the reference asks for evidence for trial."""
    if _dict(request).get("evidence_for_trial") is not True:
        return None
    return {"rule": "letter_rogatory", "message": LETTER_ROGATORY_MESSAGE, "route": LETTER_ROGATORY_ROUTE}


def letter_rogatory_blocks(flag, decision) -> list:
    """Passing a flagged request on needs a written assessment of why the police channel is right."""
    if not flag or _text(_dict(decision).get("evidence_assessment")):
        return []
    return [{"rule": "assess.letter_rogatory", "message": "The request asks for evidence for trial: record your "
             "assessment (evidence_assessment) of why an INTERPOL reference is the right channel, or refer it to "
             "the Letter Rogatory route."}]


def letter_rogatory_referral(review) -> dict:
    """The closure of a reference IPCU refers to the Letter Rogatory route instead of sending it."""
    return {"outcome": "letter_rogatory", "summary": _dict(review).get("comments") or "",
            "route": LETTER_ROGATORY_ROUTE}


def country_code_blocks(codes, known) -> list:
    """A block naming every code that is not in `known` (the ISO 3166-1 alpha-2 codes); [] when all are."""
    wrong = sorted({str(c) for c in codes or [] if c not in known})
    if not wrong:
        return []
    return [{"rule": "country_codes", "message": f"Not ISO 3166 alpha-2 country codes: {', '.join(wrong)}."}]


def reference_tracking(request, follow_up_in: str) -> dict:
    """Start waiting for one reply per country; the first follow-up falls due `follow_up_in` from now."""
    sent = _now().isoformat()
    countries = [str(c) for c in _dict(request).get("countries") or []]
    return {"sent_at": sent, "follow_up_in": follow_up_in, "next_follow_up": due_after(sent, follow_up_in),
            "awaiting": countries, "replies": {}, "follow_ups": [], "rejected": []}


def _reply_problem(tracking: dict, message: dict) -> str | None:
    country, reply = message.get("country"), message.get("reply")
    if not isinstance(country, str) or not _ISO2.match(country):
        return "country must be an ISO 3166 alpha-2 code"
    if country not in tracking["awaiting"] and country not in tracking["replies"]:
        return f"{country} was not asked"
    return None if _text(reply) else "reply is required"


def record_reply(tracking, message) -> dict:
    """Keep a country's reply (a later one replaces it); a malformed message is kept under `rejected`."""
    tracking, message = dict(_dict(tracking)), _dict(message)
    problem = _reply_problem(tracking, message)
    if problem:
        tracking["rejected"] = [*tracking.get("rejected", []), {"message": message, "reason": problem}]
        return tracking
    country = message["country"]
    extra = {k: v for k, v in message.items() if k not in ("country", "reply")}
    tracking["replies"] = {**tracking["replies"], country: {"reply": message["reply"],
                                                            "received_at": _now().isoformat(), **extra}}
    tracking["awaiting"] = [c for c in tracking["awaiting"] if c != country]
    return tracking


def record_follow_up(tracking) -> dict:
    """A follow-up to the countries that have not answered; the next one falls due a period later."""
    tracking = dict(_dict(tracking))
    at = _now().isoformat()
    tracking["follow_ups"] = [*tracking["follow_ups"], {"at": at, "countries": list(tracking["awaiting"])}]
    tracking["next_follow_up"] = due_after(at, tracking["follow_up_in"])
    return tracking


COOPERATION_HELPERS = {
    "keyed": keyed, "due_after": due_after, "broadcast_deadlines": broadcast_deadlines,
    "letter_rogatory_flag": letter_rogatory_flag, "letter_rogatory_blocks": letter_rogatory_blocks,
    "letter_rogatory_referral": letter_rogatory_referral,
    "reference_tracking": reference_tracking, "record_reply": record_reply,
    "record_follow_up": record_follow_up,
}
