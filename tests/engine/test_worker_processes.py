"""Several `bharatpol worker --once` OS processes on one PostgreSQL database: every due timer fires once.

time_machine does not cross process boundaries and SpiffWorkflow checks its own due time in the stored
state, so each worker runs under a small wrapper script that travels to the given instant first."""

import copy
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import timedelta

import pytest
from notice_cases import drafted
from samples import VALID_RED
from sqlalchemy import select

from engine.config import PROJECT_ROOT
from engine.models import Case, CaseEvent, Timer
from engine.services._common import now

pytestmark = pytest.mark.integration

CASES = 20
WRAPPER = textwrap.dedent('''
    """Run `bharatpol worker --once` with the clock at argv[1], once the file argv[2] exists;
    argv[3] == "slow" makes each timer slow."""
    import os
    import sys
    import time
    from datetime import datetime

    import time_machine

    destination = datetime.fromisoformat(sys.argv[1])
    slow = len(sys.argv) > 3 and sys.argv[3] == "slow"
    with time_machine.travel(destination, tick=True):
        import engine.services.timers as timers
        from web.cli import main

        if slow:  # announce every committed timer at once, and linger inside each transaction (row locks held)
            original_fire, original_record = timers._fire_one, timers.record

            def fire_one(platform):
                done = original_fire(platform)
                if done is not None:
                    print(f"committed {done[1]} on {done[0]}", flush=True)
                return done

            def record(*args, **kwargs):
                original_record(*args, **kwargs)
                time.sleep(0.5)

            timers._fire_one, timers.record = fire_one, record
        while not os.path.exists(sys.argv[2]):  # start together: imports done, the go file is the signal
            time.sleep(0.01)
        try:
            main(["worker", "--once"])
        except SystemExit as exc:
            sys.exit(exc.code)
''')


def _require_postgres(platform):
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (BHARATPOL_TEST_DATABASE_URL): SQLite allows one writer at a time, "
                    "so concurrent workers prove nothing about FOR UPDATE SKIP LOCKED")


def _person(i: int) -> dict:
    """VALID_RED about a person and case of its own (the same person twice is a duplicate warning)."""
    data = copy.deepcopy(VALID_RED)
    data["subject"]["forename"] = f"Worker {i}"
    data["subject"]["date_of_birth"] = f"19{60 + i % 30}-01-{1 + i % 28:02d}"
    data["case"]["fir_number"] = f"RC00{i:04d}2023A"
    return data


def _cases_at_vet(platform, users, n: int) -> list[int]:
    return [drafted(platform, users, "RED", data=_person(i)).id for i in range(n)]


def _worker(platform, tmp_path, when, *extra) -> subprocess.Popen:
    """A worker process that waits for tmp_path/go before it polls."""
    script = tmp_path / "worker_at.py"
    if not script.exists():
        script.write_text(WRAPPER)
    env = dict(os.environ,
               BHARATPOL_DATABASE_URL=platform.engine.url.render_as_string(hide_password=False),
               BHARATPOL_DATA_DIR=str(platform.settings.data_dir),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, str(script), when.isoformat(), str(tmp_path / "go"), *extra]
    return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process, timeout=120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"worker exited {process.returncode}:\n{out}\n{err}"
    return out


def _fired_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if " fired vet_reminder on " in line]


def _assert_each_fired_once(platform, case_ids):
    with platform.uow() as uow:
        s = uow.session
        timers = s.scalars(select(Timer).where(Timer.case_id.in_(case_ids), Timer.bpmn_id == "vet_reminder")).all()
        events = s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids), CaseEvent.action == "timer")).all()
        references = dict(s.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())
    assert sorted(t.case_id for t in timers) == sorted(case_ids)  # one vet_reminder per case
    assert [t.case_id for t in timers if t.fired_at is None] == []
    per_case = Counter(e.case_id for e in events)
    assert per_case == Counter({case_id: 1 for case_id in case_ids})
    assert {e.detail["timer"] for e in events} == {"vet_reminder"}
    return references


def test_three_worker_processes_fire_each_due_timer_once(platform, deployed, tmp_path):
    _require_postgres(platform)
    case_ids = _cases_at_vet(platform, deployed, CASES)
    when = now() + timedelta(days=3, hours=1)
    workers = [_worker(platform, tmp_path, when) for _ in range(3)]
    time.sleep(2)  # let the three import SpiffWorkflow and the app, then start them at once
    (tmp_path / "go").touch()
    outputs = [_finish(w) for w in workers]

    lines = [line for out in outputs for line in _fired_lines(out)]
    assert len(lines) == CASES, outputs
    references = _assert_each_fired_once(platform, case_ids)
    assert sorted(line.rsplit(" on ", 1)[1] for line in lines) == sorted(references.values())
    # the work was shared out, not done by one process while the others waited for its locks
    assert sum(1 for out in outputs if _fired_lines(out)) >= 2, [len(_fired_lines(o)) for o in outputs]
    print("fired per worker:", [len(_fired_lines(o)) for o in outputs])


def test_a_worker_killed_mid_run_loses_no_timer_and_fires_none_twice(platform, deployed, tmp_path):
    _require_postgres(platform)
    case_ids = _cases_at_vet(platform, deployed, 8)
    when = now() + timedelta(days=3, hours=1)

    (tmp_path / "go").touch()
    doomed = _worker(platform, tmp_path, when, "slow")
    first = doomed.stdout.readline()  # one timer committed; the next is inside its transaction (0.5 s)
    assert first.startswith("committed vet_reminder on "), (first, doomed.stderr.read() if doomed.poll() else "")
    time.sleep(0.2)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert doomed.returncode == -signal.SIGKILL
    doomed.stdout.close()
    doomed.stderr.close()

    with platform.uow() as uow:
        fired_before = uow.session.scalars(select(Timer.case_id).where(Timer.case_id.in_(case_ids),
                                                                       Timer.fired_at.is_not(None))).all()
    assert 1 <= len(fired_before) < len(case_ids)  # the killed transaction was rolled back, not half-written

    rest = _fired_lines(_finish(_worker(platform, tmp_path, when)))
    assert len(rest) == len(case_ids) - len(fired_before)
    _assert_each_fired_once(platform, case_ids)
