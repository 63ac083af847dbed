"""The metrics tables as CSV: one export per table of the overview page."""

import csv
import io

from engine.errors import NotFound
from engine.metrics.backlog import activity, backlog
from engine.metrics.filters import Filters
from engine.metrics.nodes import node_figures, weekly_completions
from engine.metrics.outcomes import publication, return_rates, stage_times
from engine.metrics.responsiveness import broadcast_responsiveness, training

NODE_COLUMNS = ("id", "name", "lane", "wip", "completed", "queue_p50_s", "queue_p90_s", "work_p50_s",
                "work_p90_s", "lead_p50_s", "lead_p90_s", "sla_s", "sla_breaches", "heat")
TABLES = {
    "nodes": (NODE_COLUMNS, node_figures),
    "weekly": (("week", "node", "completed"), weekly_completions),
    "return_stages": (("stage", "name", "decisions", "returns", "return_rate"),
                      lambda s, f: return_rates(s, f)["stages"]),
    "return_reasons": (("stage", "reason", "returns", "share_of_returns", "share_of_decisions"),
                       lambda s, f: return_rates(s, f)["reasons"]),
    "publication": (("type", "requested", "forwarded", "sent", "published", "refused", "published_per_requested",
                     "published_per_sent"), publication),
    "stage_times": (("measure", "n", "p50_s", "p90_s"), stage_times),
    "backlog": (("agency", "lane", "unit", "open", "under_30d", "d30_90", "over_90d", "oldest_age_s",
                 "oldest_reference"), backlog),
    "activity": (("agency", "name", "active_units", "cases_opened", "tasks_completed", "last_activity"),
                 lambda s, f: activity(s, f)["per_agency"]),
    "broadcasts": (("agency", "name", "sent", "acknowledged", "answered", "ack_p50_s", "answer_p50_s",
                    "answered_on_time", "on_time_share"), broadcast_responsiveness),
    "training": (("code", "name", "sessions", "trained", "accounts", "coverage"), training),
}


def table_rows(session, name: str, f: Filters) -> tuple[tuple, list[dict]]:
    """The columns and rows of one table, or NotFound for an unknown table name."""
    if name not in TABLES:
        raise NotFound(f"no metrics table '{name}'")
    columns, build = TABLES[name]
    return columns, build(session, f)


def to_csv(columns, rows: list[dict]) -> str:
    """CSV text with a header; text that a spreadsheet would run as a formula is quoted with a leading '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
