"""Timers fire when their time comes, once, by the worker."""

import copy
from datetime import timedelta

import pytest
import time_machine
from click.testing import CliRunner
from helpers import history, open_task
from samples import VALID_RED
from sqlalchemy import select

from engine.cli import main
from engine.models import Timer
from engine.services._common import now
from engine.services.cases import add_attachment, start_case
from engine.services.tasks import complete_task
from engine.services.timers import fire_due_timers

pytestmark = pytest.mark.integration


def _at_vet(platform, users):
    case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request")
    add_attachment(platform, actor_id=users["uo.delhi.crime"], case_id=case.id, filename="nbw.pdf",
                   kind="warrant", content=b"%PDF-1.4 warrant")
    complete_task(platform, actor_id=users["uo.delhi.crime"], task_id=open_task(platform, case.id).id,
                  data=copy.deepcopy(VALID_RED))
    return case


def test_vet_reminder_fires_once_after_three_days(platform, deployed):
    case = _at_vet(platform, deployed)
    assert fire_due_timers(platform) == []
    with time_machine.travel(now() + timedelta(days=3, minutes=1), tick=True):
        assert fire_due_timers(platform) == [(case.reference, "vet_reminder")]
        assert fire_due_timers(platform) == []
    assert [h[:3] for h in history(platform, case.id)][-1] == ("system", "timer", None)
    assert open_task(platform, case.id).bpmn_id == "vet"  # non-interrupting: the ILO still has the task
    with platform.uow() as uow:
        rows = uow.session.scalars(select(Timer).where(Timer.case_id == case.id)).all()
    fired = sorted((t.bpmn_id, t.fired_at is not None) for t in rows)
    assert fired == [("vet_escalation", False), ("vet_reminder", True)]


def test_worker_cli_once_reports_fired_timers(platform, deployed):
    case = _at_vet(platform, deployed)
    env = {"BHARATPOL_DATABASE_URL": platform.engine.url.render_as_string(hide_password=False),
           "BHARATPOL_DATA_DIR": str(platform.settings.data_dir)}
    with time_machine.travel(now() + timedelta(days=4), tick=True):
        result = CliRunner().invoke(main, ["worker", "--once"], env=env, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.strip().endswith(f"fired vet_reminder on {case.reference}")
