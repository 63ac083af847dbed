"""The Connect hierarchy's rules: who administers what, and which offices may write to each other.

IPCU administrators run every agency; an ILO runs its own agency's units and UO accounts. A page or action
about another agency's objects is NotFound for an ILO (existence is not leaked); an action the role may
never do is Forbidden. Messages go along the hierarchy only: a unit ↔ its agency's ILO desk, an ILO desk
↔ CBI IPCU."""

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Agency, MessageThread, Unit, User

ADMIN_ROLES_BY_ROLE = {"IPCU": ("IPCU", "ILO", "UO"), "ILO": ("UO",)}  # roles each admin role may create
IPCU_ADDRESS = "IPCU"


def require_admin(user: User):
    """Only IPCU administrators and ILOs administer accounts (403 for everyone else)."""
    if user.role == "ILO" or (user.role == "IPCU" and user.is_admin):
        return
    raise Forbidden("only CBI IPCU administrators and INTERPOL Liaison Officers administer accounts")


def require_ipcu_admin(user: User):
    if not (user.role == "IPCU" and user.is_admin):
        raise Forbidden("only CBI IPCU administrators create agencies")


def require_agency_scope(user: User, agency: Agency):
    """An administrator's view of one agency: IPCU any, an ILO its own (404 for the others)."""
    require_admin(user)
    if user.role == "ILO" and agency.id != user.agency_id:
        raise NotFound(f"no agency with code '{agency.code}'")


def require_account_scope(user: User, target: User):
    """May the user see and manage this account? ILOs manage their agency's UO accounts only."""
    require_admin(user)
    if user.role == "ILO":
        if target.agency_id != user.agency_id:
            raise NotFound(f"no account '{target.username}'")
        if target.role != "UO":
            raise Forbidden("an ILO manages the unit officer accounts of its agency; ask CBI IPCU")


def check_new_role(user: User, role: str, agency: Agency):
    """The roles an administrator may create: IPCU admins ILO, UO and (in their own agency) IPCU."""
    if role not in ("IPCU", "ILO", "UO"):
        raise Invalid({"role": "must be one of UO, ILO, IPCU"})
    if role not in ADMIN_ROLES_BY_ROLE.get(user.role, ()):
        raise Forbidden(f"an {user.role} may not create {role} accounts")
    if role == "IPCU" and agency.id != user.agency_id:
        raise Invalid({"role": "IPCU accounts belong to CBI IPCU's own agency"})


@dataclass(frozen=True)
class End:
    """One end of a message thread: an office. Its attributes match what engine.assignment reads of a user,
    so `case_scope_clause(end)` says which cases the office may see."""

    role: str
    agency_id: int | None = None
    unit_id: int | None = None


def end_of(user: User) -> End:
    if user.role == "UO":
        return End("UO", user.agency_id, user.unit_id)
    if user.role == "ILO":
        return End("ILO", user.agency_id)
    return End("IPCU")


def may_write(a: End, b: End) -> bool:
    """A unit and its own agency's ILO desk; any ILO desk and IPCU."""
    roles = {a.role: a, b.role: b}
    if set(roles) == {"UO", "ILO"}:
        return roles["UO"].agency_id == roles["ILO"].agency_id
    return set(roles) == {"ILO", "IPCU"}


def resolve(session, address: str) -> End:
    """'IPCU', 'ILO:<agency code>' or 'UO:<unit code>' → an End; Invalid when it names nothing."""
    role, _, code = (address or "").partition(":")
    if role == IPCU_ADDRESS and not code:
        return End("IPCU")
    if role == "ILO":
        agency = session.scalar(select(Agency).where(Agency.code == code))
        if agency is not None:
            return End("ILO", agency.id)
    if role == "UO":
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is not None:
            return End("UO", unit.agency_id, unit.id)
    raise Invalid({"to": f"'{address}' is not an office you can write to"})


def thread_end(thread: MessageThread, side: str) -> End:
    return End(getattr(thread, f"{side}_role"), getattr(thread, f"{side}_agency_id"),
               getattr(thread, f"{side}_unit_id"))


def is_member(user: User, end: End) -> bool:
    """Does the user work at this office? (A unit's officers, an agency's ILOs, every IPCU officer.)"""
    if user.role != end.role:
        return False
    if end.role == "UO":
        return user.unit_id == end.unit_id
    return end.role == "IPCU" or user.agency_id == end.agency_id


def my_side(user: User, thread: MessageThread) -> str | None:
    return next((side for side in "ab" if is_member(user, thread_end(thread, side))), None)


def side_clause(user: User, side: str):
    """SQL: the user works at the thread's end `side`."""
    role = getattr(MessageThread, f"{side}_role")
    if user.role == "UO":
        return and_(role == "UO", getattr(MessageThread, f"{side}_unit_id") == user.unit_id)
    if user.role == "ILO":
        return and_(role == "ILO", getattr(MessageThread, f"{side}_agency_id") == user.agency_id)
    return role == user.role


def thread_clause(user: User):
    """SQL: threads the user may read."""
    return or_(side_clause(user, "a"), side_clause(user, "b"))
