"""Backup and restore: the database and every stored file of the data dir in one .tar.gz (one thing to copy,
checksum and keep off-site; gzip, as the SQLite file compresses well) whose manifest lists every other member
with its SHA-256; restore checks them all before it changes anything."""

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, literal, select, table
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from engine import audit
from engine.errors import BharatpolError
from engine.schema import alembic_config

FORMAT = 1
MANIFEST = "manifest.json"
FILE_DIRS = ("attachments", "resources")  # what lives under BHARATPOL_DATA_DIR besides the database and secret
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEMBER = re.compile(r"^(database\.(sqlite3|pgdump)|(attachments|resources)/[A-Za-z0-9_-][A-Za-z0-9._-]*)$")
BOOKKEEPING = {"alembic_version", "audit_head"}  # rows a freshly migrated, empty database already has


class BackupError(BharatpolError):
    """A backup or restore was refused or failed; the message says why in one line."""


def database_kind(url: str) -> str:
    """'sqlite' or 'postgresql', from the SQLAlchemy URL."""
    backend = make_url(url).get_backend_name()
    if backend not in DB_MEMBER:
        raise BackupError(f"cannot back up a {backend} database; BHARATPOL supports sqlite and postgresql")
    if backend == "sqlite" and make_url(url).database in (None, "", ":memory:"):
        raise BackupError("BHARATPOL_DATABASE_URL names no SQLite file (an in-memory database has nothing to keep)")
    return backend


def libpq_target(url: str) -> tuple[str, dict]:
    """(libpq URI without the password, environment holding it): a password on a command line shows in `ps`."""
    parsed = make_url(url)
    uri = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    uri = uri.render_as_string(hide_password=False)
    return uri, ({"PGPASSWORD": str(parsed.password)} if parsed.password else {})


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def code_head() -> str:
    """The newest schema revision this code knows."""
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config(None)).get_heads()))


def database_head(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _check_connection(platform):
    """Fail with one line, before anything is written, when the database or the PostgreSQL tools are missing."""
    try:
        platform.engine.connect().close()
    except OperationalError as exc:
        raise BackupError(f"cannot open the database: {str(exc.orig).strip().splitlines()[0]}") from exc
    for tool in ("pg_dump", "pg_restore") if database_kind(platform.settings.database_url) == "postgresql" else ():
        if shutil.which(tool) is None:
            raise BackupError(f"{tool} not found on PATH; install the PostgreSQL client tools "
                              "(e.g. apt install postgresql-client) matching the server's version")


def _run_pg_tool(tool: str, args: list[str], url: str):
    uri, secret = libpq_target(url)
    done = subprocess.run([tool, "--no-password", f"--dbname={uri}", *args], env={**os.environ, **secret},
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or [f"exit status {done.returncode}"]
        raise BackupError(f"{tool} failed: {lines[-1].strip()}")


def _sqlite_copy(source: Path, target: Path):
    """The online backup API: a consistent copy even while the portal writes to the source."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _dump_database(platform, into: Path) -> Path:
    """Before the files are read: a stored file is written before the row naming it commits."""
    url, kind = platform.settings.database_url, database_kind(platform.settings.database_url)
    out = into / DB_MEMBER[kind]
    if kind == "postgresql":
        _run_pg_tool("pg_dump", ["--format=custom", f"--file={out}"], url)
        return out
    _sqlite_copy(Path(make_url(url).database), out)
    with closing(sqlite3.connect(out)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # a self-contained file: nothing left in a -wal beside it
    return out


def _stored_files(data_dir: Path) -> list[tuple[str, Path]]:  # (name in the archive, file)
    return [(f"{folder}/{p.name}", p) for folder in FILE_DIRS if (data_dir / folder).is_dir()
            for p in sorted((data_dir / folder).iterdir()) if p.is_file()]


def _writable_target(path: Path) -> Path:
    path = Path(path).absolute()
    if path.exists():
        raise BackupError(f"{path} already exists; give a new file name (backups are never overwritten)")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise BackupError(f"cannot write to {path.parent} (missing folder or no permission)")
    return path


def _manifest(platform, members: list[tuple[str, Path]]) -> dict:
    files = {name: {"sha256": sha256_file(p), "size": p.stat().st_size} for name, p in members}
    return {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": database_kind(platform.settings.database_url), "schema_head": database_head(platform.engine),
            "file_count": len(files), "files": files}


def _write_archive(path: Path, manifest: dict, members: list[tuple[str, Path]]):
    """Write next to the target, then rename: a half-written archive never carries the final name."""
    partial, content = path.with_name(f".{path.name}.partial"), json.dumps(manifest, indent=1, sort_keys=True)
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mtime, info.mode = len(content.encode()), int(time.time()), 0o600
    try:
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.addfile(info, fileobj=io.BytesIO(content.encode()))
            for name, source in members:
                tar.add(source, arcname=name, recursive=False)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _shown(platform) -> str:
    return platform.engine.url.render_as_string(hide_password=True)


def _audit(platform, *, actor: str, action: str, path: Path, detail: dict):
    with platform.uow() as uow:
        audit.append(uow.session, actor=actor, action=action, object_type="backup", object_id=path.name[:64],
                     detail={"path": str(path), **detail})
        uow.commit()


def backup(platform, *, path: Path, actor: str = "cli", say: Callable[[str], None] = lambda _: None) -> dict:
    """Write one archive with the database, every stored file and the manifest; returns the manifest."""
    started, path = time.monotonic(), _writable_target(path)
    kind = database_kind(platform.settings.database_url)
    _check_connection(platform)
    say(f"backing up the {kind} database {_shown(platform)} and the files of {platform.settings.data_dir}")
    _audit(platform, actor=actor, action="backup.create", path=path, detail={})  # inside the archive too
    try:
        with tempfile.TemporaryDirectory(prefix=".bharatpol-backup-", dir=path.parent) as tmp:
            dump = _dump_database(platform, Path(tmp))
            members = [(dump.name, dump), *_stored_files(platform.settings.data_dir)]
            say(f"database dumped ({dump.stat().st_size / 1e6:.1f} MB); {len(members) - 1} stored files to add")
            manifest = _manifest(platform, members)
            _write_archive(path, manifest, members)
    except OSError as exc:
        raise BackupError(f"cannot write the backup in {path.parent}: {exc.strerror or exc}") from exc
    say(f"backup written: {path} ({manifest['file_count']} files, {path.stat().st_size / 1e6:.1f} MB, "
        f"schema {manifest['schema_head']}, {time.monotonic() - started:.1f} s)")
    say(f"archive sha256 {sha256_file(path)} (keep it apart from the archive to detect a forged one)")
    return manifest


def _read_manifest(tar: tarfile.TarFile, info: tarfile.TarInfo, kind: str) -> dict:
    try:
        manifest = json.loads(tar.extractfile(info).read())
        fmt, found, files, head = (manifest[k] for k in ("format", "database", "files", "schema_head"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"the manifest of the archive is unreadable ({exc})") from exc
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config(None)).walk_revisions()}
    for ok, refusal in [
        (fmt == FORMAT, f"archive format {fmt} is not the format {FORMAT} this BHARATPOL reads"),
        (found == kind, f"the archive holds a {found} database but BHARATPOL_DATABASE_URL is {kind}"),
        (DB_MEMBER[kind] in files, f"the manifest lists no {DB_MEMBER[kind]}"),
        (all(h in known for h in (head or "").split(",") if h),
         f"the archive's schema {head} is newer than this BHARATPOL ({code_head()}); use the version that made it"),
    ]:
        if not ok:
            raise BackupError(refusal)
    return manifest


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, into: Path) -> str:
    """Copy one member into `into` (regular files with expected names only); returns its SHA-256."""
    if not info.isfile() or not MEMBER.match(info.name):
        raise BackupError(f"unexpected member {info.name!r} in the archive")
    target = into / info.name
    target.parent.mkdir(exist_ok=True)
    with tar.extractfile(info) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return sha256_file(target)


def _unpack(path: Path, into: Path, kind: str) -> dict:
    """Extract every member, then compare each with the manifest; BackupError when anything differs."""
    manifest, seen = None, {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for info in tar:
                if info.name == MANIFEST and manifest is None:
                    manifest = _read_manifest(tar, info, kind)
                else:
                    seen[info.name] = _extract(tar, info, into)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"{path} is not a readable backup archive ({exc})") from exc
    expected = {name: meta["sha256"] for name, meta in manifest["files"].items()} if manifest else {MANIFEST: ""}
    wrong = sorted(n for n in expected.keys() | seen.keys() if expected.get(n) != seen.get(n))
    if wrong:
        raise BackupError(f"{path} is damaged, nothing restored: {len(wrong)} file(s) missing or not matching "
                          f"the manifest's SHA-256: {', '.join(wrong[:5])}")
    return manifest


def _refuse_non_empty(platform):
    with platform.engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n not in BOOKKEEPING]
        tables = [n for n in names if conn.execute(select(literal(1)).select_from(table(n)).limit(1)).first()]
    files = _stored_files(platform.settings.data_dir)
    if tables or files:
        raise BackupError(f"the target is not empty ({len(tables)} tables with rows in {_shown(platform)}, "
                          f"{len(files)} stored files in {platform.settings.data_dir}); add --force to replace it")


def _put_files(unpacked: Path, data_dir: Path) -> int:
    """Rename the files into place; one already there has the same content (files are named by SHA-256)."""
    files = _stored_files(unpacked)
    for name, item in files:
        (data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(item, data_dir / name)
    return len(files)


def _load_database(platform, dump: Path):
    url = platform.settings.database_url
    platform.engine.dispose()  # pooled connections would keep stale plans or an old file open
    if database_kind(url) == "postgresql":
        _run_pg_tool("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(dump)], url)
    else:
        target = Path(make_url(url).database)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(dump, target)
    platform.engine.dispose()


def restore(platform, *, path: Path, force: bool = False, actor: str = "cli",
            say: Callable[[str], None] = lambda _: None) -> dict:
    """Check the archive, refuse a non-empty target unless forced, put files and database in place, then check
    the schema and the audit chain; returns {manifest, schema_head, current, audit_problems}."""
    started, path, data_dir = time.monotonic(), Path(path).absolute(), platform.settings.data_dir
    kind = database_kind(platform.settings.database_url)
    _check_connection(platform)
    if not force:
        _refuse_non_empty(platform)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bharatpol-restore-", dir=data_dir) as tmp:
        manifest = _unpack(path, Path(tmp), kind)
        say(f"archive {path}: {kind} backup of {manifest['created_at']}, schema {manifest['schema_head']}, "
            f"{manifest['file_count']} files, every SHA-256 matches the manifest")
        say(f"files restored: {_put_files(Path(tmp), data_dir)} into {data_dir}")
        _load_database(platform, Path(tmp) / DB_MEMBER[kind])
    say(f"database restored: {_shown(platform)}")
    result = _check_restored(platform, manifest, say)
    _audit(platform, actor=actor, action="backup.restore", path=path,
           detail={"created_at": manifest["created_at"], "audit_intact": not result["audit_problems"]})
    say(f"restore finished in {time.monotonic() - started:.1f} s")
    return result


def _check_restored(platform, manifest: dict, say: Callable[[str], None]) -> dict:
    head, expected = database_head(platform.engine), code_head()
    say(f"schema: {head} (current)" if head == expected
        else f"schema: {head}, this BHARATPOL expects {expected}: run `bharatpol init-db` to upgrade it")
    with platform.uow() as uow:
        problems = audit.verify(uow.session)
    for line in problems or ["audit log intact"]:
        say(f"TAMPERED: {line}" if problems else line)
    return {"manifest": manifest, "schema_head": head, "current": head == expected, "audit_problems": problems}
