"""What a metrics page or export is about: a process, a period, an agency, a notice type, and 'now'."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from engine.errors import Invalid, NotFound
from engine.models import Agency, Case, ProcessVersion, Task
from engine.models._types import utcnow

DEFAULT_PROCESS = "notice_request"


@dataclass(frozen=True)
class Filters:
    """The period is [start, end) in UTC; None means unbounded. `now` is when open items are aged."""

    process: str = DEFAULT_PROCESS
    start: datetime | None = None
    end: datetime | None = None
    agency: str | None = None
    category: str | None = None
    now: datetime = field(default_factory=utcnow)

    def as_dict(self) -> dict:
        """The filters as query-string values (dates inclusive), for links, exports and the audit log."""
        last = (self.end - timedelta(days=1)).date().isoformat() if self.end else None
        return {"process": self.process, "from": self.start.date().isoformat() if self.start else None,
                "to": last, "agency": self.agency, "type": self.category}


def parse_filters(*, process=None, start=None, end=None, agency=None, category=None, now=None) -> Filters:
    """Filters from query-string text: dates are YYYY-MM-DD, `end` inclusive; bad values raise Invalid."""
    first, last = _day(start, "from"), _day(end, "to")
    if first and last and last < first:
        raise Invalid({"to": "must not be before 'from'"})
    return Filters(process=process or DEFAULT_PROCESS,
                   start=datetime.combine(first, time(), UTC) if first else None,
                   end=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
                   agency=agency or None, category=category or None, now=now or utcnow())


def _day(text, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise Invalid({name: "must be a date YYYY-MM-DD"}) from None


def in_period(column, f: Filters) -> list:
    """Conditions putting a timestamp inside the period."""
    conditions = []
    if f.start is not None:
        conditions.append(column >= f.start)
    if f.end is not None:
        conditions.append(column < f.end)
    return conditions


def agency_id(f: Filters):
    """Scalar subquery: the id of the filtered agency."""
    return select(Agency.id).where(Agency.code == f.agency).scalar_subquery()


def task_scope(f: Filters) -> list:
    """Conditions on task rows: the process, the agency (the task's scope) and the case's notice type."""
    conditions = [Task.process_id == f.process]
    if f.agency:
        conditions.append(Task.agency_id == agency_id(f))
    if f.category:
        conditions.append(Task.case_id.in_(select(Case.id).where(Case.category == f.category)))
    return conditions


def case_scope(f: Filters) -> list:
    """Conditions on cases: the process, the originating agency and the notice type."""
    conditions = [Case.process_id == f.process]
    if f.agency:
        conditions.append(Case.agency_id == agency_id(f))
    if f.category:
        conditions.append(Case.category == f.category)
    return conditions


def choices(session) -> dict:
    """What the filter form offers: deployed processes, agencies, notice types seen on cases."""
    return {"processes": list(session.scalars(select(ProcessVersion.process_id).distinct()
                                              .order_by(ProcessVersion.process_id))),
            "agencies": [{"code": c, "name": n} for c, n in session.execute(select(Agency.code, Agency.name)
                                                                            .order_by(Agency.code))],
            "types": list(session.scalars(select(Case.category).where(Case.category.is_not(None)).distinct()
                                          .order_by(Case.category)))}


def check_filters(session, f: Filters):
    """An unknown process is NotFound; an unknown agency code is Invalid."""
    if session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == f.process).limit(1)) is None:
        raise NotFound(f"no process '{f.process}' is deployed")
    if f.agency and session.scalar(select(Agency.id).where(Agency.code == f.agency)) is None:
        raise Invalid({"agency": f"no agency with code '{f.agency}'"})
