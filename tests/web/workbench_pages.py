"""Helpers for the process page tests: the workbench fixture files, reading pages, and the database facts
the tests compare against."""

import base64
import html
import io
import re
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.models import AuditEntry, Case, ProcessVersion
from engine.services.processes import set_digest

WORKBENCH = Path(__file__).parent.parent / "fixtures" / "workbench"
NOTE = (WORKBENCH / "note.json").read_bytes()
APPROVAL = (WORKBENCH / "approval.bpmn").read_bytes()
V2 = (WORKBENCH / "approval_v2.bpmn").read_bytes()
APPROVE_CHANGED = "'Approve' (ready) was changed: name, outgoing flow"


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def elements(response, css_class: str) -> list:
    """The text of each element with this class; for a table row, the text of each of its cells."""
    found = re.findall(rf'<(\w+) class="(?:[^"]* )?{css_class}(?: [^"]*)?"[^>]*>(.*?)</\1>',
                       response.get_data(as_text=True), re.S)
    return [[_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", inner, re.S)] if tag == "tr" else _text(inner)
            for tag, inner in found]


def flashes(response) -> list[str]:
    return elements(response, "flash")


def form_fields(response, form_id: str) -> MultiDict:
    """The hidden inputs of one form, in page order, as the browser would send them."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', response.get_data(as_text=True), re.S).group(0)
    fields = re.findall(r'<input type="hidden" name="([^"]+)"(?: id="[^"]*")? value="([^"]*)"', form)
    return MultiDict([(name, html.unescape(value)) for name, value in fields])


def upload(client, *files: tuple[str, bytes], token: str | None = None):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if token:
        data["csrf_token"] = token
    return client.post("/processes/upload", data=data, content_type="multipart/form-data")


def versions(platform) -> list[int]:
    with platform.uow() as uow:
        return list(uow.session.scalars(select(ProcessVersion.version).where(
            ProcessVersion.process_id == "wb_approval").order_by(ProcessVersion.version)))


def case_version(platform, case_id: int) -> int:
    with platform.uow() as uow:
        return uow.session.get(Case, case_id).version.version


def reference(platform, case_id: int) -> str:
    with platform.uow() as uow:
        return uow.session.get(Case, case_id).reference


def carried(files: list[tuple[str, bytes]], base: str) -> dict:
    """What the report page's deploy form sends back for these files."""
    return {"name": [name for name, _ in files], "content": [base64.b64encode(c).decode() for _, c in files],
            "digest": set_digest(files), "base": base}


def audit(platform, action: str) -> list[tuple[str, str]]:
    with platform.uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [(e.actor, e.object_id) for e in rows]

