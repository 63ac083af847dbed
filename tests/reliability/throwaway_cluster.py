"""A PostgreSQL cluster of the test's own, in a temporary directory, that the test may stop and restart
(the shared server is never touched). initdb refuses to run as root, so as root it runs as `postgres`."""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reliability_helpers import free_port


def pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries on the machine (Debian layout), or those on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable_reason() -> str | None:
    """Why no throwaway cluster can be made here, or None."""
    if pg_bin() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) to make a throwaway cluster with"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _uid("postgres") is None):
        return "running as root: initdb must run as the 'postgres' user through runuser, and one is missing"
    return None


def _uid(name: str) -> int | None:
    import pwd
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


@dataclass
class Cluster:
    directory: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        return _run([str(pg_bin() / "pg_ctl"), "-D", str(self.directory / "data"), "-l",
                     str(self.directory / "server.log"), "-o", options, *args], timeout)

    def start(self):
        self.pg_ctl("-w", "start")

    def stop(self, mode: str = "fast"):
        self.pg_ctl("-w", "-m", mode, "stop")

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def create_cluster() -> Cluster:
    """initdb into a new temporary directory (owned by postgres when we are root) and start the server."""
    directory = Path(tempfile.mkdtemp(prefix="bharatpol-pg-"))
    if os.geteuid() == 0:
        os.chown(directory, _uid("postgres"), -1)
    cluster = Cluster(directory, free_port())
    try:
        _run([str(pg_bin() / "initdb"), "-D", str(directory / "data"), "-A", "trust", "-U", "postgres",
              "--no-sync"], timeout=120)
        cluster.start()
    except BaseException:
        destroy_cluster(cluster)
        raise
    return cluster


def destroy_cluster(cluster: Cluster):
    """Stop the server (immediately; it is throwaway) and delete its directory, whatever state it is in."""
    pid_file = cluster.directory / "data" / "postmaster.pid"
    try:
        if pid_file.exists():
            cluster.stop("immediate")
    except (AssertionError, subprocess.TimeoutExpired):
        _kill_postmaster(pid_file)
    finally:
        shutil.rmtree(cluster.directory, ignore_errors=True)


def _kill_postmaster(pid_file: Path):
    """pg_ctl could not stop it: SIGKILL the postmaster this test started (its PID is the file's first line)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
