"""Effectiveness and bottleneck figures, all computed by SQL aggregation over the task and case_event tables
(never by loading workflows). Each module's docstring says exactly what its figures count.

- nodes: per BPMN node WIP, queue / work / lead time p50 and p90, SLA breaches, completions per week
- outcomes: return rates by stage and reason, published ÷ requested by type, GS wait and end to end
- backlog: open items by age per agency and inbox, active agencies and units
- responsiveness: broadcast acknowledgement / answer times per agency, training coverage per agency
"""

from sqlalchemy import select

from engine.errors import Forbidden, NotFound
from engine.metrics.backlog import activity, backlog
from engine.metrics.filters import Filters, check_filters, choices, parse_filters
from engine.metrics.nodes import heat, node_cases, node_figures, weekly_completions
from engine.metrics.outcomes import publication, return_rates, stage_times
from engine.metrics.responsiveness import broadcast_responsiveness, training
from engine.models import ProcessVersion

__all__ = ["Filters", "activity", "backlog", "broadcast_responsiveness", "check_filters", "choices", "dashboard",
           "diagram", "heat", "node_cases", "node_figures", "parse_filters", "publication", "require_ipcu",
           "return_rates", "stage_times", "training", "weekly_completions"]

DEFINITIONS = {
    "nodes": "Task rows of the process per BPMN node. WIP: tasks open now (ready or claimed). Completed, queue "
             "(created → claimed), work (claimed → completed) and lead (created → completed) times: tasks "
             "completed in the period; a task completed without a claim counts its whole lead time as queue. "
             "p50 / p90 by the nearest-rank method. SLA: the user task's dueIn; breaches: completed after the due "
             "time in the period, plus open now past it. Cancelled tasks never count.",
    "weekly": "Tasks completed per ISO week (Monday, UTC) and node, in the period.",
    "stage_times": "GS wait: for each interpol_decision message received in the period, the time since IPCU "
                   "last sent the case. End to end: for each case first published in the period, opening → "
                   "publication.",
    "returns": "Decisions at a stage: returns, and completions whose form carried a decision (forward / send), "
               "dated in the period. Return rate = returns ÷ decisions; by reason code.",
    "publication": "Cohort: requests opened in the period (calendar dates, UTC), by notice type. Each column "
                   "counts distinct cases of the cohort that reached the step by now: forwarded by the ILO, "
                   "sent to INTERPOL by IPCU, published (decision 'published' with a notice number), refused.",
    "backlog": "Tasks open now per agency (the task's scope) and inbox (lane; UO inboxes per unit). Age = now − "
               "the task's creation (time at its current step): under 30 days, 30–90 days, over 90 days.",
    "activity": "An agency (unit) is active when one of its officers opened a case or completed a task, in any "
                "process, in the 30 days up to the end of the period (default: today). Other filters do not "
                "apply.",
    "broadcasts": "Per agency, the broadcasts (process broadcast) sent to it in the period, as on the IPCU board: "
                  "sent = its first task created; acknowledged = the first acknowledgement by one of its units; "
                  "answered = its ILO's forwarding completed. Medians (nearest rank) of sent → acknowledged and "
                  "sent → answered over the broadcasts that reached the step. On time: answered at or before the "
                  "answer deadline; share = on time ÷ sent. The agency filter applies; procedure and notice type "
                  "do not.",
    "training": "Per agency, from the training register as of now (the period does not apply): training sessions "
                "held for it, its active accounts that attended a session, and coverage = trained ÷ active "
                "accounts. The agency filter applies.",
}


def require_ipcu(user):
    """Effectiveness figures span every agency: CBI IPCU only."""
    if user.role != "IPCU":
        raise Forbidden("effectiveness figures are for CBI IPCU")


def dashboard(session, f: Filters) -> dict:
    """Every table of the overview page for one set of filters."""
    return {"filters": f.as_dict(), "nodes": node_figures(session, f), "weekly": weekly_completions(session, f),
            "returns": return_rates(session, f), "publication": publication(session, f),
            "stage_times": stage_times(session, f), "backlog": backlog(session, f),
            "activity": activity(session, f), "broadcasts": broadcast_responsiveness(session, f),
            "training": training(session, f), "definitions": DEFINITIONS}


def diagram(session, process: str) -> dict:
    """The newest deployed version of a process and its BPMN XML (what the heatmap is drawn on)."""
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process)
                             .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"no process '{process}' is deployed")
    bpmn = [f for f in version.files if f.kind == "bpmn"]
    return {"process": process, "name": version.name, "version": version.version,
            "xml": bpmn[0].content if bpmn else ""}
