"""Open items by age per agency and inbox, and which agencies and units use the portal.

What each figure counts:
- backlog: tasks of the process open now (ready or claimed), per agency whose scope they are in and per
  inbox (lane; UO tasks also per unit). Age = now − the task's created_at (time waiting at its current
  step), in buckets under 30 days, 30 to 90 days (both ends included), over 90 days; plus the oldest.
- activity: an agency (unit) is active when one of its officers opened a case or completed a task
  (any process) in the 30 days up to the end of the period (default: now).
"""

from datetime import timedelta

from sqlalchemy import and_, case, func, literal, select, union_all

from engine.metrics.filters import Filters, task_scope
from engine.metrics.sql import moment, seconds
from engine.models import Agency, Case, Task, Unit, User
from engine.models._types import UTCDateTime
from engine.models.task import OPEN_STATES

DAY = 86400
ACTIVE_DAYS = 30


def backlog(session, f: Filters) -> list[dict]:
    """Per agency and inbox: open tasks under 30, 30–90 and over 90 days old, and the oldest one."""
    unit = case((Task.lane == "UO", Unit.code), else_=None)
    age = seconds(session.get_bind().dialect.name, moment(f.now), Task.created_at)
    rank = func.row_number().over(partition_by=(Agency.code, Task.lane, unit), order_by=(Task.created_at, Task.id))
    rows = (select(Agency.code.label("agency"), Task.lane.label("lane"), unit.label("unit"), age.label("age"),
                   Case.reference.label("reference"), rank.label("rank"))
            .join(Agency, Agency.id == Task.agency_id).join(Case, Case.id == Task.case_id)
            .outerjoin(Unit, Unit.id == Task.unit_id)
            .where(*task_scope(f), Task.state.in_(OPEN_STATES)).subquery("open_tasks"))
    query = (select(rows.c.agency, rows.c.lane, rows.c.unit, func.count(),
                    func.sum(case((rows.c.age < 30 * DAY, 1), else_=0)),
                    func.sum(case((and_(rows.c.age >= 30 * DAY, rows.c.age <= 90 * DAY), 1), else_=0)),
                    func.sum(case((rows.c.age > 90 * DAY, 1), else_=0)), func.max(rows.c.age),
                    func.max(case((rows.c.rank == 1, rows.c.reference))))
             .group_by(rows.c.agency, rows.c.lane, rows.c.unit).order_by(rows.c.agency, rows.c.lane, rows.c.unit))
    return [{"agency": agency, "lane": lane, "unit": unit_code, "open": int(n), "under_30d": int(a),
             "d30_90": int(b), "over_90d": int(c), "oldest_age_s": oldest, "oldest_reference": ref}
            for agency, lane, unit_code, n, a, b, c, oldest, ref in session.execute(query)]


def activity(session, f: Filters) -> dict:
    """Agencies and units with an officer who opened a case or completed a task in the last 30 days."""
    end = f.end or f.now
    since = end - timedelta(days=ACTIVE_DAYS)
    opened = select(Case.created_by.label("user_id"), Case.created_at.label("at"), literal(1).label("opened"),
                    literal(0).label("completed")).where(Case.created_at >= since, Case.created_at < end)
    done = select(Task.completed_by, Task.completed_at, literal(0), literal(1)).where(
        Task.state == "completed", Task.completed_at >= since, Task.completed_at < end)
    acts = union_all(opened, done).subquery("acts")
    rows = session.execute(
        select(Agency.code, Agency.name, func.count(func.distinct(User.unit_id)), func.sum(acts.c.opened),
               func.sum(acts.c.completed), func.max(acts.c.at, type_=UTCDateTime))
        .join(User, User.id == acts.c.user_id).join(Agency, Agency.id == User.agency_id)
        .group_by(Agency.code, Agency.name).order_by(Agency.code)).all()
    totals = session.execute(select(func.count(func.distinct(Agency.id)), func.count(Unit.id))
                             .select_from(Agency).outerjoin(Unit, Unit.agency_id == Agency.id)).one()
    agencies = [{"agency": code, "name": name, "active_units": units, "cases_opened": int(o),
                 "tasks_completed": int(c), "last_activity": last.isoformat()}
                for code, name, units, o, c, last in rows]
    return {"since": since.isoformat(), "until": end.isoformat(), "active_agencies": len(agencies),
            "agencies": int(totals[0]), "active_units": sum(a["active_units"] for a in agencies),
            "units": int(totals[1]), "per_agency": agencies}
