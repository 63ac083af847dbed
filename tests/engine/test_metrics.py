"""Every metrics figure, checked exactly against a generated history whose durations are known."""

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from engine import metrics
from engine.cli import main
from engine.demo_history import generate
from engine.demo_history.plans import CasePlan, Decision, Step
from engine.demo_history.writer import NodeSpec, insert_history
from engine.errors import Forbidden, Invalid, NotFound
from engine.metrics.tables import table_rows, to_csv
from engine.models import (
    Agency,
    Case,
    CaseEvent,
    ProcessVersion,
    Task,
    TrainingAgency,
    TrainingAttendee,
    TrainingSession,
    Unit,
    User,
)
from engine.models.task import OPEN_STATES

pytestmark = pytest.mark.integration

NOW = datetime(2025, 7, 1, tzinfo=UTC)
T0 = datetime(2025, 6, 1, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)
NODES = {"draft": NodeSpec("Draft notice request", "UO", "notice_draft.json", "request", "P3D"),
         "vet": NodeSpec("Vet request", "ILO", "notice_vet.json", "vetting", None),
         "review": NodeSpec("Review and send to INTERPOL", "IPCU", "notice_review.json", "review", "P1D")}
UNIT_AGENCY = {"DELHI-CRIME": "DELHI", "DELHI-SOUTH": "DELHI", "PUNJAB-LUDHIANA": "PUNJAB"}


def plan(unit="DELHI-CRIME", category="RED", opened=T0, steps=(), decisions=(), closed=None) -> CasePlan:
    return CasePlan(unit=unit, agency=UNIT_AGENCY[unit], category=category, opened=opened, steps=list(steps),
                    decisions=list(decisions), closed=closed)


@pytest.fixture
def history(platform, directory):
    """history(plans) writes them as generated history of a notice_request version; returns the case ids."""
    def write(plans):
        with platform.uow() as uow:
            version = uow.session.scalar(select(ProcessVersion)) or ProcessVersion(
                process_id="notice_request", name="INTERPOL notice request", version=1, digest="0" * 64,
                spec_json="{}", deployed_by="tests")
            uow.session.add(version)
            uow.session.flush()
            ids = insert_history(uow.session, version=version, nodes=NODES, plans=plans, state="{}")
            uow.commit()
            return ids
    return write


def figures(platform, query, **filters):
    with platform.uow() as uow:
        return query(uow.session, metrics.parse_filters(now=NOW, **filters))


def node_history():
    """Draft: ten completions (lead 10·i h, claimed after i h for i ≤ 8) and two open; vet: four; review: two."""
    plans = [plan(opened=T0 + i * D, steps=[Step("draft", T0 + i * D, T0 + i * D + i * H if i <= 8 else None,
                                                  T0 + i * D + 10 * i * H)]) for i in range(1, 11)]
    plans.append(plan(unit="PUNJAB-LUDHIANA", category="YELLOW", opened=NOW - 40 * D,
                      steps=[Step("draft", NOW - 40 * D)]))
    plans.append(plan(opened=NOW - D, steps=[Step("draft", NOW - D, NOW - 12 * H)]))
    vet_start = T0 + 20 * D
    plans += [plan(steps=[Step("vet", vet_start, vet_start + k * H / 2, vet_start + k * H,
                               decision="forward" if k < 4 else None, reason="red_warrant_copy" if k == 4 else None)])
              for k in range(1, 5)]
    review_start = vet_start + D
    plans += [plan(steps=[Step("review", review_start, review_start + 2 * H, review_start + hours * H,
                               decision="send")]) for hours in (10, 14)]
    return plans


DRAFT = {"id": "draft", "name": "Draft notice request", "lane": "UO", "wip": 2, "completed": 10,
         "queue_p50_s": 18000.0, "queue_p90_s": 324000.0, "work_p50_s": 97200.0, "work_p90_s": 226800.0,
         "lead_p50_s": 180000.0, "lead_p90_s": 324000.0, "sla_s": 259200.0, "sla_breaches": 4, "heat": "red"}
VET = {"id": "vet", "name": "Vet request", "lane": "ILO", "wip": 0, "completed": 4, "queue_p50_s": 3600.0,
       "queue_p90_s": 7200.0, "work_p50_s": 3600.0, "work_p90_s": 7200.0, "lead_p50_s": 7200.0,
       "lead_p90_s": 14400.0, "sla_s": None, "sla_breaches": 0, "heat": "grey"}
REVIEW = {"id": "review", "name": "Review and send to INTERPOL", "lane": "IPCU", "wip": 0, "completed": 2,
          "queue_p50_s": 7200.0, "queue_p90_s": 7200.0, "work_p50_s": 28800.0, "work_p90_s": 43200.0,
          "lead_p50_s": 36000.0, "lead_p90_s": 50400.0, "sla_s": 86400.0, "sla_breaches": 0, "heat": "amber"}


def test_node_figures_are_exact_nearest_rank_percentiles(platform, history):
    ids = history(node_history())
    with platform.uow() as uow:  # a cancelled task counts nowhere
        uow.session.add(Task(case_id=ids[-1], task_uuid="x", process_id="notice_request", bpmn_id="vet", name="Vet",
                             lane="ILO", variable="vetting", agency_id=1, state="cancelled", created_at=T0,
                             completed_at=T0 + 900 * H))
        uow.commit()
    assert figures(platform, metrics.node_figures) == [DRAFT, VET, REVIEW]


def test_node_figures_follow_the_period_agency_and_type_filters(platform, history):
    history(node_history())
    period = figures(platform, metrics.node_figures, start="2025-06-06", end="2025-06-09")
    assert [(n["id"], n["wip"], n["completed"], n["lead_p50_s"], n["lead_p90_s"], n["sla_breaches"])
            for n in period] == [("draft", 2, 3, 180000.0, 216000.0, 1)]
    punjab = figures(platform, metrics.node_figures, agency="PUNJAB")
    assert punjab == figures(platform, metrics.node_figures, category="YELLOW")
    assert [(n["id"], n["wip"], n["completed"], n["lead_p90_s"], n["sla_breaches"], n["heat"]) for n in punjab] == [
        ("draft", 1, 0, None, 1, "grey")]


def test_cases_at_a_node_are_its_open_tasks_oldest_first(platform, history):
    ids = history(node_history())
    found = figures(platform, lambda s, f: metrics.node_cases(s, f, "draft"))
    assert [(c["case_id"], c["agency"], c["unit"], c["state"], c["assignee"], c["age_s"], c["overdue"])
            for c in found["cases"]] == [(ids[10], "PUNJAB", "PUNJAB-LUDHIANA", "ready", None, 3456000.0, True),
                                         (ids[11], "DELHI", "DELHI-CRIME", "claimed", "uo.delhi.crime", 86400.0, False)]
    assert found["name"] == "Draft notice request"


@pytest.mark.parametrize(("p90", "sla", "colour"), [
    (None, 100, "grey"), (10, None, "grey"), (49.9, 100, "green"), (50, 100, "amber"), (99.9, 100, "amber"),
    (100, 100, "red")])
def test_heat_compares_p90_lead_time_with_the_sla(p90, sla, colour):
    assert metrics.heat(p90, sla) == colour


def test_weekly_completions_count_per_iso_week_and_node(platform, history):
    monday = datetime(2025, 6, 2, 10, tzinfo=UTC)
    history([plan(steps=[Step("draft", monday - H, None, monday)]),
             plan(steps=[Step("draft", monday, None, datetime(2025, 6, 8, 23, 59, tzinfo=UTC))]),
             plan(steps=[Step("draft", monday, None, datetime(2025, 6, 9, tzinfo=UTC))]),
             plan(steps=[Step("vet", monday, None, monday + D, decision="forward")])])
    assert figures(platform, metrics.weekly_completions) == [
        {"week": "2025-06-02", "node": "draft", "completed": 2}, {"week": "2025-06-02", "node": "vet", "completed": 1},
        {"week": "2025-06-09", "node": "draft", "completed": 1}]


def test_return_rates_per_stage_and_reason(platform, history):
    def step(node, reason=None, decision=None):
        return plan(steps=[Step(node, T0, None, T0 + H, decision=decision, reason=reason)])
    vets = [step("vet", decision="forward")] * 4 + [step("vet", "red_warrant_copy"), step("vet", "other")]
    reviews = [step("review", decision="send")] * 3 + [step("review", "red_summary_date_place")] * 2
    history([step("draft"), *vets, *reviews])
    assert figures(platform, metrics.return_rates) == {
        "stages": [{"stage": "vet", "name": "Vet request", "decisions": 6, "returns": 2, "return_rate": 0.3333},
                   {"stage": "review", "name": "Review and send to INTERPOL", "decisions": 5, "returns": 2,
                    "return_rate": 0.4}],
        "reasons": [{"stage": "review", "reason": "red_summary_date_place", "returns": 2, "share_of_returns": 1.0,
                     "share_of_decisions": 0.4},
                    {"stage": "vet", "reason": "other", "returns": 1, "share_of_returns": 0.5,
                     "share_of_decisions": 0.1667},
                    {"stage": "vet", "reason": "red_warrant_copy", "returns": 1, "share_of_returns": 0.5,
                     "share_of_decisions": 0.1667}]}
    assert figures(platform, metrics.return_rates, start="2025-06-02") == {"stages": [], "reasons": []}


def publication_history(history, platform):
    def sent(reviews=((1, 3),)):
        steps = [Step("vet", T0 + D, None, T0 + 2 * D, decision="forward")]
        return steps + [Step("review", T0 + a * D, None, T0 + b * D, decision="send") for a, b in reviews]
    ids = history([
        plan(steps=sent(), decisions=[Decision(T0 + 13 * D, "published")], closed=T0 + 13 * D),
        plan(steps=sent(), decisions=[Decision(T0 + 23 * D, "refused")], closed=T0 + 23 * D),
        plan(unit="PUNJAB-LUDHIANA", category="YELLOW", steps=sent()[:1]),
        plan(unit="PUNJAB-LUDHIANA"),
        plan(steps=sent(((2, 3), (8, 10))), decisions=[Decision(T0 + 8 * D, "query"), Decision(T0 + 16 * D,
                                                                                               "published")]),
    ])
    with platform.uow() as uow:  # a decision recorded without its notice number is not a publication
        uow.session.add(CaseEvent(case_id=ids[3], at=T0 + 5 * D, actor="ipcu.officer", action="message",
                                  detail={"message": "interpol_decision", "payload": {"outcome": "published"}}))
        uow.commit()


def test_published_per_requested_counts_the_cohort_by_type(platform, history):
    publication_history(history, platform)
    assert figures(platform, metrics.publication) == [
        {"type": "RED", "requested": 4, "forwarded": 3, "sent": 3, "published": 2, "refused": 1,
         "published_per_requested": 0.5, "published_per_sent": 0.6667},
        {"type": "YELLOW", "requested": 1, "forwarded": 1, "sent": 0, "published": 0, "refused": 0,
         "published_per_requested": 0.0, "published_per_sent": None}]
    assert figures(platform, metrics.publication, start="2025-06-02") == []
    assert [r["requested"] for r in figures(platform, metrics.publication, agency="PUNJAB")] == [1, 1]


def test_gs_wait_and_end_to_end_percentiles(platform, history):
    publication_history(history, platform)
    assert figures(platform, metrics.stage_times) == [
        {"measure": "gs_wait", "n": 4, "p50_s": 518400.0, "p90_s": 1728000.0},
        {"measure": "end_to_end", "n": 2, "p50_s": 1123200.0, "p90_s": 1382400.0}]
    assert figures(platform, metrics.stage_times, start="2025-06-30") == [
        {"measure": "gs_wait", "n": 0, "p50_s": None, "p90_s": None},
        {"measure": "end_to_end", "n": 0, "p50_s": None, "p90_s": None}]


def test_backlog_ages_open_tasks_in_buckets_per_agency_and_inbox(platform, history):
    ages = (30 * D - H, 30 * D, 90 * D, 90 * D + timedelta(seconds=1))
    ids = history([plan(opened=NOW - age, steps=[Step("draft", NOW - age)]) for age in ages] + [
        plan(opened=NOW - 6 * D, steps=[Step("vet", NOW - 5 * D, NOW - 4 * D)]),
        plan(unit="PUNJAB-LUDHIANA", opened=NOW - 100 * D, steps=[Step("review", NOW - 100 * D)]),
        plan(opened=NOW - 200 * D, steps=[Step("draft", NOW - 200 * D, None, NOW - 199 * D)])])
    refs = _references(platform, ids)
    assert figures(platform, metrics.backlog) == [
        {"agency": "DELHI", "lane": "ILO", "unit": None, "open": 1, "under_30d": 1, "d30_90": 0, "over_90d": 0,
         "oldest_age_s": 432000.0, "oldest_reference": refs[4]},
        {"agency": "DELHI", "lane": "UO", "unit": "DELHI-CRIME", "open": 4, "under_30d": 1, "d30_90": 2,
         "over_90d": 1, "oldest_age_s": 7776001.0, "oldest_reference": refs[3]},
        {"agency": "PUNJAB", "lane": "IPCU", "unit": None, "open": 1, "under_30d": 0, "d30_90": 0, "over_90d": 1,
         "oldest_age_s": 8640000.0, "oldest_reference": refs[5]}]


def _references(platform, ids):
    with platform.uow() as uow:
        return [uow.session.get(Case, i).reference for i in ids]


def test_activity_counts_agencies_and_units_active_in_the_last_30_days(platform, history):
    history([plan(opened=NOW - 10 * D),
             plan(unit="PUNJAB-LUDHIANA", opened=NOW - 50 * D, steps=[Step("vet", NOW - 50 * D, None, NOW - 3 * D,
                                                                           decision="forward")]),
             plan(unit="DELHI-SOUTH", opened=NOW - 31 * D,
                  steps=[Step("review", NOW - 41 * D, None, NOW - 40 * D, decision="send")])])
    assert figures(platform, metrics.activity) == {
        "since": "2025-06-01T00:00:00+00:00", "until": "2025-07-01T00:00:00+00:00", "active_agencies": 2,
        "agencies": 8, "active_units": 1, "units": 16, "per_agency": [
            {"agency": "DELHI", "name": "Delhi Police", "active_units": 1, "cases_opened": 1, "tasks_completed": 0,
             "last_activity": "2025-06-21T00:00:00+00:00"},
            {"agency": "PUNJAB", "name": "Punjab Police", "active_units": 0, "cases_opened": 0, "tasks_completed": 1,
             "last_activity": "2025-06-28T00:00:00+00:00"}]}


def test_filters_parse_dates_inclusively_and_refuse_bad_ones():
    f = metrics.parse_filters(start="2025-06-01", end="2025-06-30", agency="DELHI", category="RED", now=NOW)
    assert (f.start, f.end) == (T0, NOW)
    assert f.as_dict() == {"process": "notice_request", "from": "2025-06-01", "to": "2025-06-30", "agency": "DELHI",
                           "type": "RED"}
    with pytest.raises(Invalid) as bad:
        metrics.parse_filters(start="1 June")
    assert bad.value.errors == {"from": "must be a date YYYY-MM-DD"}
    with pytest.raises(Invalid) as reversed_:
        metrics.parse_filters(start="2025-06-02", end="2025-06-01")
    assert reversed_.value.errors == {"to": "must not be before 'from'"}


def test_only_ipcu_may_see_the_figures(platform, directory):
    with platform.uow() as uow:
        users = {u.username: u for u in uow.session.scalars(select(User))}
    metrics.require_ipcu(users["ipcu.officer"])
    for name in ("ilo.delhi", "uo.delhi.crime"):
        with pytest.raises(Forbidden):
            metrics.require_ipcu(users[name])


def test_csv_tables_have_their_columns_and_defuse_formulas(platform, history):
    history(node_history())
    with platform.uow() as uow:
        columns, rows = table_rows(uow.session, "nodes", metrics.parse_filters(now=NOW))
        with pytest.raises(NotFound):
            table_rows(uow.session, "passwords", metrics.parse_filters(now=NOW))
    assert to_csv(columns, rows).splitlines()[:2] == [
        ",".join(columns), "draft,Draft notice request,UO,2,10,18000.0,324000.0,97200.0,226800.0,180000.0,324000.0,"
        "259200.0,4,red"]
    assert to_csv(("a", "b"), [{"a": "=cmd()", "b": None}]) == "a,b\r\n'=cmd(),\r\n"


def test_demo_history_writes_a_consistent_year(platform, deployed):
    summary = generate(platform, cases=40, seed=7, now=NOW)
    assert summary["closed"] + summary["open"] == 40
    with platform.uow() as uow:
        session = uow.session
        open_without_task = session.scalar(select(func.count()).select_from(Case).where(
            Case.status == "completed", Case.id.in_(select(Task.case_id).where(Task.state.in_(OPEN_STATES)))))
        completed = session.scalar(select(func.count()).select_from(Task).where(Task.state == "completed"))
        statuses = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        nodes = metrics.node_figures(session, metrics.parse_filters(now=NOW))
    assert open_without_task == 0
    assert statuses == {"completed": summary["closed"], "open": summary["open"]}
    assert sum(n["completed"] for n in nodes) == completed
    assert sum(n["wip"] for n in nodes) == sum(n for node, n in summary["waiting_at"].items()
                                               if node != "interpol_decision")


def test_demo_history_command_reports_what_it_made(platform, deployed):
    env = {"BHARATPOL_DATABASE_URL": platform.engine.url.render_as_string(hide_password=False),
           "BHARATPOL_DATA_DIR": str(platform.settings.data_dir)}
    result = CliRunner().invoke(main, ["demo-history", "--cases", "5", "--seed", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("generated 5 notice requests opened ")
    production = CliRunner().invoke(main, ["demo-history"], env={**env, "BHARATPOL_ENV": "production"})
    assert (production.exit_code, production.output.strip()) == (
        1, "Error: demo history is never generated in production (BHARATPOL_ENV=production)")


def test_nearest_rank_percentiles_of_seventy_values(platform, history):
    minute = timedelta(minutes=1)  # p50 of 70 values is the 35th, p90 the 63rd, on both databases
    history([plan(steps=[Step("vet", T0, None, T0 + i * minute, decision="forward")]) for i in range(1, 71)])
    [vet] = figures(platform, metrics.node_figures)
    assert (vet["completed"], vet["lead_p50_s"], vet["lead_p90_s"]) == (70, 35 * 60.0, 63 * 60.0)


# (agency, unit, bpmn id, lane, created after the sending, completed after it, due after it) per broadcast task
Branch = list[tuple[str, str | None, str, str, timedelta, timedelta | None, timedelta | None]]
DELHI_FAST = [("DELHI", None, "route", "ILO", 0 * H, 2 * H, 3 * D),
              ("DELHI", "DELHI-CRIME", "acknowledge", "UO", 2 * H, 5 * H, 3 * D),
              ("DELHI", "DELHI-SOUTH", "acknowledge", "UO", 2 * H, 8 * H, 3 * D),
              ("DELHI", None, "forward", "ILO", D, 2 * D, 3 * D)]


def write_broadcasts(platform, directory, sent: list[tuple[datetime, Branch]]):
    """One broadcast case per (sending time, tasks): an IPCU 'record' task, then the agencies' task rows."""
    with platform.uow() as uow:
        s = uow.session
        version = ProcessVersion(process_id="broadcast", name="Broadcast", version=1, digest="1" * 64,
                                 spec_json="{}", deployed_by="tests")
        s.add(version)
        s.flush()
        agencies = dict(s.execute(select(Agency.code, Agency.id)).all())
        units = dict(s.execute(select(Unit.code, Unit.id)).all())
        for i, (at, tasks) in enumerate(sent):
            case_ = Case(process_id="broadcast", version_id=version.id, agency_id=agencies["CBI"],
                         created_by=directory["ipcu.officer"], created_at=at, state="{}", reference=f"BC-{i}")
            s.add(case_)
            s.flush()
            rows = [("CBI", None, "record", "IPCU", -H, 0 * H, None), *tasks]
            s.add_all([Task(case_id=case_.id, task_uuid=f"{i}-{k}", process_id="broadcast", bpmn_id=bpmn,
                            name=bpmn, lane=lane, variable="x", agency_id=agencies[code],
                            unit_id=units.get(unit), state="completed" if done is not None else "ready",
                            created_at=at + made, completed_at=at + done if done is not None else None,
                            due_at=at + due if due is not None else None)
                       for k, (code, unit, bpmn, lane, made, done, due) in enumerate(rows)])
        uow.commit()


def broadcast_history(platform, directory):
    punjab = [("PUNJAB", None, "route", "ILO", 0 * H, H, 3 * D),
              ("PUNJAB", "PUNJAB-LUDHIANA", "acknowledge", "UO", H, 30 * H, 3 * D),
              ("PUNJAB", "PUNJAB-LUDHIANA", "answer", "UO", 30 * H, 40 * H, 3 * D),
              ("PUNJAB", None, "forward", "ILO", 40 * H, 3 * D, 3 * D)]  # answered exactly at the deadline
    late = [("DELHI", None, "route", "ILO", 0 * H, H, 3 * D),
            ("DELHI", "DELHI-CRIME", "acknowledge", "UO", H, 3 * H, 3 * D),
            ("DELHI", None, "forward", "ILO", D, 4 * D, 3 * D)]
    write_broadcasts(platform, directory, [(T0 - 12 * D, DELHI_FAST), (T0, DELHI_FAST + punjab),
                                           (T0 + 10 * D, late),
                                           (T0 + 12 * D, [("DELHI", None, "route", "ILO", 0 * H, None, 3 * D)])])


def test_broadcast_responsiveness_per_agency(platform, directory):
    broadcast_history(platform, directory)
    delhi = {"agency": "DELHI", "name": "Delhi Police", "sent": 3, "acknowledged": 2, "answered": 2,
             "ack_p50_s": 10800.0, "answer_p50_s": 172800.0, "answered_on_time": 1, "on_time_share": 0.3333}
    punjab = {"agency": "PUNJAB", "name": "Punjab Police", "sent": 1, "acknowledged": 1, "answered": 1,
              "ack_p50_s": 108000.0, "answer_p50_s": 259200.0, "answered_on_time": 1, "on_time_share": 1.0}
    assert figures(platform, metrics.broadcast_responsiveness, start="2025-06-01") == [delhi, punjab]
    assert figures(platform, metrics.broadcast_responsiveness, agency="PUNJAB", category="RED") == [punjab]
    assert figures(platform, metrics.broadcast_responsiveness)[0] == {
        **delhi, "sent": 4, "acknowledged": 3, "answered": 3, "ack_p50_s": 18000.0, "answered_on_time": 2,
        "on_time_share": 0.5}
    assert figures(platform, metrics.broadcast_responsiveness, end="2025-05-31") == [
        {**delhi, "sent": 1, "acknowledged": 1, "answered": 1, "ack_p50_s": 18000.0, "answered_on_time": 1,
         "on_time_share": 1.0}]
    with platform.uow() as uow:
        columns, rows = table_rows(uow.session, "broadcasts", metrics.parse_filters(now=NOW, start="2025-06-01"))
    assert to_csv(columns, rows).splitlines()[1:] == [
        "DELHI,Delhi Police,3,2,2,10800.0,172800.0,1,0.3333", "PUNJAB,Punjab Police,1,1,1,108000.0,259200.0,1,1.0"]


def test_training_coverage_per_agency(platform, directory):
    """The demo register is cleared, then two sessions and four attendances are recorded."""
    with platform.uow() as uow:
        s = uow.session
        for model in (TrainingAttendee, TrainingAgency, TrainingSession):
            s.execute(delete(model))
        agencies = dict(s.execute(select(Agency.code, Agency.id)).all())
        held = [TrainingSession(held_on=T0.date(), title=f"Course {i}", mode="online", organiser="CBI",
                                recorded_by=directory["ipcu.officer"]) for i in range(2)]
        s.add_all(held)
        s.flush()
        s.add_all([TrainingAgency(session_id=held[0].id, agency_id=agencies["DELHI"]),
                   TrainingAgency(session_id=held[1].id, agency_id=agencies["DELHI"]),
                   TrainingAgency(session_id=held[1].id, agency_id=agencies["PUNJAB"])])
        s.add_all([TrainingAttendee(session_id=h.id, user_id=directory["uo.punjab.ludhiana"]) for h in held])
        s.add_all([TrainingAttendee(session_id=held[1].id, user_id=directory[name])
                   for name in ("ilo.punjab", "uo.delhi.crime")])
        uow.commit()
    rows = {r["code"]: r for r in figures(platform, metrics.training)}
    assert len(rows) == 8
    assert [rows[code] for code in ("CBI", "DELHI", "PUNJAB")] == [
        {"code": "CBI", "name": "Central Bureau of Investigation (IPCU, NCB New Delhi)", "sessions": 0,
         "trained": 0, "accounts": 2, "coverage": 0.0},
        {"code": "DELHI", "name": "Delhi Police", "sessions": 2, "trained": 1, "accounts": 3, "coverage": 33.3},
        {"code": "PUNJAB", "name": "Punjab Police", "sessions": 1, "trained": 2, "accounts": 2, "coverage": 100.0}]
    with platform.uow() as uow:
        columns, found = table_rows(uow.session, "training", metrics.parse_filters(now=NOW, agency="DELHI"))
    assert to_csv(columns, found).splitlines() == ["code,name,sessions,trained,accounts,coverage",
                                                   "DELHI,Delhi Police,2,1,3,33.3"]
