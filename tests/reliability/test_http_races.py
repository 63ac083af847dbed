"""Many clients, three gunicorn processes: officers claim and complete the same tasks at the same moment over
HTTP. Each task is claimed at most once and completed exactly once, every loser gets a 409 with a JSON error
(never a 500), and each case moves on exactly as far as one officer acting alone moves it."""

import threading
import time
from collections import Counter

import pytest
from notice_cases import open_task
from reliability_helpers import call, inconsistencies, snapshot

pytestmark = pytest.mark.integration

CASES = 4  # per round
CLIENTS = {"ipcu.officer": 4, "ipcu.admin": 4}  # two IPCU officers, four tokens (API sessions) each
REVIEW = "Review and send to INTERPOL"
BODIES = {"claim": {}, "complete": {"data": {"decision": "send"}}}


def _client(port, bearer, task_id, actions, barriers, outcomes):
    for action, barrier in zip(actions, barriers, strict=True):
        barrier.wait()  # every client sends each action at the same moment
        reply = call(port, "POST", f"/api/v1/tasks/{task_id}/{action}", bearer, BODIES[action])
        outcomes.append((task_id, action, reply.status, reply.content_type, reply.json()))


def _race(port, clients, task_ids, actions) -> list[tuple]:
    """Every client on every task, one barrier per action; returns (task, action, status, type, JSON body)."""
    work = [(bearer, task_id) for task_id in task_ids for bearer in clients]
    barriers, outcomes = [threading.Barrier(len(work), timeout=120) for _ in actions], []
    threads = [threading.Thread(target=_client, args=(port, bearer, task_id, actions, barriers, outcomes))
               for bearer, task_id in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert [t for t in threads if t.is_alive()] == []
    assert len(outcomes) == len(actions) * len(work)
    return outcomes


def _solo(platform, port, bearer, case_id, actions) -> dict:
    """One officer alone: what the actions change on a case (the yardstick for the raced cases)."""
    before, task_id = snapshot(platform, case_id), open_task(platform, case_id).id
    for action in actions:
        assert call(port, "POST", f"/api/v1/tasks/{task_id}/{action}", bearer, BODIES[action]).status == 200
    after = snapshot(platform, case_id)
    return {"versions": after["lock_version"] - before["lock_version"], "open": _open(after),
            "audit": after["audit_entries"] - before["audit_entries"]}


def _open(snap: dict) -> list[str]:
    return [bpmn_id for _, bpmn_id, state, _, _ in snap["tasks"] if state in ("ready", "claimed")]


def _check_case(outcomes, task_id, before, after, actions, step, n_clients):
    """Exactly one winner per task; the history grew by one step of one officer; losers got a JSON 409."""
    new_events = after["events"][len(before["events"]):]
    assert [e[1:] for e in new_events] == [(action, "review") for action in actions]
    winner = new_events[0][0]
    assert {e[0] for e in new_events} == {winner}  # the claimer, and only the claimer, completed
    mine = [o for o in outcomes if o[0] == task_id]
    for action in actions:
        assert sorted(o[2] for o in mine if o[1] == action) == [200] + [409] * (n_clients - 1)
    losers = [o for o in mine if o[2] != 200]
    assert {(o[3], tuple(o[4])) for o in losers} == {("application/json", ("error",))}
    assert {o[4]["error"] for o in losers} <= {f"task '{REVIEW}' is already claimed",
                                               f"task '{REVIEW}' is claimed by {winner}",
                                               f"task '{REVIEW}' is already completed"}
    assert (after["lock_version"] - before["lock_version"], _open(after)) == (step["versions"], step["open"])


def _round(platform, port, clients, case_ids, actions) -> list[int]:
    """Race the actions on each case's open task; check every case against one officer acting alone."""
    step = _solo(platform, port, clients[0], case_ids[0], actions)
    raced = {open_task(platform, case_id).id: case_id for case_id in case_ids[1:]}
    before = {case_id: snapshot(platform, case_id) for case_id in case_ids[1:]}
    started = time.monotonic()
    outcomes = _race(port, clients, list(raced), actions)
    print(f"{actions}: {len(outcomes)} requests in {time.monotonic() - started:.1f} s;",
          dict(Counter((o[1], o[2], o[4].get("error")) for o in outcomes)))
    for task_id, case_id in raced.items():
        _check_case(outcomes, task_id, before[case_id], snapshot(platform, case_id), actions, step, len(clients))
    audit_before = min(b["audit_entries"] for b in before.values())
    assert snapshot(platform, case_ids[0])["audit_entries"] == audit_before + len(raced) * step["audit"]
    return case_ids


def test_clients_claiming_and_completing_the_same_tasks_over_http_one_wins_each(pg_platform, gunicorn, tokens,
                                                                               at_review):
    clients = [bearer for username, n in CLIENTS.items() for bearer in tokens(username, n)]
    first = _round(pg_platform, gunicorn.port, clients, at_review(CASES + 1), ("claim", "complete"))
    second = _round(pg_platform, gunicorn.port, clients, at_review(CASES + 1, first=CASES + 1), ("complete",))
    assert inconsistencies(pg_platform, first + second) == []
