"""The notification centre page and the unread badge in the navigation."""

import pytest
from notice_cases import drafted

from engine.models import Notification
from engine.services.notifications import unread_count

pytestmark = pytest.mark.integration


def test_the_page_lists_the_officers_notifications_and_marks_them_read(app, client, login, platform, deployed):
    case = drafted(platform, deployed)
    login("ilo.delhi")
    page = client.get("/notifications").get_data(as_text=True)
    assert case.reference in page and f'href="/cases/{case.id}"' in page
    assert 'id="nav-notifications"' in page and 'class="unread"' in page
    response = client.post("/notifications/read")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    page = client.get("/notifications").get_data(as_text=True)
    assert case.reference in page and 'class="unread"' not in page and 'id="nav-notifications"' not in page


def test_another_agency_sees_none_of_it(app, client, login, platform, deployed):
    case = drafted(platform, deployed)
    login("ilo.punjab")
    page = client.get("/notifications").get_data(as_text=True)
    assert case.reference not in page and "No notifications for you yet." in page


def test_mark_all_read_needs_the_csrf_token(platform, deployed):
    from web import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform)
    client = app.test_client()
    client.post("/login", data={"username": "ilo.delhi", "password": "bharatpol-demo"})
    assert client.post("/notifications/read").status_code == 400


def test_the_badge_stops_counting_at_99_plus(app, client, login, platform, deployed):
    with platform.uow() as uow:
        uow.session.add_all(Notification(kind="reminder", text=f"reminder {i}", user_id=deployed["ilo.delhi"])
                            for i in range(101))
        uow.commit()
    assert unread_count(platform, actor_id=deployed["ilo.delhi"]) == 100
    login("ilo.delhi")
    page = client.get("/").get_data(as_text=True)
    assert 'title="unread notifications" style="background:#f4b942;color:#0b2545;font-weight:600">99+</span>' in page
    client.post("/notifications/read")
    assert unread_count(platform, actor_id=deployed["ilo.delhi"]) == 0
