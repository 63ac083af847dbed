"""How much does BHARATPOL add on top of SpiffWorkflow for one step of a case?

For each database (SQLite in a temporary file, PostgreSQL on 127.0.0.1) this runs N RED notice
lifecycles through the engine services (start_case, add_attachment, complete draft / vet / review,
send_message) and, interleaved with them, the same six steps on bare SpiffWorkflow with no database:
deserialize the previous JSON -> do the step -> serialize to JSON, in two flavours:

  bare full JSON   the standard BpmnWorkflowSerializer; every saved state carries the whole spec
                   (what a naive host does)
  bare state-only  the state without the spec, the parsed spec kept in memory, exactly as
                   engine/runtime.py does (the strict baseline)

Both bare flavours use the same parsed spec and the same restricted script engine as the services.

    .venv/bin/python bench/engine_overhead.py [--cases N] [--database sqlite|postgresql|both] [--profile [DB]]
"""

import argparse
import copy
import cProfile
import json
import os
import platform as host
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from functools import partial
from importlib.metadata import version as package_version
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT_ROOT), str(PROJECT_ROOT / "tests")]

from samples import VALID_RED  # noqa: E402 - tests/samples.py, the data the lifecycle tests use
from SpiffWorkflow.bpmn import BpmnEvent  # noqa: E402
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from engine import demo, schema  # noqa: E402
from engine.bootstrap import build_platform  # noqa: E402
from engine.config import load_settings  # noqa: E402
from engine.models import Task, User  # noqa: E402
from engine.models.task import OPEN_STATES  # noqa: E402
from engine.runtime import build_serializer  # noqa: E402
from engine.scripting import build_script_engine  # noqa: E402
from engine.services.cases import add_attachment, latest_version, send_message, start_case  # noqa: E402
from engine.services.deploy import deploy, read_paths  # noqa: E402
from engine.services.tasks import complete_task  # noqa: E402

PROCESS = "notice_request"
STEPS = ("start", "attach", "draft", "vet", "review", "message")
TOTAL = "lifecycle"
WARMUP = 3
TARGET = 2.0
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bharatpol_bench"
WARRANT = b"%PDF-1.4 warrant"
START_DATA = {"notice_type": "RED"}
VET = {"decision": "forward"}
REVIEW = {"decision": "send"}
PATHS = ("services", "bare_full", "bare_state")


def decision(reference: str) -> dict:
    return {"reference": reference, "outcome": "published", "notice_number": "A-1234/5-2026",
            "published_on": "2026-05-04"}


# --- timing -------------------------------------------------------------------------------------

class StatementCounter:
    """Counts SQL statements sent by an engine (the pool's pre-ping is not counted)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args):
        self.count += 1


@dataclass
class Recorder:
    """Milliseconds (and SQL statements, given a counter) per step kind; optionally profiles the timed calls."""

    times: dict[str, list[float]] = field(default_factory=dict)
    profiler: cProfile.Profile | None = None
    counter: StatementCounter | None = None
    statements: dict[str, list[int]] = field(default_factory=dict)

    def run(self, step: str, fn, *args, **kwargs):
        before = self.counter.count if self.counter else 0
        if self.profiler:
            self.profiler.enable()
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            if self.profiler:
                self.profiler.disable()
            self.times.setdefault(step, []).append(elapsed)
            if self.counter:
                self.statements.setdefault(step, []).append(self.counter.count - before)

    def with_totals(self) -> dict[str, list[float]]:
        """Per-step samples plus the sum of the six steps of each lifecycle."""
        totals = [sum(parts) for parts in zip(*(self.times[s] for s in STEPS), strict=True)]
        return {**self.times, TOTAL: totals}


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


# --- the services path --------------------------------------------------------------------------

def open_task_id(platform, case_id: int) -> int:
    """The case's single open task (looked up outside the timed calls, as a web page would have it)."""
    with platform.uow() as uow:
        return uow.session.scalar(select(Task.id).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES)))


def services_lifecycle(platform, users: dict, rec: Recorder):
    """One RED notice from start to 'published', each service call timed on its own."""
    uo, ilo, ipcu = users["uo.delhi.crime"], users["ilo.delhi"], users["ipcu.officer"]
    case = rec.run("start", start_case, platform, actor_id=uo, process_id=PROCESS, data=dict(START_DATA))
    rec.run("attach", add_attachment, platform, actor_id=uo, case_id=case.id, filename="nbw.pdf",
            kind="warrant", content=WARRANT)
    for step, user, data in (("draft", uo, draft_data()), ("vet", ilo, dict(VET)),
                             ("review", ipcu, dict(REVIEW))):
        task_id = open_task_id(platform, case.id)
        rec.run(step, complete_task, platform, actor_id=user, task_id=task_id, data=data)
    done = rec.run("message", send_message, platform, actor_id=ipcu, name="interpol_decision",
                   correlation=case.reference, payload=decision(case.reference))
    if done.notice_status != "published":
        raise AssertionError(f"case {case.reference} ended '{done.notice_status}', not published")


# --- the bare SpiffWorkflow paths ---------------------------------------------------------------

class FullJsonStore:
    """What a naive host does: the standard serializer, the whole spec inside every saved state."""

    def __init__(self, script_engine):
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.script_engine = script_engine

    def load(self, state: str) -> BpmnWorkflow:
        workflow = self.serializer.deserialize_json(state)
        workflow.script_engine = self.script_engine
        return workflow

    def dump(self, workflow: BpmnWorkflow) -> str:
        return self.serializer.serialize_json(workflow)


class StateJsonStore(FullJsonStore):
    """As engine/runtime.py: the state without the spec; the parsed spec stays in memory."""

    def __init__(self, script_engine, spec, subprocess_specs):
        super().__init__(script_engine)
        self.serializer = build_serializer(state_only=True)
        self.spec, self.subprocess_specs = spec, subprocess_specs

    def load(self, state: str) -> BpmnWorkflow:
        dct = json.loads(state, cls=self.serializer.json_decoder_cls)
        self.serializer.migrate(dct)
        dct["spec"], dct["subprocess_specs"] = self.spec, self.subprocess_specs
        workflow = self.serializer.from_dict(dct)
        workflow.script_engine = self.script_engine
        return workflow


def ready_user_task(workflow: BpmnWorkflow):
    return workflow.get_tasks(state=TaskState.READY, manual=True)[0]


def draft_data() -> dict:
    """The same person and FIR in every case: justify the duplicate warning, as an officer would."""
    return dict(copy.deepcopy(VALID_RED), justifications={"duplicate_request": "benchmark: same test person"})


def bare_start(store, spec, subprocess_specs, reference: str) -> str:
    """New workflow with the host data, engine steps, the start data as the draft's prefill, save."""
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=store.script_engine)
    workflow.task_tree.data.update({"case_reference": reference, "attachments": [], "duplicates": []})
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(workflow.task_tree.data)
    workflow.do_engine_steps()
    ready_user_task(workflow).data["request"] = dict(START_DATA)
    return store.dump(workflow)


def bare_step(store, state: str, action) -> str:
    """Load the previous state, act, run the engine, save."""
    workflow = store.load(state)
    action(workflow)
    workflow.do_engine_steps()
    return store.dump(workflow)


def set_data(key: str, value, workflow: BpmnWorkflow):
    ready_user_task(workflow).data[key] = value


def complete(variable: str, data: dict, workflow: BpmnWorkflow):
    task = ready_user_task(workflow)
    task.data[variable] = data
    task.run()


def catch(name: str, payload: dict, workflow: BpmnWorkflow):
    workflow.catch(BpmnEvent(MessageEventDefinition(name), payload=payload))


def bare_actions(reference: str) -> list[tuple[str, object]]:
    """The five steps after start; the attachment kind goes into task data where the draft reads it."""
    return [("attach", partial(set_data, "attachments", ["warrant"])),
            ("draft", partial(complete, "request", draft_data())),
            ("vet", partial(complete, "vetting", dict(VET))),
            ("review", partial(complete, "review", dict(REVIEW))),
            ("message", partial(catch, "interpol_decision", decision(reference)))]


def bare_lifecycle(store, spec, subprocess_specs, rec: Recorder, number: int) -> str:
    """One RED notice on bare SpiffWorkflow; returns the final saved state."""
    reference = f"BP/NR/2026/{number:06d}"
    state = rec.run("start", bare_start, store, spec, subprocess_specs, reference)
    for step, action in bare_actions(reference):
        state = rec.run(step, bare_step, store, state, action)
    workflow = store.load(state)
    ready = ready_user_task(workflow)
    if not (ready.task_spec.bpmn_id == "maintain_notice" and ready.data.get("published")):
        raise AssertionError("bare lifecycle did not end published")
    return state


# --- databases and platforms --------------------------------------------------------------------

@dataclass
class Bench:
    """A platform on a fresh, migrated database with the demo directory and processes/ deployed."""

    label: str
    platform: object
    users: dict
    spec: object
    subprocess_specs: dict
    spec_json_bytes: int


def recreate_postgres(url: str):
    """Drop and recreate the bench database (as tests/conftest.py does); OperationalError if unreachable."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def database_url(kind: str, tmpdir: Path, pg_url: str) -> str | None:
    if kind == "sqlite":
        return f"sqlite:///{tmpdir / 'bench.db'}"
    try:
        recreate_postgres(pg_url)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"\nPostgreSQL at {make_url(pg_url).render_as_string(hide_password=True)} is unreachable "
              f"({reason}): skipped.")
        return None
    return pg_url


def demo_platform(url: str, data_dir: Path):
    """A platform on a migrated database with the demo directory and `processes/` deployed; user ids by name."""
    platform = build_platform(replace(load_settings({}), database_url=url, data_dir=data_dir))
    schema.upgrade(platform.engine)
    with platform.uow() as uow:
        demo.load(uow.session)
        uow.commit()
        users = {u.username: u.id for u in uow.session.scalars(select(User))}
    deploy(platform, actor="bench", files=read_paths([PROJECT_ROOT / "processes"]))
    return platform, users


def open_bench(kind: str, tmpdir: Path, pg_url: str) -> Bench | None:
    url = database_url(kind, tmpdir, pg_url)
    if url is None:
        return None
    platform, users = demo_platform(url, tmpdir / "data")
    with platform.uow() as uow:
        version = latest_version(uow.session, PROCESS)
        spec, subs = platform.workflows.specs_for(version)
        spec_size = len(version.spec_json.encode())
    return Bench(kind, platform, users, spec, subs, spec_size)


def server_version(bench: Bench) -> str:
    with bench.platform.engine.connect() as conn:
        if bench.label == "sqlite":
            return "SQLite " + conn.execute(text("select sqlite_version()")).scalar()
        return "PostgreSQL " + conn.execute(text("show server_version")).scalar().split()[0]


# --- one measured run ---------------------------------------------------------------------------

def measure(bench: Bench, cases: int) -> tuple[dict[str, dict], dict[str, int]]:
    """Warm up, then N lifecycles with the three paths interleaved; samples per path, and sizes."""
    script_engine = build_script_engine()
    stores = {"bare_full": FullJsonStore(script_engine),
              "bare_state": StateJsonStore(script_engine, bench.spec, bench.subprocess_specs)}
    counter, facts = StatementCounter(bench.platform.engine), {}
    for label, count in (("warm-up", WARMUP), ("measured", cases)):
        recs = {path: Recorder() for path in PATHS}
        recs["services"].counter = counter
        for number in range(count):
            services_lifecycle(bench.platform, bench.users, recs["services"])
            for path, store in stores.items():
                final = bare_lifecycle(store, bench.spec, bench.subprocess_specs, recs[path], number)
                facts[path] = len(final.encode())
        print(f"  {label}: {count} lifecycles done")
    facts.update({step: round(median(n)) for step, n in recs["services"].statements.items()})
    return {path: rec.with_totals() for path, rec in recs.items()}, facts


# --- report -------------------------------------------------------------------------------------

HEADER = (f"{'step':<10} {'services':>9} {'services':>9} {'bare full':>10} {'bare state':>11} "
          f"{'services /':>11} {'services /':>11}")
HEADER2 = (f"{'':<10} {'median ms':>9} {'p90 ms':>9} {'median ms':>10} {'median ms':>11} "
           f"{'bare state':>11} {'bare full':>11}")


def table_row(step: str, results: dict) -> str:
    svc, full, state = (results[p][step] for p in PATHS)
    return (f"{step:<10} {median(svc):>9.2f} {p90(svc):>9.2f} {median(full):>10.2f} {median(state):>11.2f} "
            f"{median(svc) / median(state):>10.1f}x {median(svc) / median(full):>10.1f}x")


def print_table(bench: Bench, results: dict, cases: int):
    print(f"\n== {bench.label} ({server_version(bench)}), {cases} RED notice lifecycles "
          f"after {WARMUP} warm-up ==")
    print(HEADER)
    print(HEADER2)
    for step in STEPS:
        print(table_row(step, results))
    print("-" * len(HEADER))
    print(table_row(TOTAL, results) + "   <- sum of the six steps, per lifecycle")


def verdict(results: dict, baseline: str, name: str) -> str:
    """PASS when every step's median is within TARGET x the baseline's median."""
    ratios = {s: median(results["services"][s]) / median(results[baseline][s]) for s in STEPS}
    over = [s for s in STEPS if ratios[s] > TARGET]
    worst = max(ratios, key=ratios.get)
    total = median(results["services"][TOTAL]) / median(results[baseline][TOTAL])
    outcome = "PASS" if not over else f"FAIL ({len(over)}/{len(STEPS)} steps over: {', '.join(over)})"
    return (f"verdict vs {name}: {outcome}; worst step {worst} {ratios[worst]:.1f}x, "
            f"whole lifecycle {total:.1f}x (target: services <= {TARGET:g}x bare per step)")


def print_verdicts(bench: Bench, results: dict, facts: dict):
    print(verdict(results, "bare_state", "bare state-only JSON (strict)"))
    print(verdict(results, "bare_full", "bare full JSON (naive host)"))
    per_step = ", ".join(f"{step} {facts[step]}" for step in STEPS)
    print(f"SQL statements per services step (median): {per_step}; "
          f"lifecycle {sum(facts[s] for s in STEPS)} + {len(STEPS)} commits")
    print(f"saved state of a finished case: full JSON {facts['bare_full'] / 1024:.0f} KiB, "
          f"state-only {facts['bare_state'] / 1024:.0f} KiB; process_version.spec_json "
          f"{bench.spec_json_bytes / 1024:.0f} KiB")


# --- profile ------------------------------------------------------------------------------------

OTHER = "other Python (stdlib, builtins)"
# (component, test on a profile entry's file name and function name); the first match wins
COMPONENTS = [
    ("database driver (sqlite3 / psycopg, incl. waiting)",
     lambda f, n: "sqlite3" in n or "psycopg" in f or "psycopg" in n),
    ("SQLAlchemy (ORM, core, pool)", lambda f, n: "/sqlalchemy/" in f or "<sqlalchemy" in f),
    ("SpiffWorkflow serializer", lambda f, n: "/SpiffWorkflow/" in f and "/serializer/" in f),
    ("SpiffWorkflow execution (tasks, DMN, gateways)", lambda f, n: "/SpiffWorkflow/" in f),
    ("json encode / decode", lambda f, n: "/json/" in f or "_json" in n),
    ("hashing (sha256: audit chain, attachment)", lambda f, n: "hashlib" in f or "sha256" in n or "hexdigest" in n),
    ("scripts (RestrictedPython, engine/compliance)",
     lambda f, n: "RestrictedPython" in f or "engine/scripting" in f or "engine/compliance" in f),
    ("form validation (jsonschema, referencing)", lambda f, n: "/jsonschema" in f or "/referencing/" in f),
    ("attachment file write (pathlib, io)", lambda f, n: f.endswith("pathlib.py") or "_io." in n or "io.open" in n),
    ("copy.deepcopy", lambda f, n: f.endswith("/copy.py")),
    ("BHARATPOL engine/ and forms/ code", lambda f, n: "/engine/" in f or "/forms/" in f),
    (OTHER, lambda f, n: True),
]

# (label, file name suffix, function name): inclusive time of a few entry points
KEY_FUNCTIONS = [
    ("Session._flush (every INSERT/UPDATE/DELETE, incl. autoflush)", "sqlalchemy/orm/session.py", "_flush"),
    ("Session.commit (last flush + COMMIT)", "sqlalchemy/orm/session.py", "commit"),
    ("Session.execute (SELECT, UPDATE ... RETURNING, autoflush)", "sqlalchemy/orm/session.py", "execute"),
    ("audit.append (2 UPDATEs of audit_head, the autoflush they trigger)", "engine/audit.py", "append"),
    ("audit._digest (json.dumps + sha256)", "engine/audit.py", "_digest"),
    ("Workflows.load (state JSON -> workflow)", "engine/runtime.py", "load"),
    ("Workflows.dump (workflow -> state JSON)", "engine/runtime.py", "dump"),
    ("CaseFlow.step (do_engine_steps: scripts, DMN, gateways)", "engine/runtime.py", "step"),
    ("forms.validate (jsonschema)", "forms/__init__.py", "validate"),
    ("sync (state, data, task projection, timers)", "engine/services/_common.py", "sync"),
]


def own_component(key) -> str:
    filename, _line, func = key
    return next(name for name, test in COMPONENTS if test(filename, func))


def component_weights(stats: pstats.Stats, key, memo: dict, depth: int = 0) -> dict[str, float]:
    """{component: fraction}; stdlib and builtins are charged to whoever called them (up to 4 levels)."""
    if key in memo:
        return memo[key]
    own = own_component(key)
    callers = stats.stats[key][4] if key in stats.stats else {}
    if own != OTHER or depth >= 4 or not callers:
        return {own: 1.0}
    memo[key] = {OTHER: 1.0}  # breaks recursion cycles
    weights: dict[str, float] = {}
    total = sum(c[2] or c[3] for c in callers.values()) or 1.0
    for caller, (_cc, _nc, self_time, cum) in callers.items():
        for name, frac in component_weights(stats, caller, memo, depth + 1).items():
            weights[name] = weights.get(name, 0.0) + frac * (self_time or cum) / total
    memo[key] = weights
    return weights


def component_shares(stats: pstats.Stats) -> dict[str, float]:
    shares, memo = dict.fromkeys((name for name, _test in COMPONENTS), 0.0), {}
    for key, (_cc, _nc, self_time, _cum, _callers) in stats.stats.items():
        for name, frac in component_weights(stats, key, memo).items():
            shares[name] += self_time * frac
    return shares


def inclusive_time(stats: pstats.Stats, suffix: str, func: str) -> float:
    return sum(cum for (filename, _line, name), (_cc, _nc, _tt, cum, _c) in stats.stats.items()
               if name == func and filename.endswith(suffix))


def print_profile(bench: Bench, profiler: cProfile.Profile, cases: int):
    stats = pstats.Stats(profiler)
    print(f"\n== cProfile of the services path on {bench.label}, {cases} lifecycles "
          f"(timed calls only), top 25 by cumulative time ==")
    stats.strip_dirs().sort_stats("cumulative").print_stats(25)
    stats = pstats.Stats(profiler)  # strip_dirs() dropped the paths the shares need
    total = stats.total_tt
    print(f"share of profiled time by component (self time, stdlib/builtins charged to their caller; "
          f"total {total:.2f} s):")
    for name, seconds in sorted(component_shares(stats).items(), key=lambda kv: -kv[1]):
        print(f"  {seconds / total:6.1%}  {name}")
    print("inclusive share of a few entry points (they overlap):")
    for label, suffix, func in KEY_FUNCTIONS:
        print(f"  {inclusive_time(stats, suffix, func) / total:6.1%}  {label}")


def profile_services(bench: Bench, cases: int):
    profiler = cProfile.Profile()
    rec = Recorder(profiler=profiler)
    for _ in range(cases):
        services_lifecycle(bench.platform, bench.users, rec)
    print_profile(bench, profiler, cases)


# --- main ---------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50, help="measured lifecycles per database (default 50)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--profile", nargs="?", const="first", choices=("first", "sqlite", "postgresql"),
                        help="cProfile the services path on this database (default: the first one run)")
    parser.add_argument("--profile-cases", type=int, default=20, help="lifecycles profiled (default 20)")
    parser.add_argument("--postgres-url", default=PG_URL, help=f"default {PG_URL} (dropped and recreated)")
    args = parser.parse_args(argv)
    if args.cases < 2:
        parser.error("--cases must be at least 2")
    return args


def print_machine():
    print(f"machine: {host.machine()}, {_cpu_model()}, {_cpu_count()} cores; "
          f"{host.system()} {host.release()}")
    print(f"Python {host.python_version()}, SpiffWorkflow {package_version('SpiffWorkflow')}, "
          f"SQLAlchemy {package_version('SQLAlchemy')}, psycopg {package_version('psycopg')}")


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return host.processor() or "cpu model unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "cpu ?")


def _cpu_count() -> str:
    return str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())


def run_database(kind: str, args, profile_here: bool) -> bool:
    """Measure one database; returns False when it was skipped."""
    with tempfile.TemporaryDirectory(prefix=f"bharatpol-bench-{kind}-") as tmp:
        print(f"\n[{kind}] preparing database, demo directory and deployment ...")
        bench = open_bench(kind, Path(tmp), args.postgres_url)
        if bench is None:
            return False
        try:
            results, facts = measure(bench, args.cases)
            print_table(bench, results, args.cases)
            print_verdicts(bench, results, facts)
            if profile_here:
                profile_services(bench, args.profile_cases)
        finally:
            bench.platform.engine.dispose()
    return True


def main(argv=None):
    args = parse_args(argv)
    print_machine()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    profiled = args.profile is None
    for kind in kinds:
        wanted = not profiled and args.profile in ("first", kind)
        if run_database(kind, args, wanted) and wanted:
            profiled = True


if __name__ == "__main__":
    main()
