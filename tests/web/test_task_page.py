"""The task page: schema-driven fields, errors next to them, drafts, uploads, submit, returns."""

import io
from html.parser import HTMLParser

import pytest
from samples import VALID_RED
from sqlalchemy import select

from engine.models import Task
from forms.fields import to_fields

pytestmark = pytest.mark.integration

VOID = {"input", "br", "img", "meta", "link", "hr", "source"}


class Page(HTMLParser):
    """What a test needs from a page: elements by id (with their text and value), and label texts by `for`."""

    def __init__(self, html: bytes):
        super().__init__()
        self.by_id, self.labels, self.scripts = {}, {}, []
        self._open, self._select = [], None
        self.feed(html.decode())

    def handle_starttag(self, tag, attrs):
        a = {k: ("" if v is None else v) for k, v in attrs}
        if tag == "script":
            self.scripts.append(a)
        if tag == "select":
            self._select = a.get("id")
        if tag == "option" and "selected" in a and self._select:
            self.by_id[self._select]["value"] = a.get("value", "")
        if "id" in a:
            self.by_id[a["id"]] = dict(a, tag=tag, text="")
        if tag in VOID:
            return
        target = self.by_id[a["id"]] if "id" in a else None
        if tag == "label":
            target = self.labels.setdefault(a.get("for"), {"text": ""})
        self._open.append((tag, target))

    def handle_endtag(self, tag):
        self.handle_data(" ")  # element boundaries separate words (<dt>Sex</dt><dd>M</dd> → "Sex M")
        while self._open:
            open_tag, target = self._open.pop()
            if target is not None:
                target["text"] = " ".join(target["text"].split())
                if open_tag == "textarea":
                    target["value"] = target["text"]
            if open_tag == tag:
                break
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        for _tag, target in self._open:
            if target is not None:
                target["text"] += data

    def field(self, field_id, *keys):
        element = self.by_id[field_id]
        return {key: element.get(key) for key in keys}

    def label(self, field_id) -> str:
        return self.labels[field_id]["text"]

    def text(self, element_id) -> str:
        return self.by_id[element_id]["text"]


def open_task(platform, case_id) -> Task:
    with platform.uow() as uow:
        return uow.session.scalars(select(Task).where(Task.case_id == case_id,
                                                      Task.state.in_(("ready", "claimed")))).one()


@pytest.fixture
def started(client, login, platform):
    """A RED notice request started by uo.delhi.crime; returns (case id, draft task id)."""
    login("uo.delhi.crime")
    response = client.post("/cases/new", data={"process": "notice_request", "notice_type": "RED"})
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return case_id, open_task(platform, case_id).id


def upload_warrant(client, case_id, task_id):
    return client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"%PDF-1.4 warrant"), "nbw.pdf"), "kind": "warrant",
                             "back": f"/tasks/{task_id}"})


def submit_valid_red(client, case_id, task_id):
    assert upload_warrant(client, case_id, task_id).status_code == 302
    return client.post(f"/tasks/{task_id}", data={**to_fields(VALID_RED), "action": "complete"})


def test_draft_page_renders_labelled_fields(client, started):
    _case_id, task_id = started
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    page = Page(response.data)
    assert page.label("notice_type") == "Notice type *"
    assert page.field("notice_type", "tag", "name", "value", "aria-required") == {
        "tag": "select", "name": "notice_type", "value": "RED", "aria-required": "true"}
    assert page.label("subject-family_name") == "Family name"
    assert page.field("subject-family_name", "tag", "type", "name", "value") == {
        "tag": "input", "type": "text", "name": "subject.family_name", "value": ""}
    assert page.field("case-summary_of_facts", "tag", "name") == {"tag": "textarea",
                                                                  "name": "case.summary_of_facts"}
    assert page.field("case-offence_date", "type") == {"type": "date"}
    assert page.field("charges-0-max_penalty_months", "type", "step", "min", "name") == {
        "type": "number", "step": "1", "min": "0", "name": "charges.0.max_penalty_months"}
    assert page.label("charges-0-law") == "Law (act or code)"
    assert page.text("charges-0").startswith("Charge 1 Offence")
    assert page.label("subject-nationalities-0") == "Nationality 1 (ISO 3166 two-letter code)"
    assert page.field("warrant-judicial", "tag", "text") == {"tag": "select", "text": "— Yes No"}
    assert page.field("subject-person_status", "tag") == {"tag": "select"}
    assert page.field("upload-kind", "name", "text") == {
        "name": "kind", "text": "Warrant Judgment Photo Fingerprints DNA profile Document"}
    assert page.scripts == [{"src": "/static/form.js", "defer": ""}]


def test_draft_page_offers_to_add_and_remove_rows(client, started):
    page = client.get(f"/tasks/{started[1]}").data.decode()
    assert page.count('data-array="charges"') == 1
    assert '<button type="button" class="add-row" data-add-row hidden>Add another charge</button>' in page
    assert 'name="charges.__index__.law"' in page


def test_invalid_submit_shows_messages_next_to_fields_and_keeps_values(client, started):
    _case_id, task_id = started
    response = client.post(f"/tasks/{task_id}", data={
        "action": "complete", "notice_type": "RED", "subject.family_name": " Sharma ", "subject.sex": "X",
        "sentence.imposed_months": "ten", "charges.0.law": "IPC", "colour": "blue"})
    assert response.status_code == 422
    page = Page(response.data)
    assert page.text("sentence-imposed_months-error") == "Error: 'ten' is not of type 'integer'"
    assert page.field("sentence-imposed_months", "type", "value", "aria-invalid", "aria-describedby") == {
        "type": "text", "value": "ten", "aria-invalid": "true", "aria-describedby": "sentence-imposed_months-error"}
    assert page.text("subject-sex-error") == "Error: 'X' is not one of ['M', 'F', 'U']"
    assert page.field("subject-sex", "value") == {"value": "X"}
    assert page.field("subject-family_name", "value", "aria-invalid") == {"value": "Sharma", "aria-invalid": None}
    assert page.field("charges-0-law", "value") == {"value": "IPC"}
    assert page.field("error-summary", "role") == {"role": "alert"}
    assert page.text("error-summary") == (
        "3 problems to fix colour is not a field of this form "
        "Person concerned › Sex : 'X' is not one of ['M', 'F', 'U'] "
        "Sentence › Sentence imposed (months) : 'ten' is not of type 'integer'")


def test_compliance_errors_go_to_the_summary(client, started):
    _case_id, task_id = started
    response = client.post(f"/tasks/{task_id}", data={**to_fields(VALID_RED), "action": "complete"})
    assert response.status_code == 422
    page = Page(response.data)
    assert page.text("error-summary").startswith("1 problem to fix Compliance: ")
    assert page.text("error-summary").endswith("(red_warrant_copy)")
    assert page.field("case-fir_number", "value") == {"value": "RC0012023A0001"}


def test_save_draft_redirects_and_shows_the_draft(client, started):
    _case_id, task_id = started
    response = client.post(f"/tasks/{task_id}", data={
        "action": "save", "notice_type": "RED", "subject.family_name": "Sharma", "subject.nationalities.0": "IN",
        "subject.nationalities.3": "GB", "charges.1.law": "IPC", "charges.1.max_penalty_months": "ten",
        "extradition.assurance": "true"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{task_id}"
    page = Page(client.get(f"/tasks/{task_id}").data)
    assert page.field("subject-family_name", "value") == {"value": "Sharma"}
    assert page.field("subject-nationalities-1", "value") == {"value": "GB"}
    assert page.field("charges-0-law", "value") == {"value": "IPC"}
    assert page.field("charges-0-max_penalty_months", "type", "value") == {"type": "text", "value": "ten"}
    assert page.field("extradition-assurance", "value") == {"value": "true"}
    assert "charges-1-law" not in page.by_id


def test_upload_warrant_returns_to_the_task_page(client, started):
    case_id, task_id = started
    response = upload_warrant(client, case_id, task_id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{task_id}"
    page = Page(client.get(f"/tasks/{task_id}").data)
    assert page.text("attachments-title") == "Attachments (1)"
    assert page.text("attachments") == "Attachments (1) nbw.pdf warrant 16 bytes"


def test_valid_red_goes_to_the_case_page_and_on_to_vetting(client, started, platform):
    case_id, task_id = started
    response = submit_valid_red(client, case_id, task_id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case_id}"
    assert open_task(platform, case_id).bpmn_id == "vet"


def test_ilo_vet_page_shows_the_return_form_and_the_request(client, started, login, platform):
    case_id, task_id = started
    submit_valid_red(client, case_id, task_id)
    login("ilo.delhi")
    page = Page(client.get(f"/tasks/{open_task(platform, case_id).id}").data)
    assert page.label("decision") == "ILO decision *"
    assert page.field("decision", "tag", "text") == {"tag": "select", "text": "— choose — forward return"}
    assert page.label("return_reason") == "Reason for return"
    assert page.field("comments", "tag") == {"tag": "textarea"}
    assert page.text("request").startswith("The request Notice type RED Subject Family name Sharma Forename Ravi")
    assert page.text("attachments") == "Attachments (1) nbw.pdf warrant 16 bytes"


def test_return_without_reason_is_refused_next_to_the_field(client, started, login, platform):
    case_id, task_id = started
    submit_valid_red(client, case_id, task_id)
    login("ilo.delhi")
    vet_id = open_task(platform, case_id).id
    response = client.post(f"/tasks/{vet_id}", data={"action": "complete", "decision": "return"})
    assert response.status_code == 422
    page = Page(response.data)
    assert page.text("return_reason-error") == "Error: is required"
    assert page.field("decision", "value") == {"value": "return"}


def test_ilo_return_reason_is_shown_on_the_next_draft(client, started, login, platform):
    case_id, task_id = started
    submit_valid_red(client, case_id, task_id)
    login("ilo.delhi")
    response = client.post(f"/tasks/{open_task(platform, case_id).id}", data={
        "action": "complete", "decision": "return", "return_reason": "red_summary_of_facts",
        "comments": "Say where the deposits were taken."})
    assert response.status_code == 302
    login("uo.delhi.crime")
    redraft = open_task(platform, case_id)
    assert redraft.bpmn_id == "draft"
    page = Page(client.get(f"/tasks/{redraft.id}").data)
    assert page.text("returned-title") == "Returned by ilo.delhi at “Vet request”"
    assert page.text("returns-title") == "Returns (1)"
    assert page.text("returned").startswith("Returned by ilo.delhi at “Vet request” Reason: red_summary_of_facts "
                                            "Say where the deposits were taken.")
    assert page.field("subject-family_name", "value") == {"value": "Sharma"}
    assert page.field("charges-1-max_penalty", "value") == {"value": "life"}


def test_unit_officer_sees_the_vet_step_read_only(client, started, platform):
    case_id, task_id = started
    submit_valid_red(client, case_id, task_id)
    page = Page(client.get(f"/tasks/{open_task(platform, case_id).id}").data)
    assert "decision" not in page.by_id
    assert page.text("readonly-title") == "ILO vetting (read only)"
    assert page.text("readonly-notice") == ("Only ILO officers of the agency DELHI may act on this step. "
                                            "You can read it.")



def test_claim_and_release_from_the_task_page(client, started):
    _case_id, task_id = started
    response = client.post(f"/tasks/{task_id}/claim?next=/tasks/{task_id}")
    assert response.headers["Location"] == f"/tasks/{task_id}"
    page = client.get(f"/tasks/{task_id}").data.decode()
    assert '<span class="badge badge-claimed">claimed by you</span>' in page
    assert f'action="/tasks/{task_id}/release?next=/tasks/{task_id}"' in page
    client.post(f"/tasks/{task_id}/release?next=/tasks/{task_id}")
    page = client.get(f"/tasks/{task_id}").data.decode()
    assert '<span class="badge badge-ready">waiting for UO officer</span>' in page


NESTED = {
    "type": "object",
    "required": ["people"],
    "$defs": {
        "phone": {"type": "string", "title": "Phone (international)", "description": "With the country code"},
        "person": {"type": "object", "title": "Person", "properties": {
            "role": {"type": "string", "title": "Role",
                     "oneOf": [{"const": "a", "title": "Accused"}, {"const": "w", "title": "Witness"}]},
            "kind": {"type": "string", "title": "Kind", "enum": ["x", "y"], "enumNames": ["Ex", "Why"]},
            "height": {"type": "number", "title": "Height (m)"},
            "notes": {"type": "string", "title": "Notes", "x-widget": "textarea"},
            "phones": {"type": "array", "title": "Phones", "items": {"$ref": "#/$defs/phone"}}}},
    },
    "properties": {"people": {"type": "array", "title": "People", "items": {"$ref": "#/$defs/person"}}},
}


def render_form(app, schema, data, errors) -> Page:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% import "tasks/_schema_form.html" as sf %}{% set ns = namespace() %}'
            '{% set body %}{{ sf.render_schema(schema, data, errors, ns) }}{% endset %}'
            '{{ sf.error_summary(errors, ns.fields) }}<form>{{ body }}</form>')
        return Page(template.render(schema=schema, data=data, errors=errors).encode())


def test_schema_form_follows_refs_and_uses_choice_titles(app):
    page = render_form(app, NESTED, {"people": [{"role": "w", "kind": "z", "height": 1.7, "phones": ["1", "2"]}]},
                       {"people.0.phones.1": "is too short"})
    assert page.text("people-0").startswith("Person 1 Role")
    assert page.field("people-0-role", "text", "value") == {"text": "— choose — Accused Witness", "value": "w"}
    assert page.field("people-0-kind", "text", "value") == {"text": "— choose — Ex Why z (not a listed choice)",
                                                            "value": "z"}
    assert page.field("people-0-height", "type", "step", "value") == {"type": "number", "step": "any", "value": "1.7"}
    assert page.field("people-0-notes", "tag") == {"tag": "textarea"}
    assert page.label("people-0-phones-1") == "Phone 2 (international)"
    assert page.field("people-0-phones-1", "value", "aria-describedby") == {
        "value": "2", "aria-describedby": "people-0-phones-1-help people-0-phones-1-error"}
    assert page.text("people-0-phones-1-help") == "With the country code"
    assert page.text("error-summary") == "1 problem to fix Person 1 › Phone 2 (international) : is too short"


def test_schema_form_lists_errors_of_fields_not_shown(app):
    page = render_form(app, NESTED, {}, {"people.3.role": "is required", "rule.neutrality": "Review neutrality.",
                                         "(form)": "form data must be a JSON object"})
    assert page.text("error-summary") == ("3 problems to fix Compliance: Review neutrality. (neutrality) "
                                          "form data must be a JSON object people.3.role is required")
    assert page.text("people").startswith("People * Person 1 Role")
    assert page.field("people-0-role", "value") == {"value": ""}


def test_schema_form_stops_a_recursive_schema(app):
    schema = {"$ref": "#/$defs/person", "$defs": {"person": {"type": "object", "title": "Person", "properties": {
        "name": {"type": "string", "title": "Name"}, "boss": {"$ref": "#/$defs/person"}}}}}
    page = render_form(app, schema, {"name": "A", "boss": {"name": "B"}}, {})
    assert page.field("name", "value") == {"value": "A"}
    assert page.field("boss-name", "value") == {"value": "B"}
    assert page.label("boss-boss-boss-boss-boss-boss-boss-boss-name") == "Name"
    assert "boss-boss-boss-boss-boss-boss-boss-boss-boss-name" not in page.by_id
