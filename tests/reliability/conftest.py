"""Fixtures for the reliability tests: PostgreSQL only, gunicorn on the test database, demo tokens."""

import os
from dataclasses import replace

import pytest
from notice_cases import act, drafted
from reliability_helpers import person, start_gunicorn, stop_gunicorn, token
from sqlalchemy import create_engine, select, text
from throwaway_cluster import create_cluster, destroy_cluster, unavailable_reason

from engine import demo
from engine.bootstrap import build_platform
from engine.config import PROJECT_ROOT, load_settings
from engine.models import User
from engine.schema import upgrade
from engine.services.deploy import deploy, read_paths

NEEDS_POSTGRES = ("needs PostgreSQL (BHARATPOL_TEST_DATABASE_URL): several gunicorn processes on one SQLite file "
                  "prove nothing about row locks, and SQLite has no server to kill or restart")


@pytest.fixture
def pg_platform(platform):
    """The test platform, on PostgreSQL only."""
    if platform.engine.dialect.name != "postgresql":
        pytest.skip(NEEDS_POSTGRES)
    return platform


@pytest.fixture
def gunicorn(pg_platform, deployed, tmp_path):
    """`gunicorn --workers 3 web.wsgi:app` on the test database, with the demo directory and processes."""
    url = pg_platform.engine.url.render_as_string(hide_password=False)
    server = start_gunicorn(url, pg_platform.settings.data_dir, tmp_path / "gunicorn.log")
    yield server
    stop_gunicorn(server)


@pytest.fixture
def tokens(gunicorn):
    """tokens(username, n) → n bearer tokens of that demo officer, each from its own POST /api/v1/tokens."""
    def issue(username: str, n: int = 1) -> list[str]:
        return [token(gunicorn.port, username) for _ in range(n)]
    return issue


@pytest.fixture
def at_review(pg_platform, deployed):
    """at_review(n) → n notice requests (each about its own person) drafted, forwarded by the ILO: IPCU's turn."""
    def make(n: int, first: int = 0) -> list[int]:
        case_ids = []
        for i in range(first, first + n):
            case = drafted(pg_platform, deployed, "RED", data=person(i))
            act(pg_platform, deployed, "ilo.delhi", case, {"decision": "forward"})
            case_ids.append(case.id)
        return case_ids
    return make


@pytest.fixture
def cluster():
    """A throwaway PostgreSQL cluster that the test may stop and restart; always stopped and deleted after."""
    if not os.environ.get("BHARATPOL_TEST_DATABASE_URL"):
        pytest.skip(NEEDS_POSTGRES)
    if reason := unavailable_reason():
        pytest.skip(reason)
    throwaway = create_cluster()
    try:
        yield throwaway
    finally:
        destroy_cluster(throwaway)


@pytest.fixture
def cluster_platform(cluster, tmp_path):
    """A platform on a new database in the throwaway cluster: migrated, demo directory, processes deployed.
    Returns (platform, {username: user id})."""
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('CREATE DATABASE "bharatpol"'))
    admin.dispose()
    settings = replace(load_settings({}), database_url=cluster.url("bharatpol"), data_dir=tmp_path / "data")
    platform = build_platform(settings)
    upgrade(platform.engine)
    with platform.uow() as uow:
        demo.load(uow.session)
        uow.commit()
        users = {u.username: u.id for u in uow.session.scalars(select(User))}
    deploy(platform, actor="tests", files=read_paths([PROJECT_ROOT / "processes"]))
    yield platform, users
    platform.engine.dispose()


@pytest.fixture
def cluster_gunicorn(cluster_platform, tmp_path):
    """`gunicorn --workers 3 web.wsgi:app` on the throwaway cluster's database."""
    platform, _ = cluster_platform
    url = platform.engine.url.render_as_string(hide_password=False)
    server = start_gunicorn(url, platform.settings.data_dir, tmp_path / "gunicorn.log")
    yield server
    stop_gunicorn(server)
