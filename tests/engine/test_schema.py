"""The migrations build exactly the schema the models declare."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.db import Base
from engine.schema import MIGRATIONS, alembic_config

pytestmark = pytest.mark.integration


def test_migrations_have_one_head():
    assert ScriptDirectory.from_config(alembic_config(None)).get_heads() == ["0010"]


def test_models_match_the_migrations(platform):
    with platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert MIGRATIONS.is_dir()
