"""Do inboxes, counts and engine steps stay fast with a million cases?

Builds, in its own PostgreSQL database (default `bharatpol_bench_scale`, dropped and recreated), the demo
directory and processes, then a population grown in steps (default 1,000 → 100,000 → 1,000,000 cases), and at
each size measures:

  reads   read.inbox_page (GET /tasks and the inbox page: filters, sorting, paging, counts per filter) and
          read.home_page, per demo role: p50 / p95 / p99 over --calls calls each (target p95 < 25 ms)
  steps   start_case, add_attachment, complete_task (draft / vet / review) and send_message on fresh RED
          notices through the services: median and p95 per step, and the ratio largest size / smallest

The population is cloned in SQL (INSERT … SELECT generate_series) from template cases that the real services
drive first: each bulk case copies a template's stored workflow state, data, task projection rows (task uuids
included, so a cloned open task can really be completed), history, audit entries and notifications, with its
own agency / unit, times, claims and deadlines. 10 % of the cases are open, one open task each (two for a
broadcast being routed): 100,000 open tasks at 1,000,000 cases.

    .venv/bin/python bench/scale.py [--sizes 1000,100000,1000000] [--calls 200] [--steps 20]
                                    [--postgres-url postgresql+psycopg://…] [--explain]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT_ROOT), str(PROJECT_ROOT / "tests"), str(PROJECT_ROOT / "bench")]

import cooperation_cases as coop  # noqa: E402 - tests/: the service-level helpers the process tests use
import notice_cases as notices  # noqa: E402
from engine_overhead import decision, demo_platform, draft_data, recreate_postgres  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine import read  # noqa: E402
from engine.models import Task  # noqa: E402
from engine.models.task import OPEN_STATES  # noqa: E402
from engine.services.cases import add_attachment, send_message, start_case  # noqa: E402
from engine.services.notifications import unread_count  # noqa: E402
from engine.services.tasks import complete_task  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bharatpol_bench_scale"
ROLES = ("uo.delhi.crime", "ilo.delhi", "ipcu.officer")
FILTERS = {"inbox": {}, "inbox process+cat": {"process": "notice_request", "category": "RED"},
           "inbox overdue": {"overdue": True}, "inbox claimed": {"state": "claimed"},
           "inbox due p3": {"sort": "due", "page": 3}, "api per_page=100": {"per_page": 100}}
STEPS = ("start", "attach", "draft", "vet", "review", "message")
TARGET_MS = 25.0

# --- the population, cloned in SQL from the template cases ----------------------------------------

# case number g takes the template of slot g % 100: 10 open cases (one open task each, two for a broadcast being
# routed), 90 closed ones (a refused RED notice, or a reference closed by the letter-rogatory route)
SLOTS = (["n_draft", "r_draft", "n_vet", "n_vet", "r_vet", "n_review", "n_review", "r_review", "b_route"]
         + ["n_closed"] * 61 + ["r_closed"] * 30)
BULK_ID = 10_000_000  # bulk case ids start here, far from the ids the services hand out
TABLES = ("case_file", "task", "case_event", "audit_entry", "notification", "timer")
TEMPLATE_SQL = """
CREATE TABLE bench_kind (slot int PRIMARY KEY, case_id int NOT NULL);
CREATE TABLE bench_unit AS
  SELECT row_number() OVER (ORDER BY u.id) - 1 AS n, u.id AS unit_id, u.agency_id,
         coalesce((SELECT min(x.id) FROM user_account x WHERE x.unit_id = u.id AND x.role = 'UO'),
                  (SELECT min(x.id) FROM user_account x WHERE x.agency_id = u.agency_id AND x.role = 'ILO'),
                  (SELECT min(x.id) FROM user_account x WHERE x.role = 'IPCU')) AS user_id
  FROM unit u WHERE u.code <> 'CBI-IPCU';
CREATE TABLE bench_agency AS
  SELECT row_number() OVER (ORDER BY id) - 1 AS n, id AS agency_id FROM agency WHERE code <> 'CBI';
CREATE TABLE bench_case (g int PRIMARY KEY, template int, unit_id int, agency_id int, user_id int, at timestamptz);
"""
# the bulk cases of this round: number g, template t, unit/agency, creation time; every insert below reads it
CASES_SQL = f"""
TRUNCATE bench_case;
INSERT INTO bench_case SELECT g, t.id, u.unit_id, u.agency_id, u.user_id,
       CASE WHEN t.status = 'open' THEN now() - interval '25 days' - random() * interval '10 days'
            ELSE now() - interval '40 days' - random() * interval '1060 days' END
FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) g JOIN bench_kind k ON k.slot = g % 100
JOIN case_file t ON t.id = k.case_id
JOIN bench_unit u ON u.n = (g / 100) % (SELECT count(*) FROM bench_unit);
INSERT INTO case_file (id, reference, process_id, version_id, status, category, agency_id, unit_id, created_by,
       created_at, updated_at, completed_at, data, state, lock_version, subject_key, subject_names,
       interpol_number, notice_status, published_on, review_due)
SELECT {BULK_ID} + b.g, split_part(t.reference, '/', 1) || '/' || split_part(t.reference, '/', 2) || '/B/' || b.g,
       t.process_id, t.version_id, t.status, t.category,
       CASE WHEN t.unit_id IS NULL THEN t.agency_id ELSE b.agency_id END,
       CASE WHEN t.unit_id IS NULL THEN NULL ELSE b.unit_id END,
       CASE WHEN t.unit_id IS NULL THEN t.created_by ELSE b.user_id END, b.at,
       CASE WHEN t.status = 'open' THEN now() - random() * interval '5 days' ELSE b.at + interval '30 days' END,
       CASE WHEN t.status = 'completed' THEN b.at + interval '30 days' END, t.data, t.state, 1,
       t.subject_key || '#' || b.g, t.subject_names, t.interpol_number, t.notice_status, t.published_on, t.review_due
FROM bench_case b JOIN case_file t ON t.id = b.template"""

# each template row with its rank inside its case (k) and, for a branch, the agency it goes to in bulk case g
TEMPLATE_ROWS_SQL = """
CREATE TABLE bench_task AS SELECT x.*, row_number() OVER (PARTITION BY x.case_id ORDER BY x.id) - 1 AS k
  FROM task x WHERE x.case_id IN (SELECT case_id FROM bench_kind);
CREATE TABLE bench_event AS SELECT x.*, row_number() OVER (PARTITION BY x.case_id ORDER BY x.id) - 1 AS k
  FROM case_event x WHERE x.case_id IN (SELECT case_id FROM bench_kind);
CREATE TABLE bench_audit AS SELECT x.*, t.id AS case_id, row_number() OVER (PARTITION BY t.id ORDER BY x.seq) AS k
  FROM audit_entry x JOIN case_file t ON x.object_type = 'case' AND x.object_id = t.reference
  WHERE t.id IN (SELECT case_id FROM bench_kind);
CREATE TABLE bench_note AS SELECT x.* FROM notification x WHERE x.case_id IN (SELECT case_id FROM bench_kind);
CREATE TABLE bench_timer AS SELECT x.* FROM timer x WHERE x.case_id IN (SELECT case_id FROM bench_kind)"""
SCOPE_SQL = """CASE WHEN x.agency_id = t.agency_id THEN c.agency_id ELSE a.agency_id END,
               CASE WHEN x.unit_id IS NULL THEN NULL WHEN x.unit_id = t.unit_id THEN c.unit_id ELSE x.unit_id END"""
FROM_SQL = f"""FROM bench_case b JOIN case_file t ON t.id = b.template JOIN case_file c ON c.id = {BULK_ID} + b.g"""
BRANCH_SQL = "LEFT JOIN bench_agency a ON a.n = (b.g / 100 + x.agency_id) % 7"
TASKS_SQL = f"""
INSERT INTO task (case_id, task_uuid, process_id, bpmn_id, name, lane, form, variable, agency_id, unit_id, state,
                  assignee_id, created_at, claimed_at, completed_at, completed_by, due_at, category, branch)
SELECT c.id, x.task_uuid, x.process_id, x.bpmn_id, x.name, x.lane, x.form, x.variable, {SCOPE_SQL},
       CASE WHEN x.state = 'claimed' THEN 'ready' ELSE x.state END,
       CASE WHEN x.state IN ('ready', 'claimed') THEN NULL ELSE x.assignee_id END, o.created,
       CASE WHEN x.state = 'completed' THEN o.created + interval '3 hours' END,
       CASE WHEN x.state NOT IN ('ready', 'claimed') THEN o.created + interval '1 day' END,
       CASE WHEN x.state = 'completed' THEN x.completed_by END, o.created + (x.due_at - x.created_at),
       c.category, x.branch
{FROM_SQL} JOIN bench_task x ON x.case_id = t.id {BRANCH_SQL}
CROSS JOIN LATERAL (SELECT CASE WHEN x.state IN ('ready', 'claimed') THEN now() - random() * interval '20 days'
                                ELSE c.created_at + x.k * interval '2 days' END AS created) o"""
# 30 % of the open tasks are claimed, by the demo officer of their scope (where there is one)
CLAIMS_SQL = f"""
UPDATE task SET state = 'claimed', assignee_id = u.id, claimed_at = task.created_at + interval '2 hours'
FROM user_account u
WHERE task.case_id BETWEEN {BULK_ID} + CAST(:lo AS int) AND {BULK_ID} + CAST(:hi AS int) AND task.state = 'ready'
  AND random() < 0.3
  AND u.id = (SELECT min(v.id) FROM user_account v WHERE v.role = task.lane AND v.active
              AND (v.role = 'IPCU' OR (v.role = 'ILO' AND v.agency_id = task.agency_id)
                   OR (v.role = 'UO' AND v.unit_id = task.unit_id)))"""
EVENTS_SQL = f"""
INSERT INTO case_event (case_id, at, actor, action, bpmn_id, task_name, detail)
SELECT c.id, least(now(), c.created_at + x.k * interval '2 days'), x.actor, x.action, x.bpmn_id, x.task_name, x.detail
{FROM_SQL} JOIN bench_event x ON x.case_id = t.id"""
AUDIT_SQL = f"""
INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id, detail, prev_hash, hash)
SELECT 1000000000 + b.g * 40 + x.k, least(now(), c.created_at + x.k * interval '1 day'), x.actor, x.action,
       x.object_type, c.reference, x.detail, repeat(md5(b.g::text), 2), repeat(md5(x.hash || b.g), 2)
{FROM_SQL} JOIN bench_audit x ON x.case_id = t.id"""
NOTES_SQL = f"""
INSERT INTO notification (kind, case_id, lane, agency_id, unit_id, user_id, text, created_at)
SELECT x.kind, c.id, x.lane, {SCOPE_SQL}, x.user_id, replace(x.text, t.reference, c.reference),
       least(now(), c.created_at + interval '1 day')
{FROM_SQL} JOIN bench_note x ON x.case_id = t.id {BRANCH_SQL}"""
TIMERS_SQL = f"""
INSERT INTO timer (case_id, task_uuid, bpmn_id, due_at, fired_at)
SELECT c.id, x.task_uuid, x.bpmn_id, c.updated_at + (x.due_at - t.updated_at), x.fired_at
{FROM_SQL} JOIN bench_timer x ON x.case_id = t.id"""
INDEXES_SQL = """SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename IN ('case_file', 'task', 'case_event', 'audit_entry', 'notification')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)"""
INSERTS = (("cases", CASES_SQL), ("tasks", TASKS_SQL), ("claims", CLAIMS_SQL), ("events", EVENTS_SQL),
           ("audit", AUDIT_SQL), ("notifications", NOTES_SQL), ("timers", TIMERS_SQL))


def load_templates(platform, templates: dict[str, int]):
    with platform.engine.begin() as conn:
        for statement in TEMPLATE_SQL.split(";"):
            if statement.strip():
                conn.execute(text(statement))
        conn.execute(text("INSERT INTO bench_kind VALUES (:slot, :case)"),
                     [{"slot": slot, "case": templates[kind]} for slot, kind in enumerate(SLOTS)])
        for statement in TEMPLATE_ROWS_SQL.split(";\n"):
            conn.execute(text(statement))


def percentile(values: list[float], p: int) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, -(-p * len(ordered) // 100) - 1)]


def setup(url: str, data_dir: Path):
    recreate_postgres(url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # builds the million states several times faster than pglz, the default
        conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" SET default_toast_compression = lz4'))
    admin.dispose()
    return demo_platform(url, data_dir)


def red_draft(forename: str) -> dict:
    """A valid RED draft for a person of its own: not a duplicate of the other requests."""
    draft = draft_data()
    draft["subject"]["forename"] = forename
    return draft


def harvest(platform, users) -> dict[str, int]:
    """Template cases driven by the real services: kind → case id (see SLOTS)."""
    ipcu, forward = "ipcu.officer", {"decision": "forward"}
    found = {"n_draft": notices.started(platform, users).id,
             "n_vet": notices.drafted(platform, users, data=red_draft("Template1")).id}
    case = notices.drafted(platform, users, data=red_draft("Template2"))
    notices.act(platform, users, "ilo.delhi", case, forward)
    found["n_review"] = case.id
    case = notices.sent(platform, users, data=red_draft("Template3"))
    send_message(platform, actor_id=users[ipcu], name="interpol_decision", correlation=case.reference,
                 payload={"reference": case.reference, "outcome": "refused", "reason": "Article 3 (bench)"})
    found["n_closed"] = case.id
    for kind, steps in (("r_draft", 0), ("r_vet", 1), ("r_review", 2), ("r_closed", 3)):
        case = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="reference_request")
        reference_steps = (("uo.delhi.crime", "draft", coop.reference()),
                           ("ilo.delhi", "vet", {"decision": "forward", "evidence_assessment": "IPCU decides."}),
                           (ipcu, "review", {"decision": "letter_rogatory", "comments": "By LR (bench)."}))
        for login, bpmn_id, data in reference_steps[:steps]:
            coop.do(platform, users, login, case.id, bpmn_id, data)
        found[kind] = case.id
    found["b_route"] = coop.sent_broadcast(platform, users).id
    return found


def grow(platform, start: int, stop: int) -> dict[str, float]:
    """Clone bulk cases start+1 … stop; seconds per table."""
    took = {}
    with platform.engine.begin() as conn:
        indexes = conn.execute(text(INDEXES_SQL)).all() if stop - start > 50_000 else []
        for name, _definition in indexes:  # building them afterwards is much faster than updating them
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no per-row foreign key triggers
        conn.execute(text("SELECT setseed(:seed)"), {"seed": start / (stop + 1)})
        for name, sql in INSERTS:
            began = time.perf_counter()
            for statement in sql.split(";\n"):
                conn.execute(text(statement), {"lo": start + 1, "hi": stop})
            took[name] = time.perf_counter() - began
        began = time.perf_counter()
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for _name, definition in indexes:
            conn.execute(text(definition))
        took["indexes"] = time.perf_counter() - began
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        began = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does to a table in steady state
        took["vacuum analyze"] = time.perf_counter() - began
    return took


def timed_calls(call, calls: int) -> list[float]:
    """Milliseconds of `calls` calls after two warm-ups."""
    call(), call()
    samples = []
    for _ in range(calls):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def read_calls(platform, me: int) -> dict:
    """The read calls of one officer, by name."""
    named = {name: (lambda f=f: read.inbox_page(platform, actor_id=me, **f)) for name, f in FILTERS.items()}
    named["home page"] = lambda: read.home_page(platform, actor_id=me)
    named["badge (notifications)"] = lambda: unread_count(platform, actor_id=me)
    return named


def measure_reads(platform, users, calls: int) -> list[tuple]:
    """(role, call, p50, p95, p99, total) per role and filter; prints one line each."""
    rows = []
    for login in ROLES:
        for name, call in read_calls(platform, users[login]).items():
            samples = timed_calls(call, calls)
            result = call()
            total = result.get("total", result.get("waiting", {}).get("total")) if isinstance(result, dict) else result
            row = (login, name, *(percentile(samples, p) for p in (50, 95, 99)), total)
            rows.append(row)
            print(f"  {login:<16}{name:<24}{row[2]:>9.2f}{row[3]:>9.2f}{row[4]:>9.2f}{total!s:>9}", flush=True)
    return rows


def lifecycle(platform, users, number: int, times: dict):
    """One RED notice, from start to 'published', each service call timed; a new person every time."""
    uo, ilo, ipcu = users["uo.delhi.crime"], users["ilo.delhi"], users["ipcu.officer"]

    def run(step, fn, **kwargs):
        began = time.perf_counter()
        result = fn(platform, **kwargs)
        times.setdefault(step, []).append((time.perf_counter() - began) * 1000)
        return result
    case = run("start", start_case, actor_id=uo, process_id="notice_request", data={"notice_type": "RED"})
    run("attach", add_attachment, actor_id=uo, case_id=case.id, filename="nbw.pdf", kind="warrant",
        content=notices.PDF)
    for step, user, data in (("draft", uo, red_draft(f"Bench{number}")), ("vet", ilo, {"decision": "forward"}),
                             ("review", ipcu, {"decision": "send"})):
        run(step, complete_task, actor_id=user, task_id=open_task_id(platform, case.id), data=data)
    done = run("message", send_message, actor_id=ipcu, name="interpol_decision", correlation=case.reference,
               payload=decision(case.reference))
    assert done.notice_status == "published", done.notice_status


def open_task_id(platform, case_id: int) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(Task.id).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES)))


def measure_steps(platform, users, lifecycles: int, offset: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    lifecycle(platform, users, offset, {})  # warm-up
    for number in range(1, lifecycles + 1):
        lifecycle(platform, users, offset + number, times)
    for step in STEPS:
        print(f"  {step:<10}{statistics.median(times[step]):>10.2f}{percentile(times[step], 95):>10.2f}")
    return times


def explain(platform, users, sql_log: bool):
    """EXPLAIN (ANALYZE, BUFFERS) of every statement of the IPCU and ILO inbox and home page calls."""
    for login in ("ipcu.officer", "ilo.delhi"):
        statements = capture(platform, lambda login=login: (
            read.inbox_page(platform, actor_id=users[login]), read.home_page(platform, actor_id=users[login])))
        print(f"\nEXPLAIN, {login}: {len(statements)} statements")
        for statement, params in statements:
            lines = explain_lines(platform, statement, params)
            if sql_log:
                print("    " + " ".join(statement.split())[:300])
            print("  " + plan_summary(lines))


def capture(platform, call) -> list[tuple[str, dict]]:
    """The SQL statements (and parameters) a call sends."""
    seen = []

    def listen(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))
    event.listen(platform.engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(platform.engine, "before_cursor_execute", listen)
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]


def explain_lines(platform, statement: str, params) -> list[str]:
    with platform.engine.connect() as conn:
        return [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]


def plan_summary(lines: list[str]) -> str:
    """Scan types and the execution time of a plan, on one line."""
    scans = sorted({line.strip().split(" on ")[0].split("->")[-1].strip() + " " + line.split(" on ")[1].split()[0]
                    for line in lines if " on " in line and "Scan" in line})
    total = next((line.strip() for line in lines if line.startswith("Execution Time")), "?")
    return f"{total}; {', '.join(scans) or '-'}"


def database_size(platform) -> str:
    with platform.engine.connect() as conn:
        return conn.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))


def counts(platform) -> str:
    with platform.engine.connect() as conn:
        found = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}  # noqa: S608
        found["open tasks"] = conn.scalar(text("SELECT count(*) FROM task WHERE state IN ('ready', 'claimed')"))
    return ", ".join(f"{name} {n:,}" for name, n in found.items())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--steps", type=int, default=20, help="lifecycles timed per size")
    parser.add_argument("--postgres-url", default=DEFAULT_URL)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the read statements at the end")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    began = time.perf_counter()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmp:
        platform, users = setup(args.postgres_url, Path(tmp))
        templates = harvest(platform, users)
        load_templates(platform, templates)
        results, built = {}, 0
        for size in sizes:
            results[size] = run_size(platform, users, args, built, size)
            built = size
        if args.explain:
            explain(platform, users, sql_log=True)
        summary(results, sizes)
    print(f"\nfull run: {time.perf_counter() - began:.0f} s; "
          f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def run_size(platform, users, args, built: int, size: int) -> dict:
    took = grow(platform, built, size)
    print(f"\n=== {size:,} cases: built {size - built:,} more in {sum(took.values()):.1f} s ("
          + ", ".join(f"{k} {v:.1f}" for k, v in took.items()) + f"); database {database_size(platform)}")
    print(f"  rows: {counts(platform)}")
    print(f"  {'role':<16}{'call (ms)':<24}{'p50':>9}{'p95':>9}{'p99':>9}{'total':>9}")
    reads = measure_reads(platform, users, args.calls)
    print(f"  {'step (ms)':<10}{'median':>10}{'p95':>10}")
    steps = measure_steps(platform, users, args.steps, offset=size)
    return {"reads": reads, "steps": steps, "build": sum(took.values()), "db": database_size(platform)}


def summary(results: dict, sizes: list[int]):
    first, last = sizes[0], sizes[-1]
    print(f"\nper-step median, {last:,} vs {first:,} cases:")
    for step in STEPS:
        a, b = (statistics.median(results[s]["steps"][step]) for s in (first, last))
        print(f"  {step:<10}{a:>9.2f} ms{b:>9.2f} ms   ratio {b / a:.2f}")
    worst = max(results[last]["reads"], key=lambda row: row[3])
    print(f"\nreads at {last:,}: worst p95 {worst[3]:.1f} ms ({worst[0]}, {worst[1]}); target p95 < {TARGET_MS:.0f} ms:"
          f" {'PASS' if worst[3] < TARGET_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
