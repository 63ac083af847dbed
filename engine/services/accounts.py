"""Sign-in with lock-out, password changes, and API bearer tokens."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from engine import audit
from engine.directory import MIN_PASSWORD_LENGTH, check_password, hash_password, user_by_username
from engine.errors import BharatpolError, Forbidden, Invalid
from engine.models import ApiToken, User
from engine.services import two_factor
from engine.services._common import now

MAX_FAILURES = 5
LOCK_MINUTES = 15
TOKEN_HOURS = 12


class SignInFailed(BharatpolError):
    """Wrong credentials or a locked account (401); the message never says which username exists."""


def authenticate(platform, *, username: str, password: str, otp: str | None = None, channel: str = "web") -> User:
    """Check a password (and the one-time code where two-factor is on); five failures lock for 15 minutes."""
    with platform.uow() as uow:
        session, at = uow.session, now()
        user = user_by_username(session, username or "")
        if user is None or not user.active:
            audit.append(session, actor=username or "?", action="login.failed", object_type="user",
                         object_id=username or "?", detail={"channel": channel})
            uow.commit()
            raise SignInFailed("wrong username or password")
        if user.locked_until and user.locked_until > at:
            raise SignInFailed(f"account locked after repeated failures; try again after "
                               f"{user.locked_until:%H:%M} UTC")
        if not check_password(user, password or ""):
            _failed(session, user, at, channel)
            uow.commit()
            raise SignInFailed("wrong username or password")
        if user.totp_enabled and not two_factor.check_code(user, otp):
            _failed(session, user, at, channel)
            uow.commit()
            raise SignInFailed("enter the current code from your authenticator app" if not otp
                               else "wrong or already used authentication code")
        user.failed_logins, user.locked_until = 0, None
        audit.append(session, actor=user.username, action="login", object_type="user", object_id=user.username,
                     detail={"channel": channel})
        uow.commit()
        return user


def _failed(session, user: User, at, channel: str):
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.failed_logins, user.locked_until = 0, at + timedelta(minutes=LOCK_MINUTES)
    audit.append(session, actor=user.username, action="login.failed", object_type="user",
                 object_id=user.username, detail={"channel": channel, "locked": user.locked_until is not None})


def change_password(platform, *, user_id: int, current: str, new: str, confirm: str) -> User:
    """Change one's own password after proving the current one."""
    with platform.uow() as uow:
        user = uow.session.get(User, user_id)
        errors = {}
        if not check_password(user, current or ""):
            errors["current"] = "is not your current password"
        if len(new or "") < MIN_PASSWORD_LENGTH:
            errors["new"] = f"must be at least {MIN_PASSWORD_LENGTH} characters"
        elif new != confirm:
            errors["confirm"] = "does not match the new password"
        elif new == current:
            errors["new"] = "must differ from the current password"
        if errors:
            raise Invalid(errors)
        user.password_hash, user.must_change_password = hash_password(new), False
        audit.append(uow.session, actor=user.username, action="account.password", object_type="user",
                     object_id=user.username)
        uow.commit()
        return user


def end_sessions(platform, *, user_id: int):
    """Sign the user out everywhere: session cookies issued before now stop working."""
    with platform.uow() as uow:
        user = uow.session.get(User, user_id)
        if user is None:
            return
        user.session_epoch += 1
        audit.append(uow.session, actor=user.username, action="logout", object_type="user",
                     object_id=user.username)
        uow.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(platform, *, username: str, password: str, otp: str | None = None) -> tuple[str, User]:
    """A new bearer token (returned once, stored hashed) valid for 12 hours."""
    user = authenticate(platform, username=username, password=password, otp=otp, channel="api")
    if user.must_change_password:
        raise Forbidden("change the password you were given (sign in on the web) before using the API")
    if two_factor.needs_enrolment(user):
        raise Forbidden("set up two-factor sign-in (sign in on the web) before using the API")
    token = secrets.token_urlsafe(32)
    with platform.uow() as uow:
        uow.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now(),
                                 expires_at=now() + timedelta(hours=TOKEN_HOURS)))
        audit.append(uow.session, actor=user.username, action="token.issue", object_type="user",
                     object_id=user.username)
        uow.commit()
    return token, user


def user_for_token(platform, token: str) -> User | None:
    """The active user a non-expired token belongs to, else None."""
    with platform.uow() as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token or "")))
        if row is None or row.expires_at <= now():
            return None
        user = uow.session.get(User, row.user_id)
        return user if user is not None and user.active else None


def load_user(platform, user_id: int) -> User | None:
    with platform.uow() as uow:
        user = uow.session.get(User, user_id)
        return user if user is not None and user.active else None
