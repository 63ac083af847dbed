"""Named domain errors; the web layer maps each to one HTTP status."""


class BharatpolError(Exception):
    """Base class of every error a caller may show to a user."""


class NotFound(BharatpolError):
    """Unknown, or outside the caller's need-to-know scope (404)."""


class Forbidden(BharatpolError):
    """Visible to the caller but not allowed (403)."""


class Conflict(BharatpolError):
    """Task not ready, claimed by another, already done, or stale version (409)."""


class Invalid(BharatpolError):
    """Invalid data, with a message per field (422)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DeployError(BharatpolError):
    """A process file set was refused; says which file, element and why."""

    def __init__(self, filename: str, element: str | None, reason: str):
        where = f"{filename}" + (f" [{element}]" if element else "")
        super().__init__(f"{where}: {reason}")
        self.filename, self.element, self.reason = filename, element, reason
