"""Notifications: written with the step that causes them, addressed like tasks, read per officer, e-mailed."""

import socket
from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from notice_cases import act, drafted, published
from sqlalchemy import select, update

from engine.cli import main
from engine.models import MailOutbox, Notification, User
from engine.services._common import now
from engine.services.notifications import list_notifications, mark_all_read, send_pending_mail, unread_count
from engine.services.timers import fire_due_timers

pytestmark = pytest.mark.integration


def _kinds(platform, users, username):
    return [(n["kind"], n["reference"]) for n in list_notifications(platform, actor_id=users[username])]


def test_a_new_task_notifies_its_lane_scope_only(platform, deployed):
    case = drafted(platform, deployed)
    assert ("task", case.reference) in _kinds(platform, deployed, "ilo.delhi")
    assert _kinds(platform, deployed, "ilo.punjab") == []
    assert ("task", case.reference) not in _kinds(platform, deployed, "ipcu.officer")
    assert unread_count(platform, actor_id=deployed["ilo.delhi"]) == 1


def test_a_return_notifies_the_unit_that_gets_the_task_back(platform, deployed):
    case = drafted(platform, deployed)
    act(platform, deployed, "ilo.delhi", case, {"decision": "return", "return_reason": "other",
                                                 "comments": "Attach the charge sheet."})
    assert _kinds(platform, deployed, "uo.delhi.crime")[0] == ("return", case.reference)
    assert ("return", case.reference) not in _kinds(platform, deployed, "uo.delhi.south")


def test_vet_reminder_goes_to_the_ilo_and_the_escalation_to_ipcu(platform, deployed):
    case = drafted(platform, deployed)
    with time_machine.travel(now() + timedelta(days=3, minutes=1), tick=True):
        assert fire_due_timers(platform) == [(case.reference, "vet_reminder")]
    assert _kinds(platform, deployed, "ilo.delhi")[0] == ("reminder", case.reference)
    assert "reminder" not in [k for k, _ in _kinds(platform, deployed, "ilo.punjab")]
    with time_machine.travel(now() + timedelta(days=7, minutes=1), tick=True):
        assert fire_due_timers(platform) == [(case.reference, "vet_escalation")]
    assert _kinds(platform, deployed, "ipcu.officer")[0] == ("escalation", case.reference)
    assert "escalation" not in [k for k, _ in _kinds(platform, deployed, "ilo.delhi")]


def test_review_reminder_after_five_days_goes_to_ipcu(platform, deployed):
    case = drafted(platform, deployed)
    act(platform, deployed, "ilo.delhi", case, {"decision": "forward"})
    with time_machine.travel(now() + timedelta(days=5, minutes=1), tick=True):
        assert fire_due_timers(platform) == [(case.reference, "review_sla_reminder")]
    assert _kinds(platform, deployed, "ipcu.officer")[0] == ("reminder", case.reference)
    assert "reminder" not in [k for k, _ in _kinds(platform, deployed, "ilo.delhi")]


def test_a_delivered_message_notifies_the_open_tasks_scope(platform, deployed):
    case = published(platform, deployed)
    assert ("message", case.reference) in _kinds(platform, deployed, "uo.delhi.crime")


def test_read_marks_are_per_officer(platform, deployed):
    drafted(platform, deployed)
    with platform.uow() as uow:  # a note addressed to one officer only
        uow.session.add(Notification(kind="message", user_id=deployed["ilo.punjab"], text="For Punjab"))
        uow.commit()
    assert mark_all_read(platform, actor_id=deployed["ilo.delhi"]) == 1
    assert unread_count(platform, actor_id=deployed["ilo.delhi"]) == 0
    assert mark_all_read(platform, actor_id=deployed["ilo.delhi"]) == 0
    assert [n["text"] for n in list_notifications(platform, actor_id=deployed["ilo.punjab"])] == ["For Punjab"]
    assert unread_count(platform, actor_id=deployed["ilo.punjab"]) == 1
    assert not list_notifications(platform, actor_id=deployed["ilo.delhi"])[0]["unread"]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's Controller cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _with_mail(platform, deployed, port):
    platform.settings = replace(platform.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="ipcu@cbi.test")
    with platform.uow() as uow:
        uow.session.execute(update(User).where(User.id == deployed["ilo.delhi"]).values(email="ilo@delhi.test"))
        uow.commit()


def test_notifications_are_mailed_when_smtp_is_set(platform, deployed, smtp):
    inbox, port = smtp
    _with_mail(platform, deployed, port)
    case = drafted(platform, deployed)
    assert send_pending_mail(platform) == (1, 0)
    assert send_pending_mail(platform) == (0, 0)
    [(to, content)] = inbox.messages
    assert to == ["ilo@delhi.test"] and case.reference in content and "From: ipcu@cbi.test" in content


def test_a_failed_mail_is_marked_and_the_notification_kept(platform, deployed, smtp):
    _, port = smtp
    _with_mail(platform, deployed, port)
    drafted(platform, deployed)
    platform.settings = replace(platform.settings, smtp_port=1)  # nothing listens there
    assert send_pending_mail(platform) == (0, 1)
    with platform.uow() as uow:
        row = uow.session.scalar(select(MailOutbox))
    assert row.status == "failed" and row.error and row.sent_at is None
    assert unread_count(platform, actor_id=deployed["ilo.delhi"]) == 1


def test_no_mail_without_smtp(platform, deployed):
    drafted(platform, deployed)
    with platform.uow() as uow:
        assert uow.session.scalar(select(MailOutbox)) is None


def test_the_worker_sends_the_outbox_after_firing_timers(platform, deployed, smtp):
    inbox, port = smtp
    _with_mail(platform, deployed, port)
    case = drafted(platform, deployed)
    env = {"BHARATPOL_DATABASE_URL": platform.engine.url.render_as_string(hide_password=False),
           "BHARATPOL_DATA_DIR": str(platform.settings.data_dir),
           "BHARATPOL_SMTP_HOST": "127.0.0.1", "BHARATPOL_SMTP_PORT": str(port)}
    with time_machine.travel(now() + timedelta(days=4), tick=True):
        result = CliRunner().invoke(main, ["worker", "--once"], env=env, catch_exceptions=False)
    assert result.exit_code == 0
    assert f"fired vet_reminder on {case.reference}" in result.output
    assert result.output.strip().endswith("e-mail: 2 sent, 0 failed")  # the new task, then the reminder
    assert [to for to, _ in inbox.messages] == [["ilo@delhi.test"]] * 2
