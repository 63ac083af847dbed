"""Resources: the library of INTERPOL documents and training material, and the training register."""

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine import resources_queries as read
from engine.errors import Invalid
from engine.services import resources as library
from engine.services import training
from web.context import me, page_arg, platform

bp = Blueprint("resources", __name__, url_prefix="/resources")
DETAIL_FIELDS = ("title", "description", "category", "tags")


def _upload() -> tuple[str | None, bytes | None]:
    file = request.files.get("file")
    return (file.filename, file.read()) if file and file.filename else (None, None)


def _errors(exc: Invalid) -> str:
    return "; ".join(f"{field.replace('_', ' ')} {message}" for field, message in exc.errors.items())


@bp.get("")
@login_required
def index():
    """Browse and search the library: titles, descriptions, tags and the text of PDFs."""
    filters = {key: request.args.get(key) or None for key in ("q", "category", "tag")}
    return render_template("resources/index.html", query={k: v for k, v in filters.items() if v},
                           **read.library_page(platform(), actor_id=me(), page=page_arg(), **filters))


@bp.get("/new")
@login_required
def new():
    """The publish form (CBI IPCU)."""
    return render_template("resources/new.html", values={}, errors={}, **read.upload_form(platform(), actor_id=me()))


@bp.post("")
@login_required
def publish():
    """Publish a document or a video link as version 1."""
    values = {key: request.form.get(key, "") for key in (*DETAIL_FIELDS, "url")}
    filename, content = _upload()
    try:
        resource = library.publish(platform(), actor_id=me(), filename=filename, content=content,
                                   url=values["url"] or None, **{k: values[k] for k in DETAIL_FIELDS})
    except Invalid as exc:
        return render_template("resources/new.html", values=values, errors=exc.errors,
                               **read.upload_form(platform(), actor_id=me())), 422
    flash(f"“{resource.title}” published; every ILO and unit officer can now find and download it.", "success")
    return redirect(url_for("resources.show", resource_id=resource.id))


@bp.get("/<int:resource_id>")
@login_required
def show(resource_id):
    """A resource, its versions, and (IPCU) the forms to add a version or edit its details."""
    return render_template("resources/show.html", categories=library.CATEGORIES,
                           resource=read.resource_page(platform(), actor_id=me(), resource_id=resource_id))


@bp.post("/<int:resource_id>/versions")
@login_required
def add_version(resource_id):
    """Upload a new version; it becomes the current one."""
    filename, content = _upload()
    try:
        version = library.add_version(platform(), actor_id=me(), resource_id=resource_id, filename=filename,
                                      content=content, url=request.form.get("url") or None,
                                      note=request.form.get("note", ""))
    except Invalid as exc:
        flash(f"Version not added: {_errors(exc)}.", "error")
    else:
        flash(f"Version {version.version} added and now current.", "success")
    return redirect(url_for("resources.show", resource_id=resource_id))


@bp.post("/<int:resource_id>/details")
@login_required
def edit(resource_id):
    """Change the title, description, category and tags."""
    try:
        library.edit(platform(), actor_id=me(), resource_id=resource_id,
                     **{key: request.form.get(key, "") for key in DETAIL_FIELDS})
    except Invalid as exc:
        flash(f"Details not saved: {_errors(exc)}.", "error")
    else:
        flash("Details saved.", "success")
    return redirect(url_for("resources.show", resource_id=resource_id))


@bp.get("/<int:resource_id>/download")
@bp.get("/<int:resource_id>/v<int:version>/download")
@login_required
def download(resource_id, version=None):
    """Download a version (the current one by default) or open its video link; logged either way."""
    found = library.open_version(platform(), actor_id=me(), resource_id=resource_id, version=version)
    if "url" in found:
        return redirect(found["url"])
    return send_file(found["path"], mimetype=found["content_type"], as_attachment=True,
                     download_name=found["filename"])


@bp.get("/training")
@login_required
def trainings():
    """The training register and coverage per agency."""
    return render_template("resources/training.html", **read.training_page(platform(), actor_id=me()))


@bp.get("/training/new")
@login_required
def new_training():
    """The form to record a session (CBI IPCU)."""
    return render_template("resources/training_new.html", values={}, errors={},
                           **read.training_form(platform(), actor_id=me()))


@bp.post("/training")
@login_required
def record_training():
    """Record a session that was held, its agencies and the officers who attended."""
    values = {key: request.form.get(key, "") for key in ("held_on", "title", "mode", "organiser", "venue")}
    chosen = {"agency_codes": request.form.getlist("agencies"), "usernames": request.form.getlist("attendees")}
    try:
        row = training.record_session(platform(), actor_id=me(), **values, **chosen)
    except Invalid as exc:
        return render_template("resources/training_new.html", values={**values, **chosen}, errors=exc.errors,
                               **read.training_form(platform(), actor_id=me())), 422
    flash(f"Session “{row.title}” of {row.held_on:%d %b %Y} recorded.", "success")
    return redirect(url_for("resources.training_session", session_id=row.id))


@bp.get("/training/<int:session_id>")
@login_required
def training_session(session_id):
    """One session: its agencies and (in your scope) its attendees."""
    return render_template("resources/training_show.html",
                           s=read.training_session_page(platform(), actor_id=me(), session_id=session_id))
