"""Resources' read side: the library with search, a resource's versions, the training register and coverage."""

from sqlalchemy import and_, distinct, func, select, true

from engine.errors import NotFound
from engine.models import (
    Agency,
    AuditEntry,
    Resource,
    ResourceTag,
    ResourceVersion,
    TrainingAgency,
    TrainingAttendee,
    TrainingSession,
    User,
)
from engine.services._common import actor
from engine.services.resources import CATEGORIES, require_ipcu
from engine.services.training import MODES

MAX_TERMS = 8


def _iso(value):
    return value.isoformat() if value is not None else None


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_clause(q: str | None):
    """Every word of the query appears in the title, description, tags or the current PDF's text."""
    terms = (q or "").lower().split()[:MAX_TERMS]
    return and_(true(), *[Resource.search_text.like(_like(t), escape="\\") for t in terms])


def _version_dict(v: ResourceVersion) -> dict:
    return {"version": v.version, "filename": v.filename, "content_type": v.content_type, "size": v.size,
            "sha256": v.sha256, "url": v.url, "note": v.note, "uploaded_at": _iso(v.uploaded_at),
            "has_text": bool(v.text)}


def _tags(session, ids: list[int]) -> dict[int, list[str]]:
    tags = {}
    for resource_id, tag in session.execute(select(ResourceTag.resource_id, ResourceTag.tag)
                                            .where(ResourceTag.resource_id.in_(ids)).order_by(ResourceTag.tag)):
        tags.setdefault(resource_id, []).append(tag)
    return tags


def library(session, *, q=None, category=None, tag=None, page=1, per_page=25) -> dict:
    """Resources matching the search and filters, latest first, with their current version."""
    query = select(Resource, ResourceVersion).join(ResourceVersion, and_(
        ResourceVersion.resource_id == Resource.id, ResourceVersion.version == Resource.current_version)) \
        .where(search_clause(q))
    if category:
        query = query.where(Resource.category == category)
    if tag:
        query = query.where(Resource.id.in_(select(ResourceTag.resource_id).where(ResourceTag.tag == tag)))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Resource.updated_at.desc(), Resource.id.desc())
                           .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    tags = _tags(session, [r.id for r, _ in rows])
    resources = [{"id": r.id, "title": r.title, "description": r.description, "category": r.category,
                  "category_name": CATEGORIES.get(r.category, r.category), "kind": r.kind, "tags": tags.get(r.id, []),
                  "updated_at": _iso(r.updated_at), "current": _version_dict(v)} for r, v in rows]
    counts = dict(session.execute(select(Resource.category, func.count()).group_by(Resource.category)).all())
    all_tags = list(session.scalars(select(ResourceTag.tag).distinct().order_by(ResourceTag.tag)))
    return {"resources": resources, "total": total, "page": max(page, 1), "per_page": per_page,
            "categories": [(code, name, counts.get(code, 0)) for code, name in CATEGORIES.items()], "tags": all_tags,
            "filters": {"q": q or "", "category": category or "", "tag": tag or ""}}


def resource_detail(session, user: User, resource_id: int) -> dict:
    """A resource and every version, newest first; IPCU also sees how often it was downloaded."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound(f"resource {resource_id} not found")
    versions = session.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
                               .order_by(ResourceVersion.version.desc()))
    downloads = session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "resource", AuditEntry.object_id == str(resource.id),
        AuditEntry.action.in_(("resource.download", "resource.open")))) if user.role == "IPCU" else None
    return {"id": resource.id, "title": resource.title, "description": resource.description,
            "category": resource.category, "category_name": CATEGORIES.get(resource.category, resource.category),
            "kind": resource.kind, "current_version": resource.current_version,
            "tags": _tags(session, [resource.id]).get(resource.id, []), "created_at": _iso(resource.created_at),
            "updated_at": _iso(resource.updated_at), "versions": [_version_dict(v) for v in versions],
            "downloads": downloads, "may_edit": user.role == "IPCU"}


def training_coverage(session, agency_id: int | None = None) -> dict:
    """Per agency: sessions held for it, officers trained (active accounts that attended a session) against
    active accounts; and how many agencies had at least one session."""
    accounts = dict(session.execute(select(User.agency_id, func.count(User.id)).where(User.active)
                                    .group_by(User.agency_id)).all())
    trained = dict(session.execute(select(User.agency_id, func.count(distinct(User.id)))
                                   .join(TrainingAttendee, TrainingAttendee.user_id == User.id).where(User.active)
                                   .group_by(User.agency_id)).all())
    sessions = dict(session.execute(select(TrainingAgency.agency_id, func.count(distinct(TrainingAgency.session_id)))
                                    .group_by(TrainingAgency.agency_id)).all())
    rows = []
    for agency in session.scalars(select(Agency).order_by(Agency.code)):
        n, k = trained.get(agency.id, 0), accounts.get(agency.id, 0)
        rows.append({"code": agency.code, "name": agency.name, "sessions": sessions.get(agency.id, 0),
                     "trained": n, "accounts": k, "coverage": round(100 * n / k, 1) if k else None})
    totals = {"agencies": len(rows), "agencies_trained": sum(1 for r in rows if r["sessions"]),
              "trained": sum(r["trained"] for r in rows), "accounts": sum(r["accounts"] for r in rows)}
    agency_code = session.get(Agency, agency_id).code if agency_id else None
    return {"agencies": [r for r in rows if agency_code in (None, r["code"])], "totals": totals}


def training_register(session, user: User) -> dict:
    """Every session, newest first, with its agencies and number of attendees; coverage in the user's scope."""
    sessions = session.scalars(select(TrainingSession).order_by(TrainingSession.held_on.desc(),
                                                                TrainingSession.id.desc())).all()
    ids = [s.id for s in sessions]
    agencies = {}
    for session_id, code in session.execute(select(TrainingAgency.session_id, Agency.code)
                                            .join(Agency, Agency.id == TrainingAgency.agency_id)
                                            .where(TrainingAgency.session_id.in_(ids)).order_by(Agency.code)):
        agencies.setdefault(session_id, []).append(code)
    attended = dict(session.execute(select(TrainingAttendee.session_id, func.count(TrainingAttendee.id))
                                    .where(TrainingAttendee.session_id.in_(ids))
                                    .group_by(TrainingAttendee.session_id)).all())
    return {"sessions": [{**_session_dict(s), "agencies": agencies.get(s.id, []), "attendees": attended.get(s.id, 0)}
                         for s in sessions],
            "coverage": training_coverage(session, None if user.role == "IPCU" else user.agency_id),
            "may_record": user.role == "IPCU"}


def _session_dict(s: TrainingSession) -> dict:
    return {"id": s.id, "held_on": s.held_on.isoformat(), "title": s.title, "mode": s.mode,
            "mode_name": MODES.get(s.mode, s.mode), "organiser": s.organiser, "venue": s.venue}


def training_detail(session, user: User, session_id: int) -> dict:
    """One session; its attendees in the user's scope (IPCU all, others their own agency's)."""
    row = session.get(TrainingSession, session_id)
    if row is None:
        raise NotFound(f"training session {session_id} not found")
    query = select(User.username, User.full_name, User.role, Agency.code).join(
        TrainingAttendee, TrainingAttendee.user_id == User.id).join(Agency, Agency.id == User.agency_id) \
        .where(TrainingAttendee.session_id == row.id).order_by(Agency.code, User.username)
    if user.role != "IPCU":
        query = query.where(User.agency_id == user.agency_id)
    agencies = session.execute(select(Agency.code, Agency.name).join(
        TrainingAgency, TrainingAgency.agency_id == Agency.id).where(TrainingAgency.session_id == row.id)
        .order_by(Agency.code)).all()
    return {**_session_dict(row), "agencies": [{"code": c, "name": n} for c, n in agencies],
            "attendees": [{"username": u, "full_name": f, "role": r, "agency": a}
                          for u, f, r, a in session.execute(query)]}


# Entry points for the pages.

def library_page(platform, *, actor_id: int, **filters) -> dict:
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        return {**library(uow.session, **filters), "may_upload": user.role == "IPCU"}


def resource_page(platform, *, actor_id: int, resource_id: int) -> dict:
    with platform.uow() as uow:
        return resource_detail(uow.session, actor(uow.session, actor_id), resource_id)


def training_page(platform, *, actor_id: int) -> dict:
    with platform.uow() as uow:
        return training_register(uow.session, actor(uow.session, actor_id))


def training_session_page(platform, *, actor_id: int, session_id: int) -> dict:
    with platform.uow() as uow:
        return training_detail(uow.session, actor(uow.session, actor_id), session_id)


def training_form(platform, *, actor_id: int) -> dict:
    """The choices of the record-a-session form (IPCU): agencies and active accounts by agency."""
    with platform.uow() as uow:
        require_ipcu(actor(uow.session, actor_id))
        agencies = uow.session.scalars(select(Agency).order_by(Agency.code)).all()
        people = uow.session.execute(select(User.username, User.full_name, User.role, User.agency_id)
                                     .where(User.active).order_by(User.username)).all()
        return {"agencies": [{"code": a.code, "name": a.name,
                              "officers": [{"username": p.username, "full_name": p.full_name, "role": p.role}
                                           for p in people if p.agency_id == a.id]} for a in agencies],
                "modes": MODES}


def upload_form(platform, *, actor_id: int) -> dict:
    """The choices of the publish form (IPCU)."""
    with platform.uow() as uow:
        require_ipcu(actor(uow.session, actor_id))
        return {"categories": CATEGORIES}
