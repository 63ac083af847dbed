"""The notice register (search, CSV export) and IPCU's page for INTERPOL's decision."""

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.errors import Invalid
from engine.notices import FILTERS
from engine.services import notices as notice_service
from web.context import me, page_arg, platform

bp = Blueprint("notices", __name__, url_prefix="/notices")
NOTICE_TYPES = ("RED", "YELLOW", "BLUE", "BLACK", "GREEN", "ORANGE", "PURPLE", "UNSC", "SILVER", "DIFFUSION")


def _filters() -> dict:
    return {k: request.args[k] for k in FILTERS if request.args.get(k, "").strip()}


@bp.get("")
@login_required
def register():
    """Notice requests in the officer's scope, searched by name, alias, reference, number, type, status, dates."""
    try:
        result = notice_service.register_page(platform(), actor_id=me(), filters=_filters(), page=page_arg())
    except Invalid as exc:
        flash(f"Search not run: {exc}", "error")
        return render_template("notices/register.html", rows=[], total=0, page=1, per_page=25, filters=_filters(),
                               statuses=(), agencies=(), types=NOTICE_TYPES, errors=exc.errors), 422
    return render_template("notices/register.html", types=NOTICE_TYPES, errors={}, **result)


@bp.get("/export.csv")
@login_required
def export():
    """The register rows matching the search, as CSV (the export is logged)."""
    text = notice_service.export_register(platform(), actor_id=me(), filters=_filters())
    name = f"notice-register-{date.today().isoformat()}.csv"
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/<int:case_id>/decision", methods=["GET", "POST"])
@login_required
def decision(case_id):
    """IPCU records INTERPOL's decision: published (number, date), refused (reason) or query (question)."""
    if request.method == "GET":
        case = notice_service.decision_page(platform(), actor_id=me(), case_id=case_id)
        return render_template("notices/decision.html", case=case, form={}, errors={})
    form = {k: request.form.get(k, "") for k in ("outcome", "notice_number", "published_on", "reason", "question",
                                                  "interpol_reference")}
    try:
        case = notice_service.record_decision(platform(), actor_id=me(), case_id=case_id, form=form)
    except Invalid as exc:
        case = notice_service.decision_page(platform(), actor_id=me(), case_id=case_id)
        return render_template("notices/decision.html", case=case, form=form, errors=exc.errors), 422
    flash(f"INTERPOL's decision ({form['outcome']}) recorded for {case.reference}.", "success")
    return redirect(url_for("cases.show", case_id=case_id))
