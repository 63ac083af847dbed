"""The notice register (search, CSV export) and INTERPOL's decision recorded from a page; every use logged."""

import csv
import io

from sqlalchemy import select

from engine import audit, notices
from engine.errors import Forbidden, Invalid
from engine.models import Agency
from engine.services._common import actor, is_iso_day, visible_case
from engine.services.cases import send_message

CSV_COLUMNS = ("reference", "notice_type", "subject", "aliases", "status", "agency", "unit", "interpol_number",
               "requested_on", "published_on", "review_due")
DECISION_FIELDS = {"published": ("notice_number", "published_on"), "refused": ("reason",), "query": ("question",)}


def _filters(filters: dict | None) -> dict:
    return {k: str(v).strip() for k, v in (filters or {}).items() if k in notices.FILTERS and str(v or "").strip()}


def register_page(platform, *, actor_id: int, filters: dict | None = None, page: int = 1) -> dict:
    """One page of the register for an ILO (its agency) or IPCU (everything); the search is logged."""
    filters = _filters(filters)
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        result = notices.register(uow.session, user, filters, page=page)
        audit.append(uow.session, actor=user.username, action="notice.register", object_type="register",
                     object_id="notices", detail={"filters": filters, "rows": result["total"]})
        uow.commit()
        agencies = uow.session.scalars(select(Agency.code).order_by(Agency.code)).all()
        return {**result, "filters": filters, "statuses": notices.STATUSES,
                "agencies": agencies if user.role == "IPCU" else [user.agency.code]}


def _safe_cell(value) -> str:
    """Text for a CSV cell; a leading = + - @ is quoted so spreadsheets do not run it as a formula."""
    text = "; ".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_register(platform, *, actor_id: int, filters: dict | None = None) -> str:
    """The matching register rows as CSV; the export (who, which filters, how many rows) is logged."""
    filters = _filters(filters)
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        rows = notices.register_rows(uow.session, user, filters)
        audit.append(uow.session, actor=user.username, action="notice.export", object_type="register",
                     object_id="notices", detail={"filters": filters, "rows": len(rows)})
        uow.commit()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_safe_cell(row[c]) for c in CSV_COLUMNS] for row in rows)
    return out.getvalue()


def _ipcu(session, actor_id: int):
    user = actor(session, actor_id)
    if user.role != "IPCU":
        raise Forbidden("only CBI IPCU records INTERPOL's decisions")
    return user


def decision_page(platform, *, actor_id: int, case_id: int) -> dict:
    """What the decision page shows: the case, and whether it waits for INTERPOL's decision."""
    with platform.uow() as uow:
        case = visible_case(uow.session, _ipcu(uow.session, actor_id), case_id)
        request = (case.data or {}).get("request") or {}
        subject = request.get("subject") or {}
        return {"id": case.id, "reference": case.reference, "notice_type": case.category,
                "status": case.notice_status, "waiting": case.notice_status == "sent",
                "subject": " ".join(filter(None, (subject.get("family_name"), subject.get("forename")))),
                "decision": (case.data or {}).get("interpol_decision")}


def decision_payload(reference: str, form: dict) -> dict:
    """The interpol_decision message from the page's fields, or Invalid naming each missing field."""
    outcome = (form.get("outcome") or "").strip()
    if outcome not in DECISION_FIELDS:
        raise Invalid({"outcome": "choose published, refused or query"})
    payload = {"reference": (form.get("interpol_reference") or "").strip() or reference, "outcome": outcome}
    errors = {}
    for field in DECISION_FIELDS[outcome]:
        value = (form.get(field) or "").strip()
        if not value:
            errors[field] = "is required"
        payload[field] = value
    if payload.get("published_on") and not is_iso_day(payload["published_on"]):
        errors["published_on"] = "must be a date YYYY-MM-DD"
    if errors:
        raise Invalid(errors)
    return payload


def record_decision(platform, *, actor_id: int, case_id: int, form: dict):
    """IPCU records INTERPOL's decision from the page: published (number, date), refused (reason) or query."""
    with platform.uow() as uow:
        user = _ipcu(uow.session, actor_id)
        reference = visible_case(uow.session, user, case_id).reference
    payload = decision_payload(reference, form)
    return send_message(platform, actor_id=actor_id, name="interpol_decision", correlation=reference,
                        payload=payload)
