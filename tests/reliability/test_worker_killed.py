"""kill -9 of a gunicorn worker in the middle of a step: the client's request fails, nothing of the step is
committed, gunicorn replaces the worker, and the same completion then succeeds exactly once.

The test holds the audit log's head row FOR UPDATE on a connection of its own. A completion locks its case,
runs the engine and flushes the task, case and history rows, then waits on that lock to append its audit
entry: the worker is caught with half a step written inside its open transaction."""

import os
import signal
import threading
from contextlib import contextmanager

import pytest
from notice_cases import open_task
from reliability_helpers import call, inconsistencies, pid_of_connection, snapshot, wait_until
from sqlalchemy import select, text

from engine.models import AuditHead

pytestmark = pytest.mark.integration

SEND = {"data": {"decision": "send"}}
BLOCKED = text("SELECT pid, client_port FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))")
WRITTEN = text("SELECT DISTINCT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
               "WHERE l.pid = :pid AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'")
ALIVE = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")


@contextmanager
def audit_head_locked(platform):
    """Hold the audit head row FOR UPDATE until the block ends (then roll back); yields the holder's backend
    PID and a second, autocommit connection to watch with (pg_stat_activity is frozen within a transaction)."""
    with platform.engine.connect() as holder, \
            platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        holder.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
        yield holder.execute(text("SELECT pg_backend_pid()")).scalar(), watcher
        holder.rollback()


def _complete_in_background(port, bearer, task_id) -> tuple[threading.Thread, list]:
    result = []

    def run():
        try:
            result.append(call(port, "POST", f"/api/v1/tasks/{task_id}/complete", bearer, SEND, timeout=120))
        except OSError as exc:  # the worker died: no answer at all
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _kill_the_blocked_worker(platform, gunicorn, holder, watcher) -> tuple[int, int, set[str]]:
    """The worker waiting on our lock, found by its database connection's client port; killed with SIGKILL."""
    backend, client_port = wait_until(lambda: watcher.execute(BLOCKED, {"holder": holder}).first(), timeout=60,
                                      what="the completion to wait on the audit head lock")
    written = set(watcher.execute(WRITTEN, {"pid": backend}).scalars())
    worker = pid_of_connection(client_port, platform.engine.url.port or 5432, gunicorn.worker_pids())
    assert worker is not None, f"no gunicorn worker owns the connection from port {client_port}"
    os.kill(worker, signal.SIGKILL)
    return worker, backend, written


def test_a_worker_killed_in_the_middle_of_a_step_commits_nothing(pg_platform, gunicorn, tokens, at_review):
    (case_id,), (bearer,) = at_review(1), tokens("ipcu.officer")
    task_id, before = open_task(pg_platform, case_id).id, snapshot(pg_platform, case_id)
    workers = gunicorn.worker_pids()

    with audit_head_locked(pg_platform) as (holder, watcher):
        thread, result = _complete_in_background(gunicorn.port, bearer, task_id)
        victim, backend, written = _kill_the_blocked_worker(pg_platform, gunicorn, holder, watcher)
        thread.join(timeout=120)
    assert {"case_file", "task", "case_event", "audit_head"} <= written  # part of the step was written
    assert victim in workers
    assert [type(r).__name__ for r in result] == ["RemoteDisconnected"]  # the client got no answer
    with pg_platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        wait_until(lambda: watcher.execute(ALIVE, {"pid": backend}).scalar() == 0, timeout=60,
                   what="PostgreSQL to end the dead worker's session")
    assert snapshot(pg_platform, case_id) == before  # its transaction was rolled back whole
    assert inconsistencies(pg_platform, [case_id]) == []

    replaced = wait_until(lambda: len(gunicorn.worker_pids() - {victim}) == 3 and gunicorn.worker_pids(),
                          timeout=120, what="gunicorn to replace the killed worker")
    assert (len(replaced - workers), victim in replaced, gunicorn.process.poll()) == (1, False, None)
    reply = call(gunicorn.port, "POST", f"/api/v1/tasks/{task_id}/complete", bearer, SEND)
    assert (reply.status, reply.json()["state"]) == (200, "completed")
    after = snapshot(pg_platform, case_id)
    assert after["events"] == before["events"] + [("ipcu.officer", "complete", "review")]
    assert (after["lock_version"], after["audit_entries"]) == (before["lock_version"] + 1, before["audit_entries"] + 1)
    assert inconsistencies(pg_platform, [case_id]) == []
