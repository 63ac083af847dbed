"""A RED notice request from draft to publication, in Debian's Chromium driven by Playwright."""

import copy
import re

import pytest
from browser_helpers import api_post, fill_form, sign_in
from samples import VALID_RED

pytestmark = pytest.mark.e2e


def test_red_notice_from_draft_to_published_in_the_browser(live_server, page, shoot, tmp_path):
    base = live_server
    warrant = tmp_path / "warrant.pdf"
    warrant.write_bytes(b"%PDF-1.4\n% arrest warrant NBW/2023/117\n")

    sign_in(page, base, "uo.delhi.crime")
    page.goto(f"{base}/cases/new")
    page.select_option("#notice-type-notice_request", "RED")
    page.click("form:has(#notice-type-notice_request) button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    reference = page.locator("#case-reference").inner_text()
    page.click("text=Open the task")
    page.set_input_files("input[type=file][name=file]", str(warrant))
    page.select_option("select[name=kind]", "warrant")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_selector("text=attached as warrant")
    data = copy.deepcopy(VALID_RED)
    fill_form(page, data)
    shoot(page, "task-form")
    page.click("button[name=action][value=complete]")
    page.wait_for_selector("text=completed for case")

    sign_in(page, base, "ilo.delhi")
    page.goto(f"{base}/tasks")
    shoot(page, "inbox")
    page.click(f"tr:has-text('{reference}') >> text=Vet request")
    page.select_option("select[name=decision]", "forward")
    page.click("button[name=action][value=complete]")
    page.wait_for_selector("text=completed for case")

    sign_in(page, base, "ipcu.officer")
    page.goto(f"{base}/tasks")
    page.click(f"tr:has-text('{reference}') >> text=Review and send to INTERPOL")
    page.select_option("select[name=decision]", "send")
    page.click("button[name=action][value=complete]")
    page.wait_for_selector("text=completed for case")

    token = api_post(base, "/tokens", {"username": "ipcu.officer", "password": "bharatpol-demo"})["token"]
    api_post(base, "/messages/interpol_decision", {"correlation": reference, "payload": {
        "outcome": "published", "notice_number": "A-1234/5-2026", "published_on": "2026-05-04"}}, token)

    page.goto(f"{base}/cases")
    page.click(f"text={reference}")
    page.wait_for_selector("[data-rendered=true]")
    assert page.locator(".bp-done").count() >= 3
    body = page.locator("main").inner_text()
    assert "A-1234/5-2026" in body
    assert "4 May 2031" in body
    shoot(page, "case-page")
