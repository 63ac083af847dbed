"""Backup and restore on the test database's kind (SQLite, or PostgreSQL into a second database), with the
attachments and resources of the data dir; a restored portal carries on where the original stopped."""

import hashlib
import io
import json
import tarfile
from dataclasses import replace

import pytest
from click.testing import CliRunner
from library_samples import make_pdf
from notice_cases import CONTENT, act, drafted, open_task, started
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from engine import backup
from engine.bootstrap import build_platform
from engine.cli import main
from engine.models import Attachment, AuditEntry, Case, Task
from engine.services import resources
from engine.services.cases import open_attachment

pytestmark = pytest.mark.integration


def _admin(url: str, *statements: str):
    """Run CREATE/DROP DATABASE statements on the server's `postgres` database."""
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def target(platform, tmp_path):
    """An empty place to restore into: a new SQLite file, or a new PostgreSQL database `<test db>_restore`."""
    url = f"sqlite:///{tmp_path / 'restored' / 'bharatpol.db'}"
    if backup.database_kind(platform.settings.database_url) == "postgresql":
        url = make_url(platform.settings.database_url)
        url = url.set(database=f"{url.database}_restore").render_as_string(hide_password=False)
        name = make_url(url).database
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    plat = build_platform(replace(platform.settings, database_url=url, data_dir=tmp_path / "restored"))
    yield plat
    plat.engine.dispose()
    if plat.engine.url.get_backend_name() == "postgresql":
        _admin(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _cli(plat, *args):
    env = {"BHARATPOL_DATABASE_URL": plat.engine.url.render_as_string(hide_password=False),
           "BHARATPOL_DATA_DIR": str(plat.settings.data_dir), "BHARATPOL_ENV": "development"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _filled(platform, users):
    """Three notice requests with attachments (one at vetting), and a resource: files in both stored folders."""
    vetting = drafted(platform, users)
    started(platform, users, kind="BLACK")
    started(platform, users, kind="YELLOW", uo="uo.delhi.south")
    resources.publish(platform, actor_id=users["ipcu.officer"], title="Notices manual", category="manuals",
                      filename="manual.pdf", content=make_pdf("Red notices"))
    return vetting


def _snapshot(plat) -> dict:
    with plat.uow() as uow:
        s = uow.session
        return {"cases": s.scalars(select(Case.reference).order_by(Case.id)).all(),
                "tasks": s.execute(select(Task.case_id, Task.bpmn_id, Task.state).order_by(Task.id)).all(),
                "attachments": s.execute(select(Attachment.id, Attachment.case_id, Attachment.sha256)
                                         .order_by(Attachment.id)).all(),
                "audit": s.execute(select(AuditEntry.seq, AuditEntry.action, AuditEntry.actor, AuditEntry.object_id,
                                          AuditEntry.hash).order_by(AuditEntry.seq)).all()}


def test_round_trip_restores_cases_tasks_audit_and_files(platform, deployed, target, tmp_path):
    case = _filled(platform, deployed)
    archive = tmp_path / "bharatpol.tar.gz"
    made = _cli(platform, "backup", str(archive))
    assert made.exit_code == 0, made.output
    before = _snapshot(platform)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    kind = backup.database_kind(platform.settings.database_url)
    stored = sorted(f"{folder}/{p.name}" for folder in ("attachments", "resources")
                    for p in (platform.settings.data_dir / folder).iterdir())
    assert sorted(manifest["files"]) == sorted([backup.DB_MEMBER[kind], *stored])
    assert (manifest["database"], manifest["schema_head"], manifest["file_count"]) == (
        kind, backup.code_head(), len(stored) + 1)
    assert len(stored) == 3  # the warrant PDF, one PNG (photos and fingerprints: same bytes), the manual

    result = _cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"archive {archive}: {kind} backup of {manifest['created_at']}, schema "
                        f"{manifest['schema_head']}, {len(stored) + 1} files, every SHA-256 matches the manifest")
    assert lines[1:5] == [f"files restored: {len(stored)} into {target.settings.data_dir}",
                          f"database restored: {target.engine.url.render_as_string(hide_password=True)}",
                          f"schema: {backup.code_head()} (current)", "audit log intact"]
    after = _snapshot(target)
    assert {k: after[k] for k in ("cases", "tasks", "attachments")} == {
        k: before[k] for k in ("cases", "tasks", "attachments")}
    assert after["audit"][:-1] == before["audit"]
    assert after["audit"][-1][1:4] == ("backup.restore", "cli", archive.name)
    assert [row[1] for row in before["audit"][-1:]] == ["backup.create"]

    for att_id, case_id, sha in before["attachments"]:
        with platform.uow() as uow:
            uploader = uow.session.get(Attachment, att_id).uploaded_by
        meta, path = open_attachment(target, actor_id=uploader, case_id=case_id, attachment_id=att_id)
        assert path.read_bytes() == (platform.settings.data_dir / "attachments" / sha).read_bytes()
    assert _cli(target, "verify-audit").output == "audit log intact\n"

    act(target, deployed, "ilo.delhi", case, {"decision": "forward"})
    assert open_task(target, case.id).bpmn_id == "review"


def _rewrite(archive, out, change):
    """Copy a backup archive member by member, passing each member's bytes through change(name, data)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for info in src:
            data = change(info.name, src.extractfile(info).read())
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _is_empty(plat) -> bool:
    with plat.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    return tables == [] and not (plat.settings.data_dir / "attachments").exists()


def test_corrupted_archive_is_refused_and_nothing_changes(platform, deployed, target, tmp_path):
    started(platform, deployed)
    archive, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    backup.backup(platform, path=archive)
    warrant = f"attachments/{hashlib.sha256(CONTENT['warrant']).hexdigest()}"
    _rewrite(archive, bad, lambda name, data: data.replace(b"Catalog", b"Katalog") if name == warrant else data)
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(target, path=bad)
    assert str(refused.value) == (f"{bad} is damaged, nothing restored: 1 file(s) missing or not matching the "
                                  f"manifest's SHA-256: {warrant}")
    assert _is_empty(target)

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = _cli(target, "restore", str(truncated))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {truncated} is not a readable backup archive (")
    assert len(result.output.splitlines()) == 1
    assert _is_empty(target)


def test_non_empty_target_needs_force(platform, deployed, target, tmp_path):
    _filled(platform, deployed)
    archive = tmp_path / "b.tar.gz"
    backup.backup(platform, path=archive, actor="tests")
    backup.restore(target, path=archive)
    once = _snapshot(target)
    refused = _cli(target, "restore", str(archive))
    assert refused.exit_code == 1
    assert refused.output == (f"error: the target is not empty ({len(_tables_with_rows(target))} tables with rows in "
                              f"{target.engine.url.render_as_string(hide_password=True)}, 3 stored files in "
                              f"{target.settings.data_dir}); add --force to replace it\n")
    assert _snapshot(target) == once
    forced = _cli(target, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    again = _snapshot(target)
    assert again["cases"] == once["cases"]
    assert again["audit"][:-1] == once["audit"][:-1]  # the first restore's own entry was replaced by this one's
    assert [row[1] for row in again["audit"][-2:]] == ["backup.create", "backup.restore"]


def _tables_with_rows(plat) -> list[str]:
    with plat.engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) - backup.BOOKKEEPING
        return [n for n in names if conn.scalar(select(func.count()).select_from(table(n)))]


def test_backup_refuses_existing_or_unwritable_path(platform, tmp_path):
    existing = tmp_path / "exists.tar.gz"
    existing.write_bytes(b"keep me")
    assert _cli(platform, "backup", str(existing)).output == (
        f"error: {existing} already exists; give a new file name (backups are never overwritten)\n")
    missing = tmp_path / "no-such-folder" / "b.tar.gz"
    result = _cli(platform, "backup", str(missing))
    assert (result.exit_code, result.output) == (
        1, f"error: cannot write to {missing.parent} (missing folder or no permission)\n")
    assert existing.read_bytes() == b"keep me"


def test_missing_pg_dump_is_one_line(platform, tmp_path, monkeypatch):
    if backup.database_kind(platform.settings.database_url) != "postgresql":
        pytest.skip("pg_dump is used for PostgreSQL databases only")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = _cli(platform, "backup", str(tmp_path / "b.tar.gz"))
    assert (result.exit_code, result.output) == (
        1, "error: pg_dump not found on PATH; install the PostgreSQL client tools (e.g. apt install "
           "postgresql-client) matching the server's version\n")


@pytest.mark.unit
def test_libpq_target_keeps_the_password_off_the_command_line():
    assert backup.libpq_target("postgresql+psycopg://officer:p%40ss@db.example:5433/bharatpol?sslmode=require") == (
        "postgresql://officer@db.example:5433/bharatpol?sslmode=require", {"PGPASSWORD": "p@ss"})
    assert backup.libpq_target("postgresql+psycopg://postgres@127.0.0.1/x") == ("postgresql://postgres@127.0.0.1/x", {})
