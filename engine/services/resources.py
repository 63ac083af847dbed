"""The Resources library: CBI IPCU publishes INTERPOL documents and training material (files or video links),
adds new versions; every officer downloads. Files are checked by their content and stored by SHA-256 outside
the web root, like case attachments; a PDF's text is extracted with pypdf so search finds what it says.
Uploads, downloads and opened links are audited."""

import hashlib
import io
import logging
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import filetype
from pypdf import PdfReader
from sqlalchemy import delete, select

from engine import audit
from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Resource, ResourceTag, ResourceVersion, User
from engine.services._common import actor, now

log = logging.getLogger(__name__)
CATEGORIES = {
    "rules": "INTERPOL rules and legal texts", "notices": "Notices and diffusions",
    "cooperation": "Police cooperation and references", "manuals": "Manuals and user guides",
    "forms": "Forms and templates", "circulars": "Circulars and advisories", "training": "Training material",
}
FILE_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (.xlsx)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (.pptx)",
    "application/vnd.oasis.opendocument.text": "OpenDocument text (.odt)",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet (.ods)",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation (.odp)",
}
TAG = re.compile(r"^[\w][\w .-]{0,39}$")
MAX_TAGS, MAX_PDF_PAGES, MAX_TEXT = 12, 300, 500_000


def require_ipcu(user: User):
    if user.role != "IPCU":
        raise Forbidden("only CBI IPCU publishes resources and records trainings")


def check_file(platform, *, filename: str, content: bytes) -> tuple[str, str]:
    """(safe file name, content type read from the content) or Invalid naming what is wrong."""
    limit = platform.settings.max_upload_mb
    if not content:
        raise Invalid({"file": "is empty"})
    if len(content) > limit * 1024 * 1024:
        raise Invalid({"file": f"is larger than {limit} MB"})
    guess = filetype.guess(content)
    if guess is None or guess.mime not in FILE_TYPES:
        found = guess.mime if guess else "unknown content"
        raise Invalid({"file": f"is {found}; allowed are {', '.join(FILE_TYPES.values())}"})
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()[:200] or f"document.{guess.extension}"
    return name, guess.mime


def check_url(url: str) -> str:
    """A video or web link: absolute http(s) only."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 500 or any(c.isspace() for c in url):
        raise Invalid({"url": "must be a full http:// or https:// address (at most 500 characters)"})
    return url


def pdf_text(content: bytes) -> str:
    """The text of a PDF's first pages, for search; '' when the PDF is encrypted or cannot be read."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return ""
        text = "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES])
    except Exception as exc:  # a damaged PDF is still published; it just cannot be found by its text
        log.warning("no text extracted from a PDF: %s", exc)
        return ""
    return text[:MAX_TEXT]


def parse_tags(text: str) -> list[str]:
    """'Red notice, RPD , red notice' → ['red notice', 'rpd']."""
    tags = list(dict.fromkeys(" ".join(t.split()).lower() for t in (text or "").split(",") if t.strip()))
    bad = [t for t in tags if not TAG.match(t)]
    if bad or len(tags) > MAX_TAGS:
        raise Invalid({"tags": f"up to {MAX_TAGS} comma-separated tags of letters, digits, spaces, '.' or '-' "
                               "(40 characters each)"})
    return tags


def _details(title: str, description: str, category: str, tags: str) -> tuple[str, str, list[str]]:
    errors = {}
    if not (title or "").strip():
        errors["title"] = "is required"
    if category not in CATEGORIES:
        errors["category"] = f"must be one of {', '.join(CATEGORIES)}"
    try:
        tag_list = parse_tags(tags)
    except Invalid as exc:
        errors.update(exc.errors)
        tag_list = []
    if errors:
        raise Invalid(errors)
    return title.strip()[:200], (description or "").strip(), tag_list


def _content(platform, filename, content, url) -> dict:
    """The fields of a new version: a checked, stored file (with its PDF text) or a checked link."""
    if url and content:
        raise Invalid({"file": "give a file or a link, not both"})
    if not content:
        if not url:
            raise Invalid({"file": "choose a file to upload, or give a video link"})
        return {"url": check_url(url)}
    name, content_type = check_file(platform, filename=filename, content=content)
    digest = hashlib.sha256(content).hexdigest()
    store = platform.settings.data_dir / "resources"
    store.mkdir(parents=True, exist_ok=True)
    (store / digest).write_bytes(content)
    text = pdf_text(content) if content_type == "application/pdf" else ""
    return {"filename": name, "content_type": content_type, "size": len(content), "sha256": digest, "text": text}


def _reindex(resource: Resource, tags: list[str], text: str):
    """Keep the lower-case search text in step with title, description, tags and the current version."""
    parts = [resource.title, resource.description, " ".join(tags), text]
    resource.search_text = " ".join(" ".join(parts).split()).lower()


def publish(platform, *, actor_id: int, title: str, description: str = "", category: str, tags: str = "",
            filename: str | None = None, content: bytes | None = None, url: str | None = None) -> Resource:
    """A new resource, version 1: a document (PDF or office file) or a video link (IPCU)."""
    title, description, tag_list = _details(title, description, category, tags)
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        require_ipcu(user)
        fields = _content(platform, filename, content, url)
        resource = Resource(title=title, description=description, category=category,
                            kind="link" if "url" in fields else "file", current_version=1, created_by=user.id,
                            created_at=at, updated_at=at)
        session.add(resource)
        session.flush()
        session.add_all([ResourceTag(resource_id=resource.id, tag=t) for t in tag_list])
        session.add(ResourceVersion(resource_id=resource.id, version=1, uploaded_by=user.id, uploaded_at=at, **fields))
        _reindex(resource, tag_list, fields.get("text", ""))
        _log(session, user, resource, 1, fields)
        uow.commit()
        return resource


def _log(session, user: User, resource: Resource, version: int, fields: dict, note: str | None = None):
    detail = {"version": version, "title": resource.title, "note": note}
    detail.update({k: fields[k] for k in ("filename", "sha256", "url") if k in fields})
    audit.append(session, actor=user.username, action="resource.upload", object_type="resource",
                 object_id=resource.id, detail=detail)


def _resource(session, resource_id: int, *, for_update=False) -> Resource:
    query = select(Resource).where(Resource.id == resource_id)
    resource = session.scalar(query.with_for_update() if for_update else query)
    if resource is None:
        raise NotFound(f"resource {resource_id} not found")
    return resource


def add_version(platform, *, actor_id: int, resource_id: int, filename: str | None = None,
                content: bytes | None = None, url: str | None = None, note: str = "") -> ResourceVersion:
    """A new version of a resource; it becomes the current one, older versions stay downloadable (IPCU)."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = actor(session, actor_id)
        require_ipcu(user)
        resource = _resource(session, resource_id, for_update=True)
        fields = _content(platform, filename, content, url)
        if ("url" in fields) != (resource.kind == "link"):
            raise Invalid({"file": "a new version of a link is a link; of a document, a document"})
        resource.current_version += 1
        resource.updated_at = at
        version = ResourceVersion(resource_id=resource.id, version=resource.current_version, uploaded_by=user.id,
                                  uploaded_at=at, note=(note or "").strip()[:500] or None, **fields)
        session.add(version)
        tags = list(session.scalars(select(ResourceTag.tag).where(ResourceTag.resource_id == resource.id)))
        _reindex(resource, tags, fields.get("text", ""))
        _log(session, user, resource, version.version, fields, version.note)
        uow.commit()
        return version


def edit(platform, *, actor_id: int, resource_id: int, title: str, description: str, category: str,
         tags: str) -> Resource:
    """Change a resource's title, description, category and tags (IPCU); audited."""
    title, description, tag_list = _details(title, description, category, tags)
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        require_ipcu(user)
        resource = _resource(session, resource_id, for_update=True)
        resource.title, resource.description, resource.category = title, description, category
        resource.updated_at = now()
        session.execute(delete(ResourceTag).where(ResourceTag.resource_id == resource.id))
        session.add_all([ResourceTag(resource_id=resource.id, tag=t) for t in tag_list])
        current = session.scalar(select(ResourceVersion.text).where(
            ResourceVersion.resource_id == resource.id, ResourceVersion.version == resource.current_version))
        _reindex(resource, tag_list, current or "")
        audit.append(session, actor=user.username, action="resource.edit", object_type="resource",
                     object_id=resource.id, detail={"title": title, "category": category, "tags": tag_list})
        uow.commit()
        return resource


def open_version(platform, *, actor_id: int, resource_id: int, version: int | None = None) -> dict:
    """A version to download ({path, filename, content_type}) or a link to open ({url}); audited either way."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        resource = _resource(session, resource_id)
        number = version or resource.current_version
        row = session.scalar(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id,
                                                           ResourceVersion.version == number))
        if row is None:
            raise NotFound(f"resource {resource_id} has no version {number}")
        if row.url:
            result, action, detail = {"url": row.url}, "resource.open", {"url": row.url}
        else:
            result = {"path": _stored(platform, row.sha256), "filename": row.filename,
                      "content_type": row.content_type}
            action, detail = "resource.download", {"filename": row.filename, "sha256": row.sha256}
        audit.append(session, actor=user.username, action=action, object_type="resource", object_id=resource.id,
                     detail={"version": number, **detail})
        uow.commit()
        return result


def _stored(platform, digest: str) -> Path:
    path = platform.settings.data_dir / "resources" / digest
    if not path.is_file():
        raise NotFound("the stored file is missing; tell the administrator (BHARATPOL_DATA_DIR must be shared "
                       "storage when several hosts serve the portal)")
    return path
