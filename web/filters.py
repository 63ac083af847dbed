"""Jinja filters for dates, sizes and field names, and the notice types the pages offer."""

from datetime import UTC, datetime

# Labels for the notice types of shared/DOMAIN.md; the codes match the notice_draft form's enum.
NOTICE_TYPES = (
    ("RED", "Red — locate and arrest a wanted person"),
    ("YELLOW", "Yellow — locate a missing person"),
    ("BLUE", "Blue — collect information on a person"),
    ("BLACK", "Black — identify an unidentified body"),
    ("GREEN", "Green — warn about a person's criminal activities"),
    ("ORANGE", "Orange — warn of a serious and imminent threat"),
    ("PURPLE", "Purple — modus operandi, objects, devices"),
    ("UNSC", "INTERPOL–UN Security Council Special Notice"),
    ("SILVER", "Silver — trace and recover criminal assets"),
    ("DIFFUSION", "Diffusion — sent directly to chosen countries"),
)
UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
         ("hour", 3600), ("minute", 60))


def init_app(app):
    for function in (ago, age, when, filesize, humanize, columns):
        app.add_template_filter(function)
    app.add_template_test(is_past, "past")
    app.context_processor(lambda: {"notice_types": NOTICE_TYPES})


def parse(value) -> datetime | None:
    """An aware UTC datetime from an ISO string or a datetime; None for empty or unreadable values."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _span(seconds: float) -> str:
    """'3 days', '1 hour', '' under a minute: the largest whole unit."""
    for unit, size in UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return ""


def ago(value, now: datetime | None = None) -> str:
    """'3 days ago', 'just now', 'in 2 days'."""
    at = parse(value)
    if at is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - at).total_seconds()
    span = _span(abs(seconds))
    if not span:
        return "just now"
    return f"{span} ago" if seconds > 0 else f"in {span}"


def age(value, now: datetime | None = None) -> str:
    """How long since a moment, for 'waiting for 3 days': '3 days', 'less than a minute'."""
    at = parse(value)
    if at is None:
        return ""
    return _span(max(((now or datetime.now(UTC)) - at).total_seconds(), 0)) or "less than a minute"


def is_past(value, now: datetime | None = None) -> bool:
    """True for a moment before now (an overdue due date)."""
    at = parse(value)
    return at is not None and at < (now or datetime.now(UTC))


def when(value) -> str:
    """'29 Nov 2026, 14:05 UTC'; a plain date ('2026-05-04') stays a date: '4 May 2026'."""
    if isinstance(value, str) and len(value) == 10:
        at = parse(value)
        return f"{at.day} {at:%b %Y}" if at else value
    at = parse(value)
    if at is None:
        return "" if value is None else str(value)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def filesize(value) -> str:
    """'532 bytes', '1.5 KB', '12.0 MB'."""
    size = int(value or 0)
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"


def humanize(value) -> str:
    """'return_reason' → 'Return reason'."""
    text = str(value if value is not None else "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def columns(rows) -> list:
    """The keys of a list of dicts, in first-seen order: the columns of a table."""
    seen = {}
    for row in rows or ():
        if isinstance(row, dict):
            seen.update(dict.fromkeys(row))
    return list(seen)
