"""IPCU records a foreign NCB's reply to a reference from a page: checked here, delivered as the BPMN message
reference_reply {country, reply} (the same message the API takes), correlated by the case reference."""


from sqlalchemy import select

from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Task
from engine.models.task import OPEN_STATES
from engine.services._common import actor, is_iso_day, visible_case
from engine.services.cases import send_message

PROCESS = "reference_request"
MESSAGE = "reference_reply"


def _ipcu_case(session, actor_id: int, case_id: int):
    user = actor(session, actor_id)
    if user.role != "IPCU":
        raise Forbidden("only CBI IPCU records replies from foreign NCBs")
    case = visible_case(session, user, case_id)
    if case.process_id != PROCESS:
        raise NotFound(f"{case.reference} is not an INTERPOL reference request")
    return case


def reply_page(platform, *, actor_id: int, case_id: int) -> dict:
    """What the reply page shows: the countries asked, those still awaited, the replies so far."""
    with platform.uow() as uow:
        case = _ipcu_case(uow.session, actor_id, case_id)
        data = case.data or {}
        tracking = data.get("tracking") if isinstance(data.get("tracking"), dict) else {}
        request = data.get("request") if isinstance(data.get("request"), dict) else {}
        busy = uow.session.scalar(select(Task.id).where(Task.case_id == case.id, Task.state.in_(OPEN_STATES)).limit(1))
        return {"id": case.id, "reference": case.reference, "status": case.status,
                "waiting": bool(tracking) and case.status == "open" and busy is None,
                "countries": request.get("countries") or [], "awaiting": tracking.get("awaiting") or [],
                "replies": tracking.get("replies") or {}, "follow_ups": tracking.get("follow_ups") or [],
                "next_follow_up": tracking.get("next_follow_up")}


def reply_payload(page: dict, form: dict) -> dict:
    """The reference_reply message from the page's fields, or Invalid naming each field that is wrong."""
    country = (form.get("country") or "").strip().upper()
    payload, errors = {"country": country, "reply": (form.get("reply") or "").strip()}, {}
    if country not in page["countries"]:
        errors["country"] = f"choose one of the countries asked: {', '.join(page['countries'])}"
    if not payload["reply"]:
        errors["reply"] = "is required"
    for key in ("ncb_reference", "received_on"):
        if (form.get(key) or "").strip():
            payload[key] = form[key].strip()
    if payload.get("received_on") and not is_iso_day(payload["received_on"]):
        errors["received_on"] = "must be a date YYYY-MM-DD"
    if errors:
        raise Invalid(errors)
    return payload


def record_reply(platform, *, actor_id: int, case_id: int, form: dict):
    """Check the page's fields, then deliver them as the reference_reply message (logged like any message)."""
    page = reply_page(platform, actor_id=actor_id, case_id=case_id)
    payload = reply_payload(page, form)
    return send_message(platform, actor_id=actor_id, name=MESSAGE, correlation=page["reference"], payload=payload)
