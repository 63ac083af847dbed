"""SQLAlchemy models, one module per aggregate."""

from engine.models.audit import AuditEntry, AuditHead
from engine.models.case import Attachment, Case, CaseEvent, Comment, Timer
from engine.models.connect import Message, MessageAttachment, MessageRead, MessageThread
from engine.models.directory import ROLES, Agency, ApiToken, Unit, User
from engine.models.notification import MailOutbox, Notification, NotificationRead
from engine.models.process import ProcessFile, ProcessVersion
from engine.models.resources import (
    Resource,
    ResourceTag,
    ResourceVersion,
    TrainingAgency,
    TrainingAttendee,
    TrainingSession,
)
from engine.models.task import Task

__all__ = [
    "ROLES", "Agency", "ApiToken", "Attachment", "AuditEntry", "AuditHead", "Case", "CaseEvent", "Comment",
    "MailOutbox", "Notification", "NotificationRead",
    "ProcessFile", "ProcessVersion", "Task", "Timer", "Unit", "User",
    "Message", "MessageAttachment", "MessageRead", "MessageThread",
    "Resource", "ResourceTag", "ResourceVersion", "TrainingAgency", "TrainingAttendee", "TrainingSession",
]
