"""Task completions per second through the REST API on PostgreSQL, with concurrent clients.

Builds `bharatpol_bench_http` (dropped and recreated), prepares N RED notice requests through the engine
services up to the ILO's "Vet request" (not timed), starts gunicorn with W workers, and has C client
processes (keep-alive http.client, one token per ILO) complete every vet task with
POST /api/v1/tasks/<id>/complete {"data": {"decision": "forward"}}. The same clients first run a baseline
of as many GET /api/v1/processes (a cheap authenticated read) to show the HTTP + framework ceiling.
Afterwards it checks in the database that every answered completion moved its case on to IPCU review,
and prints each gunicorn worker's memory after boot, after the warm-up and after the load.

    .venv/bin/python bench/http_load.py [--workers W] [--clients C] [--tasks N] [--postgres-url URL]
    .venv/bin/python bench/http_load.py --profile 200      # also: cProfile of 200 completions in-process
"""

import argparse
import copy
import cProfile
import http.client
import json
import math
import multiprocessing
import os
import platform as platform_module
import pstats
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT_ROOT), str(PROJECT_ROOT / "tests"), str(PROJECT_ROOT / "bench")]

from engine_overhead import demo_platform, recreate_postgres  # noqa: E402 - bench/engine_overhead.py
from samples import VALID_RED  # noqa: E402 - tests/samples.py
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine import audit  # noqa: E402
from engine.models import Task  # noqa: E402
from engine.models.task import OPEN_STATES  # noqa: E402
from engine.services.cases import add_attachment, start_case  # noqa: E402
from engine.services.tasks import complete_task  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bharatpol_bench_http"
PASSWORD = "bharatpol-demo"
# (unit officer who drafts, ILO who vets): the vet tasks are spread over three agencies
PAIRS = (("uo.delhi.crime", "ilo.delhi"), ("uo.punjab.ludhiana", "ilo.punjab"), ("uo.assam.guwahati", "ilo.assam"))
VET = {"decision": "forward"}
TARGET = 300  # completions per second on the 2-core machine (issue 7)


@dataclass
class Prepared:
    platform: object
    users: dict
    tasks: dict[str, list[int]] = field(default_factory=dict)  # ILO username -> ready vet task ids


# --- database and cases (not timed) -------------------------------------------------------------

def recreate_database(url: str):
    """Drop and create the bench database only (never another one)."""
    target = make_url(url)
    if not target.database.startswith("bharatpol_bench"):
        raise SystemExit(f"refusing to drop '{target.database}': the bench database name starts with bharatpol_bench")
    recreate_postgres(url)


def open_platform(url: str, data_dir: Path) -> Prepared:
    recreate_database(url)
    return Prepared(*demo_platform(url, data_dir))


def draft_data(number: int) -> dict:
    """VALID_RED with its own person and FIR number, so no request is a duplicate of another."""
    data = copy.deepcopy(VALID_RED)
    data["subject"]["family_name"] = f"Sharma{number:06d}"
    data["case"]["fir_number"] = f"RC{number:010d}"
    return data


def prepare_case(prepared: Prepared, number: int) -> tuple[str, int]:
    """Start, attach the warrant, submit the draft: the case waits at its ILO's "Vet request"."""
    uo, ilo = PAIRS[number % len(PAIRS)]
    platform, uo_id = prepared.platform, prepared.users[uo]
    case = start_case(platform, actor_id=uo_id, process_id="notice_request", data={"notice_type": "RED"})
    add_attachment(platform, actor_id=uo_id, case_id=case.id, filename="nbw.pdf", kind="warrant",
                   content=b"%PDF-1.4 warrant")
    with platform.uow() as uow:
        draft = uow.session.scalar(select(Task.id).where(Task.case_id == case.id, Task.state.in_(OPEN_STATES)))
    vet = complete_task(platform, actor_id=uo_id, task_id=draft, data=draft_data(number))
    with platform.uow() as uow:
        vet_id = uow.session.scalar(select(Task.id).where(Task.case_id == case.id, Task.bpmn_id == "vet"))
    return ilo, vet_id or vet.id


def prepare(prepared: Prepared, count: int):
    started = time.perf_counter()
    for number in range(count):
        ilo, task_id = prepare_case(prepared, number)
        prepared.tasks.setdefault(ilo, []).append(task_id)
    elapsed = time.perf_counter() - started
    print(f"prepared {count} notice requests at 'Vet request' through the services in {elapsed:.1f} s "
          f"({count / elapsed:.0f}/s, single process)")


def take(prepared: Prepared, count: int) -> list[tuple[str, int]]:
    """`count` (ILO, task id) pairs, round robin over the agencies, removed from what is left."""
    picked = []
    while len(picked) < count:
        for ilo in list(prepared.tasks):
            if prepared.tasks[ilo] and len(picked) < count:
                picked.append((ilo, prepared.tasks[ilo].pop()))
    return picked


# --- gunicorn and its workers -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, workers: int, port: int, data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "BHARATPOL_DATABASE_URL": url, "BHARATPOL_ENV": "production",
           "BHARATPOL_SECRET_KEY": "bench-" + "x" * 40, "BHARATPOL_DATA_DIR": str(data_dir)}
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--timeout", "120", "web.wsgi:app"]
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(children(server.pid)) == workers and answers(port, "/api/v1/openapi.json"):
            settle(children(server.pid))
            return server
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not come up within 60 s")


def settle(pids: list[int], seconds: float = 20):
    """Wait until every worker has imported the app: its memory stops growing for a second."""
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        now = [memory(pid)[0] for pid in pids]
        if now == last:
            return
        last = now
        time.sleep(1)


def answers(port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, Pss) of a process in MiB."""
    rss = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
    pss = next(line for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if line.startswith("Pss:"))
    return int(rss.split()[1]) / 1024, int(pss.split()[1]) / 1024


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time per process (utime + stime from /proc/<pid>/stat)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def backend_pids(platform) -> list[int]:
    """PostgreSQL backends connected to the bench database (the web workers' pooled connections)."""
    with platform.engine.connect() as conn:
        return list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))


def memory_line(label: str, pids: list[int]) -> str:
    parts = [f"pid {pid} {rss:.1f}/{pss:.1f}" for pid in pids for rss, pss in [memory(pid)]]
    return f"  {label:<16} " + ", ".join(parts)


# --- the load generator -------------------------------------------------------------------------

def client(port: int, jobs: list, barrier, results):
    """One client process: a keep-alive connection, its own jobs one after the other."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples = []
    barrier.wait()
    started = time.perf_counter()
    for method, path, body, token in jobs:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            status = type(exc).__name__
        samples.append((path, time.perf_counter() - t0, status))
    results.put((started, time.perf_counter(), samples))


@dataclass
class Run:
    label: str
    seconds: float
    samples: list  # (path, latency s, status)

    def ok(self) -> list:
        return [s for s in self.samples if s[2] == 200]

    def rate(self) -> float:
        return len(self.ok()) / self.seconds


def run_clients(port: int, label: str, jobs: list, clients: int) -> Run:
    """Spread the jobs over `clients` processes, start them together, collect every sample."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(clients), context.Queue()
    procs = [context.Process(target=client, args=(port, jobs[i::clients], barrier, results))
             for i in range(clients)]
    for proc in procs:
        proc.start()
    parts = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    started, ended = min(p[0] for p in parts), max(p[1] for p in parts)
    return Run(label, ended - started, [s for p in parts for s in p[2]])


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)] if ordered else float("nan")


def report(run: Run, planned: int):
    latencies = [s[1] * 1000 for s in run.samples]
    errors = Counter(s[2] for s in run.samples if s[2] != 200)
    lost = planned - len(run.samples)
    print(f"{run.label}: {len(run.ok())} ok of {planned} in {run.seconds:.2f} s = {run.rate():.1f}/s; latency ms "
          f"p50 {percentile(latencies, 50):.1f} p95 {percentile(latencies, 95):.1f} "
          f"p99 {percentile(latencies, 99):.1f} max {max(latencies):.1f}; "
          f"errors by status: {dict(errors) or 'none'}; no answer: {lost}")


# --- tokens, jobs, checks -----------------------------------------------------------------------

def token(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/tokens", body=json.dumps({"username": username, "password": PASSWORD}),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 201:
        raise SystemExit(f"POST /api/v1/tokens for {username}: {response.status} {body}")
    return body["token"]


def completion_jobs(picked: list, tokens: dict) -> list:
    body = json.dumps({"data": VET})
    return [("POST", f"/api/v1/tasks/{task_id}/complete", body, tokens[ilo]) for ilo, task_id in picked]


def baseline_jobs(count: int, tokens: dict) -> list:
    names = sorted(tokens)
    return [("GET", "/api/v1/processes", None, tokens[names[i % len(names)]]) for i in range(count)]


def completed_ids(run: Run) -> list[int]:
    return [int(path.split("/")[4]) for path, _latency, status in run.samples if status == 200]


def verify(platform, answered: list[int]):
    """Every answered completion is completed in the database and its case waits at IPCU review; nothing else."""
    with platform.uow() as uow:
        session = uow.session
        vets = select(Task.case_id).where(Task.id.in_(answered), Task.state == "completed")
        done = session.scalar(select(func.count()).select_from(vets.subquery()))
        moved = session.scalar(select(func.count(func.distinct(Task.case_id))).where(
            Task.bpmn_id == "review", Task.state.in_(OPEN_STATES), Task.case_id.in_(vets)))
        all_done = session.scalar(select(func.count()).where(Task.bpmn_id == "vet", Task.state == "completed"))
        problems = audit.verify(session)
    ok = done == moved == all_done == len(answered) and not problems
    print(f"check: {len(answered)} answered completions; in the database {done} of them completed, "
          f"{moved} of their cases at 'Review and send to INTERPOL', {all_done} vet tasks completed in all; "
          f"audit chain: {len(problems)} problems -> {'OK' if ok else 'MISMATCH'}")
    return ok


# --- in-process profile of the completion route -------------------------------------------------

def profile_completions(prepared: Prepared, picked: list):
    """Completions through the Flask app in this process (WSGI, token, service, answer): first half timed
    without a profiler (CPU of this process and of its PostgreSQL backend), second half under cProfile."""
    from web import create_app  # noqa: PLC0415 - only this mode needs the web layer here

    statements = []
    event.listen(prepared.platform.engine, "before_cursor_execute", lambda *_a: statements.append(1))
    with create_app(platform=prepared.platform).test_client() as web:
        tokens = {ilo: web.post("/api/v1/tokens", json={"username": ilo, "password": PASSWORD}).json["token"]
                  for _uo, ilo in PAIRS}

        def complete(ilo, task_id):
            answer = web.post(f"/api/v1/tasks/{task_id}/complete", json={"data": VET},
                              headers={"Authorization": f"Bearer {tokens[ilo]}"})
            assert answer.status_code == 200, answer.json

        complete(*picked[0])  # warm the caches
        half = picked[1:len(picked) // 2 + 1]
        statements.clear()
        backends = backend_pids(prepared.platform)
        pg_before, wall, cpu = cpu_seconds(backends), time.perf_counter(), time.process_time()
        for ilo, task_id in half:
            complete(ilo, task_id)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pg = sum(cpu_seconds(backends).values()) - sum(pg_before.values())
        print(f"\n== in-process, {len(half)} completions one after the other (no HTTP, no profiler): "
              f"{wall * 1000 / len(half):.2f} ms wall, {cpu * 1000 / len(half):.2f} ms CPU (this process), "
              f"{pg * 1000 / len(half):.2f} ms CPU (its PostgreSQL backends), "
              f"{len(statements) / len(half):.1f} SQL statements each ==")
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [complete(ilo, task_id) for ilo, task_id in picked[len(half) + 1:]])
    print(f"cProfile of {len(picked) - len(half) - 1} more completions:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


# --- the run ------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2 * cores, help="gunicorn workers (default 2 x cores)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes (default 8)")
    parser.add_argument("--tasks", type=int, default=1000, help="timed completions (default 1000)")
    parser.add_argument("--postgres-url", default=PG_URL, help=f"default {PG_URL} (dropped and recreated)")
    parser.add_argument("--profile", type=int, default=0, metavar="K",
                        help="after the load, profile K completions in-process with cProfile")
    return parser.parse_args(argv)


def print_machine(url: str, platform):
    with platform.engine.connect() as conn:
        server = conn.execute(text("show server_version")).scalar().split()[0]
    print(f"machine: {platform_module.machine()}, {os.cpu_count()} cores, Linux {platform_module.release()}, "
          f"Python {platform_module.python_version()}, PostgreSQL {server} on the same machine; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"database: {make_url(url).render_as_string(hide_password=True)} (dropped and recreated)")


def timed(port: int, label: str, jobs: list, clients: int, watch) -> Run:
    """One measured phase, with the CPU the web workers and their PostgreSQL backends spent on it."""
    before = watch()
    run = run_clients(port, label, jobs, clients)
    after = watch()
    report(run, len(jobs))
    for name in ("web workers", "postgres backends"):
        spent = sum(after[name][pid] - before[name].get(pid, 0.0) for pid in after[name])
        print(f"  CPU {name}: {spent:.2f} s = {spent * 1000 / max(len(run.ok()), 1):.2f} ms per answered request")
    return run


def watcher(workers: list[int], platform):
    """A function giving the CPU seconds so far of each web worker and each PostgreSQL backend of the bench."""
    def watch():
        return {"web workers": cpu_seconds(workers), "postgres backends": cpu_seconds(backend_pids(platform))}
    return watch


def warm_up(port: int, args, prepared: Prepared, tokens: dict) -> Run:
    """Baseline reads and a few completions, so that every worker has its caches and connections."""
    run_clients(port, "warm-up", baseline_jobs(20 * args.clients, tokens), args.clients)
    return run_clients(port, "warm-up", completion_jobs(take(prepared, warm_count(args)), tokens), args.clients)


def warm_count(args) -> int:
    return max(4 * args.workers, args.clients)


def serve_and_load(args, prepared: Prepared, data_dir: Path) -> tuple[list[int], Run]:
    """Start gunicorn, warm up, run baseline and completions, print memory; the answered task ids."""
    port = free_port()
    server = start_gunicorn(args.postgres_url, args.workers, port, data_dir)
    try:
        workers = children(server.pid)
        print(f"gunicorn master {server.pid}, {len(workers)} sync workers on 127.0.0.1:{port}; {args.clients} "
              f"client processes; memory per worker in MiB as VmRSS/Pss:")
        print(memory_line("after boot", workers))
        tokens = {ilo: token(port, ilo) for _uo, ilo in PAIRS}
        warm = warm_up(port, args, prepared, tokens)
        print(memory_line("after warm-up", workers) + "\n")
        watch = watcher(workers, prepared.platform)
        timed(port, "baseline GET /api/v1/processes", baseline_jobs(args.tasks, tokens), args.clients, watch)
        load = timed(port, "completions POST /api/v1/tasks/<id>/complete",
                     completion_jobs(take(prepared, args.tasks), tokens), args.clients, watch)
        print(memory_line("after the load", workers))
        return completed_ids(warm) + completed_ids(load), load
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bharatpol-http-") as tmp:
        prepared = open_platform(args.postgres_url, Path(tmp) / "data")
        print_machine(args.postgres_url, prepared.platform)
        prepare(prepared, args.tasks + warm_count(args) + args.profile)
        answered, load = serve_and_load(args, prepared, Path(tmp) / "data")
        ok = verify(prepared.platform, answered)
        if args.profile:
            profile_completions(prepared, take(prepared, args.profile))
        rate = load.rate()
        print(f"\nverdict: {'PASS' if rate >= TARGET else 'FAIL'} ({rate:.1f} completions/s with "
              f"{args.workers} workers and {args.clients} clients; target >= {TARGET} on this machine); "
              f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        prepared.platform.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
