"""Append-only, hash-chained audit log and its verification."""

import hashlib
import json

from sqlalchemy import insert, select, update

from engine.models import AuditEntry, AuditHead
from engine.models._types import utcnow


def _digest(prev_hash: str, seq: int, at, actor, action, object_type, object_id, detail) -> str:
    body = json.dumps(
        [prev_hash, seq, at.isoformat(), actor, action, object_type, str(object_id), detail],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(session, *, actor: str, action: str, object_type: str, object_id, detail=None) -> AuditEntry:
    """Chain one entry onto the log; the UPDATE on the head row serialises concurrent writers.

    Call it last before the commit: the head row stays locked until then, so every other writer waits for
    whatever is sent after it (the UPDATE's autoflush sends the step's pending rows before taking the lock).
    """
    head = AuditHead.__table__  # Core statements: no ORM bookkeeping on this hot row
    seq, prev = session.execute(
        update(head).where(head.c.id == 1).values(seq=head.c.seq + 1).returning(head.c.seq, head.c.last_hash)
    ).one()
    at, detail = utcnow(), detail or {}
    digest = _digest(prev, seq, at, actor, action, object_type, object_id, detail)
    values = {"seq": seq, "at": at, "actor": actor, "action": action, "object_type": object_type,
              "object_id": str(object_id), "detail": detail, "prev_hash": prev, "hash": digest}
    entry = insert(AuditEntry.__table__).values(values)
    move_head = update(head).where(head.c.id == 1).values(last_hash=digest)
    if session.get_bind().dialect.name == "postgresql":
        # one round trip instead of two while the head row is locked: the INSERT rides in a CTE
        session.execute(move_head.add_cte(entry.returning(AuditEntry.__table__.c.id).cte("entry")))
    else:
        session.execute(entry)
        session.execute(move_head)
    return AuditEntry(**values)


def verify(session) -> list[str]:
    """Walk the chain; return one line per problem (edited, deleted or reordered entries)."""
    problems, prev, expected_seq = [], "0" * 64, 1
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} to {entry.seq - 1} missing (deleted?)")
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.seq}: chain broken (previous hash does not match)")
        recomputed = _digest(entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action,
                             entry.object_type, entry.object_id, entry.detail)
        if recomputed != entry.hash:
            problems.append(f"entry {entry.seq}: content does not match its hash (edited?)")
        prev, expected_seq = entry.hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev):
        problems.append(f"log ends at entry {expected_seq - 1} but head says {head.seq} (tail deleted?)")
    return problems
