"""The bharatpol command line, run against the test database."""

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

import engine.cli as cli_module
from engine.cli import main
from engine.models import AuditEntry

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(platform):
    """Invoke `bharatpol` with the test platform's database and data folder."""
    env = {"BHARATPOL_DATABASE_URL": platform.engine.url.render_as_string(hide_password=False),
           "BHARATPOL_DATA_DIR": str(platform.settings.data_dir), "BHARATPOL_ENV": "development"}

    def invoke(*args, **extra_env):
        return CliRunner().invoke(main, list(args), env={**env, **extra_env}, catch_exceptions=False)

    return invoke


def test_init_db_demo_loads_directory_and_deploys(cli):
    result = cli("init-db", "--demo")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "demo agencies, units and users loaded (password: bharatpol-demo)",
        "broadcast: deployed as new version 1",
        "notice_request: deployed as new version 1",
        "reference_request: deployed as new version 1",
    ]
    again = cli("init-db", "--demo")
    assert again.output.splitlines()[1:] == ["directory not empty: demo users left as they are",
                                             "broadcast: unchanged, still version 1",
                                             "notice_request: unchanged, still version 1",
                                             "reference_request: unchanged, still version 1"]
    listing = cli("processes")
    assert [line.split("\t")[:2] for line in listing.output.splitlines()] == [
        ["broadcast", "v1"], ["notice_request", "v1"], ["reference_request", "v1"]]


def test_init_db_refuses_demo_data_in_production(cli):
    result = cli("init-db", "--demo", BHARATPOL_ENV="production")
    assert result.exit_code == 1
    assert result.output == "Error: demo data is never loaded in production (BHARATPOL_ENV=production)\n"


def test_deploy_bad_file_is_one_line_error(cli, tmp_path):
    bad = tmp_path / "broken.bpmn"
    bad.write_text("<bpmn:definitions")
    result = cli("deploy", str(bad))
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith("error: broken.bpmn: not well-formed XML")


def test_create_user_checks_agency_and_unit(cli):
    cli("init-db", "--demo")
    ok = cli("create-user", "--username", "uo.delhi.north", "--name", "DCP North", "--role", "UO",
             "--agency", "DELHI", "--unit", "DELHI-SOUTH", "--password", "a-long-enough-password")
    assert ok.output == "created UO account 'uo.delhi.north' in DELHI\n"
    wrong = cli("create-user", "--username", "uo.x", "--name", "X", "--role", "UO", "--agency", "PUNJAB",
                "--unit", "DELHI-SOUTH", "--password", "a-long-enough-password")
    assert (wrong.exit_code, wrong.output) == (1, "error: unit: a unit officer needs a unit of the same agency\n")
    unknown = cli("create-user", "--username", "uo.y", "--name", "Y", "--role", "ILO", "--agency", "GOA",
                  "--password", "a-long-enough-password")
    assert (unknown.exit_code, unknown.output) == (1, "error: no agency with code 'GOA'\n")


def test_verify_audit_passes_on_an_untouched_log(cli):
    cli("init-db", "--demo")
    result = cli("verify-audit")
    assert (result.exit_code, result.output) == (0, "audit log intact\n")


def test_verify_audit_detects_an_edited_entry(cli, platform):
    cli("init-db", "--demo")
    cli("create-user", "--username", "ilo.goa", "--name", "ILO", "--role", "ILO", "--agency", "NIA",
        "--password", "a-long-enough-password")
    with platform.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(actor="somebody-else"))
    result = cli("verify-audit")
    assert (result.exit_code, result.output) == (1, "TAMPERED: entry 1: content does not match its hash (edited?)\n")


def test_verify_audit_detects_a_deleted_entry(cli, platform):
    cli("init-db", "--demo")
    for name in ("ilo.a1", "ilo.a2"):
        cli("create-user", "--username", name, "--name", "ILO", "--role", "ILO", "--agency", "NIA",
            "--password", "a-long-enough-password")
    with platform.engine.begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    result = cli("verify-audit")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["TAMPERED: entry 2 to 2 missing (deleted?)",
                                          "TAMPERED: entry 3: chain broken (previous hash does not match)"]


def test_verify_audit_detects_a_deleted_last_entry(cli, platform):
    cli("init-db", "--demo")
    with platform.engine.begin() as conn:
        last = conn.execute(select(func.max(AuditEntry.seq))).scalar()
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    result = cli("verify-audit")
    assert result.output == f"TAMPERED: log ends at entry {last - 1} but head says {last} (tail deleted?)\n"


class _Stop(Exception):
    pass


def test_worker_survives_the_database_going_away_and_fires_on_the_next_poll(cli, monkeypatch):
    """A lost database connection is reported on one line and the loop polls again; no traceback, no exit."""
    polls, sleeps = [], []

    def fire(_platform):
        polls.append(len(polls))
        if len(polls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return [("BP/NR/2026/000001", "vet_reminder")]

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise _Stop

    monkeypatch.setattr(cli_module, "fire_due_timers", fire)
    monkeypatch.setattr(cli_module.time, "sleep", sleep)
    with pytest.raises(_Stop):
        cli("worker", "--interval", "7")
    assert (polls, sleeps) == ([0, 1], [7.0, 7.0])


def test_worker_once_exits_1_with_one_line_when_the_database_is_away(cli, monkeypatch):
    def fire(_platform):
        raise OperationalError("SELECT 1", {}, Exception("connection refused\ndetail"))

    monkeypatch.setattr(cli_module, "fire_due_timers", fire)
    result = cli("worker", "--once")
    assert result.exit_code == 1
    assert result.output.endswith(" database unavailable: connection refused\n")
