"""The task projection: ready and finished user tasks, for inboxes and metrics."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models._types import UTCDateTime, utcnow

OPEN_STATES = ("ready", "claimed")
OPEN_ROWS = {"postgresql_where": text("state IN ('ready', 'claimed')"),
             "sqlite_where": text("state IN ('ready', 'claimed')")}
# what the inbox counts read besides the scope, so PostgreSQL answers them from the (small) partial index alone
INBOX_COLUMNS = ["case_id", "process_id", "state", "due_at", "agency_id", "category"]
BRANCH_ROWS = {"postgresql_where": text("branch"), "sqlite_where": text("branch")}


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_open_scope", "state", "lane", "agency_id", "unit_id"),
        Index("ix_task_case_uuid", "case_id", "task_uuid"),
        # per-node metrics: covering on PostgreSQL so the dashboard query reads the index only
        Index("ix_task_node_times", "process_id", "state", "bpmn_id", "completed_at",
              postgresql_include=["created_at", "claimed_at", "due_at"]),
        # inboxes: open tasks of a unit (UO), an agency (ILO) or a lane (IPCU), oldest first (migration 0010)
        Index("ix_task_open_unit", "unit_id", "lane", "created_at", postgresql_include=INBOX_COLUMNS, **OPEN_ROWS),
        Index("ix_task_open_agency", "agency_id", "lane", "created_at", postgresql_include=INBOX_COLUMNS,
              **OPEN_ROWS),
        Index("ix_task_open_lane", "lane", "created_at", postgresql_include=INBOX_COLUMNS, **OPEN_ROWS),
        Index("ix_task_claimed_by", "assignee_id", "claimed_at", postgresql_where=text("state = 'claimed'"),
              sqlite_where=text("state = 'claimed'")),
        # cases sent to an agency or unit through a branch (a broadcast): the few rows need-to-know adds
        Index("ix_task_branch_agency", "agency_id", "case_id", **BRANCH_ROWS),
        Index("ix_task_branch_unit", "unit_id", "case_id", **BRANCH_ROWS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    process_id: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(16))
    form: Mapped[str | None] = mapped_column(String(200))
    variable: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    state: Mapped[str] = mapped_column(String(16), default="ready")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    draft: Mapped[dict | None] = mapped_column(JSON)
    category: Mapped[str | None] = mapped_column(String(32))  # the case's, kept current while the task is open
    branch: Mapped[bool] = mapped_column(default=False, server_default=false())  # scope differs from the case's
