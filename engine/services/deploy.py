"""Deploy a set of BPMN/DMN/form files as new process versions."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

import forms
from engine import audit
from engine.errors import DeployError
from engine.models import ProcessFile, ProcessVersion
from engine.specs import parse_set


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    created: bool


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
    form_files = forms.load_dir(platform.settings.forms_dir) | (form_files or {})
    parsed = parse_set(files, form_files)
    results = []
    with platform.uow() as uow:
        session = uow.session
        for proc in parsed:
            latest = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == proc.process_id)
                                    .order_by(ProcessVersion.version.desc()).limit(1).with_for_update())
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
