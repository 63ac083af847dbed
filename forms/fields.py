"""HTML form fields <-> JSON data, driven by the form's JSON Schema. Standard library only.

Field names are dotted paths with array indices (`charges.1.law`). Parsing converts values by the
schema's types but never drops a non-empty value: names the schema does not know, and values that do
not convert, are kept as they were so that validation refuses them with a message.
"""

import math
import re

IGNORED = frozenset({"csrf_token", "action"})
INTEGER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
BOOLEANS = {"true": True, "on": True, "false": False}
SCALAR = ""  # key under which a branch keeps a value sent for the branch itself (`subject` and `subject.x`)


def field_path(*parts) -> str:
    """`field_path("charges", 0, "law")` → "charges.0.law"; empty parts are skipped."""
    return ".".join(str(p) for p in parts if p is not None and p != "")


def parse_submission(schema: dict, form) -> dict:
    """Turn submitted form fields (a werkzeug MultiDict) into JSON data following the schema."""
    tree: dict = {}
    for name in form:
        if name not in IGNORED:
            _put(tree, name.split("."), [v for v in form.getlist(name) if v is not None])
    return _convert(tree, schema, schema) or {}


def _put(tree: dict, parts: list[str], values: list):
    key = _key(parts[0])
    if len(parts) == 1:
        if isinstance(tree.get(key), dict):
            tree[key][SCALAR] = values
        else:
            tree[key] = values
        return
    branch = tree.get(key)
    if not isinstance(branch, dict):
        branch = tree[key] = {} if branch is None else {SCALAR: branch}
    _put(branch, parts[1:], values)


def _key(part: str):
    return int(part) if part.isdigit() and part.isascii() else part


def _convert(node, schema: dict, root: dict):
    """Converted value, or None when nothing is left."""
    schema = resolve(schema, root)
    if isinstance(node, dict):
        return _branch(node, schema, root)
    if kind(schema) == "array":
        return _items([_convert([v], schema.get("items") or {}, root) for v in node])
    filled = [v for v in node if v.strip()]
    if len(filled) > 1 and kind(schema) != "boolean":
        return [_scalar(v, schema) for v in filled]  # a repeated name: keep every value, let validation speak
    # a boolean may come twice (a hidden "false" before a checkbox): the last one wins
    return _scalar(filled[-1], schema) if filled else None


def _branch(node: dict, schema: dict, root: dict):
    keys = [k for k in node if k != SCALAR]
    if keys and all(isinstance(k, int) for k in keys) and kind(schema) != "object":
        items = schema.get("items") or {}
        values = [_convert(node[k], items, root) for k in sorted(keys)]
        if SCALAR in node:
            values.append(_convert(node[SCALAR], items, root))
        return _items(values)
    result = {}
    for key, child in node.items():
        value = _convert(child, property_schema(schema, str(key)), root)
        if value is not None:
            result[str(key)] = value
    return result or None


def _items(values: list):
    kept = [v for v in values if v is not None]
    return kept or None


def _scalar(raw: str, schema: dict):
    """Stripped, converted by type; a value that does not convert stays the stripped string."""
    text = raw.strip()
    if not text:
        return None
    expected = kind(schema)
    if expected == "integer" and INTEGER.fullmatch(text):
        return int(text)
    if expected == "number" and INTEGER.fullmatch(text):
        return int(text)
    if expected == "number" and NUMBER.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    if expected == "boolean":
        return BOOLEANS.get(text.lower(), text)
    return text


def kind(schema: dict) -> str | None:
    """The schema's JSON type ('string', 'object', ...); the first non-null one of a type list."""
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if declared is None and "properties" in schema:
        return "object"
    if declared is None and "items" in schema:
        return "array"
    return declared


def resolve(schema, root: dict) -> dict:
    """Follow local `$ref`s ("#/$defs/name"); anything unresolvable becomes the empty schema."""
    seen = set()
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        schema = _pointer(root, schema["$ref"])
    return schema if isinstance(schema, dict) else {}


def _pointer(root: dict, ref: str):
    if not ref.startswith("#"):
        return None
    node = root
    for part in filter(None, ref[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node


def property_schema(schema: dict, name: str) -> dict:
    """A property's schema: the main `properties`, else the first `allOf`/`then`/`else` that names it."""
    found = (schema.get("properties") or {}).get(name)
    if found is not None:
        return found
    for part in schema.get("allOf") or []:
        for branch in (part, part.get("then") or {}, part.get("else") or {}):
            if name in (branch.get("properties") or {}):
                return branch["properties"][name]
    return {}


def to_fields(data, prefix: str = "") -> dict[str, str]:
    """The inverse of parse_submission: {dotted name: text} for JSON data (booleans as "true"/"false")."""
    if isinstance(data, dict):
        return {k: v for key, value in data.items() for k, v in to_fields(value, field_path(prefix, key)).items()}
    if isinstance(data, list):
        return {k: v for i, value in enumerate(data) for k, v in to_fields(value, field_path(prefix, i)).items()}
    if isinstance(data, bool):
        return {prefix: "true" if data else "false"}
    return {prefix: "" if data is None else str(data)}
