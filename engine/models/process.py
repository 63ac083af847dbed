"""Deployed process versions and the files each was built from."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base
from engine.models._types import UTCDateTime, utcnow


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)  # read only when a version's spec is not cached
    start_lane: Mapped[str | None] = mapped_column(String(16))
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    files: Mapped[list["ProcessFile"]] = relationship(order_by="ProcessFile.filename")


class ProcessFile(Base):
    __tablename__ = "process_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(Text)
