"""The IPCU effectiveness pages on a generated year of notice requests, in Debian's Chromium driven by Playwright."""

import re

import pytest
from browser_helpers import sign_in

from engine.demo_history import generate

pytestmark = pytest.mark.e2e


def test_metrics_overview_heatmap_and_node_cases_in_the_browser(platform, live_server, page, shoot):
    summary = generate(platform, cases=60, seed=7)
    assert summary["closed"] + summary["open"] == 60
    assert summary["open"] > 0, summary
    base = live_server

    sign_in(page, base, "ipcu.officer")
    page.goto(f"{base}/metrics")
    page.wait_for_selector("svg.chart-svg rect")
    assert page.locator("h1").inner_text() == "Effectiveness and bottlenecks"
    assert page.locator("svg.chart-svg").count() >= 2  # completions per week, backlog per agency
    assert page.locator("#metrics-nodes tbody tr").count() >= 3
    assert "Tasks completed per week" in page.locator("#weekly-title").text_content()
    shoot(page, "metrics-overview")

    page.goto(f"{base}/metrics/heatmap?process=notice_request")
    page.wait_for_selector("#heatmap[data-rendered=true]")
    heading = page.locator("h1").inner_text()
    assert re.fullmatch(r"Heatmap: .+ \(version \d+\)", heading), heading
    assert int(page.locator("#heatmap").get_attribute("data-painted")) >= 3
    badges = page.locator("#heatmap .heat-badge")
    assert badges.count() >= 3
    assert all(re.fullmatch(r"\d+", text) for text in badges.all_inner_texts())
    assert page.locator(".djs-element.hm-red, .djs-element.hm-amber, .djs-element.hm-green, "
                        ".djs-element.hm-grey").count() >= 3  # every painted node is coloured
    shoot(page, "metrics-heatmap")

    # the badge of the node with the most open work: its number is the count on the node's case list
    counts = [int(text) for text in badges.all_inner_texts()]
    busiest = badges.nth(counts.index(max(counts)))
    wip, title = max(counts), busiest.get_attribute("title")
    name = title.split(":", 1)[0]
    assert wip > 0, counts
    busiest.click()
    page.wait_for_url(re.compile(r"/metrics/nodes/\w+\?process=notice_request$"))
    assert page.locator("h1").inner_text() == f"Cases at “{name}” ({wip} open)"
    assert page.locator("#node-cases tbody tr").count() == wip
    shoot(page, "metrics-node-cases")
