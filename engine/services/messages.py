"""Connect messages: threads between two offices along the hierarchy, optionally tied to a case both may see.

Attachments pass the same checks as case attachments (engine.services.cases.check_upload: type read from the
content, size limit) and are stored the same way, by SHA-256 outside the web root. Sending, reading and
downloading are audited."""

import hashlib
from pathlib import Path

from sqlalchemy import func, select

from engine import audit, connect_queries
from engine.assignment import case_scope_clause
from engine.errors import Forbidden, Invalid, NotFound
from engine.hierarchy import End, end_of, may_write, my_side, resolve, thread_clause
from engine.models import Case, Message, MessageAttachment, MessageRead, MessageThread, User
from engine.services._common import actor, now
from engine.services.cases import check_upload

MAX_BODY = 20_000


def _check_text(subject: str | None, body: str) -> dict:
    errors = {}
    if subject is not None and not subject.strip():
        errors["subject"] = "is required"
    if not (body or "").strip():
        errors["body"] = "is required"
    elif len(body) > MAX_BODY:
        errors["body"] = f"is longer than {MAX_BODY:,} characters"
    return errors


def _checked_file(platform, filename: str | None, content: bytes | None):
    """(name, content type, bytes) of an attached file after the case-attachment checks, or None."""
    if not filename and not content:
        return None
    name, content_type = check_upload(platform, filename=filename or "", kind="document", content=content or b"")
    return name, content_type, content


def _linked_case(session, user: User, end: End, reference: str | None) -> Case | None:
    """The case a thread is tied to: it must be visible to both offices."""
    reference = (reference or "").strip()
    if not reference:
        return None
    case = session.scalar(select(Case).where(Case.reference == reference, case_scope_clause(user)))
    if case is None:
        raise Invalid({"case": f"no case {reference} that you may see"})
    if session.scalar(select(Case.id).where(Case.id == case.id, case_scope_clause(end))) is None:
        raise Invalid({"case": f"{reference} is not visible to {connect_queries.end_label(session, end)}; "
                               "link only a case both offices may see"})
    return case


def start_thread(platform, *, actor_id: int, to: str, subject: str, body: str, case_reference: str | None = None,
                 filename: str | None = None, content: bytes | None = None) -> MessageThread:
    """Open a thread with another office and send its first message."""
    errors = _check_text(subject or "", body)
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        mine, theirs = end_of(user), resolve(session, to)
        if not may_write(mine, theirs):
            raise Forbidden(f"{connect_queries.end_label(session, mine)} may not write to "
                            f"{connect_queries.end_label(session, theirs)}: messages go along the hierarchy "
                            "(a unit and its own agency's ILO, an ILO and CBI IPCU)")
        if errors:
            raise Invalid(errors)
        case = _linked_case(session, user, theirs, case_reference)
        file = _checked_file(platform, filename, content)
        at = now()
        thread = MessageThread(subject=subject.strip()[:200], case_id=case.id if case else None, created_by=user.id,
                               created_at=at, updated_at=at, a_role=mine.role, a_agency_id=mine.agency_id,
                               a_unit_id=mine.unit_id, b_role=theirs.role, b_agency_id=theirs.agency_id,
                               b_unit_id=theirs.unit_id)
        session.add(thread)
        session.flush()
        _post(platform, session, user, thread, "a", body, file, at, to=to, case=case.reference if case else None)
        uow.commit()
        return thread


def reply(platform, *, actor_id: int, thread_id: int, body: str, filename: str | None = None,
          content: bytes | None = None) -> Message:
    """Answer in a thread one's office belongs to."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        thread = _visible_thread(session, user, thread_id)
        errors = _check_text(None, body)
        if errors:
            raise Invalid(errors)
        file = _checked_file(platform, filename, content)
        at = now()
        thread.updated_at = at
        message = _post(platform, session, user, thread, my_side(user, thread), body, file, at)
        uow.commit()
        return message


def _post(platform, session, user: User, thread: MessageThread, side: str, body: str, file, at, **detail) -> Message:
    """Add one message (and its file), mark the thread read up to it for the sender, audit it."""
    message = Message(thread_id=thread.id, sender_id=user.id, side=side, body=body.strip(), created_at=at)
    session.add(message)
    session.flush()
    if file is not None:
        name, content_type, content = file
        digest = _store(platform, content)
        session.add(MessageAttachment(message_id=message.id, filename=name, content_type=content_type,
                                      size=len(content), sha256=digest))
        detail.update(filename=name, sha256=digest)
    _mark_read(session, user, thread.id, message.id, at)
    audit.append(session, actor=user.username, action="message.send", object_type="message_thread",
                 object_id=thread.id, detail={"message": message.id, **detail})
    return message


def _store(platform, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    store = platform.settings.data_dir / "attachments"
    store.mkdir(parents=True, exist_ok=True)
    (store / digest).write_bytes(content)
    return digest


def _mark_read(session, user: User, thread_id: int, last_id: int, at):
    row = session.scalar(select(MessageRead).where(MessageRead.thread_id == thread_id,
                                                   MessageRead.user_id == user.id))
    if row is None:
        session.add(MessageRead(thread_id=thread_id, user_id=user.id, last_read_id=last_id, read_at=at))
    elif last_id > row.last_read_id:
        row.last_read_id, row.read_at = last_id, at


def _visible_thread(session, user: User, thread_id: int) -> MessageThread:
    thread = session.scalar(select(MessageThread).where(MessageThread.id == thread_id, thread_clause(user)))
    if thread is None:
        raise NotFound(f"message thread {thread_id} not found")
    return thread


def open_thread(platform, *, actor_id: int, thread_id: int) -> dict:
    """A thread with its messages; the messages the officer had not read are marked read (audited)."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        thread = _visible_thread(session, user, thread_id)
        detail = connect_queries.thread_detail(session, user, thread)
        last_id = session.scalar(select(func.max(Message.id)).where(Message.thread_id == thread.id)) or 0
        _mark_read(session, user, thread.id, last_id, at)
        audit.append(session, actor=user.username, action="message.read", object_type="message_thread",
                     object_id=thread.id, detail={"up_to": last_id, "newly_read": detail["unread"]})
        uow.commit()
        return detail


def open_file(platform, *, actor_id: int, thread_id: int, attachment_id: int) -> tuple[dict, Path]:
    """A message attachment for download, in a thread the officer may read; every download is audited."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        thread = _visible_thread(session, user, thread_id)
        row = session.execute(select(MessageAttachment, Message.thread_id)
                              .join(Message, Message.id == MessageAttachment.message_id)
                              .where(MessageAttachment.id == attachment_id)).first()
        if row is None or row[1] != thread.id:
            raise NotFound(f"attachment {attachment_id} not found")
        att = row[0]
        path = platform.settings.data_dir / "attachments" / att.sha256
        if not path.is_file():
            raise NotFound(f"the stored file of attachment {attachment_id} is missing; tell the administrator")
        audit.append(session, actor=user.username, action="message.download", object_type="message_thread",
                     object_id=thread.id, detail={"attachment": att.id, "filename": att.filename,
                                                  "sha256": att.sha256})
        uow.commit()
        return {"filename": att.filename, "content_type": att.content_type, "size": att.size}, path

