"""A broadcast sent to two agencies, acknowledged and answered by one, in Debian's Chromium driven by Playwright;
the IPCU board then shows the other agency as overdue.

Time is advanced through the database: the silent agency's open task gets a due time in the past (the board
computes overdue from the tasks' due times, which the diagram sets from the urgency's deadlines).
"""

import re
from datetime import timedelta

import pytest
from browser_helpers import fill_form, sign_in
from cooperation_cases import ANSWER, broadcast
from sqlalchemy import select, update

from engine.models import Agency, Task
from engine.models.task import OPEN_STATES
from engine.services._common import now

pytestmark = pytest.mark.e2e


def _complete(page, base, username, reference, task_name, data, shoot=None):
    """Sign in, open the task from the inbox, fill its form and submit it."""
    sign_in(page, base, username)
    page.goto(f"{base}/tasks")
    page.click(f"tr:has-text('{reference}') >> text={task_name}")
    fill_form(page, data)
    if shoot:
        shoot(page)
    page.click("button[name=action][value=complete]")
    page.wait_for_selector("text=completed for case")


def _overdue(platform, reference: str, agency: str):
    """Move the agency's open tasks' due time an hour into the past (as if its deadline had passed)."""
    with platform.uow() as uow:
        agency_id = uow.session.scalar(select(Agency.id).where(Agency.code == agency))
        changed = uow.session.execute(update(Task).where(
            Task.agency_id == agency_id, Task.state.in_(OPEN_STATES), Task.process_id == "broadcast",
        ).values(due_at=now() - timedelta(hours=1))).rowcount
        uow.commit()
    assert changed == 1, reference


def _record(page, base, shoot) -> str:
    """IPCU starts a broadcast and records it for Delhi and Punjab; returns its reference."""
    sign_in(page, base, "ipcu.officer")
    page.goto(f"{base}/cases/new")
    page.click("section#broadcast button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    reference = page.locator("#case-reference").inner_text()
    page.click("text=Open the task")
    fill_form(page, broadcast(agencies=["DELHI", "PUNJAB"]))
    shoot(page, "broadcast-record")
    page.click("button[name=action][value=complete]")
    page.wait_for_selector("text=completed for case")
    return reference


def _check_board(page, base, reference, shoot):
    """IPCU's board: Delhi answered and not overdue, Punjab only sent and overdue; then the case page."""
    sign_in(page, base, "ipcu.officer")
    page.goto(f"{base}/broadcasts")
    card = page.locator("section.bc-card", has_text=reference)
    delhi, punjab = card.locator("tr[data-agency=DELHI]"), card.locator("tr[data-agency=PUNJAB]")
    assert (delhi.get_attribute("data-status"), delhi.get_attribute("data-overdue")) == ("answered", "no")
    assert (punjab.get_attribute("data-status"), punjab.get_attribute("data-overdue")) == ("sent", "yes")
    assert "Overdue (acknowledgement)" in punjab.inner_text()
    shoot(page, "broadcast-board")
    card.get_by_role("link", name=reference).click()
    page.wait_for_selector("[data-rendered=true]")
    shoot(page, "broadcast-ipcu-case")


def test_broadcast_to_two_agencies_one_answers_the_board_shows_the_other_overdue(live_server, page, shoot, platform):
    base = live_server
    reference = _record(page, base, shoot)
    _complete(page, base, "ilo.delhi", reference, "Route to units", {"units": ["DELHI-CRIME"]},
              lambda p: shoot(p, "broadcast-route"))
    _complete(page, base, "uo.delhi.crime", reference, "Acknowledge receipt", {"received": True})
    _complete(page, base, "uo.delhi.crime", reference, "Answer the request", ANSWER,
              lambda p: shoot(p, "broadcast-answer"))
    _complete(page, base, "ilo.delhi", reference, "Forward the agency's answer to IPCU",
              {"summary": "Delhi Police: subject located at 12 Lajpat Nagar."})

    sign_in(page, base, "ilo.punjab")  # a recipient sees the request, not Delhi's answer
    page.goto(f"{base}/cases")
    page.click(f"text={reference}")
    body = page.locator("main").inner_text()
    assert "NCB-ABU-DHABI/2026/4471" in body and "Lajpat Nagar" not in body and "DELHI" not in body
    shoot(page, "broadcast-punjab-view")

    _overdue(platform, reference, "PUNJAB")
    _check_board(page, base, reference, shoot)
