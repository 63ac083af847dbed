"""Deploy a set of BPMN/DMN/form files as new process versions."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

import forms
from engine import audit
from engine.errors import Conflict, DeployError
from engine.models import ProcessFile, ProcessVersion
from engine.specs import ParsedProcess, parse_set, read_xml


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    created: bool


@dataclass(frozen=True)
class Problem:
    """One refusal in a validation report: which file, which element, why."""

    filename: str
    element: str | None
    reason: str


def read_paths(paths: list[Path]) -> dict[str, bytes]:
    """Files named on the command line; a folder stands for its .bpmn and .dmn files."""
    files = {}
    for path in map(Path, paths):
        if path.is_dir():
            files.update({p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.suffix in (".bpmn", ".dmn")})
        elif path.is_file():
            files[path.name] = path.read_bytes()
        else:
            raise DeployError(str(path), None, "no such file or folder")
    return files


def deploy(platform, *, actor: str, files: dict[str, bytes], form_files: dict[str, bytes] | None = None):
    """Check everything first; then store each process as a new version unless its content is unchanged."""
    return store(platform, check(platform, files=files, form_files=form_files), actor=actor)


def check(platform, *, files: dict[str, bytes], form_files: dict[str, bytes] | None = None) -> list[ParsedProcess]:
    """Every deploy check, storing nothing; raises DeployError at the first problem."""
    return parse_set(files, forms.load_dir(platform.settings.forms_dir) | (form_files or {}))


def report(platform, *, files: dict[str, bytes],
           form_files: dict[str, bytes] | None = None) -> tuple[list[ParsedProcess], list[Problem]]:
    """The deploy checks, going on after a refusal: the first problem of each file (its first line), and the
    parsed processes when there is none. A file with a problem is left out and the rest checked again."""
    all_forms = forms.load_dir(platform.settings.forms_dir) | (form_files or {})
    remaining, problems = dict(files), []
    while True:
        try:
            parsed = parse_set(remaining, all_forms)
            return ([] if problems else parsed), problems
        except DeployError as exc:
            problems.append(Problem(exc.filename, exc.element, exc.reason.splitlines()[0]))
            culprit = _culprit(exc, remaining)
            if culprit is None:
                return [], problems
            del remaining[culprit]
            if not any(name.endswith(".bpmn") for name in remaining):
                return [], problems


def _culprit(exc: DeployError, remaining: dict[str, bytes]) -> str | None:
    """The uploaded file to leave out: the one the error names, or the diagram holding its element
    (a bad form file is reported under its own name and the element of the task that uses it)."""
    if exc.filename in remaining:
        return exc.filename
    for name, content in sorted(remaining.items()):
        if name.endswith(".bpmn") and exc.element and read_xml(name, content).xpath("//*[@id=$id]", id=exc.element):
            return name
    return None


def store(platform, parsed: list[ParsedProcess], *, actor: str, expected: dict[str, int] | None = None):
    """Store checked processes as new versions; `expected` (process id -> newest version, 0 for none)
    refuses with Conflict when someone else deployed since the set was checked."""
    results = []
    with platform.uow() as uow:
        session = uow.session
        for proc in parsed:
            latest = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == proc.process_id)
                                    .order_by(ProcessVersion.version.desc()).limit(1).with_for_update())
            _expect(expected, proc.process_id, latest)
            if latest is not None and latest.digest == proc.digest:
                results.append(Deployed(proc.process_id, latest.version, created=False))
                continue
            version = ProcessVersion(
                process_id=proc.process_id, name=proc.name, version=(latest.version + 1) if latest else 1,
                digest=proc.digest, spec_json=platform.workflows.spec_json(proc.spec, proc.subprocess_specs),
                start_lane=proc.start_lane, deployed_by=actor,
                files=[ProcessFile(filename=name, kind=name.rsplit(".", 1)[-1], content=text)
                       for name, text in sorted(proc.files.items())],
            )
            session.add(version)
            session.flush()
            audit.append(session, actor=actor, action="process.deploy", object_type="process",
                         object_id=f"{proc.process_id}@{version.version}", detail={"digest": proc.digest})
            results.append(Deployed(proc.process_id, version.version, created=True))
        uow.commit()
    return results


def _expect(expected: dict[str, int] | None, process_id: str, latest: ProcessVersion | None):
    if expected is None:
        return
    found = latest.version if latest else 0
    if expected.get(process_id, 0) != found:
        raise Conflict(f"'{process_id}' is now at version {found}, deployed after your check; check the files again")
