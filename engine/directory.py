"""Agencies, units and accounts; password hashing with argon2."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from engine.errors import Invalid, NotFound
from engine.models import ROLES, Agency, Unit, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def agency_by_code(session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"no agency with code '{code}'")
    return agency


def unit_by_code(session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"no unit with code '{code}'")
    return unit


def user_by_username(session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def new_user(session, *, username, full_name, role, agency, unit=None, password, password_hash=None,
             **flags) -> User:
    """Check and add one account; UOs need a unit of their agency, IPCU belongs to CBI."""
    errors = {}
    if role not in ROLES:
        errors["role"] = f"must be one of {', '.join(ROLES)}"
    if role == "UO" and (unit is None or unit.agency_id != agency.id):
        errors["unit"] = "a unit officer needs a unit of the same agency"
    if len(password) < MIN_PASSWORD_LENGTH and not flags.get("is_demo"):
        errors["password"] = f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if user_by_username(session, username) is not None:
        errors["username"] = f"'{username}' is already taken"
    if errors:
        raise Invalid(errors)
    user = User(username=username, full_name=full_name, role=role, agency_id=agency.id,
                unit_id=unit.id if unit else None, password_hash=password_hash or hash_password(password), **flags)
    session.add(user)
    session.flush()
    return user
