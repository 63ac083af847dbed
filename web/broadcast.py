"""The IPCU broadcast board: per broadcast and per agency, sent / acknowledged / answered / overdue."""

from flask import Blueprint, render_template, request
from flask_login import login_required

from engine.services import broadcast as broadcast_service
from web.context import me, page_arg, platform

bp = Blueprint("broadcast", __name__, url_prefix="/broadcasts")


@bp.get("")
@login_required
def board():
    """Broadcasts received from member countries and, per agency, how far each has got (IPCU)."""
    status = request.args.get("status") or "open"
    result = broadcast_service.board_page(platform(), actor_id=me(), status=status, page=page_arg())
    return render_template("broadcast/board.html", **result)
