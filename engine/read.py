"""Read-side entry points for pages and the API: one session, the actor's scope, plain dicts."""

from engine import metrics, queries
from engine.services._common import actor


def home_page(platform, *, actor_id: int) -> dict:
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        waiting = queries.inbox(uow.session, user, per_page=10)
        mine = queries.claimed_by(uow.session, user)
        return {
            "waiting": waiting, "claimed_by_me": mine,
            "my_cases": queries.cases(uow.session, user, status="open", mine=True, per_page=10),
            "open_cases": queries.case_count(uow.session, user, status="open"),
            "processes": [p for p in queries.processes(uow.session, user) if p["may_start"]],
        }


def inbox_page(platform, *, actor_id: int, **filters) -> dict:
    with platform.uow() as uow:
        return queries.inbox(uow.session, actor(uow.session, actor_id), **filters)


def cases_page(platform, *, actor_id: int, **filters) -> dict:
    with platform.uow() as uow:
        return queries.cases(uow.session, actor(uow.session, actor_id), **filters)


def processes_page(platform, *, actor_id: int) -> list[dict]:
    with platform.uow() as uow:
        return queries.processes(uow.session, actor(uow.session, actor_id))


CASE_KEYS = ("id", "reference", "process", "status", "category", "agency", "unit", "version", "created_at",
             "updated_at", "completed_at", "data", "tasks")
INTERNAL_TASK_KEYS = ("version_id",)


def case_state(platform, *, actor_id: int, case_id: int) -> dict:
    """A case as the API returns it after an action: summary, data and current tasks (not a logged view)."""
    with platform.uow() as uow:
        return _case_state(uow.session, actor(uow.session, actor_id), case_id)


def task_state(platform, *, actor_id: int, task_id: int, with_case: bool = False) -> dict:
    """A task as the API returns it after an action; with its case and the case's current tasks on request."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        task = queries.task_detail(uow.session, user, task_id)
        result = {k: v for k, v in task.items() if k not in INTERNAL_TASK_KEYS}
        if with_case:
            result["case"] = _case_state(uow.session, user, task["case_id"])
        return result


def _case_state(session, user, case_id: int) -> dict:
    state = queries.case_state(session, user, case_id)
    return {key: state[key] for key in CASE_KEYS}


def case_attachments(platform, *, actor_id: int, case_id: int) -> list[dict]:
    """The attachments of a case the user may see."""
    with platform.uow() as uow:
        return queries.case_detail(uow.session, actor(uow.session, actor_id), case_id)["attachments"]


def _metrics_scope(session, actor_id: int, filters: dict):
    """The checked filters of an IPCU officer's metrics request."""
    metrics.require_ipcu(actor(session, actor_id))
    found = metrics.parse_filters(**filters)
    metrics.check_filters(session, found)
    return found


def metrics_overview(platform, *, actor_id: int, **filters) -> dict:
    """Every table of the effectiveness overview, and the filter choices (IPCU)."""
    with platform.uow() as uow:
        found = _metrics_scope(uow.session, actor_id, filters)
        return {**metrics.dashboard(uow.session, found), "choices": metrics.choices(uow.session)}


def metrics_nodes(platform, *, actor_id: int, **filters) -> dict:
    """Per-node figures of a process: the body of GET /api/v1/metrics/nodes (IPCU)."""
    with platform.uow() as uow:
        found = _metrics_scope(uow.session, actor_id, filters)
        return {"process": found.process, "nodes": metrics.node_figures(uow.session, found)}


def metrics_heatmap(platform, *, actor_id: int, **filters) -> dict:
    """Per-node figures and the newest version of the diagram they are drawn on (IPCU)."""
    with platform.uow() as uow:
        found = _metrics_scope(uow.session, actor_id, filters)
        drawing = metrics.diagram(uow.session, found.process)
        return {"filters": found.as_dict(), "nodes": metrics.node_figures(uow.session, found),
                "diagram": {k: v for k, v in drawing.items() if k != "xml"}, "choices": metrics.choices(uow.session)}


def metrics_node_cases(platform, *, actor_id: int, node: str, **filters) -> dict:
    """The cases waiting at one node of a process, oldest first, with the node's figures (IPCU)."""
    with platform.uow() as uow:
        found = _metrics_scope(uow.session, actor_id, filters)
        figures = [n for n in metrics.node_figures(uow.session, found) if n["id"] == node]
        return {"filters": found.as_dict(), "figures": figures[0] if figures else None,
                **metrics.node_cases(uow.session, found, node)}


def metrics_diagram(platform, *, actor_id: int, process: str) -> str:
    """The BPMN XML of a process's newest version (IPCU, for the heatmap)."""
    with platform.uow() as uow:
        metrics.require_ipcu(actor(uow.session, actor_id))
        return metrics.diagram(uow.session, process)["xml"]
