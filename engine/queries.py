"""Read-side queries for pages and the API: plain dicts, scoped by need to know, SQL only."""

from sqlalchemy import and_, case, func, literal_column, or_, select

from engine.assignment import (
    case_scope_clause,
    may_act,
    not_own_cases_clause,
    own_cases_clause,
    sent_to,
    task_scope_clause,
)
from engine.errors import NotFound
from engine.models import Agency, Attachment, Case, CaseEvent, Comment, ProcessVersion, Task, Unit, User
from engine.models.task import OPEN_STATES
from engine.services._common import BRANCHES, now

# literal values, so that PostgreSQL matches the partial indexes on open tasks even in prepared statements
OPEN_TASK = Task.state.in_([literal_column(f"'{state}'") for state in OPEN_STATES])
SORTS = {"oldest": Task.created_at.asc(), "newest": Task.created_at.desc(), "due": Task.due_at.asc().nulls_last()}


def task_dict(task: Task, case: Case | None = None, assignee: str | None = None) -> dict:
    return {
        "id": task.id, "name": task.name, "bpmn_id": task.bpmn_id, "lane": task.lane, "state": task.state,
        "assignee": assignee, "case_id": task.case_id, "case_reference": case.reference if case else None,
        "process": task.process_id, "category": case.category if case else None,
        "created_at": _iso(task.created_at), "claimed_at": _iso(task.claimed_at),
        "completed_at": _iso(task.completed_at), "due_at": _iso(task.due_at),
    }


def _iso(value):
    return value.isoformat() if value is not None else None


def inbox(session, user: User, *, process=None, category=None, agency=None, state=None, overdue=False,
          sort="oldest", page=1, per_page=25) -> dict:
    """Open tasks the user may act on, filtered, sorted and paged, with counts per filter value."""
    at, wanted = now(), {"process": process, "category": category, "agency": agency,
                         "state": state if state in OPEN_STATES else None, "overdue": overdue}
    tallies = _tallies(session, user, at)
    page_ids = select(Task.id).where(OPEN_TASK, task_scope_clause(user))
    for key, condition in (("process", Task.process_id == process), ("category", Task.category == category),
                           ("agency", Task.agency_id == select(Agency.id).where(Agency.code == agency)
                            .scalar_subquery()), ("state", Task.state == state), ("overdue", Task.due_at < at)):
        if wanted[key]:
            page_ids = page_ids.where(condition)
    order = (SORTS.get(sort, SORTS["oldest"]), Task.id)
    # the page is chosen from the task index alone; only its rows are joined to their cases and agencies
    page_ids = page_ids.order_by(*order).limit(per_page).offset((max(page, 1) - 1) * per_page).correlate(None)
    rows = session.execute(select(Task, Case, Agency.code, User.username).join(Case, Case.id == Task.case_id)
                           .join(Agency, Agency.id == Task.agency_id).outerjoin(User, User.id == Task.assignee_id)
                           .where(Task.id.in_(page_ids)).order_by(*order)).all()
    tasks = [dict(task_dict(t, c, who), agency=code) for t, c, code, who in rows]
    total = sum(row["n"] for row in tallies if all(row[key] == value for key, value in wanted.items() if value))
    return {"tasks": tasks, "total": total, "page": max(page, 1), "per_page": per_page,
            "counts": _counts(tallies)}


def _tallies(session, user: User, at) -> list[dict]:
    """Open tasks in the user's scope counted per (process, category, agency, state, overdue): one grouped
    statement gives both the counts per filter value and the total of any filter combination."""
    late = case((Task.due_at < at, 1), else_=0)
    query = (select(Task.process_id, Task.category, Agency.code, Task.state, late, func.count())
             .join(Agency, Agency.id == Task.agency_id).where(OPEN_TASK, task_scope_clause(user))
             .group_by(Task.process_id, Task.category, Agency.code, Task.state, late))
    keys = ("process", "category", "agency", "state", "overdue", "n")
    return [dict(zip(keys, (*row[:4], bool(row[4]), row[5]), strict=True)) for row in session.execute(query)]


def claimed_by(session, user: User, limit: int = 50) -> list[dict]:
    """Open tasks this user has claimed, longest held first (the inbox's 'claimed' filter lists them all)."""
    rows = session.execute(select(Task, Case).join(Case, Case.id == Task.case_id)
                           .where(Task.state == literal_column("'claimed'"), Task.assignee_id == user.id)
                           .order_by(Task.claimed_at, Task.id).limit(limit)).all()
    return [task_dict(t, c, user.username) for t, c in rows]


def _counts(tallies: list[dict]) -> dict:
    counts = {}
    for key in ("process", "category", "agency", "state"):
        found = {}
        for row in tallies:
            if row[key] is not None:
                found[row[key]] = found.get(row[key], 0) + row["n"]
        counts[key] = dict(sorted(found.items()))
    counts["overdue"] = sum(row["n"] for row in tallies if row["overdue"])
    return counts


def case_summary(case: Case, agency: str | None = None, unit: str | None = None) -> dict:
    return {"id": case.id, "reference": case.reference, "process": case.process_id,
            "process_name": case.version.name, "status": case.status,
            "category": case.category, "agency": agency, "unit": unit, "version": case.version.version,
            "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
            "completed_at": _iso(case.completed_at)}


def cases(session, user: User, *, status=None, mine=False, page=1, per_page=25) -> dict:
    """Cases the user may see, newest first."""
    query = (select(Case, Agency.code, Unit.code).join(Agency, Agency.id == Case.agency_id)
             .outerjoin(Unit, Unit.id == Case.unit_id).where(case_scope_clause(user)))
    if status:
        query = query.where(Case.status == status)
    if mine:
        query = query.where(Case.created_by == user.id)
    total = (session.scalar(select(func.count()).select_from(query.subquery())) if mine
             else case_count(session, user, status=status))
    rows = session.execute(query.order_by(Case.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page))
    return {"cases": [case_summary(c, a, u) for c, a, u in rows], "total": total, "page": max(page, 1),
            "per_page": per_page}


def case_count(session, user: User, *, status=None) -> int:
    """How many cases the user may see (with this status): the count alone, without a page of them."""
    wanted = [Case.status == status] if status else []
    if user.role == "IPCU":
        return session.scalar(select(func.count(Case.id)).where(*wanted))
    # own cases and cases sent through a branch are disjoint sets: two index-backed counts instead of one
    # OR over every case
    own = session.scalar(select(func.count(Case.id)).where(own_cases_clause(user), *wanted))
    sent = session.scalar(select(func.count(Case.id))
                          .where(Case.id.in_(sent_to(user)), not_own_cases_clause(user), *wanted))
    return own + sent


def branch_only(user: User, case: Case) -> bool:
    """The user sees this case only because a branch of it (a broadcast) was sent to their agency or unit."""
    if user.role == "IPCU":
        return False
    return case.unit_id != user.unit_id if user.role == "UO" else case.agency_id != user.agency_id


def visible_data(user: User, case: Case) -> dict:
    """The case data the user may read: all of it, or for a branch recipient only their own branch's data."""
    data = case.data or {}
    if not branch_only(user, case):
        return data
    key = f"{user.agency.code}/{user.unit.code}" if user.role == "UO" and user.unit else user.agency.code
    return (data.get(BRANCHES) or {}).get(key) or {}


def may_open_attachment(session, user: User, case: Case, attachment: Attachment) -> bool:
    """Branch recipients open only what IPCU or their own side uploaded (as the listing shows)."""
    if not branch_only(user, case):
        return True
    uploader = session.get(User, attachment.uploaded_by)
    return session.scalar(select(User.id).where(User.id == uploader.id, _own_side(user, User))) is not None


def _own_side(user: User, who):
    """SQL condition on an officer (`who`, a User entity): IPCU, or the branch recipient's own side."""
    if user.role == "UO":
        mine = or_(who.unit_id == user.unit_id, and_(who.role == "ILO", who.agency_id == user.agency_id))
    else:
        mine = who.agency_id == user.agency_id
    return or_(who.role == "IPCU", mine)


def case_detail(session, user: User, case_id: int) -> dict:
    """Everything the case page shows: data, tasks, history, comments, attachments, diagram marks; a branch
    recipient sees only its own branch's data and tasks, and only what IPCU and its own side wrote."""
    case, agency, unit = _visible_case(session, user, case_id)
    limited = branch_only(user, case)
    task_list = _case_tasks(session, user, case, limited)
    side = _own_side(user, User) if limited else None
    return {
        **case_summary(case, agency, unit), "data": visible_data(user, case),
        "tasks": [t for t in task_list if t["state"] in OPEN_STATES],
        "finished_tasks": [t for t in task_list if t["state"] not in OPEN_STATES],
        "history": _history(session, case.id, side), "comments": _comments(session, case.id, side),
        "attachments": attachments(session, case.id, side),
        "diagram": {"completed": sorted({t["bpmn_id"] for t in task_list if t["state"] == "completed"}),
                    "current": sorted({t["bpmn_id"] for t in task_list if t["state"] in OPEN_STATES})},
    }


def case_state(session, user: User, case_id: int) -> dict:
    """What the API answers after an action: the case summary, its data and its open tasks (as case_detail)."""
    case, agency, unit = _visible_case(session, user, case_id)
    task_list = _case_tasks(session, user, case, branch_only(user, case))
    return {**case_summary(case, agency, unit), "data": visible_data(user, case),
            "tasks": [t for t in task_list if t["state"] in OPEN_STATES]}


def _visible_case(session, user: User, case_id: int) -> tuple[Case, str, str | None]:
    row = session.execute(select(Case, Agency.code, Unit.code).join(Agency, Agency.id == Case.agency_id)
                          .outerjoin(Unit, Unit.id == Case.unit_id)
                          .where(Case.id == case_id, case_scope_clause(user))).first()
    if row is None:
        raise NotFound(f"case {case_id} not found")
    return tuple(row)


def _case_tasks(session, user: User, case: Case, limited: bool) -> list[dict]:
    query = (select(Task, User.username, Agency.code, Unit.code)
             .outerjoin(User, User.id == Task.assignee_id).join(Agency, Agency.id == Task.agency_id)
             .outerjoin(Unit, Unit.id == Task.unit_id).where(Task.case_id == case.id).order_by(Task.id))
    if limited:
        query = query.where(Task.unit_id == user.unit_id if user.role == "UO" else Task.agency_id == user.agency_id)
    return [dict(task_dict(t, case, who), may_act=may_act(user, t), agency=a, unit=u)
            for t, who, a, u in session.execute(query)]


def _history(session, case_id: int, side=None) -> list[dict]:
    query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    if side is not None:
        query = query.join(User, User.username == CaseEvent.actor).where(side)
    return [{"at": _iso(e.at), "actor": e.actor, "action": e.action, "bpmn_id": e.bpmn_id,
             "task": e.task_name, "detail": e.detail} for e in session.scalars(query)]


def _comments(session, case_id: int, side=None) -> list[dict]:
    query = (select(Comment, User.username, User.full_name).join(User, User.id == Comment.author_id)
             .where(Comment.case_id == case_id).order_by(Comment.id))
    if side is not None:
        query = query.where(side)
    return [{"id": c.id, "author": name, "author_name": full, "body": c.body, "at": _iso(c.created_at)}
            for c, name, full in session.execute(query)]


def attachments(session, case_id: int, side=None) -> list[dict]:
    query = select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
    if side is not None:
        query = query.join(User, User.id == Attachment.uploaded_by).where(side)
    return [{"id": a.id, "filename": a.filename, "kind": a.kind, "size": a.size, "sha256": a.sha256,
             "content_type": a.content_type, "uploaded_at": _iso(a.uploaded_at)} for a in session.scalars(query)]


def task_detail(session, user: User, task_id: int) -> dict:
    """A task with its case, in the user's scope; the form comes from engine.services.tasks.form_schema."""
    row = session.execute(select(Task, Case).join(Case, Case.id == Task.case_id)
                          .where(Task.id == task_id, case_scope_clause(user))).first()
    if row is None:
        raise NotFound(f"task {task_id} not found")
    task, case = row
    assignee = session.get(User, task.assignee_id).username if task.assignee_id else None
    return {**task_dict(task, case, assignee), "may_act": may_act(user, task), "form": task.form,
            "variable": task.variable, "version_id": case.version_id, "draft": task.draft,
            "prefill": visible_data(user, case).get(task.variable)}


def processes(session, user: User | None = None) -> list[dict]:
    """The newest version of each deployed process, with the role that may start it."""
    newest = select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v")) \
        .group_by(ProcessVersion.process_id).subquery()
    rows = session.scalars(select(ProcessVersion).join(newest, (newest.c.process_id == ProcessVersion.process_id)
                                                       & (newest.c.v == ProcessVersion.version))
                           .order_by(ProcessVersion.process_id))
    return [{"id": v.process_id, "name": v.name, "version": v.version, "start_role": v.start_lane,
             "deployed_at": _iso(v.deployed_at),
             "may_start": user is not None and v.start_lane in (None, user.role)} for v in rows]
