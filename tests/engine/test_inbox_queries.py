"""The inbox's one grouped count statement gives the same totals and counts as counting each filter by hand."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from cooperation_cases import answered_by_delhi, sent_broadcast
from notice_cases import drafted, started
from samples import VALID_YELLOW
from sqlalchemy import func, select, update

from engine import queries
from engine.assignment import case_scope_clause, may_act
from engine.models import Agency, Case, Task, User
from engine.models.task import OPEN_STATES
from engine.services.tasks import claim_task

pytestmark = pytest.mark.integration

LOGINS = ("uo.delhi.crime", "uo.delhi.south", "ilo.delhi", "ilo.punjab", "ipcu.officer")


@pytest.fixture
def spread(platform, deployed):
    """Open tasks in two units, two categories, both states, one overdue."""
    started(platform, deployed, "RED")
    started(platform, deployed, "YELLOW", uo="uo.delhi.south")
    vet = drafted(platform, deployed, "YELLOW", data=dict(VALID_YELLOW))
    draft = started(platform, deployed, "RED")
    with platform.uow() as uow:
        task_id = uow.session.scalar(select(Task.id).where(Task.case_id == draft.id))
        uow.session.execute(update(Task).where(Task.case_id == vet.id)
                            .values(due_at=datetime.now(UTC) - timedelta(days=1)))
        uow.commit()
    claim_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=task_id)
    return deployed


def by_hand(session, user: User) -> list[dict]:
    """The user's open tasks with every filter value, read one by one."""
    rows = []
    for task in session.scalars(select(Task).where(Task.state.in_(OPEN_STATES)).order_by(Task.id)):
        if may_act(user, task):
            case = session.get(Case, task.case_id)
            rows.append({"process": task.process_id, "category": case.category, "state": task.state,
                         "agency": session.get(Agency, task.agency_id).code,
                         "overdue": task.due_at is not None and task.due_at < datetime.now(UTC)})
    return rows


def expected_counts(rows: list[dict]) -> dict:
    counts = {}
    for key in ("process", "category", "agency", "state"):
        values = sorted({r[key] for r in rows if r[key] is not None})
        counts[key] = {v: sum(1 for r in rows if r[key] == v) for v in values}
    counts["overdue"] = sum(1 for r in rows if r["overdue"])
    return counts


FILTER_CHOICES = {"process": [None, "notice_request", "broadcast"], "category": [None, "RED", "YELLOW"],
                  "agency": [None, "DELHI", "PUNJAB"], "state": [None, "ready", "claimed", "bogus"],
                  "overdue": [False, True]}


@pytest.mark.parametrize("login", LOGINS)
def test_inbox_totals_and_counts_equal_counting_by_hand(platform, spread, login):
    with platform.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == login))
        rows = by_hand(uow.session, user)
        for values in itertools.product(*FILTER_CHOICES.values()):
            filters = dict(zip(FILTER_CHOICES, values, strict=True))
            result = queries.inbox(uow.session, user, **filters, per_page=100)
            wanted = [r for r in rows if all(r[k] == v for k, v in filters.items()
                                             if v and not (k == "state" and v not in OPEN_STATES))]
            assert (result["total"], len(result["tasks"])) == (len(wanted), len(wanted)), filters
            assert result["counts"] == expected_counts(rows)


def test_inbox_counts_of_the_spread_are_exact(platform, spread):
    with platform.uow() as uow:
        ilo = uow.session.scalar(select(User).where(User.username == "ilo.delhi"))
        uo = uow.session.scalar(select(User).where(User.username == "uo.delhi.crime"))
        assert queries.inbox(uow.session, ilo)["counts"] == {
            "process": {"notice_request": 1}, "category": {"YELLOW": 1}, "agency": {"DELHI": 1},
            "state": {"ready": 1}, "overdue": 1}
        found = queries.inbox(uow.session, uo)
        assert (found["total"], found["counts"]["state"], found["counts"]["category"]) == (
            2, {"claimed": 1, "ready": 1}, {"RED": 2})
        assert [t["state"] for t in queries.claimed_by(uow.session, uo)] == ["claimed"]


@pytest.mark.parametrize("login", LOGINS)
def test_case_count_equals_the_total_of_the_case_list(platform, spread, login):
    with platform.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == login))
        for status in (None, "open", "completed"):
            assert queries.case_count(uow.session, user, status=status) == \
                queries.cases(uow.session, user, status=status)["total"]


def visible_by_hand(session, user: User, status: str | None) -> int:
    """Cases the user may see, read one by one: own unit / agency, or any task of the case sent to it."""
    seen = 0
    for case in session.scalars(select(Case).where(Case.status == status) if status else select(Case)):
        tasks = session.scalars(select(Task).where(Task.case_id == case.id)).all()
        if user.role == "IPCU":
            seen += 1
        elif user.role == "UO":
            seen += case.unit_id == user.unit_id or any(t.unit_id == user.unit_id for t in tasks)
        else:
            seen += case.agency_id == user.agency_id or any(t.agency_id == user.agency_id for t in tasks)
    return seen


@pytest.mark.parametrize("login", LOGINS)
def test_case_count_with_branches_equals_counting_by_hand(platform, spread, login):
    broadcast = sent_broadcast(platform, spread)  # Delhi and Punjab get a branch each
    answered_by_delhi(platform, spread, broadcast.id)  # and the Delhi crime branch a unit branch
    with platform.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == login))
        for status in (None, "open", "completed"):
            by_scope = uow.session.scalar(select(func.count(Case.id)).where(case_scope_clause(user), *(
                [Case.status == status] if status else [])))
            assert queries.case_count(uow.session, user, status=status) == by_scope == \
                visible_by_hand(uow.session, user, status), status


def test_branch_flags_mark_only_the_tasks_sent_outside_the_case(platform, spread):
    broadcast = sent_broadcast(platform, spread)
    answered_by_delhi(platform, spread, broadcast.id)
    with platform.uow() as uow:
        flagged = uow.session.execute(select(Task.bpmn_id, Agency.code).join(Agency, Agency.id == Task.agency_id)
                                      .where(Task.branch).order_by(Task.id)).all()
        assert uow.session.scalar(select(func.count(Task.id)).where(Task.branch, Task.case_id != broadcast.id)) == 0
    assert [tuple(row) for row in flagged] == [
        ("route", "DELHI"), ("route", "PUNJAB"), ("acknowledge", "DELHI"), ("answer", "DELHI"), ("forward", "DELHI")]


def test_claimed_by_lists_the_longest_held_first_up_to_the_limit(platform, deployed):
    cases = [started(platform, deployed, "RED") for _ in range(3)]
    with platform.uow() as uow:
        task_ids = [uow.session.scalar(select(Task.id).where(Task.case_id == c.id)) for c in cases]
    for task_id in task_ids:
        claim_task(platform, actor_id=deployed["uo.delhi.crime"], task_id=task_id)
    with platform.uow() as uow:
        uo = uow.session.scalar(select(User).where(User.username == "uo.delhi.crime"))
        assert [t["id"] for t in queries.claimed_by(uow.session, uo, limit=2)] == task_ids[:2]
        assert [t["id"] for t in queries.claimed_by(uow.session, uo)] == task_ids
