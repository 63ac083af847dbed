"""BHARATPOL web layer: Flask app factory, blueprints per module, REST API under /api/v1."""

import secrets

from flask import Flask

from engine.bootstrap import build_platform
from web import (
    api,
    auth,
    broadcast,
    cases,
    connect,
    errors,
    filters,
    metrics,
    notices,
    notifications,
    processes,
    references,
    resources,
    tasks,
)
from web.extensions import csrf, login_manager


def create_app(test_config=None, platform=None):
    """Build the app; configuration comes from BHARATPOL_* variables (see README)."""
    app = Flask(__name__)
    platform = platform or build_platform()
    app.config.from_mapping(
        SECRET_KEY=_secret_key(platform),
        MAX_CONTENT_LENGTH=platform.settings.max_upload_mb * 1024 * 1024 + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=platform.settings.production,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["bharatpol"] = platform
    csrf.init_app(app)
    login_manager.init_app(app)
    for module in (auth, tasks, cases, notices, processes, metrics, connect, resources, broadcast, references,
                   notifications, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    errors.init_app(app)
    filters.init_app(app)
    return app


def _secret_key(platform) -> str:
    """BHARATPOL_SECRET_KEY in production; a generated key kept in the data folder elsewhere."""
    if platform.settings.secret_key:
        return platform.settings.secret_key
    if platform.settings.production:
        raise RuntimeError("BHARATPOL_SECRET_KEY must be set in production (BHARATPOL_ENV=production)")
    path = platform.settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
