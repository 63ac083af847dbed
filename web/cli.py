"""`bharatpol`: the engine's commands plus `serve`, which needs the web layer."""

import os
import shutil

import click

from engine.cli import main
from engine.config import PROJECT_ROOT
from web import create_app

GUNICORN_CONF = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int,
              help="More than 1 runs gunicorn (deploy/gunicorn.conf.py) with that many worker processes.")
@click.pass_obj
def serve(platform, host, port, workers):
    """Serve the portal (Flask's threaded server, or gunicorn with --workers N)."""
    if workers > 1:
        os.execvp(*gunicorn_command(host, port, workers))
    click.echo(f"BHARATPOL portal on http://{host}:{port}/  (Ctrl+C stops it)")
    create_app(platform=platform).run(host=host, port=port, threaded=True, debug=False)


def gunicorn_command(host: str, port: int, workers: int) -> tuple[str, list[str]]:
    """gunicorn with the production settings file (when this is a source checkout), host, port and workers."""
    gunicorn = shutil.which("gunicorn") or "gunicorn"
    config = ["--config", str(GUNICORN_CONF)] if GUNICORN_CONF.is_file() else []
    return gunicorn, [gunicorn, *config, "--workers", str(workers), "--bind", f"{host}:{port}", "web.wsgi:app"]


__all__ = ["main"]
