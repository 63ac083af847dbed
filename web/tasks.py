"""Home page, inbox, and the task page with its form."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.errors import Invalid
from engine.read import home_page, inbox_page
from engine.services import tasks as task_service
from forms.fields import parse_submission
from web.context import me, page_arg, platform, safe_next

bp = Blueprint("tasks", __name__)
INBOX_FILTERS = ("process", "category", "agency", "state", "overdue", "sort")


@bp.get("/")
@login_required
def home():
    """Tasks waiting for me and my scope, my open cases, counts."""
    return render_template("tasks/home.html", **home_page(platform(), actor_id=me()))


@bp.get("/tasks")
@login_required
def inbox():
    """Open tasks the officer may act on, with filters, sorting, paging and counts."""
    args = {k: request.args[k] for k in INBOX_FILTERS if request.args.get(k)}
    result = inbox_page(platform(), actor_id=me(), page=page_arg(), overdue=bool(args.get("overdue")),
                        **{k: v for k, v in args.items() if k != "overdue"})
    return render_template("tasks/inbox.html", args=args, **result)


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    """Show a task's form beside its case; complete it or save a draft."""
    detail = task_service.view_task(platform(), actor_id=me(), task_id=task_id)
    if request.method == "GET":
        return render_template("tasks/task.html", errors={}, data=_initial(detail), **detail)
    data = parse_submission(detail["schema"], request.form)
    try:
        if request.form.get("action") == "save":
            task_service.save_draft(platform(), actor_id=me(), task_id=task_id, data=data)
            flash(f"Draft of '{detail['task']['name']}' saved. It is checked when you submit.", "success")
            return redirect(url_for("tasks.task", task_id=task_id))
        task_service.complete_task(platform(), actor_id=me(), task_id=task_id, data=data)
    except Invalid as exc:
        flash("The form has problems; see the messages next to the fields.", "error")
        return render_template("tasks/task.html", errors=exc.errors, data=data, **detail), 422
    flash(f"'{detail['task']['name']}' completed for case {detail['task']['case_reference']}.", "success")
    return redirect(url_for("cases.show", case_id=detail["task"]["case_id"]))


def _initial(detail) -> dict:
    """A saved draft, else the data of the previous round — but never a previous decision."""
    if detail["draft"]:
        return detail["draft"]
    decides = "decision" in detail["schema"].get("properties", {})
    return {} if decides else (detail["prefill"] or {})


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id):
    """Claim a task so only I may complete it."""
    done = task_service.claim_task(platform(), actor_id=me(), task_id=task_id)
    flash(f"You claimed '{done.name}'. Colleagues now see it as yours.", "success")
    return _back(task_id)


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id):
    """Release a task I claimed."""
    done = task_service.release_task(platform(), actor_id=me(), task_id=task_id)
    flash(f"You released '{done.name}'; anyone eligible may take it now.", "success")
    return _back(task_id)


def _back(task_id):
    return redirect(safe_next(request.args.get("next"), url_for("tasks.task", task_id=task_id)))

