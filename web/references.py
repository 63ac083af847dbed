"""IPCU records a foreign NCB's reply to an INTERPOL reference (delivered as the reference_reply message)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.errors import Invalid
from engine.services import references as reference_service
from web.context import me, platform

bp = Blueprint("references", __name__, url_prefix="/references")
FIELDS = ("country", "reply", "ncb_reference", "received_on")


@bp.route("/<int:case_id>/reply", methods=["GET", "POST"])
@login_required
def reply(case_id):
    """Record one country's reply; the replies go back to the requesting unit on the case page."""
    page = reference_service.reply_page(platform(), actor_id=me(), case_id=case_id)
    if request.method == "GET":
        return render_template("references/reply.html", case=page, form={}, errors={})
    form = {k: request.form.get(k, "") for k in FIELDS}
    try:
        reference_service.record_reply(platform(), actor_id=me(), case_id=case_id, form=form)
    except Invalid as exc:
        return render_template("references/reply.html", case=page, form=form, errors=exc.errors), 422
    flash(f"Reply from {form['country'].strip().upper()} recorded for {page['reference']}.", "success")
    return redirect(url_for("cases.show", case_id=case_id))
