"""The IPCU broadcast board as a page: per broadcast and per agency, sent / acknowledged / answered / overdue."""

from engine import audit, broadcast
from engine.services._common import actor, now


def board_page(platform, *, actor_id: int, status: str = "open", page: int = 1) -> dict:
    """One page of the board (IPCU); the view is logged, since it lists every broadcast's references."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        result = broadcast.board(uow.session, user, now=now(), status=status, page=page)
        audit.append(uow.session, actor=user.username, action="broadcast.board", object_type="board",
                     object_id="broadcasts", detail={"status": status, "page": result["page"]})
        uow.commit()
        return result
