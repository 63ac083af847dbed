"""Settings from BHARATPOL_* environment variables."""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    processes_dir: Path
    forms_dir: Path
    production: bool = False
    secret_key: str | None = None
    max_upload_mb: int = 20
    smtp_host: str | None = None  # e-mail notifications only when set
    smtp_port: int = 25
    smtp_from: str = "bharatpol@localhost"


def load_settings(environ=None) -> Settings:
    """Read the settings, falling back to an embedded SQLite file under ./instance."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("BHARATPOL_DATA_DIR", PROJECT_ROOT / "instance"))
    default_url = f"sqlite:///{data_dir / 'bharatpol.db'}"
    return Settings(
        database_url=env.get("BHARATPOL_DATABASE_URL", default_url),
        data_dir=data_dir,
        processes_dir=Path(env.get("BHARATPOL_PROCESSES_DIR", PROJECT_ROOT / "processes")),
        forms_dir=Path(env.get("BHARATPOL_FORMS_DIR", PROJECT_ROOT / "forms" / "schemas")),
        production=env.get("BHARATPOL_ENV", "development") == "production",
        secret_key=env.get("BHARATPOL_SECRET_KEY") or None,
        max_upload_mb=int(env.get("BHARATPOL_MAX_UPLOAD_MB", "20")),
        smtp_host=env.get("BHARATPOL_SMTP_HOST") or None,
        smtp_port=int(env.get("BHARATPOL_SMTP_PORT", "25")),
        smtp_from=env.get("BHARATPOL_SMTP_FROM", "bharatpol@localhost"),
    )
