"""The notice register page, its CSV export and IPCU's decision page."""

import csv
import io
import re

import pytest
from notice_cases import drafted, published, sent
from sqlalchemy import select

from engine.models import AuditEntry, Case

pytestmark = pytest.mark.integration


def _texts(response, css_class: str) -> list[str]:
    html = response.get_data(as_text=True)
    found = re.findall(rf'<[^>]+class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</', html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", t).split()) for t in found]


def test_register_lists_the_agencys_requests(client, login, platform, deployed):
    case = published(platform, deployed)
    login("ilo.delhi")
    response = client.get("/notices?q=ravi")
    assert response.status_code == 200
    assert _texts(response, "register-link") == [case.reference]
    assert _texts(response, "register-subject") == ["SHARMA, Ravi alias Ravi S."]
    assert _texts(response, "register-status") == ["Published"]
    assert client.get("/notices?q=nobody").get_data(as_text=True).count('id="register-empty"') == 1


def test_register_is_not_for_unit_officers(client, login, deployed):
    login("uo.delhi.crime")
    assert client.get("/notices").status_code == 403


def test_register_bad_date_is_422(client, login, deployed):
    login("ipcu.officer")
    response = client.get("/notices?published_from=May")
    assert response.status_code == 422
    assert "must be a date YYYY-MM-DD" in response.get_data(as_text=True)


def test_csv_export_downloads_and_is_logged(client, login, platform, deployed):
    case = drafted(platform, deployed)
    login("ipcu.officer")
    response = client.get("/notices/export.csv?notice_type=RED")
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="notice-register-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [(r[0], r[4]) for r in rows[1:]] == [(case.reference, "vetting")]
    with platform.uow() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.export")).one()
        assert (entry.actor, entry.detail) == ("ipcu.officer", {"filters": {"notice_type": "RED"}, "rows": 1})


def test_ipcu_records_publication_on_the_decision_page(client, login, platform, deployed):
    case = sent(platform, deployed)
    login("ipcu.officer")
    page = client.get(f"/notices/{case.id}/decision")
    assert (page.status_code, page.get_data(as_text=True).count('id="decision-form"')) == (200, 1)
    response = client.post(f"/notices/{case.id}/decision", data={
        "outcome": "published", "notice_number": "A-55/2-2026", "published_on": "2026-06-01"})
    assert (response.status_code, response.location) == (302, f"/cases/{case.id}")
    with platform.uow() as uow:
        row = uow.session.get(Case, case.id)
        assert (row.interpol_number, row.notice_status, row.data["published"]["review_due"]) == (
            "A-55/2-2026", "published", "2031-06-01")


def test_incomplete_decision_shows_the_fields_to_fix(client, login, platform, deployed):
    case = sent(platform, deployed)
    login("ipcu.officer")
    response = client.post(f"/notices/{case.id}/decision", data={"outcome": "refused"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.findall(r'<p class="error" id="err-(\w+)">([^<]*)</p>', html) == [("reason", "is required")]


def test_decision_page_is_for_ipcu_only(client, login, platform, deployed):
    case = sent(platform, deployed)
    login("ilo.delhi")
    assert client.get(f"/notices/{case.id}/decision").status_code == 403
    assert client.post(f"/notices/{case.id}/decision", data={"outcome": "query", "question": "?"}).status_code == 403


def test_decision_page_says_when_nothing_is_awaited(client, login, platform, deployed):
    case = drafted(platform, deployed)
    login("ipcu.officer")
    html = client.get(f"/notices/{case.id}/decision").get_data(as_text=True)
    assert (html.count('id="decision-not-waiting"'), html.count('id="decision-form"')) == (1, 0)
