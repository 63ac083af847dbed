"""No secret in the repository: every file `git ls-files` lists is scanned for private keys, cloud and chat
tokens, passwords and secrets written as literals, high-entropy values given to key/token names, committed
.env files, databases and dumps. Known harmless values are allowed by name below, each with its reason."""

import math
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {  # value -> why it may be in the repository
    "bharatpol-demo": "the documented password of the demo accounts (README, DESIGN); demo data is refused "
                      "in production",
    "a-long-enough-password": "test fixture: accounts created by tests",
    "a-long-new-passphrase": "test fixture: the password change in test_audit_completeness",
    "another-long-passphrase": "test fixture: create-user in test_audit_completeness",
    "a-production-secret": "test fixture: the production-mode secret key in tests/web/test_auth.py",
    "e2e-secret": "test fixture: the Flask secret key of the browser tests",
    "reliability-tests-secret-key": "test fixture: the production-mode key of the gunicorn reliability tests",
    "wrong-password": "test fixture: a deliberately wrong password (tests/web/test_route_matrix.py)",
    "p%40ss": "test fixture: test_backup shows that a URL's password is kept off pg_dump's command line",
}
PLACEHOLDER = re.compile(r"(?i)^(change-?me.*|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|…|\.\.\.|x{3,}|\*{3,})$")
TOKENS = {
    "private key": r"-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{5}",
    "AWS access key id": r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "AWS secret access key": r"(?i)aws_?secret_?access_?key\W{1,4}[A-Za-z0-9/+=]{40}",
    "GitHub token": r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    "Slack token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "Slack webhook": r"hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}",
    "Stripe live key": r"\b[rs]k_live_[0-9A-Za-z]{24,}",
}
NAME = r"[a-z0-9_]*(?:passw(?:or)?d|pwd|secret|token|api_?key|private_?key|salt|credential|key)[a-z0-9_]*"
ASSIGNED = re.compile(rf"""(?i)\b({NAME})["']?\s*[:=]\s*["']([^"'\s]+)["']""")  # name = "v", "NAME": "v"
ENV_LINE = re.compile(rf"""(?i)^\s*(?:export\s+)?({NAME})=([^\s"'#;]+)""")  # NAME=value outside Python
PASSWORDISH = re.compile(r"(?i)passw(or)?d|pwd|secret")
URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:([^@\s/'\"]+)@")
ENV_FILE = re.compile(r"(^|/)(\.env(\.[^/]+)?|[^/]+\.env)$")
ENV_TEMPLATE = re.compile(r"\.(example|sample|template)$")
DATA_FILE = re.compile(r"(?i)\.(db|db3|sqlite3?|dump|pgdump|sql|sql\.gz|bak|pem|key|p12|pfx|jks|keystore)$|"
                       r"(^|/)id_(rsa|dsa|ecdsa|ed25519)$")
MAGIC = {b"SQLite format 3\x00": "SQLite database", b"PGDMP": "pg_dump archive"}


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _real_looking(name: str, value: str) -> bool:
    if value in ALLOWED or PLACEHOLDER.match(value) or len(value) < 8:
        return False
    if PASSWORDISH.search(name):
        return True  # any literal password or secret is one too many
    return len(value) >= 16 and entropy(value) >= 3.5 and bool(re.search(r"\d", value) and re.search("[A-Za-z]", value))


def findings(path: str, content: bytes) -> list[str]:
    """What looks like a secret in one file: 'path:line: what'."""
    found = [f"{path}: {what} committed" for magic, what in MAGIC.items() if content.startswith(magic)]
    if ENV_FILE.search(path) and not ENV_TEMPLATE.search(path):
        found.append(f"{path}: .env file committed (commit a .env.example with placeholders instead)")
    if DATA_FILE.search(path):
        found.append(f"{path}: database, dump or key file committed")
    if b"\x00" in content[:8192]:
        return found  # binary (fonts, images): the text rules below do not apply
    for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), start=1):
        found += [f"{path}:{number}: {what}" for what, pattern in TOKENS.items() if re.search(pattern, line)]
        assigned = [*ASSIGNED.finditer(line), *([] if path.endswith(".py") else ENV_LINE.finditer(line))]
        found += [f"{path}:{number}: {m.group(1)} has a literal value" for m in assigned
                  if _real_looking(m.group(1), m.group(2))]
        found += [f"{path}:{number}: password in a URL" for m in URL_PASSWORD.finditer(line)
                  if _real_looking("password", m.group(1))]
    return found


def tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def test_no_secret_is_committed():
    found = [f for name in tracked_files() for f in findings(name, (ROOT / name).read_bytes())]
    assert found == []


def _key(*parts: str) -> str:
    return "".join(parts)  # samples are built here so that this file itself holds none


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("a.txt", _key("-----", "BEGIN RSA PRIVATE KEY", "-----"), ["a.txt:1: private key"]),
    ("a.py", _key("AK", "IA", "Q7XW3M2LPRZ6TY4N"), ["a.py:1: AWS access key id"]),
    ("a.py", _key("gh", "p_", "x" * 36), ["a.py:1: GitHub token"]),
    ("a.py", _key("xo", "xb-", "12345-67890-abcdef"), ["a.py:1: Slack token"]),
    ("a.py", _key('db_pass', 'word = "', 'Tr0ub4dor&3x"'), ["a.py:1: db_password has a literal value"]),
    ("a.py", _key('API_TOKEN = "', 'q8Vn2Lr7Xk4Wp9Ta1Zc6Hs3Jd5', '"'), ["a.py:1: API_TOKEN has a literal value"]),
    ("a.py", 'cache_key = "notice_register_rows"', []),
    ("a.py", _key('password=', '"bharatpol', '-demo"'), []),
    ("deploy/app.env.example", _key("APP_SECRET", "_KEY=change-me-to-a-long-random-string"), []),
    ("deploy/app.env", "APP_DEBUG=1", ["deploy/app.env: .env file committed (commit a .env.example with "
                                       "placeholders instead)"]),
    ("a.cfg", _key("url = postgresql://app:", "S3cr3tPass", "@db/app"), ["a.cfg:1: password in a URL"]),
    ("instance/bharatpol.db", "", ["instance/bharatpol.db: database, dump or key file committed"]),
])
def test_findings_name_each_kind_of_secret(path, text, expected):
    assert findings(path, text.encode()) == expected


def test_a_committed_database_is_found_by_its_content():
    assert findings("data/blob", b"SQLite format 3\x00" + b"\x00" * 100) == ["data/blob: SQLite database committed"]
