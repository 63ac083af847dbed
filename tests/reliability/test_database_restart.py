"""PostgreSQL restarts under load (a throwaway cluster of the test's own, never the shared server): clients
get a clean 503 while it is away, the same gunicorn processes answer every request once it is back, every
case is consistent, and a due timer fires exactly once."""

import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from load_driver import FORWARD, Load
from notice_cases import act, drafted, open_task
from reliability_helpers import Reply, finished, inconsistencies, person, snapshot, token, wait_until, worker_at

from engine.models import Case
from engine.services._common import now
from web.errors import UNAVAILABLE

pytestmark = pytest.mark.integration

LOAD_CASES, TIMER_CASES = 12, 2  # vet tasks the load completes; cases left at vet whose reminder falls due
READERS = ("uo.delhi.crime", "ipcu.officer", "ilo.delhi")


def _status(reply) -> int | str:
    return reply.status if isinstance(reply, Reply) else type(reply).__name__


def _count(replies, kind, status) -> int:
    return sum(1 for r in replies if r[0] == kind and _status(r[3]) == status)


def _outage(cluster, load, worker, go) -> tuple[float, float, tuple]:
    """Stop PostgreSQL mid-load; once clients have met the outage, let the timer worker (started before, with
    its imports done) try to fire timers, then start PostgreSQL again."""
    stopped_at = time.monotonic()
    cluster.stop("fast")
    load.phase = "outage"
    wait_until(lambda: _count(load.replies, "inbox", 503) >= 3 and _count(load.replies, "complete", 503) >= 1,
               timeout=120, what="clients to be answered 503 while the database is down")
    go.touch()
    during = finished(worker)
    cluster.start()
    up_at = time.monotonic()
    load.phase = "after"
    return stopped_at, up_at, during


def _recovered(load, up_at) -> bool:
    after = load.sent_after(up_at)
    return len(load.done) == LOAD_CASES and _count(after, "inbox", 200) >= 5 * len(READERS)


def _assert_clean_answers(load, stopped_at, up_at):
    """No connection error, no 500: 200 before and after, a JSON 503 in between (also for requests sent just
    before the stop and answered during it); a 409 only for a retried
    completion whose earlier attempt was answered 503 after it had committed."""
    before = load.answered_before(stopped_at)
    assert (len(before) > 0, {_status(r[3]) for r in before}) == (True, {200})
    unavailable = [r[3] for r in load.replies if _status(r[3]) == 503]
    assert {(r.content_type, json.dumps(r.json()), r.retry_after) for r in unavailable} == {
        ("application/json", json.dumps({"error": UNAVAILABLE}), "5")}
    retried = {r[1] for r in load.replies if r[0] == "complete" and _status(r[3]) == 503}
    conflicts = [r for r in load.replies if _status(r[3]) == 409]
    assert [r for r in conflicts if r[1] not in retried or "is already completed" not in r[3].json()["error"]] == []
    assert {_status(r[3]) for r in load.sent_after(up_at)} <= {200, 409}
    assert {_status(r[3]) for r in load.replies} <= {200, 409, 503}


def _assert_cases_consistent(platform, control, versions_before, timer_cases):
    """Each loaded case completed its vetting exactly once and moved exactly as the control case (vetted by the
    services, no load) moved: same history, same open task, same step of its version counter."""
    expected = snapshot(platform, control["id"])
    for case_id, version_before in versions_before.items():
        after = snapshot(platform, case_id)
        assert [e for e in after["events"] if e[1:] == ("complete", "vet")] == [("ilo.delhi", "complete", "vet")]
        assert [e[1:] for e in after["events"]] == [e[1:] for e in expected["events"]]
        assert (after["lock_version"] - version_before, _open(after)) == (control["step"], _open(expected))
    assert inconsistencies(platform, [control["id"], *versions_before, *timer_cases]) == []


def _control(platform, users) -> dict:
    """A case vetted by the ILO through the services, with no load: the yardstick."""
    case = drafted(platform, users, "RED", data=person(200))
    before = snapshot(platform, case.id)["lock_version"]
    act(platform, users, "ilo.delhi", case, FORWARD["data"])
    return {"id": case.id, "step": snapshot(platform, case.id)["lock_version"] - before}


def _open(snap: dict) -> list[str]:
    return [bpmn_id for _, bpmn_id, state, _, _ in snap["tasks"] if state in ("ready", "claimed")]


def _timer_workers(run_worker, tmp_path) -> dict:
    """Three `worker --once` processes, imported and waiting: one is let go while the database is down, two
    together once it is back."""
    workers = {"during": [run_worker(tmp_path / "go-during")],
               "after": [run_worker(tmp_path / "go-after") for _ in range(2)]}
    for process in workers["during"] + workers["after"]:
        assert process.stdout.readline() == "ready\n"
    return workers


def _assert_timers_fire_once(platform, workers, during, timer_cases, go: Path):
    """The worker that met the outage failed and fired nothing; after it, each due reminder fires exactly once."""
    with platform.uow() as uow:
        references = sorted(uow.session.get(Case, c).reference for c in timer_cases)
    assert (during[0], "fired" in during[1]) == (1, False)
    go.touch()
    results = [finished(process) for process in workers["after"]]
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    fired = sorted(line.rsplit(" on ", 1)[1] for _, out, _ in results for line in out.splitlines()
                   if " fired vet_reminder on " in line)
    assert fired == references
    for case_id in timer_cases:
        assert [e for e in snapshot(platform, case_id)["events"] if e[1] == "timer"] == [("system", "timer", None)]


def test_postgresql_restart_under_load_answers_503_then_recovers_without_restarting_the_app(
        cluster_platform, cluster_gunicorn, cluster, tmp_path):
    platform, users = cluster_platform
    control = _control(platform, users)
    load_cases = [drafted(platform, users, "RED", data=person(i)).id for i in range(LOAD_CASES)]
    timer_cases = [drafted(platform, users, "RED", data=person(100 + i)).id for i in range(TIMER_CASES)]
    url, when = platform.engine.url.render_as_string(hide_password=False), now() + timedelta(days=3, hours=1)
    workers = _timer_workers(lambda go: worker_at(when, url, platform.settings.data_dir, tmp_path, go), tmp_path)

    versions_before = {c: snapshot(platform, c)["lock_version"] for c in load_cases}
    pids, port = cluster_gunicorn.worker_pids(), cluster_gunicorn.port
    load = Load(port, hold_after=LOAD_CASES // 4)
    load.start([token(port, u) for u in READERS], [token(port, "ilo.delhi") for _ in range(2)],
               [open_task(platform, c).id for c in load_cases])
    wait_until(lambda: len(load.done) >= 3, timeout=120, what="the load to complete its first tasks")
    stopped_at, up_at, during = _outage(cluster, load, workers["during"][0], tmp_path / "go-during")
    wait_until(lambda: _recovered(load, up_at), timeout=180, what="every task done and the inbox read after")
    load.stop()

    _assert_clean_answers(load, stopped_at, up_at)
    assert (cluster_gunicorn.worker_pids(), cluster_gunicorn.process.poll()) == (pids, None)
    _assert_cases_consistent(platform, control, versions_before, timer_cases)
    _assert_timers_fire_once(platform, workers, during, timer_cases, tmp_path / "go-after")
    _report(load, stopped_at, up_at)


def _report(load, stopped_at, up_at):
    unavailable = [r[2] - stopped_at for r in load.replies if _status(r[3]) == 503]
    first_ok = min(r[2] for r in load.sent_after(up_at) if _status(r[3]) == 200) - up_at
    print(f"database away {up_at - stopped_at:.2f} s; {len(unavailable)} answers 503 "
          f"(first {min(unavailable):.2f} s, last {max(unavailable):.2f} s after the stop); "
          f"first 200 sent {first_ok:.3f} s after the restart; {len(load.replies)} requests;",
          dict(Counter((r[0], _status(r[3])) for r in load.replies)))
