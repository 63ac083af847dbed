"""Connect administration: agencies, units and accounts along the hierarchy; every change is audited.

New accounts get a generated temporary password, returned once for the administrator to hand over and never
stored in clear or logged; the account must change it at first sign-in. Accounts are deactivated, never
deleted, so their cases, messages and audit history stay."""

import re
import secrets

from sqlalchemy import delete, select

from engine import audit
from engine.directory import agency_by_code, hash_password, new_user, unit_by_code, user_by_username
from engine.errors import Forbidden, Invalid, NotFound
from engine.hierarchy import (
    check_new_role,
    require_account_scope,
    require_admin,
    require_agency_scope,
    require_ipcu_admin,
)
from engine.models import Agency, ApiToken, Unit, User
from engine.services._common import actor

AGENCY_KINDS = {"state_police": "State police", "central_agency": "Central agency"}
AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
UNIT_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,63}$")
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")


def temporary_password() -> str:
    """16 random URL-safe characters (96 bits): above the 12-character minimum of engine.directory."""
    return secrets.token_urlsafe(12)


def _log(session, user: User, action: str, object_type: str, object_id: str, **detail):
    audit.append(session, actor=user.username, action=action, object_type=object_type, object_id=object_id,
                 detail=detail)


def create_agency(platform, *, actor_id: int, code: str, name: str, kind: str) -> Agency:
    """A new agency (IPCU administrators)."""
    code, name = (code or "").strip().upper(), (name or "").strip()
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        require_ipcu_admin(user)
        errors = {}
        if not AGENCY_CODE.match(code):
            errors["code"] = "2–32 capital letters, digits or _, starting with a letter (e.g. KERALA)"
        elif session.scalar(select(Agency.id).where(Agency.code == code)) is not None:
            errors["code"] = f"'{code}' is already taken"
        if not name:
            errors["name"] = "is required"
        if kind not in AGENCY_KINDS:
            errors["kind"] = f"must be one of {', '.join(AGENCY_KINDS)}"
        if errors:
            raise Invalid(errors)
        agency = Agency(code=code, name=name[:200], kind=kind)
        session.add(agency)
        _log(session, user, "agency.create", "agency", code, name=agency.name, kind=kind)
        uow.commit()
        return agency


def _agency_in_scope(session, user: User, code: str) -> Agency:
    try:
        agency = agency_by_code(session, code or "")
    except NotFound:
        require_admin(user)  # a UO is told 403 whether or not the agency exists
        raise
    require_agency_scope(user, agency)
    return agency


def create_unit(platform, *, actor_id: int, agency_code: str, code: str, name: str) -> Unit:
    """A new unit in an agency (its ILO, or an IPCU administrator); unit codes start with the agency's."""
    code, name = (code or "").strip().upper(), (name or "").strip()
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        agency = _agency_in_scope(session, user, agency_code)
        errors = {}
        if not UNIT_CODE.match(code) or not code.startswith(f"{agency.code}-"):
            errors["code"] = f"must start with '{agency.code}-' followed by letters or digits (e.g. {agency.code}-CID)"
        elif session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
            errors["code"] = f"'{code}' is already taken"
        if not name:
            errors["name"] = "is required"
        if errors:
            raise Invalid(errors)
        unit = Unit(code=code, name=name[:200], agency_id=agency.id)
        session.add(unit)
        _log(session, user, "unit.create", "unit", code, agency=agency.code, name=unit.name)
        uow.commit()
        return unit


def create_account(platform, *, actor_id: int, agency_code: str, username: str, full_name: str, role: str,
                   unit_code: str | None = None) -> tuple[User, str]:
    """A new account and its one-time temporary password (to be changed at first sign-in)."""
    username, full_name = (username or "").strip().lower(), (full_name or "").strip()
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        agency = _agency_in_scope(session, user, agency_code)
        check_new_role(user, role, agency)
        unit = _unit_of(session, agency, unit_code) if role == "UO" else None
        _check_account_fields(username, full_name)
        password = temporary_password()
        account = new_user(session, username=username, full_name=full_name[:200], role=role, agency=agency,
                           unit=unit, password=password, must_change_password=True)
        _log(session, user, "account.create", "user", username, role=role, agency=agency.code,
             unit=unit.code if unit else None)
        uow.commit()
        return account, password


def _unit_of(session, agency: Agency, unit_code: str | None) -> Unit:
    try:
        unit = unit_by_code(session, (unit_code or "").strip().upper())
    except NotFound:
        unit = None
    if unit is None or unit.agency_id != agency.id:
        raise Invalid({"unit": f"choose one of {agency.name}'s units"})
    return unit


def _check_account_fields(username: str, full_name: str):
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "3–64 lower-case letters, digits, '.', '_' or '-', starting with a letter"
    if not full_name:
        errors["full_name"] = "is required"
    if errors:
        raise Invalid(errors)


def _account_in_scope(session, user: User, username: str) -> User:
    require_admin(user)
    target = user_by_username(session, username or "")
    if target is None:
        raise NotFound(f"no account '{username}'")
    require_account_scope(user, target)
    if target.id == user.id:
        raise Forbidden("you cannot change your own account here; another administrator must")
    return target


def set_active(platform, *, actor_id: int, username: str, active: bool, reason: str = "") -> User:
    """Deactivate (sign-in and API tokens stop at once) or reactivate an account; it is never deleted."""
    reason = (reason or "").strip()
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        target = _account_in_scope(session, user, username)
        if target.active == active:
            raise Invalid({"active": f"'{target.username}' is already {'active' if active else 'deactivated'}"})
        if not active and not reason:
            raise Invalid({"reason": "say why the account is deactivated (e.g. transferred, retired)"})
        target.active = active
        if not active:
            session.execute(delete(ApiToken).where(ApiToken.user_id == target.id))
        _log(session, user, "account.reactivate" if active else "account.deactivate", "user", target.username,
             reason=reason or None)
        uow.commit()
        return target


def reset_password(platform, *, actor_id: int, username: str) -> tuple[User, str]:
    """A new one-time temporary password for an account (changed at its next sign-in)."""
    with platform.uow() as uow:
        session = uow.session
        user = actor(session, actor_id)
        target = _account_in_scope(session, user, username)
        password = temporary_password()
        target.password_hash, target.must_change_password = hash_password(password), True
        target.failed_logins, target.locked_until = 0, None
        session.execute(delete(ApiToken).where(ApiToken.user_id == target.id))
        _log(session, user, "account.password_reset", "user", target.username)
        uow.commit()
        return target, password
