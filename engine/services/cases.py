"""Start cases, deliver messages, comments and attachments."""

import hashlib
from pathlib import Path, PurePosixPath

import filetype
from sqlalchemy import select

from engine import audit, queries
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.models import Attachment, Case, Comment, ProcessVersion
from engine.runtime import task_facts
from engine.services._common import actor, now, record, sync, visible_case

REFERENCE_PREFIX = {"notice_request": "NR", "reference_request": "RR", "broadcast": "BC"}
ATTACHMENT_KINDS = ("warrant", "judgment", "photo", "fingerprints", "dna", "document")
ALLOWED_TYPES = {
    "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/vnd.oasis.opendocument.text": "OpenDocument text (.odt)",
}


def latest_version(session, process_id: str) -> ProcessVersion:
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                             .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"no process '{process_id}' is deployed")
    return version


def start_case(platform, *, actor_id: int, process_id: str, data: dict | None = None) -> Case:
    """Start a case on the newest version; the start event's lane says which role may start it."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        version = latest_version(session, process_id)
        if version.start_lane and version.start_lane != user.role:
            raise Forbidden(f"only {version.start_lane} officers may start '{process_id}'")
        case = Case(process_id=process_id, version_id=version.id, agency_id=user.agency_id,
                    unit_id=user.unit_id, created_by=user.id, created_at=at, state="", data={})
        session.add(case)
        session.flush()
        prefix = REFERENCE_PREFIX.get(process_id, process_id[:2].upper())
        case.reference = f"BP/{prefix}/{at.year}/{case.id:06d}"
        flow = platform.workflows.new(version, {"case_reference": case.reference, "attachments": []})
        flow.step()
        _prefill(flow, data)
        sync(session, platform.workflows, case, flow, at)
        record(session, user=user, case=case, action="start", detail={"process": process_id,
                                                                      "version": version.version})
        uow.commit()
        return case


def _prefill(flow, data: dict | None):
    """Data given at start becomes the draft of the first task's form (validated on completion)."""
    if not data:
        return
    if not isinstance(data, dict):
        raise Invalid({"data": "must be a JSON object"})
    for task in flow.ready_human_tasks()[:1]:
        task.data[task_facts(task)["variable"]] = data


def send_message(platform, *, actor_id: int, name: str, correlation: str, payload: dict) -> Case:
    """Deliver a BPMN message (e.g. interpol_decision) to the case whose reference is `correlation`."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        if user.role != "IPCU":
            raise Forbidden("only IPCU may record messages from INTERPOL")
        case_id = session.scalar(select(Case.id).where(Case.reference == correlation))
        if case_id is None:
            raise NotFound(f"no case with reference '{correlation}'")
        case = visible_case(session, user, case_id, for_update=True)
        flow = platform.workflows.load(case.version, case.state)
        if not flow.waits_for_message(name):
            raise Conflict(f"case {case.reference} is not waiting for '{name}'")
        flow.catch_message(name, payload if isinstance(payload, dict) else {"value": payload})
        if blocks := flow.data().get("blocks") or []:
            raise Invalid({f"rule.{b['rule']}": b["message"] for b in blocks})
        sync(session, platform.workflows, case, flow, at)
        record(session, user=user, case=case, action="message", detail={"message": name, "payload": payload})
        uow.commit()
        return case


def add_comment(platform, *, actor_id: int, case_id: int, body: str) -> Comment:
    """Add a comment to a case the user may see."""
    if not body or not body.strip():
        raise Invalid({"body": "is required"})
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        case = visible_case(uow.session, user, case_id)
        comment = Comment(case_id=case.id, author_id=user.id, body=body.strip(), created_at=now())
        uow.session.add(comment)
        record(uow.session, user=user, case=case, action="comment")
        uow.commit()
        return comment


def check_upload(platform, *, filename: str, kind: str, content: bytes) -> tuple[str, str]:
    """(safe file name, content type found by reading the file) or Invalid naming what is wrong."""
    if kind not in ATTACHMENT_KINDS:
        raise Invalid({"kind": f"must be one of {', '.join(ATTACHMENT_KINDS)}"})
    limit = platform.settings.max_upload_mb
    if not content:
        raise Invalid({"file": "is empty"})
    if len(content) > limit * 1024 * 1024:
        raise Invalid({"file": f"is larger than {limit} MB"})
    guess = filetype.guess(content)
    if guess is None or guess.mime not in ALLOWED_TYPES:
        found = guess.mime if guess else "unknown content"
        raise Invalid({"file": f"is {found}; allowed are {', '.join(ALLOWED_TYPES.values())}"})
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()[:200] or f"{kind}.{guess.extension}"
    return name, guess.mime


def add_attachment(platform, *, actor_id: int, case_id: int, filename: str, kind: str,
                   content: bytes) -> Attachment:
    """Check the file by its content, store it outside the web root under its SHA-256, record it."""
    filename, content_type = check_upload(platform, filename=filename, kind=kind, content=content)
    digest = hashlib.sha256(content).hexdigest()
    store = platform.settings.data_dir / "attachments"
    store.mkdir(parents=True, exist_ok=True)
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        case = visible_case(uow.session, user, case_id)
        (store / digest).write_bytes(content)
        att = Attachment(case_id=case.id, filename=filename, kind=kind, content_type=content_type,
                         size=len(content), sha256=digest, uploaded_by=user.id, uploaded_at=now())
        uow.session.add(att)
        record(uow.session, user=user, case=case, action="attach",
               detail={"filename": filename, "kind": kind, "sha256": digest})
        uow.commit()
        return att


def attachment_kinds(session, case_id: int) -> list[str]:
    return sorted(set(session.scalars(select(Attachment.kind).where(Attachment.case_id == case_id))))




def view_case(platform, *, actor_id: int, case_id: int) -> dict:
    """The case page's content; every view is logged (the data belongs to the requesting country)."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        detail = queries.case_detail(uow.session, user, case_id)
        audit.append(uow.session, actor=user.username, action="case.view", object_type="case",
                     object_id=detail["reference"])
        uow.commit()
        return detail


def open_attachment(platform, *, actor_id: int, case_id: int, attachment_id: int) -> tuple[dict, Path]:
    """An attachment's metadata and stored file, for download; every download is logged."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        case = visible_case(uow.session, user, case_id)
        att = uow.session.get(Attachment, attachment_id)
        if att is None or att.case_id != case.id or not queries.may_open_attachment(uow.session, user, case, att):
            raise NotFound(f"attachment {attachment_id} not found")
        record(uow.session, user=user, case=case, action="download",
               detail={"filename": att.filename, "sha256": att.sha256})
        path = platform.settings.data_dir / "attachments" / att.sha256
        if not path.is_file():
            raise NotFound(f"the stored file of attachment {attachment_id} is missing; tell the administrator "
                           "(BHARATPOL_DATA_DIR must be shared storage when several hosts serve the portal)")
        meta = {"filename": att.filename, "content_type": att.content_type, "size": att.size, "kind": att.kind}
        uow.commit()
        return meta, path


def diagram_xml(platform, *, actor_id: int, case_id: int) -> str:
    """The BPMN of the version a case runs on (for the diagram on the case page)."""
    with platform.uow() as uow:
        user = actor(uow.session, actor_id)
        case = visible_case(uow.session, user, case_id)
        name = next(f.filename for f in case.version.files if f.kind == "bpmn")
        return next(f.content for f in case.version.files if f.filename == name)
