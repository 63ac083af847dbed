"""Connect: secure message threads between two offices of the hierarchy, their messages and files.

A thread joins two ends. An end is an office, not a person: a unit (UO), an agency's liaison desk (ILO)
or CBI IPCU, so a message stays readable when an officer moves on. Each end is stored as
(role, agency_id, unit_id); IPCU has neither, an ILO desk has no unit."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.models._types import UTCDateTime, utcnow


class MessageThread(Base):
    __tablename__ = "message_thread"
    __table_args__ = (
        Index("ix_message_thread_a_end", "a_role", "a_agency_id", "a_unit_id"),
        Index("ix_message_thread_b_end", "b_role", "b_agency_id", "b_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    a_role: Mapped[str] = mapped_column(String(8))
    a_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    a_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    b_role: Mapped[str] = mapped_column(String(8))
    b_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    b_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))


class Message(Base):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_thread.id"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    side: Mapped[str] = mapped_column(String(1))  # "a" or "b": the end the sender wrote from
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageAttachment(Base):
    __tablename__ = "message_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))


class MessageRead(Base):
    """How far one officer has read one thread: messages after `last_read_id` are unread for them."""

    __tablename__ = "message_read"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_thread.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    last_read_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
