"""Process workbench for CBI IPCU: processes and versions, diagrams and files, upload → check → deploy,
and moving running cases to the newest version."""

import base64
import binascii
import io
import json
from pathlib import PurePosixPath

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.errors import Conflict, DeployError, Invalid
from engine.services import migrations
from engine.services import processes as service
from web.context import me, platform

bp = Blueprint("processes", __name__, url_prefix="/processes")
MIMETYPES = {"bpmn": "application/xml", "dmn": "application/xml", "json": "application/json"}


@bp.get("")
@login_required
def index():
    """Every process with its versions and the cases running on each."""
    return render_template("processes/index.html", **service.process_list(platform(), actor_id=me()))


@bp.get("/<process_id>/v<int:version>")
@login_required
def version(process_id, version):
    """One version: its diagram, its files and the cases running on it."""
    detail = service.version_page(platform(), actor_id=me(), process_id=process_id, version=version)
    return render_template("processes/version.html", v=detail)


@bp.get("/<process_id>/v<int:version>/files/<path:filename>")
@login_required
def download(process_id, version, filename):
    """Download one file a version was built from."""
    content, kind = service.version_file(platform(), actor_id=me(), process_id=process_id, version=version,
                                         filename=filename)
    return send_file(io.BytesIO(content.encode()), mimetype=MIMETYPES.get(kind, "text/plain"), as_attachment=True,
                     download_name=PurePosixPath(filename).name)


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload():
    """Upload a BPMN/DMN/form set: its validation report and what it would change; nothing is stored."""
    if request.method == "GET":
        return render_template("processes/upload.html", running=service.upload_page(platform(), actor_id=me()),
                               report=None, carried=[])
    files = [(f.filename, f.read()) for f in request.files.getlist("files") if f.filename]
    report = service.check_upload(platform(), actor_id=me(), files=files)
    carried = [{"name": name, "content": base64.b64encode(content).decode()} for name, content in files]
    return render_template("processes/upload.html", running=None, report=report,
                           carried=carried if report["ok"] else []), (200 if report["ok"] else 422)


@bp.post("/deploy")
@login_required
def deploy():
    """Deploy the set the report page carried back, unchanged since it was checked."""
    try:
        results = service.deploy_upload(platform(), actor_id=me(), files=_carried(), base=_base(),
                                        digest=request.form.get("digest", ""))
    except (DeployError, Invalid, Conflict) as exc:
        flash(f"Nothing was deployed: {exc}", "error")
        return redirect(url_for("processes.upload"))
    for result in results:
        if result.created:
            flash(f"{result.process_id} deployed as version {result.version}. New cases start on it; running "
                  "cases stay on their version until they are moved.", "success")
        else:
            flash(f"{result.process_id} is unchanged: still version {result.version}.", "warning")
    first = results[0]
    return redirect(url_for("processes.version", process_id=first.process_id, version=first.version))


def _carried() -> list[tuple[str, bytes]]:
    """The files the report page carried back; empty when they did not come back intact."""
    names, contents = request.form.getlist("name"), request.form.getlist("content")
    if len(names) != len(contents):
        return []
    try:
        return [(name, base64.b64decode(content, validate=True)) for name, content in zip(names, contents, strict=True)]
    except (binascii.Error, ValueError):
        return []


def _base() -> dict[str, int] | None:
    """The versions the set was checked against (process id -> version, 0 for a new process)."""
    try:
        base = json.loads(request.form.get("base", ""))
    except ValueError:
        return None
    valid = isinstance(base, dict) and all(isinstance(v, int) and not isinstance(v, bool) for v in base.values())
    return base if valid else None


@bp.get("/<process_id>/migrate")
@login_required
def migrate_page(process_id):
    """Open cases on older versions, and whether each may move to the newest version (and why not)."""
    return render_template("processes/migrate.html",
                           **migrations.migration_page(platform(), actor_id=me(), process_id=process_id))


@bp.post("/<process_id>/migrate")
@login_required
def migrate_all(process_id):
    """Move every open case that may move to the newest version; say which were refused and why."""
    try:
        result = migrations.migrate_all(platform(), actor_id=me(), process_id=process_id,
                                        to_version=request.form.get("to", type=int))
    except Conflict as exc:
        flash(f"No case was moved: {exc}", "error")
        return redirect(url_for("processes.migrate_page", process_id=process_id))
    moved, refused = result["migrated"], result["refused"]
    flash(f"{len(moved)} case{'' if len(moved) == 1 else 's'} moved to version {result['to_version']}"
          f"{': ' + ', '.join(m['reference'] for m in moved) if moved else ''}.", "success" if moved else "warning")
    for item in refused:
        flash(f"{item['reference']} was not moved: {'; '.join(item['reasons'])}", "error")
    return redirect(url_for("processes.migrate_page", process_id=process_id))


@bp.post("/<process_id>/migrate/<int:case_id>")
@login_required
def migrate_case(process_id, case_id):
    """Move one case to the newest version (checked again under the case's lock)."""
    try:
        moved = migrations.migrate_case(platform(), actor_id=me(), case_id=case_id, process_id=process_id,
                                        to_version=request.form.get("to", type=int))
    except Conflict as exc:
        flash(f"Not moved: {exc}", "error")
    else:
        flash(f"{moved['reference']} moved from version {moved['from_version']} to version {moved['to_version']}; "
              "the move is in its history.", "success")
    return redirect(url_for("processes.migrate_page", process_id=process_id))
