"""The process workbench: versions and their files, checking an uploaded set, deploying it.

Every page is for CBI IPCU; deploying needs the process-owner role. Nothing of an upload is kept on the
server between the check and the deploy: the page carries the files back, and the deploy checks them again.
"""

import hashlib
import json
import re
from pathlib import PurePosixPath

from sqlalchemy import case as when
from sqlalchemy import func, select

from engine import migration
from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Agency, Case, ProcessVersion, Task, User
from engine.models.task import OPEN_STATES
from engine.services import deploy as deploying
from engine.services._common import actor
from engine.specs import MAX_FILE_BYTES
from forms import SchemaError, check_schema

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
KINDS = {"bpmn": "diagram", "dmn": "decision table", "json": "form"}


def viewer(session, actor_id: int) -> User:
    """The signed-in user if IPCU (process pages are theirs), else Forbidden."""
    user = actor(session, actor_id)
    if user.role != "IPCU":
        raise Forbidden("the process pages are for CBI IPCU")
    return user


def owner(session, actor_id: int) -> User:
    """The signed-in user if a process owner, else Forbidden."""
    user = viewer(session, actor_id)
    if not user.is_process_owner:
        raise Forbidden("only process owners may deploy processes or move cases to another version")
    return user


def newest(session, process_id: str) -> ProcessVersion | None:
    return session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                          .order_by(ProcessVersion.version.desc()).limit(1))


# --- read side ----------------------------------------------------------------------------------------


def process_list(platform, *, actor_id: int) -> dict:
    """Every process with its versions, newest first, and how many cases run on each."""
    with platform.uow() as uow:
        session = uow.session
        user = viewer(session, actor_id)
        counts = _case_counts(session)
        found: dict[str, dict] = {}
        for v in session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_id,
                                                                  ProcessVersion.version.desc())):
            entry = found.setdefault(v.process_id, {"id": v.process_id, "name": v.name, "newest": v.version,
                                                    "versions": [], "open_on_older": 0})
            n_open, n_all = counts.get(v.id, (0, 0))
            entry["versions"].append({"version": v.version, "deployed_at": v.deployed_at.isoformat(),
                                      "deployed_by": v.deployed_by, "digest": v.digest, "open_cases": n_open,
                                      "cases": n_all})
            if v.version != entry["newest"]:
                entry["open_on_older"] += n_open
        return {"processes": list(found.values()), "may_deploy": user.is_process_owner}


def _case_counts(session) -> dict[int, tuple[int, int]]:
    """version id -> (open cases, all cases)."""
    is_open = func.sum(when((Case.status == "open", 1), else_=0))
    rows = session.execute(select(Case.version_id, func.count(), is_open).group_by(Case.version_id))
    return {version_id: (int(n_open or 0), n_all) for version_id, n_all, n_open in rows}


def version_page(platform, *, actor_id: int, process_id: str, version: int) -> dict:
    """One version: its files, the cases running on it and where they wait."""
    with platform.uow() as uow:
        session = uow.session
        user = viewer(session, actor_id)
        v = _version(session, process_id, version)
        cases = session.execute(select(Case, Agency.code).join(Agency, Agency.id == Case.agency_id)
                                .where(Case.version_id == v.id)
                                .order_by(Case.status.desc(), Case.id.desc()).limit(200)).all()
        open_tasks = session.execute(select(Task.case_id, Task.name, Task.bpmn_id).join(Case)
                                     .where(Case.version_id == v.id, Task.state.in_(OPEN_STATES))
                                     .order_by(Task.id)).all()
        waiting: dict[str, int] = {}
        for _case_id, _name, bpmn_id in open_tasks:
            waiting[bpmn_id] = waiting.get(bpmn_id, 0) + 1
        return {
            "process_id": v.process_id, "name": v.name, "version": v.version, "digest": v.digest,
            "deployed_at": v.deployed_at.isoformat(), "deployed_by": v.deployed_by, "start_lane": v.start_lane,
            "newest": newest(session, process_id).version, "may_migrate": user.is_process_owner,
            "files": [{"filename": f.filename, "kind": f.kind, "size": len(f.content.encode())} for f in v.files],
            "diagram": next((f.filename for f in v.files if f.kind == "bpmn"), None), "waiting": waiting,
            "cases": [{"id": c.id, "reference": c.reference, "status": c.status, "agency": agency,
                       "updated_at": c.updated_at.isoformat(),
                       "tasks": [name for case_id, name, _b in open_tasks if case_id == c.id]} for c, agency in cases],
        }


def _version(session, process_id: str, version: int) -> ProcessVersion:
    found = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                        ProcessVersion.version == version))
    if found is None:
        raise NotFound(f"no version {version} of process '{process_id}'")
    return found


def version_file(platform, *, actor_id: int, process_id: str, version: int, filename: str) -> tuple[str, str]:
    """(content, kind) of one file a version was built from."""
    with platform.uow() as uow:
        viewer(uow.session, actor_id)
        for f in _version(uow.session, process_id, version).files:
            if f.filename == filename:
                return f.content, f.kind
        raise NotFound(f"version {version} of '{process_id}' has no file '{filename}'")


# --- checking and deploying an upload -----------------------------------------------------------------


def upload_page(platform, *, actor_id: int) -> list[dict]:
    """For the upload form (process owners only): each process and the version now running."""
    with platform.uow() as uow:
        owner(uow.session, actor_id)
        rows = uow.session.execute(select(ProcessVersion.process_id, func.max(ProcessVersion.version))
                                   .group_by(ProcessVersion.process_id).order_by(ProcessVersion.process_id))
        return [{"id": process_id, "version": version} for process_id, version in rows]


def set_digest(files: list[tuple[str, bytes]]) -> str:
    """SHA-256 over an uploaded set, independent of the order of its files."""
    h = hashlib.sha256()
    for name, content in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()


def check_upload(platform, *, actor_id: int, files: list[tuple[str, bytes]]) -> dict:
    """The validation report of an uploaded set (first problem of each file) and, when it passes,
    what each process would change against its running version. Nothing is stored."""
    with platform.uow() as uow:
        owner(uow.session, actor_id)
    problems, diagrams, form_files = _split(files)
    parsed, found = deploying.report(platform, files=diagrams, form_files=form_files)
    reported = {p.filename for p in found}
    problems += found + [p for p in _form_problems(form_files) if p.filename not in reported]
    with platform.uow() as uow:
        processes = [_changes(platform, uow.session, proc) for proc in parsed] if not problems else []
    used = {name.removeprefix("forms/") for proc in parsed for name in proc.files}
    return {
        "ok": not problems, "digest": set_digest(files),
        "problems": [{"file": p.filename, "element": p.element, "reason": p.reason} for p in problems],
        "files": [_file_status(name, content, problems, used, parsed) for name, content in sorted(files)],
        "processes": processes, "base": {p["id"]: p["base_version"] or 0 for p in processes},
    }


def _split(files: list[tuple[str, bytes]]) -> tuple[list, dict[str, bytes], dict[str, bytes]]:
    problems, diagrams, form_files, seen = [], {}, {}, set()
    for name, content in files:
        suffix = PurePosixPath(name).suffix.lower()
        if not SAFE_NAME.match(name):
            problems.append(deploying.Problem(name, None, "a file name may use only letters, digits, '.', '_', '-'"))
        elif name in seen:
            problems.append(deploying.Problem(name, None, "uploaded twice"))
        elif suffix not in (".bpmn", ".dmn", ".json"):
            problems.append(deploying.Problem(name, None, "only .bpmn, .dmn and .json (form) files can be uploaded"))
        else:
            (form_files if suffix == ".json" else diagrams)[name] = content
        seen.add(name)
    return problems, diagrams, form_files


def _form_problems(form_files: dict[str, bytes]) -> list:
    """Uploaded forms are checked even when no task names them (deploy checks only the forms in use)."""
    problems = []
    for name, content in sorted(form_files.items()):
        try:
            if len(content) > MAX_FILE_BYTES:
                raise ValueError(f"file is larger than {MAX_FILE_BYTES // 1024} KiB")
            check_schema(json.loads(content))
        except (ValueError, SchemaError) as exc:
            problems.append(deploying.Problem(name, None, f"not a valid JSON Schema: {str(exc).splitlines()[0]}"))
    return problems


def _file_status(name: str, content: bytes, problems: list, used: set, parsed: list) -> dict:
    mine = [{"element": p.element, "reason": p.reason} for p in problems if p.filename == name]
    if mine:
        status = "refused"
    elif not parsed:
        status = "no problem found"
    else:
        status = "in use" if name in used else "not used by any process (will not be deployed)"
    return {"name": name, "kind": KINDS.get(name.rsplit(".", 1)[-1], "other"), "size": len(content),
            "status": status, "problems": mine}


def _changes(platform, session, proc) -> dict:
    """What deploying `proc` would change against the newest deployed version of its process."""
    base = newest(session, proc.process_id)
    result = {"id": proc.process_id, "name": proc.name, "base_version": base.version if base else None,
              "unchanged": base is not None and base.digest == proc.digest,
              "diagram": next(name for name in sorted(proc.files) if name.endswith(".bpmn"))}
    result["new_version"] = base.version if result["unchanged"] else (base.version + 1 if base else 1)
    if base is None:
        result.update(tasks={"added": migration.elements(proc.spec), "removed": [], "changed": []},
                      files=[{"filename": n, "change": "added"} for n in sorted(proc.files)], renamed=None)
        return result
    old_spec, _subs = platform.workflows.specs_for(base)
    old_files = {f.filename: f.content for f in base.files}
    result["tasks"] = migration.spec_changes(platform.workflows.spec_serializer.registry, old_spec, proc.spec)
    result["files"] = [{"filename": n, "change": _file_change(old_files.get(n), proc.files.get(n))}
                       for n in sorted(set(old_files) | set(proc.files)) if old_files.get(n) != proc.files.get(n)]
    result["renamed"] = [base.name, proc.name] if base.name != proc.name else None
    return result


def _file_change(old: str | None, new: str | None) -> str:
    return "added" if old is None else "removed" if new is None else "changed"


def deploy_upload(platform, *, actor_id: int, files: list[tuple[str, bytes]], digest: str,
                  base: dict[str, int] | None) -> list:
    """Deploy a set checked before: the same files (digest), still on the same running versions (base)."""
    with platform.uow() as uow:
        username = owner(uow.session, actor_id).username
    if not files or base is None:
        raise Invalid({"files": "the checked files did not come back; upload and check them again"})
    if set_digest(files) != digest:
        raise Invalid({"files": "the files are not the ones that were checked; upload and check them again"})
    problems, diagrams, form_files = _split(files)
    if problems:
        raise Invalid({p.filename: p.reason for p in problems})
    parsed = deploying.check(platform, files=diagrams, form_files=form_files)
    return deploying.store(platform, parsed, actor=username, expected=base)
