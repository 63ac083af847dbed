"""Helpers for tests/reliability: gunicorn as a subprocess, an HTTP client with bearer tokens, the process
behind a database connection, and a consistency check of cases against their stored workflows."""

import copy
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from samples import VALID_RED
from sqlalchemy import func, select

from engine import audit
from engine.config import PROJECT_ROOT
from engine.models import AuditEntry, Case, CaseEvent, Task, Timer
from engine.models.task import OPEN_STATES

PASSWORD = "bharatpol-demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float = 60.0, what: str = "a condition", interval: float = 0.05):
    """Poll condition() until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    sent_at: float  # time.monotonic() when the request was sent
    retry_after: str | None = None

    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, token: str | None = None, body=None, timeout: float = 90) -> Reply:
    """One request on a connection of its own; connection errors are raised, not answered."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent_at = time.monotonic()
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.getheader("Content-Type", ""), response.read(), sent_at,
                     response.getheader("Retry-After"))
    finally:
        connection.close()


def token(port: int, username: str) -> str:
    reply = call(port, "POST", "/api/v1/tokens", body={"username": username, "password": PASSWORD})
    assert reply.status == 201, reply.body[:300]
    return reply.json()["token"]


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path

    def worker_pids(self) -> set[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_gunicorn(database_url: str, data_dir: Path, log: Path, workers: int = 3) -> Gunicorn:
    """`gunicorn --workers N web.wsgi:app` on a free port; returns once every worker answers."""
    port = free_port()
    env = dict(os.environ, BHARATPOL_DATABASE_URL=database_url, BHARATPOL_DATA_DIR=str(data_dir),
               BHARATPOL_SECRET_KEY="reliability-tests-secret-key", BHARATPOL_ENV="production",
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--timeout", "120", "--graceful-timeout", "10", "web.wsgi:app"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Gunicorn(process, port, log)
    wait_until(lambda: process.poll() is not None or _booted(server, workers), timeout=120,
               what=f"gunicorn to boot {workers} workers")
    assert process.poll() is None, server.log_tail()
    return server


def _booted(server: Gunicorn, workers: int) -> bool:
    """Every worker forked and the app answering (each worker imports the app after the fork)."""
    if len(server.worker_pids()) != workers or server.log.read_text().count("Booting worker") < workers:
        return False
    try:
        return call(server.port, "GET", "/api/v1/openapi.json", timeout=10).status == 200
    except OSError:
        return False


def stop_gunicorn(server: Gunicorn):
    """SIGINT to the master we started (quick shutdown of it and its workers); SIGKILL if it lingers."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def children(pid: int) -> set[int]:
    """The PIDs whose parent is pid (from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry))
    return found


def pid_of_connection(client_port: int, server_port: int, candidates: set[int]) -> int | None:
    """Which of the candidate processes owns the TCP connection 127.0.0.1:client_port → server_port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == client_port and int(remote, 16) == server_port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in candidates:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None


def person(i: int) -> dict:
    """VALID_RED about a person and case of its own (the same person twice is a duplicate warning)."""
    data = copy.deepcopy(VALID_RED)
    data["subject"]["forename"] = f"Reliability {i}"
    data["subject"]["date_of_birth"] = f"19{60 + i % 30}-02-{1 + i % 28:02d}"
    data["case"]["fir_number"] = f"RC00{i:04d}2024R"
    return data


def open_tasks(session, case_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES))
                                .order_by(Task.id)))


def snapshot(platform, case_id: int) -> dict:
    """What a step changes: the case row, its tasks, its history and the audit log's length."""
    with platform.uow() as uow:
        s = uow.session
        case = s.get(Case, case_id)
        tasks = s.execute(select(Task.id, Task.bpmn_id, Task.state, Task.assignee_id, Task.completed_at)
                          .where(Task.case_id == case_id).order_by(Task.id)).all()
        events = s.execute(select(CaseEvent.actor, CaseEvent.action, CaseEvent.bpmn_id)
                           .where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
        return {"lock_version": case.lock_version, "state": case.state, "status": case.status,
                "tasks": [tuple(t) for t in tasks], "events": [tuple(e) for e in events],
                "audit_entries": audit_length(s)}


def audit_length(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def inconsistencies(platform, case_ids) -> list[str]:
    """Per case: open task rows == the workflow's ready user tasks, waiting timer rows == its waiting timers;
    then the audit chain. An empty list means consistent."""
    problems = []
    with platform.uow() as uow:
        s = uow.session
        for case in s.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)):
            flow = platform.workflows.load(case.version, case.state)
            ready = sorted(str(t.id) for t in flow.ready_human_tasks())
            rows = sorted(t.task_uuid for t in open_tasks(s, case.id))
            if ready != rows:
                problems.append(f"case {case.reference}: ready user tasks {ready} but open task rows {rows}")
            waiting = sorted(uuid for uuid, _, _ in flow.timers())
            timers = sorted(s.scalars(select(Timer.task_uuid).where(Timer.case_id == case.id,
                                                                    Timer.fired_at.is_(None))))
            if waiting != timers:
                problems.append(f"case {case.reference}: waiting timers {waiting} but timer rows {timers}")
        problems += [f"audit: {line}" for line in audit.verify(s)]
    return problems


# time_machine does not cross process boundaries, and SpiffWorkflow checks a timer's due time in the stored
# state, so `bharatpol worker --once` runs under this wrapper, which travels to argv[1] first; with argv[2] it
# prints "ready" once its imports are done, then waits for that file to exist before it polls
WORKER_AT = '''import os
import sys
import time
from datetime import datetime

import time_machine

with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True):
    from web.cli import main
    if len(sys.argv) > 2:
        print("ready", flush=True)
    while len(sys.argv) > 2 and not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
    try:
        main(["worker", "--once"])
    except SystemExit as exc:
        sys.exit(exc.code)
'''


def worker_at(when, database_url: str, data_dir: Path, script_dir: Path, go: Path | None = None) -> subprocess.Popen:
    """Start `bharatpol worker --once` with the clock at `when` (once the file `go` exists, if given)."""
    script = script_dir / "worker_once_at.py"
    script.write_text(WORKER_AT)
    env = dict(os.environ, BHARATPOL_DATABASE_URL=database_url, BHARATPOL_DATA_DIR=str(data_dir),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, str(script), when.isoformat(), *([str(go)] if go else [])]
    return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finished(process: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    """Wait for a process; (exit status, stdout, stderr)."""
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err
