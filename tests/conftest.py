"""Fixtures: a fresh database per test (SQLite by default, PostgreSQL when
BHARATPOL_TEST_DATABASE_URL points at one), the demo directory, the deployed processes."""

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from engine import demo
from engine.bootstrap import build_platform
from engine.config import PROJECT_ROOT, load_settings
from engine.db import Base, build_engine
from engine.models import User
from engine.schema import upgrade
from engine.services.deploy import deploy, read_paths

TEST_URL = os.environ.get("BHARATPOL_TEST_DATABASE_URL")


def _recreate_postgres(url: str):
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def recreate_postgres():
    """Drop and create a PostgreSQL database by URL, for tests that need a database of their own."""
    return _recreate_postgres


@pytest.fixture(scope="session")
def pg_url(worker_id):
    """The PostgreSQL test database of this pytest-xdist worker (one database per worker)."""
    if not TEST_URL:
        return None
    url = make_url(TEST_URL)
    return url.set(database=f"{url.database}_{worker_id}").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory, pg_url):
    """Migrate once per run: a template SQLite file, or this worker's PostgreSQL test database."""
    if pg_url:
        _recreate_postgres(pg_url)
        engine = build_engine(pg_url)
        upgrade(engine)
        engine.dispose()
        return pg_url
    template = tmp_path_factory.mktemp("template") / "template.db"
    engine = build_engine(f"sqlite:///{template}")
    upgrade(engine)
    engine.dispose()
    return template


@pytest.fixture
def platform(migrated, tmp_path):
    """A platform on an empty, migrated database of its own."""
    if TEST_URL:
        url = migrated
    else:
        shutil.copy(migrated, tmp_path / "test.db")
        url = f"sqlite:///{tmp_path / 'test.db'}"
    settings = replace(load_settings({}), database_url=url, data_dir=tmp_path / "data")
    plat = build_platform(settings)
    yield plat
    if TEST_URL:
        _truncate(plat.engine)
    plat.engine.dispose()


def _truncate(engine):
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "audit_head")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET seq = 0, last_hash = :h"), {"h": "0" * 64})


@pytest.fixture
def directory(platform):
    """The demo directory; returns {username: user id}."""
    with platform.uow() as uow:
        demo.load(uow.session)
        uow.commit()
        return {u.username: u.id for u in uow.session.scalars(select(User))}


@pytest.fixture
def deployed(platform, directory):
    """The demo directory plus every process in processes/; returns {username: user id}."""
    deploy(platform, actor="tests", files=read_paths([PROJECT_ROOT / "processes"]))
    return directory


@pytest.fixture
def fixtures_dir() -> Path:
    return Path(__file__).parent / "fixtures"
