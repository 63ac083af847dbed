"""Clients that keep a portal busy: readers of the inbox and officers completing a list of tasks, each on its
own thread with its own bearer token; every answer (or connection error) is recorded with when it was sent."""

import queue
import threading
import time
from dataclasses import dataclass, field

from reliability_helpers import call

FORWARD = {"data": {"decision": "forward"}}


@dataclass
class Load:
    port: int
    hold_after: int  # before the outage, completers stop after this many tasks so some are left for it
    phase: str = "before"  # the test moves it on: "before" → "outage" → "after"
    replies: list = field(default_factory=list)  # (kind, task id or None, sent at, Reply or exception, answered at)
    done: set = field(default_factory=set)
    todo: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list = field(default_factory=list)

    def start(self, readers: list[str], completers: list[str], task_ids: list[int]):
        for task_id in task_ids:
            self.todo.put(task_id)
        targets = [(self._read, bearer) for bearer in readers] + [(self._complete, bearer) for bearer in completers]
        self.threads = [threading.Thread(target=target, args=(bearer,), daemon=True) for target, bearer in targets]
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=180)
        assert [t for t in self.threads if t.is_alive()] == []

    def _send(self, kind, task_id, *args):
        sent_at = time.monotonic()
        try:
            reply = call(self.port, *args, timeout=60)
        except OSError as exc:  # recorded, never retried blindly: the test fails on any
            reply = exc
        self.replies.append((kind, task_id, sent_at, reply, time.monotonic()))
        return reply

    def _read(self, bearer):
        while not self.stopping.is_set():
            reply = self._send("inbox", None, "GET", "/api/v1/tasks?per_page=10", bearer)
            time.sleep(0.02 if getattr(reply, "status", None) == 200 else 0.1)

    def _complete(self, bearer):
        while not self.stopping.is_set():
            if self.phase == "before" and len(self.done) >= self.hold_after:
                time.sleep(0.02)
                continue
            try:
                task_id = self.todo.get_nowait()
            except queue.Empty:
                time.sleep(0.02)
                continue
            reply = self._send("complete", task_id, "POST", f"/api/v1/tasks/{task_id}/complete", bearer, FORWARD)
            if getattr(reply, "status", None) in (200, 409):
                self.done.add(task_id)
            else:  # the database is away: try this task again later
                self.todo.put(task_id)
                time.sleep(0.05)
            time.sleep(0.1)  # an officer's pace, so the outage finds work still to do

    def sent_after(self, start: float) -> list:
        return [r for r in self.replies if r[2] >= start]

    def answered_before(self, end: float) -> list:
        return [r for r in self.replies if r[4] < end]
