"""The INTERPOL notice register: search columns kept in step with a case's data, the duplicate check,
and the scoped register query (SQL only)."""

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from engine.assignment import case_scope_clause
from engine.errors import Forbidden, Invalid
from engine.models import Agency, Case, Unit, User

PROCESS = "notice_request"
STATUSES = ("draft", "vetting", "review", "query", "sent", "published", "review_due", "cancelling", "cancelled",
            "withdrawn", "lapsed", "refused")
FILTERS = ("q", "reference", "interpol_number", "notice_type", "status", "agency", "requested_from",
           "requested_to", "published_from", "published_to")
OPEN_TASK_STATUS = {"draft": "draft", "vet": "vetting", "review": "review", "maintain_notice": "published",
                    "notice_renewal": "review_due", "request_cancellation": "cancelling"}
EXPORT_LIMIT = 10000


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _norm(value) -> str:
    """Lower case, accents and punctuation dropped, single spaces: how names and references are compared."""
    text = unicodedata.normalize("NFKD", value if isinstance(value, str) else "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def subject_key(request) -> str | None:
    """Same person + same case: family name, forename, date of birth and FIR (or missing-person report) number."""
    request = _dict(request)
    subject, case = _dict(request.get("subject")), _dict(request.get("case"))
    names = [_norm(subject.get("family_name")), _norm(subject.get("forename"))]
    case_ref = _norm(case.get("fir_number")) or _norm(_dict(request.get("missing_report")).get("number"))
    if not any(names) or not case_ref:
        return None
    return "|".join([*names, _norm(subject.get("date_of_birth")), case_ref])[:255]


def subject_names(request) -> str | None:
    """Name and aliases, normalized and joined, for the register's name search."""
    subject = _dict(_dict(request).get("subject"))
    names = [" ".join(filter(None, (_norm(subject.get("family_name")), _norm(subject.get("forename")))))]
    names += [_norm(a) for a in subject.get("aliases") or [] if isinstance(a, str)]
    joined = " | ".join(n for n in names if n)
    return joined[:1000] or None


def notice_status(data: dict, open_tasks: list[str], completed: bool) -> str:
    """Where a notice request stands, from its data and its open tasks."""
    closure, decision = _dict(data.get("closure")), _dict(data.get("interpol_decision"))
    if completed:
        if closure:
            return "withdrawn" if closure.get("action") == "withdraw" else "cancelled"
        return "lapsed" if data.get("published") else "refused"
    for bpmn_id in open_tasks:
        if bpmn_id in OPEN_TASK_STATUS:
            status = OPEN_TASK_STATUS[bpmn_id]
            return "query" if status == "review" and decision.get("outcome") == "query" else status
    return "sent"


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def index_notice(case: Case, flow):
    """Fill the register's columns of a notice request after an engine step."""
    if case.process_id != PROCESS:
        return
    data = case.data or {}
    request, published = _dict(data.get("request")), _dict(data.get("published"))
    case.subject_key, case.subject_names = subject_key(request), subject_names(request)
    case.interpol_number = (published.get("interpol_notice_number") or None) if published else None
    case.published_on, case.review_due = _day(published.get("published_on")), _day(published.get("review_due"))
    open_tasks = [t.task_spec.bpmn_id for t in flow.ready_human_tasks()]
    case.notice_status = notice_status(data, open_tasks, flow.completed)


def duplicate_data(session, user: User, case: Case, form_data) -> dict:
    """Host data for a submitted notice request: {"duplicates": [...]} naming other open or published
    requests for the same person and case (a reference when the user may see it); {} for other forms."""
    if case.process_id != PROCESS or not isinstance(form_data, dict) or "subject" not in form_data:
        return {}
    key = subject_key(form_data)
    if key is None:
        return {"duplicates": []}
    rows = session.execute(select(Case.id, Case.reference).where(
        Case.subject_key == key, Case.id != case.id,
        or_(Case.status == "open", Case.notice_status == "published")).order_by(Case.id)).all()
    visible = set(session.scalars(select(Case.id).where(Case.id.in_([r.id for r in rows]), case_scope_clause(user))))
    return {"duplicates": [r.reference if r.id in visible else "a request of another unit or agency"
                           for r in rows]}


def _like(column, text: str):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _date_arg(filters: dict, key: str) -> date | None:
    value = filters.get(key)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid({key: "must be a date YYYY-MM-DD"}) from None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _text_filters(query, filters: dict):
    if filters.get("q"):
        query = query.where(_like(Case.subject_names, _norm(filters["q"])))
    if filters.get("reference"):
        query = query.where(_like(func.lower(Case.reference), filters["reference"].strip().lower()))
    if filters.get("interpol_number"):
        query = query.where(_like(func.lower(Case.interpol_number), filters["interpol_number"].strip().lower()))
    if filters.get("notice_type"):
        query = query.where(Case.category == filters["notice_type"])
    if filters.get("status"):
        query = query.where(Case.notice_status == filters["status"])
    if filters.get("agency"):
        query = query.where(Agency.code == filters["agency"])
    return query


def _date_filters(query, filters: dict):
    requested_from, requested_to = _date_arg(filters, "requested_from"), _date_arg(filters, "requested_to")
    published_from, published_to = _date_arg(filters, "published_from"), _date_arg(filters, "published_to")
    if requested_from:
        query = query.where(Case.created_at >= _start_of(requested_from))
    if requested_to:
        query = query.where(Case.created_at < _start_of(requested_to + timedelta(days=1)))
    if published_from:
        query = query.where(Case.published_on >= published_from)
    if published_to:
        query = query.where(Case.published_on <= published_to)
    return query


def _register_query(user: User, filters: dict):
    if user.role not in ("ILO", "IPCU"):
        raise Forbidden("the notice register is for ILOs and CBI IPCU")
    query = (select(Case, Agency.code, Unit.code).join(Agency, Agency.id == Case.agency_id)
             .outerjoin(Unit, Unit.id == Case.unit_id).where(Case.process_id == PROCESS, case_scope_clause(user)))
    return _date_filters(_text_filters(query, filters), filters)


def _row(case: Case, agency: str, unit: str | None) -> dict:
    request = _dict((case.data or {}).get("request"))
    subject = _dict(request.get("subject"))
    name = ", ".join(filter(None, (str(subject.get("family_name") or "").upper(), subject.get("forename") or "")))
    return {"id": case.id, "reference": case.reference, "notice_type": case.category, "subject": name,
            "aliases": [a for a in subject.get("aliases") or [] if isinstance(a, str)],
            "status": case.notice_status, "agency": agency, "unit": unit, "interpol_number": case.interpol_number,
            "published_on": case.published_on.isoformat() if case.published_on else None,
            "review_due": case.review_due.isoformat() if case.review_due else None,
            "requested_on": case.created_at.date().isoformat()}


def register(session, user: User, filters: dict, *, page: int = 1, per_page: int = 25) -> dict:
    """Notice requests the user may see, filtered, newest first, one page."""
    query = _register_query(user, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Case.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page))
    return {"rows": [_row(*r) for r in rows], "total": total, "page": max(page, 1), "per_page": per_page}


def register_rows(session, user: User, filters: dict) -> list[dict]:
    """Every matching row (up to EXPORT_LIMIT), for the CSV export."""
    rows = session.execute(_register_query(user, filters).order_by(Case.id.desc()).limit(EXPORT_LIMIT))
    return [_row(*r) for r in rows]
