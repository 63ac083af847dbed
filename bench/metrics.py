"""How fast is the per-node dashboard query on a million task rows?

Builds N task rows (default 1,000,000: 4 per case, 250,000 notice_request cases over three years, plus the
decision and INTERPOL message events that the other tables read) in a fresh PostgreSQL database with
INSERT … SELECT generate_series, runs ANALYZE, then times engine.metrics.node_figures (the query behind
GET /api/v1/metrics/nodes and the heatmap): median of --runs runs after one warm-up, for all time and for
the last 90 days. Baselines measured in the same run:

  no index   the same queries after dropping the three indexes of migration 0004
  python     the naive way: fetch the process's task rows and compute the same figures in Python
             (also a check: its figures must equal the SQL figures exactly)

    .venv/bin/python bench/metrics.py [--rows N] [--runs 5] [--url postgresql+psycopg://…] [--skip-python]
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine import demo, metrics, schema  # noqa: E402
from engine.bootstrap import build_platform  # noqa: E402
from engine.config import load_settings  # noqa: E402
from engine.metrics.nodes import completed_query, open_query  # noqa: E402
from engine.models import Case, ProcessVersion, Task, User  # noqa: E402
from engine.models.task import OPEN_STATES  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bharatpol_bench_metrics"
TARGET_S = 1.0
INDEXES = {"ix_task_node_times": "task (process_id, state, bpmn_id, completed_at) "
                                 "INCLUDE (created_at, claimed_at, due_at)",
           "ix_case_event_action_at": "case_event (action, at)",
           "ix_case_file_process_created": "case_file (process_id, created_at)"}
NODES_SQL = """(VALUES (0, 'draft', 'Draft notice request', 'UO', 'notice_draft.json', 'request', interval '14 days'),
        (1, 'vet', 'Vet request', 'ILO', 'notice_vet.json', 'vetting', interval '3 days'),
        (2, 'review', 'Review and send to INTERPOL', 'IPCU', 'notice_review.json', 'review', interval '7 days'),
        (3, 'maintain_notice', 'Published notice', 'UO', 'notice_outcome.json', 'closure', NULL::interval))
       AS n(k, bpmn_id, name, lane, form, variable, sla)"""
CASES_SQL = """
INSERT INTO case_file (id, reference, process_id, version_id, status, category, agency_id, unit_id, created_by,
                       created_at, updated_at, data, state, lock_version)
SELECT g, 'BP/NR/B/' || g, 'notice_request', :version, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'completed' END,
       (ARRAY['RED','RED','RED','RED','RED','YELLOW','BLUE','BLUE','GREEN','DIFFUSION'])[1 + g % 10],
       u.agency_id, u.id, :user, :now - random() * interval '1095 days', :now, '{}', '{}', 1
FROM generate_series(1, :cases) g JOIN unit u ON u.id = (:units)[1 + g % cardinality(:units)]"""
TASKS_SQL = f"""
INSERT INTO task (case_id, task_uuid, process_id, bpmn_id, name, lane, form, variable, agency_id, unit_id, state,
                  assignee_id, created_at, claimed_at, completed_at, completed_by, due_at)
WITH r AS (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
           FROM generate_series(1, :rows) g),
     t AS (SELECT r.*, c.id AS case_id, c.agency_id, c.unit_id, n.*,
                  c.created_at + n.k * interval '3 days' + r.r3 * interval '6 hours' AS created,
                  r.r1 * r.r2 * interval '8 days' AS queue, r.r3 * interval '30 hours' AS work,
                  CASE WHEN c.created_at > :now - interval '60 days' AND r.r4 < 0.2 THEN 'ready'
                       WHEN c.created_at > :now - interval '60 days' AND r.r4 < 0.3 THEN 'claimed'
                       WHEN r.r4 < 0.01 THEN 'cancelled' ELSE 'completed' END AS state
           FROM r JOIN case_file c ON c.id = (r.g - 1) / 4 + 1 JOIN {NODES_SQL} ON n.k = (r.g - 1) % 4)
SELECT case_id, md5(g::text), 'notice_request', bpmn_id, name, lane, form, variable, agency_id, unit_id, state,
       CASE WHEN state <> 'ready' THEN :user END, created,
       CASE WHEN state = 'claimed' OR (state = 'completed' AND r5 < 0.85) THEN created + queue END,
       CASE WHEN state IN ('completed', 'cancelled') THEN created + queue + work END,
       CASE WHEN state = 'completed' THEN :user END, created + sla
FROM t"""
DECISIONS_SQL = """
INSERT INTO case_event (case_id, at, actor, action, bpmn_id, task_name, detail)
SELECT case_id, completed_at, 'bench', CASE WHEN random() < 0.15 THEN 'return' ELSE 'complete' END, bpmn_id, name,
       CASE WHEN random() < 0.15 THEN json_build_object('reason', (ARRAY['red_warrant_copy','other','country_codes'])
                                                         [1 + (id % 3)])
            ELSE json_build_object('decision', CASE bpmn_id WHEN 'vet' THEN 'forward' ELSE 'send' END) END
FROM task WHERE bpmn_id IN ('vet', 'review') AND state = 'completed'"""
MESSAGES_SQL = """
INSERT INTO case_event (case_id, at, actor, action, detail)
SELECT case_id, completed_at + interval '20 days', 'bench', 'message',
       json_build_object('message', 'interpol_decision', 'payload',
                         CASE WHEN case_id % 10 < 8 THEN json_build_object('outcome', 'published', 'notice_number',
                                                                           'A-' || case_id)
                              ELSE json_build_object('outcome', 'refused', 'reason', 'bench') END)
FROM task WHERE bpmn_id = 'review' AND state = 'completed'"""


def recreate(url: str):
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def build(platform, rows: int, now: datetime) -> dict:
    """The demo directory, one process version, then cases, tasks and events in SQL; returns seconds per part."""
    with platform.uow() as uow:
        demo.load(uow.session)
        uow.session.add(ProcessVersion(process_id="notice_request", name="INTERPOL notice request", version=1,
                                       digest="0" * 64, spec_json="{}", deployed_by="bench"))
        uow.commit()
    with platform.uow() as uow:
        user = uow.session.scalar(select(User.id).where(User.username == "uo.delhi.crime"))
        units = list(uow.session.scalars(text("SELECT id FROM unit WHERE code <> 'CBI-IPCU' ORDER BY id")))
        version = uow.session.scalar(select(ProcessVersion.id))
    params = {"version": version, "user": user, "units": units, "now": now, "cases": (rows + 3) // 4, "rows": rows}
    took = {}
    with platform.engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.42)"))
        for name, sql in (("cases", CASES_SQL), ("tasks", TASKS_SQL), ("decision events", DECISIONS_SQL),
                          ("message events", MESSAGES_SQL)):
            start = time.perf_counter()
            conn.execute(text(sql), params)
            took[name] = time.perf_counter() - start
        conn.execute(text("SELECT setval('case_file_id_seq', (SELECT max(id) FROM case_file))"))
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        start = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does to a table in steady state
        took["vacuum analyze"] = time.perf_counter() - start
    return took


def timed(platform, call, runs: int) -> tuple[float, object, float]:
    """Median wall seconds of `runs` calls after one warm-up, each in its own unit of work, the result, and the
    median CPU seconds they cost (the PostgreSQL backend's plus this process's): on a machine shared with other
    work, CPU time is what the query would take on an idle core."""
    with platform.uow() as uow:
        result = call(uow.session)
    times, cpus = [], []
    for _ in range(runs):
        with platform.uow() as uow:
            backend = uow.session.scalar(text("SELECT pg_backend_pid()"))
            cpu, start = _cpu(backend) + time.process_time(), time.perf_counter()
            result = call(uow.session)
            times.append(time.perf_counter() - start)
            cpus.append(_cpu(backend) + time.process_time() - cpu)
    return statistics.median(times), result, statistics.median(cpus)


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (the server runs on this machine), or 0 if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def explain(platform, statement) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, compiled for PostgreSQL."""
    compiled = statement.compile(dialect=platform.engine.dialect, compile_kwargs={"render_postcompile": True})
    with platform.engine.begin() as conn:
        conn.execute(text("SET LOCAL work_mem = '64MB'"))  # as node_figures does
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).all()
    return [row[0] for row in rows]


def plan_summary(lines: list[str]) -> str:
    """Scan types, sort methods and the execution time of a plan, on one line."""
    scans = sorted({part.strip().split(" on ")[0].split("->")[-1].strip() for part in lines
                    if " on " in part and "Scan" in part})
    sorts = sorted({line.strip().split("  ")[0] for line in lines if "Sort Method" in line})
    total = next((line.strip() for line in lines if line.startswith("Execution Time")), "?")
    return f"scans: {', '.join(scans) or '-'}; sorts: {', '.join(sorts) or '-'}; {total}"


def python_figures(session, f) -> list[dict]:
    """The naive baseline: every task row of the process into Python, then the same figures by hand."""
    rows = session.execute(select(Task.bpmn_id, Task.name, Task.lane, Task.state, Task.created_at, Task.claimed_at,
                                  Task.completed_at, Task.due_at, Task.id)
                           .where(Task.process_id == f.process).order_by(Task.id)).all()
    nodes: dict[str, dict] = {}
    for bpmn_id, name, lane, state, created, claimed, completed, due, _id in rows:
        node = nodes.setdefault(bpmn_id, {"id": bpmn_id, "name": name, "lane": lane, "wip": 0, "breaches": 0,
                                          "sla": None, "queue": [], "work": [], "lead": []})
        is_open, done = state in OPEN_STATES, state == "completed" and _inside(completed, f)
        if not (is_open or done):
            continue
        node["wip"] += is_open
        node["breaches"] += bool(due and ((done and completed > due) or (is_open and due < f.now)))
        if due:
            node["sla"] = max(node["sla"] or 0, (due - created).total_seconds())
        if done:
            started = claimed or completed
            node["queue"].append((started - created).total_seconds())
            node["work"].append((completed - started).total_seconds())
            node["lead"].append((completed - created).total_seconds())
    return [_python_node(node) for node in nodes.values()]


def _inside(moment, f) -> bool:
    return (f.start is None or moment >= f.start) and (f.end is None or moment < f.end)


def _python_node(node: dict) -> dict:
    out = {k: node[k] for k in ("id", "name", "lane", "wip")}
    out["completed"] = len(node["lead"])
    for kind in ("queue", "work", "lead"):
        values = sorted(node[kind])
        for p in (50, 90):
            out[f"{kind}_p{p}_s"] = values[(p * len(values) + 99) // 100 - 1] if values else None
    out |= {"sla_s": node["sla"], "sla_breaches": node["breaches"],
            "heat": metrics.heat(out["lead_p90_s"], node["sla"])}
    return out


def print_nodes(nodes: list[dict]):
    print(f"{'node':<16}{'wip':>7}{'completed':>11}" + "".join(f"{c:>11}" for c in (
        "queue p50", "queue p90", "work p50", "work p90", "lead p50", "lead p90", "sla", "breaches")) + "  heat")
    for n in nodes:
        hours = [f"{n[k] / 3600:>10.1f}h" if n[k] is not None else f"{'—':>11}" for k in (
            "queue_p50_s", "queue_p90_s", "work_p50_s", "work_p90_s", "lead_p50_s", "lead_p90_s", "sla_s")]
        print(f"{n['id']:<16}{n['wip']:>7}{n['completed']:>11}" + "".join(hours)
              + f"{n['sla_breaches']:>11}  {n['heat']}")


def measure(platform, filters: dict, runs: int, label: str) -> dict:
    """Median time of node_figures for each filter set; prints one line each."""
    results = {}
    for name, f in filters.items():
        seconds, nodes, cpu = timed(platform, lambda s, f=f: metrics.node_figures(s, f), runs)
        results[name] = (seconds, nodes, cpu)
        print(f"  {label:<10} {name:<14} median {seconds * 1000:8.1f} ms wall, {cpu * 1000:8.1f} ms CPU "
              f"(nodes: {len(nodes)})")
    return results


def set_indexes(platform, present: bool):
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name, target in INDEXES.items():
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {target}" if present
                              else f"DROP INDEX IF EXISTS {name}"))
        conn.execute(text("VACUUM ANALYZE task, case_event, case_file"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--skip-python", action="store_true", help="leave out the Python baseline")
    parser.add_argument("--reuse", action="store_true", help="time the database a previous run built")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    if args.reuse:
        platform = build_platform(replace(load_settings({}), database_url=args.url))
        with platform.uow() as uow:
            now = uow.session.scalar(select(Case.updated_at).limit(1))
        set_indexes(platform, present=True)
    else:
        platform, now = setup(args.url), datetime.now(UTC).replace(microsecond=0)
        took = build(platform, args.rows, now)
        print(f"built {args.rows:,} task rows on {platform.engine.url.render_as_string(hide_password=True)}: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in took.items()))
    report(platform, args, now)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def setup(url: str):
    recreate(url)
    platform = build_platform(replace(load_settings({}), database_url=url))
    schema.upgrade(platform.engine)
    return platform


def report(platform, args, now):
    filters = {"all time": metrics.parse_filters(now=now),
               "last 90 days": metrics.parse_filters(start=(now - timedelta(days=89)).date().isoformat(), now=now)}
    print(f"\nper-node query (engine.metrics.node_figures), median of {args.runs} runs after a warm-up:")
    indexed = measure(platform, filters, args.runs, "indexed")
    tables = {"weekly": metrics.weekly_completions, "return rates": metrics.return_rates,
              "publication": metrics.publication, "stage times": metrics.stage_times, "backlog": metrics.backlog,
              "activity": metrics.activity}
    print("  the other tables of the overview, all time (1 run each): " + ", ".join(
        f"{name} {timed(platform, lambda s, q=query: q(s, filters['all time']), 1)[0] * 1000:.0f} ms"
        for name, query in tables.items()))
    for name, statement in (("completed", completed_query("postgresql", filters["all time"])),
                            ("open", open_query("postgresql", filters["all time"]))):
        print(f"  EXPLAIN {name:<12} {plan_summary(explain(platform, statement))}")
    set_indexes(platform, present=False)
    bare = measure(platform, filters, args.runs, "no index")
    set_indexes(platform, present=True)
    print("\nfigures, all time:")
    print_nodes(indexed["all time"][1])
    if not args.skip_python:
        python_s, python_nodes, python_cpu = timed(platform, lambda s: python_figures(s, filters["all time"]), 1)
        same = python_nodes == indexed["all time"][1]
        print(f"\npython baseline (fetch rows + compute), all time: {python_s * 1000:.1f} ms wall, "
              f"{python_cpu * 1000:.1f} ms CPU (1 run); figures equal to SQL: {same}")
    verdict(indexed, bare)


def verdict(indexed: dict, bare: dict):
    print("\n" + "; ".join(f"{name}: {indexed[name][0] * 1000:.0f} ms wall / {indexed[name][2] * 1000:.0f} ms CPU "
                           f"indexed vs {bare[name][0] * 1000:.0f} ms / {bare[name][2] * 1000:.0f} ms without the "
                           "0004 indexes" for name in indexed))
    for kind, position in (("wall", 0), ("CPU", 2)):
        worst = max(result[position] for result in indexed.values())
        print(f"verdict ({kind} time): {'PASS' if worst < TARGET_S else 'FAIL'} (slowest {worst * 1000:.0f} ms; "
              f"target < {TARGET_S * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
