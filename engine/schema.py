"""Create or upgrade the database schema with Alembic."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine):
    """Run every migration up to the newest."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
