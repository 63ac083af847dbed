"""Case list, starting a request, the case page, comments, attachments, the diagram."""

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.errors import Invalid
from engine.read import cases_page, processes_page
from engine.services import cases as case_service
from web.context import me, page_arg, platform

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("")
@login_required
def index():
    """Cases the officer may see."""
    status = request.args.get("status") or None
    result = cases_page(platform(), actor_id=me(), status=status, page=page_arg())
    return render_template("cases/index.html", status=status, **result)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Choose a procedure and start a new request."""
    if request.method == "GET":
        return render_template("cases/new.html", processes=processes_page(platform(), actor_id=me()))
    if not request.form.get("process"):
        raise Invalid({"process": "choose the procedure to start"})
    data = {"notice_type": request.form["notice_type"]} if request.form.get("notice_type") else None
    case = case_service.start_case(platform(), actor_id=me(), process_id=request.form["process"], data=data)
    flash(f"Request {case.reference} started. Fill in the draft below.", "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.get("/<int:case_id>")
@login_required
def show(case_id):
    """The case page: data, timeline, comments, attachments and the live diagram."""
    detail = case_service.view_case(platform(), actor_id=me(), case_id=case_id)
    return render_template("cases/show.html", case=detail, kinds=case_service.ATTACHMENT_KINDS)


@bp.post("/<int:case_id>/comments")
@login_required
def comment(case_id):
    """Add a comment to the case."""
    try:
        case_service.add_comment(platform(), actor_id=me(), case_id=case_id, body=request.form.get("body", ""))
        flash("Comment added.", "success")
    except Invalid as exc:
        flash(f"Comment not added: {exc}", "error")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="comments"))


@bp.post("/<int:case_id>/attachments")
@login_required
def upload(case_id):
    """Upload a file to the case (type checked by content, size limited)."""
    file = request.files.get("file")
    try:
        att = case_service.add_attachment(platform(), actor_id=me(), case_id=case_id,
                                          filename=file.filename if file else "", kind=request.form.get("kind", ""),
                                          content=file.read() if file else b"")
        flash(f"{att.filename} attached as {att.kind} ({att.size:,} bytes, SHA-256 {att.sha256[:12]}…).", "success")
    except Invalid as exc:
        flash(f"File not attached: {exc}", "error")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/cases/")
                    or (request.form.get("back") or "").startswith("/tasks/")
                    else url_for("cases.show", case_id=case_id, _anchor="attachments"))


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def download(case_id, attachment_id):
    """Download an attachment (logged)."""
    meta, path = case_service.open_attachment(platform(), actor_id=me(), case_id=case_id,
                                              attachment_id=attachment_id)
    return send_file(path, mimetype=meta["content_type"], as_attachment=True, download_name=meta["filename"])


@bp.get("/<int:case_id>/diagram.bpmn")
@login_required
def diagram(case_id):
    """The BPMN XML of the process version this case runs on."""
    xml = case_service.diagram_xml(platform(), actor_id=me(), case_id=case_id)
    return Response(xml, mimetype="application/xml")
