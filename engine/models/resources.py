"""Resources: the library of INTERPOL documents and training material, and the training register."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models._types import UTCDateTime, utcnow


class Resource(Base):
    """A document or a video link; its content lives in versions, the newest one is current."""

    __tablename__ = "resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "file" or "link"
    current_version: Mapped[int] = mapped_column(default=1)
    # lower-case title, description, tags and the current version's PDF text: what search matches
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResourceVersion(Base):
    __tablename__ = "resource_version"
    __table_args__ = (UniqueConstraint("resource_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    version: Mapped[int]
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")  # text extracted from a PDF, for search
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResourceTag(Base):
    __tablename__ = "resource_tag"
    __table_args__ = (UniqueConstraint("resource_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    tag: Mapped[str] = mapped_column(String(40), index=True)


class TrainingSession(Base):
    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))  # "in_person" or "online"
    organiser: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingAgency(Base):
    """An agency a session was held for."""

    __tablename__ = "training_agency"
    __table_args__ = (UniqueConstraint("session_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)


class TrainingAttendee(Base):
    """An officer with an account who attended a session."""

    __tablename__ = "training_attendee"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
