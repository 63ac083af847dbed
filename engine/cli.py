"""The `bharatpol` command line."""

import sys
import time
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from engine import audit, backup, demo
from engine.bootstrap import build_platform
from engine.demo_history import generate
from engine.directory import agency_by_code, new_user, unit_by_code
from engine.errors import BharatpolError
from engine.models import Agency, ProcessVersion
from engine.schema import upgrade
from engine.services._common import now
from engine.services.deploy import deploy, read_paths
from engine.services.notifications import send_pending_mail
from engine.services.timers import fire_due_timers


class Group(click.Group):
    """Turns every domain error into a one-line message and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BharatpolError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=Group)
@click.pass_context
def main(ctx):
    """BHARATPOL: INTERPOL cooperation procedures as BPMN diagrams."""
    ctx.obj = build_platform()
    ctx.call_on_close(ctx.obj.engine.dispose)


@main.command("init-db")
@click.option("--demo", "with_demo", is_flag=True, help="Add the demo agencies, users and processes.")
@click.pass_obj
def init_db(platform, with_demo):
    """Create or upgrade the database schema (Alembic), optionally with demo data."""
    if with_demo and platform.settings.production:
        raise click.ClickException("demo data is never loaded in production (BHARATPOL_ENV=production)")
    upgrade(platform.engine)
    click.echo(f"database ready: {platform.engine.url.render_as_string(hide_password=True)}")
    if not with_demo:
        return
    with platform.uow() as uow:
        if uow.session.scalar(select(func.count()).select_from(ProcessVersion)) == 0 and _empty(uow.session):
            demo.load(uow.session)
            uow.commit()
            click.echo("demo agencies, units and users loaded (password: bharatpol-demo)")
        else:
            click.echo("directory not empty: demo users left as they are")
    _deploy(platform, [platform.settings.processes_dir], actor="init-db")


def _empty(session) -> bool:
    return session.scalar(select(func.count()).select_from(Agency)) == 0


@main.command("deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "actor", default="cli", help="Who deploys (recorded in the audit log).")
@click.pass_obj
def deploy_cmd(platform, paths, actor):
    """Deploy BPMN/DMN files (or folders of them) as new process versions."""
    _deploy(platform, list(paths), actor=actor)


def _deploy(platform, paths, actor):
    for result in deploy(platform, actor=actor, files=read_paths(paths)):
        state = "deployed as new version" if result.created else "unchanged, still version"
        click.echo(f"{result.process_id}: {state} {result.version}")


@main.command("processes")
@click.pass_obj
def processes(platform):
    """List deployed processes and their versions."""
    with platform.uow() as uow:
        rows = uow.session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_id,
                                                                   ProcessVersion.version)).all()
        if not rows:
            click.echo("no processes deployed")
        for v in rows:
            click.echo(f"{v.process_id}\tv{v.version}\t{v.deployed_at:%Y-%m-%d %H:%M}\t{v.deployed_by}\t"
                       f"{v.digest[:12]}\t{v.name}")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", required=True, type=click.Choice(["UO", "ILO", "IPCU"]))
@click.option("--agency", required=True, help="Agency code, e.g. DELHI.")
@click.option("--unit", help="Unit code (unit officers only).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True)
@click.option("--process-owner", is_flag=True)
@click.option("--supervisor", is_flag=True)
@click.pass_obj
def create_user(platform, username, full_name, role, agency, unit, password, admin, process_owner, supervisor):
    """Create an account; it must change its password at first sign-in."""
    with platform.uow() as uow:
        s = uow.session
        user = new_user(s, username=username, full_name=full_name, role=role, agency=agency_by_code(s, agency),
                        unit=unit_by_code(s, unit) if unit else None, password=password, is_admin=admin,
                        is_process_owner=process_owner, is_supervisor=supervisor)
        audit.append(s, actor="cli", action="user.create", object_type="user", object_id=username,
                     detail={"role": role, "agency": agency, "unit": unit})
        uow.commit()
        click.echo(f"created {role} account '{user.username}' in {agency}")


@main.command("worker")
@click.option("--once", is_flag=True, help="Fire what is due now and exit.")
@click.option("--interval", default=15.0, show_default=True, help="Seconds between polls.")
@click.pass_obj
def worker(platform, once, interval):
    """Fire due timers (SLA reminders, escalations, review dates); run several on several hosts."""
    while True:
        try:
            _fire_and_send(platform)
        except OperationalError as exc:  # database away (restart, failover): what was not committed stays due
            retry = "" if once else f", retrying in {interval:g} s"
            click.echo(f"{now():%Y-%m-%d %H:%M:%S} database unavailable{retry}: "
                       f"{str(exc.orig or exc).splitlines()[0]}", err=True)
            platform.engine.dispose()
            if once:
                sys.exit(1)
        if once:
            return
        time.sleep(interval)


def _fire_and_send(platform):
    for reference, timer in fire_due_timers(platform):
        click.echo(f"{now():%Y-%m-%d %H:%M:%S} fired {timer} on {reference}")
    if platform.settings.smtp_host:
        sent, failed = send_pending_mail(platform)
        if sent or failed:
            click.echo(f"{now():%Y-%m-%d %H:%M:%S} e-mail: {sent} sent, {failed} failed")


@main.command("verify-audit")
@click.pass_obj
def verify_audit(platform):
    """Check the hash chain of the audit log; exit 1 when it was tampered with."""
    with platform.uow() as uow:
        problems = audit.verify(uow.session)
    for line in problems:
        click.echo(f"TAMPERED: {line}", err=True)
    if problems:
        sys.exit(1)
    click.echo("audit log intact")


@main.command("demo-history")
@click.option("--cases", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Notice requests to generate over the last 365 days.")
@click.option("--seed", default=2025, show_default=True, type=int, help="Random seed (same seed, same history).")
@click.pass_obj
def demo_history(platform, cases, seed):
    """Fill a realistic year of notice requests (after init-db --demo) so the metrics pages have data."""
    if platform.settings.production:
        raise click.ClickException("demo history is never generated in production (BHARATPOL_ENV=production)")
    summary = generate(platform, cases=cases, seed=seed)
    waiting = ", ".join(f"{node} {n}" for node, n in summary["waiting_at"].items()) or "none"
    click.echo(f"generated {cases} notice requests opened {summary['from']} to {summary['to']}: "
               f"{summary['closed']} closed (history rows), {summary['open']} open through the engine "
               f"(waiting at: {waiting})")
    for reason, n in summary["stopped_early"].items():
        click.echo(f"{n} open case(s) stopped before their planned step: {reason}")
    if summary["officers_created"]:
        click.echo(f"demo unit officers added: {', '.join(summary['officers_created'])}")


@main.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def backup_cmd(platform, path):
    """Write the database and every stored file (attachments, resources) to one .tar.gz with a manifest."""
    backup.backup(platform, path=path, say=click.echo)


@main.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or data dir that is not empty.")
@click.pass_obj
def restore_cmd(platform, path, force):
    """Restore a backup into the configured database and data dir (stop the portal and workers first)."""
    if backup.restore(platform, path=path, force=force, say=click.echo)["audit_problems"]:
        sys.exit(1)
