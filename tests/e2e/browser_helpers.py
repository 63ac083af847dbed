"""Helpers for browser tests: sign in, fill a schema form, call the API of the live server."""

import json
import re
import urllib.request

from forms.fields import to_fields


def api_post(base: str, path: str, body: dict, token: str | None = None) -> dict:
    """POST JSON to the live server's API."""
    request = urllib.request.Request(f"{base}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
        return json.loads(response.read())


def sign_in(page, base: str, username: str, password: str = "bharatpol-demo"):
    # leave the previous page first: a request it still has in flight (the case page fetches its diagram) would
    # otherwise come back without a session and hand the browser a fresh cookie in the middle of the sign-in
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def fill_form(page, data: dict):
    """Type each value into the field named by its dotted path, adding array rows as needed.

    Waits for the task page first: a click on a link returns before the next page has loaded, and looking
    a field up (which does not wait) on the page being left would wrongly find nothing.
    """
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    page.wait_for_selector("button[name=action][value=complete]")
    for name, value in to_fields(data).items():
        field = page.locator(f'[name="{name}"]')
        if field.count() == 0:
            array_path = re.sub(r"\.\d+(\.[^.]+)*$", "", name)
            page.locator(f'[data-array="{array_path}"] > [data-add-row]').click()
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
