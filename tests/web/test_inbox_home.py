"""The inbox (filters, counts, sorting, paging, claim/release from the list, overdue) and the home page per role."""

import copy
import itertools
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from samples import VALID_RED, VALID_YELLOW
from sqlalchemy import select, update

from engine.directory import agency_by_code, new_user, unit_by_code
from engine.models import Task
from engine.models.task import OPEN_STATES
from engine.read import home_page
from engine.services.cases import add_attachment, start_case
from engine.services.tasks import claim_task, complete_task

pytestmark = pytest.mark.integration

YELLOW = {**VALID_YELLOW, "subject": {**VALID_YELLOW["subject"], "physical_description": "1.40 m, long black hair"}}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
ATTACH = {"RED": [("warrant", "nbw.pdf", PDF)], "YELLOW": [("photo", "photo.png", PNG)]}  # what each rule asks for
PEOPLE = itertools.count(1)
VOID = {"input", "br", "meta", "link", "img", "hr"}
FILTERS = ("f-process", "f-category", "f-agency", "f-state")


class Page(HTMLParser):
    """Every element of a page: tag, attributes, normalised text (with its descendants), and the classes and
    #ids of the elements it sits in."""

    def __init__(self, response):
        super().__init__()
        self.elements, self._stack, self._select = [], [], None
        self.feed(response.get_data(as_text=True))
        self.elements = [(tag, attrs, " ".join(text.split()), within) for tag, attrs, text, within in self.elements]

    def handle_starttag(self, tag, attrs):
        attrs = {k: "" if v is None else v for k, v in attrs}
        if tag == "select":
            self._select = attrs.get("id")
        if tag == "option":
            attrs["select"] = self._select
        within = set()
        for _t, a, _x, _w in self._stack:
            within.update(a.get("class", "").split())
            within.update({f"#{a['id']}"} if a.get("id") else set())
        element = [tag, attrs, "", within]
        self.handle_data(" ")  # element boundaries separate words
        self.elements.append(element)
        if tag not in VOID:
            self._stack.append(element)

    def handle_endtag(self, tag):
        self.handle_data(" ")
        while self._stack and self._stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for element in self._stack:
            element[2] += data

    def find(self, tag, within=None, **attrs) -> list[str]:
        """Texts of the elements with this tag and these attribute values (class_ for class), in page order."""
        want = {k.rstrip("_"): v for k, v in attrs.items()}
        return [text for t, a, text, w in self.elements
                if t == tag and all(a.get(k) == v for k, v in want.items()) and (within is None or within in w)]

    def text(self, element_id) -> str:
        (found,) = [text for _t, a, text, _w in self.elements if a.get("id") == element_id]
        return found

    def links(self, within) -> list[str]:
        """The hrefs (unquoted) of the links inside elements with this class or #id."""
        return [unquote(a["href"]) for t, a, _x, w in self.elements if t == "a" and within in w]

    def task_ids(self, within="#inbox") -> list[int]:
        """The listed tasks, in page order (each row links its task once)."""
        return [int(href.rsplit("/", 1)[1]) for href in self.links(within) if re.fullmatch(r"/tasks/\d+", href)]

    def forms(self, within="#inbox") -> list[tuple[str, str]]:
        """(action unquoted, button text) of the forms inside an element."""
        return [(unquote(a["action"]), text) for t, a, text, w in self.elements if t == "form" and within in w]

    def choices(self, select_id) -> list[tuple[str, str]]:
        """(value, text) of a select's options, without its empty 'All' option."""
        return [(a["value"], text) for t, a, text, _w in self.elements
                if t == "option" and a["select"] == select_id and a.get("value")]

    def selected(self, select_id) -> list[str]:
        return [a["value"] for t, a, _x, _w in self.elements if t == "option" and a["select"] == select_id
                and "selected" in a]


def _open_task(platform, case_id) -> Task:
    with platform.uow() as uow:
        return uow.session.scalars(select(Task).where(Task.case_id == case_id, Task.state.in_(OPEN_STATES))).one()


def _submitted(platform, user_id, data=VALID_RED):
    """A request drafted and submitted by a unit officer, for a person of its own: its ILO's vetting is open."""
    data = copy.deepcopy(data)
    data["subject"]["family_name"] += f"-{next(PEOPLE)}"  # one person per request: no duplicate warning
    case = start_case(platform, actor_id=user_id, process_id="notice_request",
                      data={"notice_type": data["notice_type"]})
    for kind, filename, content in ATTACH[data["notice_type"]]:
        add_attachment(platform, actor_id=user_id, case_id=case.id, filename=filename, kind=kind, content=content)
    complete_task(platform, actor_id=user_id, task_id=_open_task(platform, case.id).id, data=data)
    return case


def _set(platform, task_id, **values):
    with platform.uow() as uow:
        uow.session.execute(update(Task).where(Task.id == task_id).values(**values))
        uow.commit()


@pytest.fixture
def world(platform, deployed):
    """Delhi: a RED and a YELLOW by the Crime Branch and a RED by South District at vetting, a Crime Branch
    draft; Punjab: a RED at vetting and one forwarded to IPCU. Vet tasks are dated oldest first: red, south,
    yellow (not their id order)."""
    users = deployed
    red = _submitted(platform, users["uo.delhi.crime"])
    yellow = _submitted(platform, users["uo.delhi.crime"], YELLOW)
    south = _submitted(platform, users["uo.delhi.south"])
    punjab = _submitted(platform, users["uo.punjab.ludhiana"])
    forwarded = _submitted(platform, users["uo.punjab.ludhiana"])
    complete_task(platform, actor_id=users["ilo.punjab"], task_id=_open_task(platform, forwarded.id).id,
                  data={"decision": "forward"})
    draft = start_case(platform, actor_id=users["uo.delhi.crime"], process_id="notice_request",
                       data={"notice_type": "BLUE"})
    cases = {"red": red, "yellow": yellow, "south": south, "punjab": punjab, "forwarded": forwarded, "draft": draft}
    tasks = {name: _open_task(platform, case.id).id for name, case in cases.items()}
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for hours, name in enumerate(("red", "south", "yellow", "punjab", "forwarded", "draft")):
        _set(platform, tasks[name], created_at=start + timedelta(hours=hours))
    return {"users": users, "cases": cases, "tasks": tasks}


def _ids(world, *names) -> list[int]:
    return [world["tasks"][name] for name in names]


def _state(platform, task_id) -> tuple[str, int | None]:
    with platform.uow() as uow:
        task = uow.session.get(Task, task_id)
        return task.state, task.assignee_id


def test_ilo_inbox_lists_its_agency_with_counts_per_filter_value(client, login, world):
    login("ilo.delhi")
    page = Page(client.get("/tasks"))
    assert (page.find("h1"), page.task_ids()) == (["Inbox (3 tasks)"], _ids(world, "red", "south", "yellow"))
    assert [page.choices(f) for f in FILTERS] == [
        [("notice_request", "notice request (3)")], [("RED", "RED (2)"), ("YELLOW", "YELLOW (1)")],
        [("DELHI", "DELHI (3)")], [("ready", "ready (3)")]]
    assert page.find("label")[4] == "Overdue only (0)"
    cells = page.find("td", within="#inbox")
    rows = [cells[i:i + 7] for i in range(0, len(cells), 7)]
    refs = {name: case.reference for name, case in world["cases"].items()}
    # the vetting task is due 7 days on (dueIn P7D): the Due column reads "in 6 days"
    assert [[row[0], row[1], row[2], row[3], row[5], row[6]] for row in rows] == [
        ["Vet request waiting", f"{refs[name]} {category}", "notice request", "DELHI", "in 6 days", "Claim"]
        for name, category in (("red", "RED"), ("south", "RED"), ("yellow", "YELLOW"))]


def test_ipcu_inbox_counts_the_agencies_of_its_tasks(client, login, world):
    login("ipcu.officer")
    page = Page(client.get("/tasks"))
    assert (page.find("h1"), page.task_ids()) == (["Inbox (1 task)"], _ids(world, "forwarded"))
    assert [page.choices(f) for f in FILTERS] == [
        [("notice_request", "notice request (1)")], [("RED", "RED (1)")], [("PUNJAB", "PUNJAB (1)")],
        [("ready", "ready (1)")]]
    assert Page(client.get("/tasks?agency=DELHI")).task_ids() == []
    assert Page(client.get("/tasks?agency=PUNJAB")).task_ids() == _ids(world, "forwarded")


@pytest.mark.parametrize(("query", "expected", "select_id", "value"), [
    ("process=notice_request", ["red", "south", "yellow"], "f-process", "notice_request"),
    ("process=broadcast", [], "f-process", None),
    ("category=RED", ["red", "south"], "f-category", "RED"),
    ("category=YELLOW", ["yellow"], "f-category", "YELLOW"),
    ("category=BLUE", [], "f-category", None),
    ("agency=DELHI", ["red", "south", "yellow"], "f-agency", "DELHI"),
    ("agency=PUNJAB", [], "f-agency", None),
    ("state=ready", ["red", "south", "yellow"], "f-state", "ready"),
    ("state=claimed", [], "f-state", None),
    ("category=RED&agency=DELHI&state=ready", ["red", "south"], "f-category", "RED"),
])
def test_ilo_inbox_filters_by_each_value(client, login, world, query, expected, select_id, value):
    login("ilo.delhi")
    page = Page(client.get(f"/tasks?{query}"))
    total = len(expected)
    assert (page.find("h1"), page.task_ids()) == ([f"Inbox ({total} task{'' if total == 1 else 's'})"],
                                                  _ids(world, *expected))
    assert page.selected(select_id) == ([value] if value else [])
    assert page.find("p", class_="card muted") == ([] if expected else ["No tasks match these filters."])
    # the counts describe the whole scope, whatever the filter, so the other values stay reachable
    assert page.choices("f-category") == [("RED", "RED (2)"), ("YELLOW", "YELLOW (1)")]


def test_due_sort_puts_tasks_with_a_due_date_first(client, login, world, platform, request):
    _set(platform, world["tasks"]["yellow"], due_at=datetime.now(UTC) - timedelta(hours=2))
    _set(platform, world["tasks"]["south"], due_at=datetime.now(UTC) + timedelta(days=2))
    login("ilo.delhi")
    assert Page(client.get("/tasks?sort=due")).task_ids() == _ids(world, "yellow", "south", "red")


@pytest.mark.parametrize(("sort", "expected"), [("oldest", ["red", "south", "yellow"]),
                                                ("newest", ["yellow", "south", "red"]),
                                                ("", ["red", "south", "yellow"])])
def test_ilo_inbox_sorts_by_waiting_time_not_by_id(client, login, world, sort, expected):
    login("ilo.delhi")
    page = Page(client.get(f"/tasks?sort={sort}"))
    assert (page.task_ids(), page.selected("f-sort")) == (_ids(world, *expected), [sort] if sort else [])


def test_overdue_filter(client, login, world, platform):
    _set(platform, world["tasks"]["yellow"], due_at=datetime.now(UTC) - timedelta(hours=2))
    _set(platform, world["tasks"]["south"], due_at=datetime.now(UTC) + timedelta(days=2))
    login("ilo.delhi")
    assert Page(client.get("/tasks")).find("label")[4] == "Overdue only (1)"
    overdue = client.get("/tasks?overdue=1")
    page = Page(overdue)
    assert (page.find("h1"), page.task_ids()) == (["Inbox (1 task)"], _ids(world, "yellow"))
    assert 'name="overdue" value="1" checked' in overdue.get_data(as_text=True)
    assert Page(client.get("/tasks?overdue=1&category=RED")).task_ids() == []
    home = Page(client.get("/"))
    assert (home.text("count-overdue"), home.text("count-waiting")) == ("1", "3")


def test_unit_inbox_pages_by_25_and_keeps_the_filters(client, login, platform, deployed):
    crime = deployed["uo.delhi.crime"]
    ids = []
    for n in range(27):
        case = start_case(platform, actor_id=crime, process_id="notice_request",
                          data={"notice_type": "YELLOW" if n % 3 == 0 else "RED"})
        ids.append(_open_task(platform, case.id).id)
    login("uo.delhi.crime")
    first, second = Page(client.get("/tasks")), Page(client.get("/tasks?page=2"))
    assert (first.task_ids(), second.task_ids()) == (ids[:25], ids[25:])
    assert (first.find("nav", class_="pager"), second.find("nav", class_="pager")) == (
        ["Page 1 of 2 Next →"], ["← Previous Page 2 of 2"])
    assert (first.links("pager"), second.links("pager")) == (["/tasks?page=2"], ["/tasks?page=1"])
    newest = Page(client.get("/tasks?process=notice_request&sort=newest"))
    assert (newest.task_ids(), newest.links("pager")) == (ids[:1:-1],
                                                          ["/tasks?process=notice_request&sort=newest&page=2"])
    assert Page(client.get("/tasks?process=notice_request&sort=newest&page=2")).task_ids() == [ids[1], ids[0]]
    yellow = Page(client.get("/tasks?category=YELLOW"))
    assert (yellow.task_ids(), yellow.links("pager")) == (ids[::3], [])
    for bad in ("page=0", "page=-3", "page=two"):
        assert Page(client.get(f"/tasks?{bad}")).task_ids() == ids[:25]
    beyond = Page(client.get("/tasks?page=3"))
    assert (beyond.find("h1"), beyond.task_ids()) == (["Inbox (27 tasks)"], [])
    home = Page(client.get("/"))
    assert (home.text("count-waiting"), len(home.task_ids(within="card")), home.find("a", href="/tasks")) == (
        "27", 10, ["Inbox", "27 tasks you may act on", "All 27 tasks →"])


def test_claim_and_release_from_the_list_return_to_it(client, login, world, platform):
    red, south = _ids(world, "red", "south")
    login("ilo.delhi")
    page = Page(client.get("/tasks?category=RED"))
    actions = [action for action, _button in page.forms()]
    assert [(unquote(action), button) for action, button in page.forms()] == [
        (f"/tasks/{red}/claim?next=/tasks?category=RED", "Claim"),
        (f"/tasks/{south}/claim?next=/tasks?category=RED", "Claim")]
    claimed = client.post(actions[0])
    assert (claimed.status_code, claimed.location) == (302, "/tasks?category=RED")
    assert _state(platform, red) == ("claimed", world["users"]["ilo.delhi"])
    released = client.post(actions[0].replace("/claim?", "/release?"))
    assert (released.status_code, released.location) == (302, "/tasks?category=RED")
    assert _state(platform, red) == ("ready", None)
    plain = Page(client.get("/tasks")).forms()[0][0]
    assert (unquote(plain), client.post(plain).location) == (f"/tasks/{red}/claim?next=/tasks?", "/tasks")




@pytest.mark.parametrize("target", ["//evil.example/tasks", "https://evil.example/tasks", "tasks", "/\t/evil.example"])
def test_claim_never_returns_to_another_site(client, login, world, target):
    red = world["tasks"]["red"]
    login("ilo.delhi")
    response = client.post(f"/tasks/{red}/claim", query_string={"next": target})
    assert (response.status_code, response.location) == (302, f"/tasks/{red}")


def test_claimed_task_is_listed_as_claimed_with_a_release_button(client, login, world, platform):
    red = world["tasks"]["red"]
    with platform.uow() as uow:
        s = uow.session
        new_user(s, username="ilo.delhi2", full_name="Second ILO, Delhi", role="ILO", agency=agency_by_code(s, "DELHI"),
                 password="a-long-enough-password", must_change_password=False,
                 is_demo=True)  # demo accounts skip two-factor enrolment, so a password signs in
        uow.commit()
    claim_task(platform, actor_id=world["users"]["ilo.delhi"], task_id=red)
    login("ilo.delhi")
    page = Page(client.get("/tasks?state=claimed"))
    assert page.task_ids() == [red]
    assert page.find("span", within="#inbox", class_="badge badge-claimed") == ["claimed by ilo.delhi"]
    assert [(unquote(a), b) for a, b in page.forms()] == [(f"/tasks/{red}/release?next=/tasks?state=claimed",
                                                          "Release")]
    assert page.choices("f-state") == [("claimed", "claimed (1)"), ("ready", "ready (2)")]
    assert Page(client.get("/")).text("count-claimed") == "1"
    login("ilo.delhi2", "a-long-enough-password")
    colleague = Page(client.get("/tasks"))
    assert (colleague.task_ids(), [unquote(a) for a, _b in colleague.forms()]) == (
        _ids(world, "red", "south", "yellow"), [f"/tasks/{world['tasks'][n]}/claim?next=/tasks?" for n in
                                                ("south", "yellow")])


def test_claimed_by_me_counts_past_fifty_claims_of_colleagues(platform, deployed):
    with platform.uow() as uow:
        s = uow.session
        colleague = new_user(s, username="uo.delhi.crime2", full_name="Inspector, Crime Branch", role="UO",
                             agency=agency_by_code(s, "DELHI"), unit=unit_by_code(s, "DELHI-CRIME"),
                             password="a-long-enough-password").id
        uow.commit()
    me = deployed["uo.delhi.crime"]
    for _n in range(51):
        case = start_case(platform, actor_id=me, process_id="notice_request")
        claim_task(platform, actor_id=colleague, task_id=_open_task(platform, case.id).id)
    mine = start_case(platform, actor_id=me, process_id="notice_request")
    claim_task(platform, actor_id=me, task_id=_open_task(platform, mine.id).id)
    assert [t["case_id"] for t in home_page(platform, actor_id=me)["claimed_by_me"]] == [mine.id]


UO_STARTS = ["/cases/new#notice_request", "/cases/new#reference_request"]  # ILOs start nothing, IPCU broadcasts
HOME = {
    # username: (h2 headings, waiting tasks, claimed, overdue, open cases, my open requests, start links)
    "uo.delhi.crime": (["Waiting for you and your unit", "Your open requests", "Start a new request"], ["draft"],
                       "0", "0", "3", ["draft", "yellow", "red"], UO_STARTS),
    "uo.delhi.south": (["Waiting for you and your unit", "Your open requests", "Start a new request"], [],
                       "0", "0", "1", ["south"], UO_STARTS),
    "uo.punjab.ludhiana": (["Waiting for you and your unit", "Your open requests", "Start a new request"], [],
                           "0", "0", "2", ["forwarded", "punjab"], UO_STARTS),
    "ilo.delhi": (["Waiting for you and your agency", "Your open requests"], ["red", "south", "yellow"],
                  "0", "0", "4", [], []),
    "ilo.punjab": (["Waiting for you and your agency", "Your open requests"], ["punjab"], "0", "0", "2", [], []),
    "ipcu.officer": (["Waiting for you", "Your open requests", "Start a new request"], ["forwarded"], "0", "0", "6",
                     [], ["/cases/new#broadcast"]),
}


@pytest.mark.parametrize("username", list(HOME))
def test_home_page_per_role(client, login, world, username):
    headings, waiting, claimed, overdue, open_cases, mine, starts = HOME[username]
    login(username)
    page = Page(client.get("/"))
    assert page.find("h2") == headings
    assert page.task_ids(within="card") == _ids(world, *waiting)
    assert [page.text(f"count-{n}") for n in ("waiting", "claimed", "overdue", "open-cases")] == [
        str(len(waiting)), claimed, overdue, open_cases]
    assert [h for h in page.links("card") if re.fullmatch(r"/cases/\d+", h)] == [
        f"/cases/{world['cases'][name].id}" for name in mine]
    assert [h for h in page.links("card") if h.startswith("/cases/new")] == starts
    empty = {"Nothing is waiting for you. Well done.", "You have no open requests."}
    assert [p for p in page.find("p", class_="muted") if p in empty] == (
        (["Nothing is waiting for you. Well done."] if not waiting else []) + (
            ["You have no open requests."] if not mine else []))
