"""Production mode refuses unsafe configuration."""

from dataclasses import replace

import pytest

from engine.bootstrap import build_platform
from web import create_app

pytestmark = pytest.mark.integration


def test_production_refuses_to_start_without_a_secret_key(platform):
    prod = build_platform(replace(platform.settings, production=True, secret_key=None))
    with pytest.raises(RuntimeError) as err:
        create_app(platform=prod)
    assert str(err.value) == "BHARATPOL_SECRET_KEY must be set in production (BHARATPOL_ENV=production)"
    prod.engine.dispose()


def test_production_marks_the_session_cookie_secure(platform):
    prod = build_platform(replace(platform.settings, production=True, secret_key="k" * 48))
    app = create_app(platform=prod)
    assert (app.config["SESSION_COOKIE_SECURE"], app.config["SESSION_COOKIE_HTTPONLY"],
            app.config["SESSION_COOKIE_SAMESITE"]) == (True, True, "Lax")
    prod.engine.dispose()


def test_development_keeps_one_generated_secret_for_every_process(platform):
    first = create_app(platform=platform).config["SECRET_KEY"]
    second = create_app(platform=platform).config["SECRET_KEY"]
    assert first == second
    assert len(first) >= 48
    assert (platform.settings.data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
