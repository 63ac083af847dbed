"""The notification centre: an officer's notifications, read marks, and sending the e-mail outbox."""

import smtplib
from email.message import EmailMessage

from sqlalchemy import func, select

from engine.models import Case, MailOutbox, Notification, NotificationRead
from engine.notify import unread_clause, visible_clause
from engine.services._common import actor, now

BADGE_CAP = 100  # the badge shows "99+" beyond this; counting stops there, so its cost does not grow with history


def unread_count(platform, *, actor_id: int) -> int:
    """Unread notifications of the officer, counted up to BADGE_CAP (every page shows this badge)."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        unread = (select(Notification.id).where(visible_clause(user), unread_clause(user))
                  .order_by(Notification.id.desc()).limit(BADGE_CAP).subquery())
        return uow.session.scalar(select(func.count()).select_from(unread))


def list_notifications(platform, *, actor_id: int, limit: int = 100) -> list[dict]:
    """The officer's notifications, newest first, each with its case reference and whether it is unread."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        rows = uow.session.execute(
            select(Notification, Case.reference, unread_clause(user).label("unread"))
            .outerjoin(Case, Case.id == Notification.case_id).where(visible_clause(user))
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
    return [{"id": n.id, "kind": n.kind, "text": n.text, "case_id": n.case_id, "reference": reference,
             "created_at": n.created_at, "unread": bool(unread)} for n, reference, unread in rows]


def mark_all_read(platform, *, actor_id: int) -> int:
    """Mark every notification the officer sees as read; returns how many were unread."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        ids = session.scalars(select(Notification.id).where(visible_clause(user), unread_clause(user))).all()
        session.add_all(NotificationRead(notification_id=i, user_id=user.id, read_at=at) for i in ids)
        uow.commit()
        return len(ids)


def send_pending_mail(platform, *, limit: int = 100) -> tuple[int, int]:
    """Send pending outbox rows, one transaction each (SKIP LOCKED); returns (sent, failed)."""
    sent = failed = 0
    for _ in range(limit):
        outcome = _send_one(platform)
        if outcome is None:
            break
        sent, failed = sent + outcome, failed + (not outcome)
    return sent, failed


def _send_one(platform) -> bool | None:
    with platform.uow() as uow:
        row = uow.session.scalar(select(MailOutbox).where(MailOutbox.status == "pending")
                                 .order_by(MailOutbox.id).limit(1).with_for_update(skip_locked=True))
        if row is None:
            return None
        try:
            _deliver(platform.settings, row)
            row.status, row.sent_at = "sent", now()
        except (OSError, smtplib.SMTPException) as exc:
            row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        uow.commit()
        return row.status == "sent"


def _deliver(settings, row: MailOutbox):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, row.to_address, row.subject
    message.set_content(row.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
