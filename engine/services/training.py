"""The training register: sessions held (date, title, mode, organiser), the agencies they were for and the
officers with accounts who attended; recorded by CBI IPCU and audited."""

from datetime import date

from sqlalchemy import select

from engine import audit
from engine.errors import Invalid
from engine.models import Agency, TrainingAgency, TrainingAttendee, TrainingSession, User
from engine.services._common import actor, now
from engine.services.resources import require_ipcu

MODES = {"in_person": "In person", "online": "Online"}


def add_session(session, *, recorded_by: int, held_on: date, title: str, mode: str, organiser: str,
                venue: str | None, agency_ids: set[int], user_ids: set[int]) -> TrainingSession:
    """Insert one session with its agencies and attendees (the caller checks and commits)."""
    row = TrainingSession(held_on=held_on, title=title, mode=mode, organiser=organiser, venue=venue,
                          recorded_by=recorded_by, recorded_at=now())
    session.add(row)
    session.flush()
    session.add_all([TrainingAgency(session_id=row.id, agency_id=a) for a in sorted(agency_ids)])
    session.add_all([TrainingAttendee(session_id=row.id, user_id=u) for u in sorted(user_ids)])
    return row


def _checked(held_on: str, title: str, mode: str, organiser: str) -> tuple[date, dict]:
    errors = {}
    try:
        day = date.fromisoformat((held_on or "").strip())
    except ValueError:
        day, errors["held_on"] = None, "must be a date (YYYY-MM-DD)"
    if day is not None and day > now().date():
        errors["held_on"] = "is in the future; record a session once it has been held"
    if not (title or "").strip():
        errors["title"] = "is required"
    if mode not in MODES:
        errors["mode"] = f"must be one of {', '.join(MODES)}"
    if not (organiser or "").strip():
        errors["organiser"] = "is required"
    return day, errors


def _participants(session, agency_codes: list[str], usernames: list[str], errors: dict):
    """Agencies named, plus the agencies of the officers named; unknown codes or names are errors."""
    agencies = dict(session.execute(select(Agency.code, Agency.id).where(Agency.code.in_(agency_codes))).all())
    users = dict(session.execute(select(User.username, User).where(User.username.in_(usernames))).all())
    unknown_agencies = sorted(set(agency_codes) - set(agencies))
    unknown_users = sorted(set(usernames) - set(users))
    if unknown_agencies:
        errors["agencies"] = f"unknown agency codes: {', '.join(unknown_agencies)}"
    if unknown_users:
        errors["attendees"] = f"unknown accounts: {', '.join(unknown_users)}"
    if not agencies and not users and not errors.get("agencies"):
        errors["agencies"] = "choose the agencies the session was for, or the officers who attended"
    agency_ids = set(agencies.values()) | {u.agency_id for u in users.values()}
    return agency_ids, {u.id for u in users.values()}


def record_session(platform, *, actor_id: int, held_on: str, title: str, mode: str, organiser: str,
                   venue: str = "", agency_codes: list[str] = (), usernames: list[str] = ()) -> TrainingSession:
    """Record a session that was held (IPCU); the attendees' agencies count as covered by it."""
    day, errors = _checked(held_on, title, mode, organiser)
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        require_ipcu(user)
        codes = sorted({c.strip().upper() for c in agency_codes if c.strip()})
        names = sorted({n.strip().lower() for n in usernames if n.strip()})
        agency_ids, user_ids = _participants(session, codes, names, errors)
        if errors:
            raise Invalid(errors)
        row = add_session(session, recorded_by=user.id, held_on=day, title=title.strip()[:200], mode=mode,
                          organiser=organiser.strip()[:200], venue=(venue or "").strip()[:200] or None,
                          agency_ids=agency_ids, user_ids=user_ids)
        audit.append(session, actor=user.username, action="training.record", object_type="training_session",
                     object_id=row.id, detail={"held_on": day.isoformat(), "title": row.title, "mode": mode,
                                               "agencies": len(agency_ids), "attendees": len(user_ids)})
        uow.commit()
        return row
