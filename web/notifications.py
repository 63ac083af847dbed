"""The notification centre: new tasks, returns, reminders, escalations and messages for the officer's scopes."""

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from engine.services import notifications
from web.context import me, platform

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread():
    """`notifications_unread()` in any template: the officer's unread notifications, counted once per request."""
    def count() -> int:
        if "notifications_unread" not in g:
            signed_in = current_user.is_authenticated and not current_user.must_change_password
            g.notifications_unread = notifications.unread_count(platform(), actor_id=me()) if signed_in else 0
        return g.notifications_unread
    return {"notifications_unread": count}


@bp.get("")
@login_required
def index():
    items = notifications.list_notifications(platform(), actor_id=me())
    return render_template("notifications/index.html", items=items)


@bp.post("/read")
@login_required
def mark_read():
    marked = notifications.mark_all_read(platform(), actor_id=me())
    flash(f"{marked} notification{'' if marked == 1 else 's'} marked read.", "success")
    return redirect(url_for("notifications.index"))
