"""Connect's read side: the directory, agency and account pages, message threads and unread counts."""

from sqlalchemy import and_, func, or_, select

from engine import hierarchy as rules
from engine.assignment import case_scope_clause
from engine.errors import Forbidden, Invalid, NotFound
from engine.hierarchy import End, end_of, my_side, side_clause, thread_clause, thread_end
from engine.models import Agency, AuditEntry, Case, Message, MessageAttachment, MessageRead, MessageThread, Unit, User
from engine.services._common import actor

IPCU_LABEL = "CBI IPCU (NCB New Delhi)"


def _iso(value):
    return value.isoformat() if value is not None else None


def end_label(session, end: End) -> str:
    if end.role == "IPCU":
        return IPCU_LABEL
    agency = session.get(Agency, end.agency_id)
    if end.role == "ILO":
        return f"ILO, {agency.name}"
    return f"{session.get(Unit, end.unit_id).name}, {agency.name}"


def recipients(session, user: User) -> list[tuple[str, str]]:
    """(address, label) of every office the user may write to."""
    mine = end_of(user)
    offices = [("IPCU", End("IPCU"))]
    offices += [(f"ILO:{a.code}", End("ILO", a.id)) for a in session.scalars(select(Agency).order_by(Agency.name))
                if a.id != user.agency_id or user.role == "UO"]
    if user.role == "ILO":
        units = session.scalars(select(Unit).where(Unit.agency_id == user.agency_id).order_by(Unit.name))
        offices += [(f"UO:{u.code}", End("UO", u.agency_id, u.id)) for u in units]
    return [(address, end_label(session, end)) for address, end in offices if rules.may_write(mine, end)]


def directory(session) -> list[dict]:
    """Every agency with its active ILOs and its units with their number of active unit officers."""
    people = session.execute(select(User.agency_id, User.unit_id, User.role, User.username, User.full_name)
                             .where(User.active).order_by(User.username)).all()
    rows = []
    for agency in session.scalars(select(Agency).order_by(Agency.code)):
        mine = [p for p in people if p.agency_id == agency.id]
        rows.append({"code": agency.code, "name": agency.name, "kind": agency.kind,
                     "ilos": [{"username": p.username, "full_name": p.full_name} for p in mine if p.role == "ILO"],
                     "units": [{"code": u.code, "name": u.name,
                                "officers": sum(1 for p in mine if p.unit_id == u.id and p.role == "UO")}
                               for u in agency.units],
                     "accounts": len(mine)})
    return rows


def _account(u: User, unit_code: str | None = None) -> dict:
    return {"username": u.username, "full_name": u.full_name, "role": u.role, "unit": unit_code,
            "active": u.active, "must_change_password": u.must_change_password, "created_at": _iso(u.created_at)}


def agency_admin(session, user: User, code: str) -> dict:
    """One agency's units and accounts, for its administrators; what they may create there."""
    rules.require_admin(user)
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"no agency with code '{code}'")
    rules.require_agency_scope(user, agency)
    accounts = session.execute(select(User, Unit.code).outerjoin(Unit, Unit.id == User.unit_id)
                               .where(User.agency_id == agency.id).order_by(User.role, User.username)).all()
    return {"agency": {"code": agency.code, "name": agency.name, "kind": agency.kind},
            "units": [{"code": u.code, "name": u.name,
                       "officers": sum(1 for a, c in accounts if c == u.code and a.active)} for u in agency.units],
            "accounts": [_account(a, c) for a, c in accounts],
            "roles": [r for r in ("UO", "ILO", "IPCU") if _may_create(user, r, agency)]}


def _may_create(user: User, role: str, agency: Agency) -> bool:
    try:
        rules.check_new_role(user, role, agency)
    except (Forbidden, Invalid):  # this role is not offered on the form
        return False
    return True


def account_detail(session, user: User, username: str) -> dict:
    """An account, its lifecycle history and activity; ILOs see their own agency's accounts only."""
    rules.require_admin(user)
    target = session.scalar(select(User).where(User.username == username))
    if target is None or (user.role == "ILO" and target.agency_id != user.agency_id):
        raise NotFound(f"no account '{username}'")
    history = session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "user", AuditEntry.object_id == target.username,
        or_(AuditEntry.action.like("account.%"), AuditEntry.action == "login")).order_by(AuditEntry.seq))
    events = [{"at": _iso(e.at), "actor": e.actor, "action": e.action, "detail": e.detail} for e in history]
    return {**_account(target, target.unit.code if target.unit else None), "agency": target.agency.code,
            "agency_name": target.agency.name, "unit_name": target.unit.name if target.unit else None,
            "history": [e for e in events if e["action"] != "login"],
            "last_login": next((e["at"] for e in reversed(events) if e["action"] == "login"), None),
            "cases_started": session.scalar(select(func.count(Case.id)).where(Case.created_by == target.id)),
            "messages_sent": session.scalar(select(func.count(Message.id)).where(Message.sender_id == target.id)),
            "may_manage": target.id != user.id and (user.role == "IPCU" or target.role == "UO")}


def _unread_by_thread(user: User):
    """SQL: per thread, the messages from the other office after what the user has read."""
    incoming = or_(and_(side_clause(user, "a"), Message.side == "b"), and_(side_clause(user, "b"), Message.side == "a"))
    return (select(Message.thread_id, func.count(Message.id).label("unread"))
            .join(MessageThread, MessageThread.id == Message.thread_id)
            .outerjoin(MessageRead, and_(MessageRead.thread_id == Message.thread_id, MessageRead.user_id == user.id))
            .where(incoming, Message.id > func.coalesce(MessageRead.last_read_id, 0))
            .group_by(Message.thread_id))


def unread_total(session, user: User) -> int:
    sub = _unread_by_thread(user).subquery()
    return session.scalar(select(func.coalesce(func.sum(sub.c.unread), 0)))


def threads(session, user: User, *, page: int = 1, per_page: int = 25) -> dict:
    """The threads of the user's office, latest activity first, with unread counts."""
    base = select(MessageThread, Case.reference).outerjoin(Case, Case.id == MessageThread.case_id) \
        .where(thread_clause(user))
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = session.execute(base.order_by(MessageThread.updated_at.desc(), MessageThread.id.desc())
                           .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    unread = dict(session.execute(_unread_by_thread(user)).all())
    counts = dict(session.execute(select(Message.thread_id, func.count(Message.id))
                                  .where(Message.thread_id.in_([t.id for t, _ in rows]))
                                  .group_by(Message.thread_id)).all())
    items = []
    for thread, reference in rows:
        side = my_side(user, thread)
        other = thread_end(thread, "b" if side == "a" else "a")
        items.append({"id": thread.id, "subject": thread.subject, "with": end_label(session, other),
                      "case_reference": reference, "updated_at": _iso(thread.updated_at),
                      "messages": counts.get(thread.id, 0), "unread": unread.get(thread.id, 0)})
    return {"threads": items, "total": total, "page": max(page, 1), "per_page": per_page,
            "unread": sum(unread.values())}


def thread_detail(session, user: User, thread: MessageThread) -> dict:
    """A thread's messages and files, and how many of them the user had not read yet."""
    side = my_side(user, thread)
    read = session.scalar(select(MessageRead.last_read_id).where(MessageRead.thread_id == thread.id,
                                                                 MessageRead.user_id == user.id)) or 0
    rows = session.execute(select(Message, User.username, User.full_name).join(User, User.id == Message.sender_id)
                           .where(Message.thread_id == thread.id).order_by(Message.id)).all()
    files = {}
    for att in session.scalars(select(MessageAttachment).where(
            MessageAttachment.message_id.in_([m.id for m, _, _ in rows]))):
        files.setdefault(att.message_id, []).append({"id": att.id, "filename": att.filename, "size": att.size,
                                                     "content_type": att.content_type, "sha256": att.sha256})
    case = session.scalar(select(Case).where(Case.id == thread.case_id, case_scope_clause(user))) \
        if thread.case_id else None
    ends = {s: end_label(session, thread_end(thread, s)) for s in "ab"}
    messages = [{"id": m.id, "sender": name, "sender_name": full, "office": ends[m.side], "mine": m.side == side,
                 "body": m.body, "at": _iso(m.created_at), "files": files.get(m.id, []),
                 "unread": m.side != side and m.id > read} for m, name, full in rows]
    return {"id": thread.id, "subject": thread.subject, "ends": ends, "my_office": ends[side],
            "with": ends["b" if side == "a" else "a"],
            "case": {"id": case.id, "reference": case.reference} if case else None,
            "messages": messages, "unread": sum(1 for m in messages if m["unread"])}


# Entry points for the pages: one session, the actor's scope, plain dicts.

def directory_page(platform, *, actor_id: int) -> dict:
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        return {"agencies": directory(uow.session), "is_admin": user.role == "ILO" or user.is_admin}


def agency_page(platform, *, actor_id: int, code: str) -> dict:
    with platform.uow() as uow:
        return agency_admin(uow.session, actor(uow.session, actor_id), code)


def account_page(platform, *, actor_id: int, username: str) -> dict:
    with platform.uow() as uow:
        return account_detail(uow.session, actor(uow.session, actor_id), username)


def messages_page(platform, *, actor_id: int, page: int = 1) -> dict:
    with platform.uow() as uow:
        return threads(uow.session, actor(uow.session, actor_id), page=page)


def compose_page(platform, *, actor_id: int) -> dict:
    """The offices the officer may write to."""
    with platform.uow() as uow:
        return {"recipients": recipients(uow.session, actor(uow.session, actor_id))}


def unread_count(platform, *, actor_id: int) -> int:
    with platform.uow() as uow:
        return unread_total(uow.session, actor(uow.session, actor_id))
