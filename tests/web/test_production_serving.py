"""deploy/run-production.sh: migrations, gunicorn web workers and timer workers, a clean stop on SIGTERM."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from engine import demo
from engine.bootstrap import build_platform
from engine.config import PROJECT_ROOT, load_settings
from engine.schema import upgrade

pytestmark = pytest.mark.integration

SCRIPT = PROJECT_ROOT / "deploy" / "run-production.sh"
BIN = PROJECT_ROOT / ".venv" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serving_url(pg_url, recreate_postgres, tmp_path):
    """A database of its own next to this worker's test database, with the demo directory (no processes)."""
    if not pg_url:
        pytest.skip("needs PostgreSQL (BHARATPOL_TEST_DATABASE_URL): production serving is several processes")
    url = make_url(pg_url)
    url = url.set(database=f"{url.database}_serving").render_as_string(hide_password=False)
    recreate_postgres(url)
    platform = build_platform(load_settings({"BHARATPOL_DATABASE_URL": url, "BHARATPOL_DATA_DIR": str(tmp_path)}))
    upgrade(platform.engine)
    with platform.uow() as uow:
        demo.load(uow.session)
        uow.commit()
    platform.engine.dispose()
    return url


def _environment(tmp_path: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BHARATPOL_")}
    return {**env, "BHARATPOL_BIN": str(BIN), "BHARATPOL_DATA_DIR": str(tmp_path / "data"), **extra}


def _session_processes(sid: int) -> list[int]:
    """Live processes of a session (the script started with start_new_session: its pid is the session id)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _post_json(port: int, path: str, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # argon2 + first request, loaded CI
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def _wait_for_port(port: int, script: subprocess.Popen, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert script.poll() is None, "run-production.sh exited before serving"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


def test_run_production_refuses_to_start_without_the_secret_key(tmp_path):
    env = _environment(tmp_path, BHARATPOL_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stderr) == (2, "run-production.sh: BHARATPOL_SECRET_KEY must be set\n")


def test_run_production_serves_the_api_and_stops_cleanly_on_sigterm(serving_url, tmp_path):
    port = _free_port()
    env = _environment(tmp_path, BHARATPOL_DATABASE_URL=serving_url, BHARATPOL_SECRET_KEY="s" * 48,
                       BHARATPOL_WEB_WORKERS="2", BHARATPOL_TIMER_WORKERS="1", BHARATPOL_BIND=f"127.0.0.1:{port}")
    log = (tmp_path / "run-production.log").open("w")
    script = subprocess.Popen([str(SCRIPT)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, script)
        status, body = _post_json(port, "/api/v1/tokens", {"username": "ipcu.officer", "password": "bharatpol-demo"})
        assert (status, body["user"]["username"]) == (201, "ipcu.officer")
        # the script, gunicorn's master and its 2 workers, and 1 timer worker
        assert len(_session_processes(script.pid)) == 5
        script.send_signal(signal.SIGTERM)
        assert script.wait(timeout=60) == 0
        deadline = time.monotonic() + 10
        while _session_processes(script.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _session_processes(script.pid) == []
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
        log.close()
