"""Effectiveness and bottlenecks (CBI IPCU): overview with charts, BPMN heatmap, cases per node, CSV exports."""

from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from engine import read
from engine.metrics.filters import DEFAULT_PROCESS
from engine.services.metrics import export_csv
from web.context import me, platform

bp = Blueprint("metrics", __name__, url_prefix="/metrics")
FILTER_ARGS = {"process": "process", "start": "from", "end": "to", "agency": "agency", "category": "type"}
AGE_BUCKETS = (("under_30d", "under 30 days"), ("d30_90", "30–90 days"), ("over_90d", "over 90 days"))


def _filters() -> dict:
    """The filter form's query arguments, as the read functions name them."""
    return {key: request.args.get(arg) or None for key, arg in FILTER_ARGS.items()}


def _query(filters: dict) -> dict:
    """The filters in effect as query arguments for links (empty ones left out)."""
    return {key: value for key, value in filters.items() if value}


@bp.get("")
@login_required
def index():
    """The overview: time per node, returns, publication, backlog, activity, with charts and CSV links."""
    data = read.metrics_overview(platform(), actor_id=me(), **_filters())
    charts = {"weekly": weekly_chart(data["weekly"], data["nodes"]), "backlog": backlog_chart(data["backlog"])}
    return render_template("metrics/index.html", **data, charts=charts, buckets=AGE_BUCKETS,
                           query=_query(data["filters"]))


@bp.get("/heatmap")
@login_required
def heatmap():
    """The newest diagram of a process with each node's work in progress and its p90 lead time against its SLA."""
    data = read.metrics_heatmap(platform(), actor_id=me(), **_filters())
    return render_template("metrics/heatmap.html", **data, query=_query(data["filters"]))


@bp.get("/heatmap/diagram.bpmn")
@login_required
def diagram():
    """The BPMN XML the heatmap is drawn on: the newest version of the process."""
    xml = read.metrics_diagram(platform(), actor_id=me(), process=request.args.get("process") or DEFAULT_PROCESS)
    return Response(xml, mimetype="application/xml")


@bp.get("/nodes/<node>")
@login_required
def node(node):
    """The cases waiting at one node of the diagram, oldest first."""
    data = read.metrics_node_cases(platform(), actor_id=me(), node=node, **_filters())
    return render_template("metrics/node.html", **data, query=_query(data["filters"]))


@bp.get("/export/<table>.csv")
@login_required
def export(table):
    """One table of the overview as CSV (the export is logged)."""
    filename, text = export_csv(platform(), actor_id=me(), table=table, **_filters())
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def weekly_chart(weekly: list[dict], nodes: list[dict]) -> dict:
    """Completions per week stacked by node, every week from the first to the last present (zeros filled)."""
    if not weekly:
        return {"weeks": [], "series": [], "max": 0}
    first, last = date.fromisoformat(weekly[0]["week"]), date.fromisoformat(weekly[-1]["week"])
    weeks = [(first + timedelta(weeks=i)).isoformat() for i in range((last - first).days // 7 + 1)]
    counts = {(row["week"], row["node"]): row["completed"] for row in weekly}
    names = {n["id"]: n["name"] for n in nodes} | {row["node"]: row["node"] for row in weekly if row["node"] not in
                                                     {n["id"] for n in nodes}}
    series = [{"node": node, "name": name, "values": [counts.get((w, node), 0) for w in weeks]}
              for node, name in names.items()]
    totals = [sum(s["values"][i] for s in series) for i in range(len(weeks))]
    return {"weeks": weeks, "series": series, "max": max(totals)}


def backlog_chart(rows: list[dict]) -> dict:
    """Open tasks per agency by age bucket (all inboxes together)."""
    agencies: dict[str, dict] = {}
    for row in rows:
        total = agencies.setdefault(row["agency"], {key: 0 for key, _label in AGE_BUCKETS})
        for key, _label in AGE_BUCKETS:
            total[key] += row[key]
    peak = max((sum(v.values()) for v in agencies.values()), default=0)
    return {"agencies": [{"agency": a, **v, "open": sum(v.values())} for a, v in sorted(agencies.items())],
            "max": peak}
