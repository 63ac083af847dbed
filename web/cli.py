"""`bharatpol`: the engine's commands plus `serve`, which needs the web layer."""

import os
import shutil

import click

from engine.cli import main
from web import create_app


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int,
              help="More than 1 runs gunicorn with that many worker processes.")
@click.pass_obj
def serve(platform, host, port, workers):
    """Serve the portal (Flask's threaded server, or gunicorn with --workers N)."""
    if workers > 1:
        gunicorn = shutil.which("gunicorn") or "gunicorn"
        os.execvp(gunicorn, [gunicorn, "--workers", str(workers), "--bind", f"{host}:{port}",
                             "--access-logfile", "-", "web.wsgi:app"])
    click.echo(f"BHARATPOL portal on http://{host}:{port}/  (Ctrl+C stops it)")
    create_app(platform=platform).run(host=host, port=port, threaded=True, debug=False)


__all__ = ["main"]
