"""Build the objects a process needs: database engine, sessions, workflow runtime."""

from dataclasses import dataclass

from engine.config import Settings, load_settings
from engine.db import build_engine, build_session_factory
from engine.notify import SMTP
from engine.runtime import Workflows
from engine.unit_of_work import UnitOfWork


@dataclass
class Platform:
    settings: Settings
    engine: object
    session_factory: object
    workflows: Workflows

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, info={SMTP: bool(self.settings.smtp_host)})


def build_platform(settings: Settings | None = None) -> Platform:
    """Everything a service call needs; nothing is built at import time."""
    settings = settings or load_settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = build_engine(settings.database_url)
    return Platform(settings, engine, build_session_factory(engine), Workflows())
