"""Connect: the directory of the hierarchy, agency and account administration, and secure message threads."""

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from engine import connect_queries as read
from engine.errors import Invalid
from engine.services import connect as admin
from engine.services import messages
from web.context import me, page_arg, platform

bp = Blueprint("connect", __name__, url_prefix="/connect")


@bp.app_context_processor
def _unread():
    """`connect_unread()` in any template: the signed-in officer's unread messages, counted once per request."""
    def count() -> int:
        if "connect_unread" not in g:
            signed_in = current_user.is_authenticated and not current_user.must_change_password
            g.connect_unread = read.unread_count(platform(), actor_id=me()) if signed_in else 0
        return g.connect_unread
    return {"connect_unread": count}


def _upload() -> tuple[str | None, bytes | None]:
    file = request.files.get("file")
    return (file.filename, file.read()) if file and file.filename else (None, None)


def _errors(exc: Invalid) -> str:
    return "; ".join(f"{field.replace('_', ' ')} {message}" for field, message in exc.errors.items())


@bp.get("")
@login_required
def directory():
    """Every agency, its INTERPOL Liaison Officers and its units."""
    return render_template("connect/directory.html", **read.directory_page(platform(), actor_id=me()))


@bp.post("/agencies")
@login_required
def create_agency():
    """Create an agency (CBI IPCU administrators)."""
    try:
        agency = admin.create_agency(platform(), actor_id=me(), code=request.form.get("code", ""),
                                     name=request.form.get("name", ""), kind=request.form.get("kind", ""))
    except Invalid as exc:
        flash(f"Agency not created: {_errors(exc)}.", "error")
        return redirect(url_for("connect.directory", _anchor="new-agency"))
    flash(f"Agency {agency.code} ({agency.name}) created. Create its ILO account next.", "success")
    return redirect(url_for("connect.agency", code=agency.code))


@bp.get("/agencies/<code>")
@login_required
def agency(code):
    """One agency's units and accounts, with the forms its administrators may use."""
    return render_template("connect/agency.html", kinds=admin.AGENCY_KINDS,
                           **read.agency_page(platform(), actor_id=me(), code=code))


@bp.post("/agencies/<code>/units")
@login_required
def create_unit(code):
    """Add a unit to the agency."""
    try:
        unit = admin.create_unit(platform(), actor_id=me(), agency_code=code, code=request.form.get("code", ""),
                                 name=request.form.get("name", ""))
    except Invalid as exc:
        flash(f"Unit not created: {_errors(exc)}.", "error")
    else:
        flash(f"Unit {unit.code} ({unit.name}) created.", "success")
    return redirect(url_for("connect.agency", code=code, _anchor="units"))


def _password_page(user, password, created: bool):
    """The temporary password, shown once: rendered in the response (never flashed into the cookie), not cached."""
    response = make_response(render_template("connect/password_issued.html", account=user, password=password,
                                              created=created), 201 if created else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/agencies/<code>/accounts")
@login_required
def create_account(code):
    """Create an account in the agency and show its temporary password once."""
    try:
        user, password = admin.create_account(
            platform(), actor_id=me(), agency_code=code, username=request.form.get("username", ""),
            full_name=request.form.get("full_name", ""), role=request.form.get("role", ""),
            unit_code=request.form.get("unit") or None)
    except Invalid as exc:
        flash(f"Account not created: {_errors(exc)}.", "error")
        return redirect(url_for("connect.agency", code=code, _anchor="new-account"))
    return _password_page(user, password, created=True)


@bp.get("/accounts/<username>")
@login_required
def account(username):
    """An account: its status, history and activity."""
    return render_template("connect/account.html", account=read.account_page(platform(), actor_id=me(),
                                                                              username=username))


@bp.post("/accounts/<username>/<any(deactivate, reactivate):action>")
@login_required
def set_active(username, action):
    """Deactivate (never delete) or reactivate an account."""
    try:
        user = admin.set_active(platform(), actor_id=me(), username=username, active=action == "reactivate",
                                reason=request.form.get("reason", ""))
    except Invalid as exc:
        flash(f"Account not changed: {_errors(exc)}.", "error")
    else:
        flash(f"{user.username} {action}d. " + ("They can sign in again." if user.active else
              "They can no longer sign in; their cases, messages and history are kept."), "success")
    return redirect(url_for("connect.account", username=username))


@bp.post("/accounts/<username>/password")
@login_required
def reset_password(username):
    """Issue a new temporary password for the account and show it once."""
    user, password = admin.reset_password(platform(), actor_id=me(), username=username)
    return _password_page(user, password, created=False)


@bp.get("/messages")
@login_required
def inbox():
    """The message threads of the officer's office, latest first, unread counts."""
    return render_template("connect/messages.html", **read.messages_page(platform(), actor_id=me(), page=page_arg()))


@bp.get("/messages/new")
@login_required
def compose():
    """Write to an office along the hierarchy, optionally about a case."""
    values = {"to": request.args.get("to", ""), "case": request.args.get("case", "")}
    return render_template("connect/compose.html", values=values, errors={},
                           **read.compose_page(platform(), actor_id=me()))


@bp.post("/messages")
@login_required
def send():
    """Open a thread with its first message."""
    values = {key: request.form.get(key, "") for key in ("to", "subject", "body", "case")}
    filename, content = _upload()
    try:
        thread = messages.start_thread(platform(), actor_id=me(), to=values["to"], subject=values["subject"],
                                       body=values["body"], case_reference=values["case"], filename=filename,
                                       content=content)
    except Invalid as exc:
        return render_template("connect/compose.html", values=values, errors=exc.errors,
                               **read.compose_page(platform(), actor_id=me())), 422
    flash(f"Message sent: “{thread.subject}”.", "success")
    return redirect(url_for("connect.thread", thread_id=thread.id))


@bp.get("/messages/<int:thread_id>")
@login_required
def thread(thread_id):
    """A thread and its messages; opening it marks them read."""
    return render_template("connect/thread.html", thread=messages.open_thread(platform(), actor_id=me(),
                                                                               thread_id=thread_id), errors={}, body="")


@bp.post("/messages/<int:thread_id>")
@login_required
def reply(thread_id):
    """Answer in the thread."""
    body = request.form.get("body", "")
    filename, content = _upload()
    try:
        messages.reply(platform(), actor_id=me(), thread_id=thread_id, body=body, filename=filename, content=content)
    except Invalid as exc:
        detail = messages.open_thread(platform(), actor_id=me(), thread_id=thread_id)
        return render_template("connect/thread.html", thread=detail, errors=exc.errors, body=body), 422
    flash("Reply sent.", "success")
    return redirect(url_for("connect.thread", thread_id=thread_id, _anchor="reply"))


@bp.get("/messages/<int:thread_id>/files/<int:attachment_id>")
@login_required
def download(thread_id, attachment_id):
    """Download a message's attachment (logged)."""
    meta, path = messages.open_file(platform(), actor_id=me(), thread_id=thread_id, attachment_id=attachment_id)
    return send_file(path, mimetype=meta["content_type"], as_attachment=True, download_name=meta["filename"])
