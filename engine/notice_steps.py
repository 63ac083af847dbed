"""Helpers the notice_request diagram's scripts call between steps: sorting rule hits by severity,
checking justifications and assessments, INTERPOL's decision, publication and its five-year review.

Standard library only: this module imports nothing from the project.
"""

from calendar import monthrange
from datetime import UTC, date, datetime

SEVERITIES = ("block", "warn", "review")
REVIEW_YEARS = 5
REMINDER_MONTHS = 6
DECISION_OUTCOMES = ("published", "refused", "query")


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _part(data, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def rule_blocks(rules, messages) -> list:
    """Pair DMN COLLECT outputs into [{"rule", "message"}] in table order."""
    return [{"rule": r, "message": m} for r, m in zip(rules or [], messages or [], strict=False)]


def rule_findings(rules, severities, messages, request) -> dict:
    """Split the rule hits into blocks, justified warnings and review flags (each rule once).

    A warning without a written justification in request["justifications"][rule] becomes a block
    `warn.<rule>`, so the draft cannot go on until the officer explains it.
    """
    justifications = _part(request, "justifications")
    found = {"blocks": [], "warnings": [], "review_flags": []}
    seen = set()
    for rule, severity, message in zip(rules or [], severities or [], messages or [], strict=False):
        if (rule, severity) in seen:
            continue
        seen.add((rule, severity))
        if severity == "warn" and _text(justifications.get(rule)):
            found["warnings"].append({"rule": rule, "message": message, "justification": justifications[rule].strip()})
        elif severity == "warn":
            found["blocks"].append({"rule": f"warn.{rule}", "message": f"{message} Write a justification "
                                    f"(justifications.{rule}) to go on despite this warning."})
        elif severity == "review":
            found["review_flags"].append({"rule": rule, "message": message})
        else:
            found["blocks"].append({"rule": rule, "message": message})
    return found


def missing_assessments(review_flags, decision) -> list:
    """Blocks for every review flag the ILO or IPCU reviewer forwarded without a written assessment."""
    assessments = _part(decision, "assessments")
    return [{"rule": f"assess.{flag['rule']}",
             "message": f"Record your assessment of '{flag['rule']}' (assessments.{flag['rule']}) before "
                        f"forwarding: {flag['message']}"}
            for flag in review_flags or [] if isinstance(flag, dict) and not _text(assessments.get(flag.get("rule")))]


def decision_blocks(decision) -> list:
    """What is wrong with an interpol_decision message, as blocks (empty when it can be recorded)."""
    decision = decision if isinstance(decision, dict) else {}
    outcome = decision.get("outcome")
    if outcome not in DECISION_OUTCOMES:
        return [{"rule": "decision.outcome", "message": "The outcome must be published, refused or query."}]
    needed = {"published": ("notice_number", "the INTERPOL notice number"),
              "refused": ("reason", "INTERPOL's reason for refusing"),
              "query": ("question", "what INTERPOL asks")}[outcome]
    problems = [] if _text(decision.get(needed[0])) else [
        {"rule": f"decision.{needed[0]}", "message": f"A {outcome} decision needs {needed[1]}."}]
    if outcome == "published" and not _valid_day(decision.get("published_on"), required=False):
        problems.append({"rule": "decision.published_on", "message": "The publication date must be YYYY-MM-DD."})
    return problems


def _valid_day(value, *, required: bool) -> bool:
    if value in (None, ""):
        return not required
    try:
        date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return True


def add_years(day: date, years: int) -> date:
    """The same calendar day years later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier); clipped to the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def publication_record(decision: dict) -> dict:
    """Publication data from the GS decision: notice number, published_on, review_due five years on."""
    published = decision.get("published_on")
    published_on = date.fromisoformat(published[:10]) if _text(published) else date.today()
    return {
        "interpol_notice_number": decision.get("notice_number"),
        "published_on": published_on.isoformat(),
        "review_due": add_years(published_on, REVIEW_YEARS).isoformat(),
    }


def _due(published) -> date:
    return date.fromisoformat(str(_as_dict(published).get("review_due"))[:10])


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def review_reminder_at(published) -> str:
    """When the review reminder fires: six months before the review date (a timer's timeDate)."""
    day = add_months(_due(published), -REMINDER_MONTHS)
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def review_due_at(published) -> str:
    """When an unreviewed notice lapses: its review date (a timer's timeDate)."""
    day = _due(published)
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat()


def extend_publication(published, renewal) -> dict:
    """The publication with a new review date five years on, and the extension (with its justification) kept."""
    published = dict(_as_dict(published))
    previous = _due(published)
    extensions = list(published.get("extensions") or [])
    extensions.append({"on": date.today().isoformat(), "previous_review_due": previous.isoformat(),
                       "justification": _as_dict(renewal).get("justification")})
    published["review_due"] = add_years(previous, REVIEW_YEARS).isoformat()
    published["extensions"] = extensions
    return published


def renewal_closure(renewal) -> dict:
    """A review that decides to cancel, in the shape the cancellation step expects (as `closure`)."""
    renewal = _as_dict(renewal)
    return {key: renewal[key] for key in ("outcome", "outcome_date", "details") if key in renewal} | {
        "action": "cancel"}


STEP_HELPERS = {
    "rule_blocks": rule_blocks, "rule_findings": rule_findings, "missing_assessments": missing_assessments,
    "decision_blocks": decision_blocks, "publication_record": publication_record,
    "review_reminder_at": review_reminder_at, "review_due_at": review_due_at,
    "extend_publication": extend_publication, "renewal_closure": renewal_closure,
}
