"""Form definitions: JSON Schema files, checked and applied on the server. Imports nothing of ours."""

from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

SCHEMA_DIR = Path(__file__).parent / "schemas"
RESERVED_KEYS = frozenset({"agency", "unit", "case_reference", "attachments", "blocks", "initiator", "duplicates"})

__all__ = ["RESERVED_KEYS", "SCHEMA_DIR", "SchemaError", "check_schema", "load_dir", "validate"]


def load_dir(directory: Path = SCHEMA_DIR) -> dict[str, bytes]:
    """Every form file in a directory, by file name."""
    return {p.name: p.read_bytes() for p in sorted(Path(directory).glob("*.json"))}


def check_schema(schema: dict):
    """Raise SchemaError unless this is a valid JSON Schema (draft 2020-12)."""
    Draft202012Validator.check_schema(schema)


def validate(schema: dict, data) -> dict[str, str]:
    """Return {field path: message} for every problem; empty when the data is valid."""
    if not isinstance(data, dict):
        return {"": "form data must be a JSON object"}
    errors = {key: "is a reserved name and cannot be submitted" for key in data if key in RESERVED_KEYS}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        for field, message in _explain(error):
            errors.setdefault(field, message)
    return errors


def _explain(error):
    path = ".".join(str(p) for p in error.absolute_path)
    join = (lambda name: f"{path}.{name}") if path else (lambda name: name)
    if error.validator == "required":
        return [(join(error.message.split("'")[1]), "is required")]
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [(join(k), "is not a field of this form") for k in error.instance if k not in known]
    return [(path or "(form)", error.message)]
