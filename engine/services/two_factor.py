"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) for IPCU and ILO accounts."""

import pyotp

from engine import audit
from engine.errors import Invalid
from engine.models import User
from engine.services._common import now

TWO_FACTOR_ROLES = ("IPCU", "ILO")
ISSUER = "BHARATPOL"


def required(user: User) -> bool:
    """IPCU and ILO accounts need a second factor; demo accounts are exempt so the demo works at once."""
    return user.role in TWO_FACTOR_ROLES and not user.is_demo


def needs_enrolment(user: User) -> bool:
    return required(user) and not user.totp_enabled


def check_code(user: User, code: str | None) -> bool:
    """True when the code matches the current 30-second step (±1) and was not used before (no replay)."""
    if not user.totp_enabled or not code:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    at = now()
    for drift in (0, -1, 1):
        step = totp.timecode(at) + drift
        if step > (user.totp_last_step or -1) and totp.generate_otp(step) == code.strip():
            user.totp_last_step = step
            return True
    return False


def start_enrolment(platform, *, user_id: int) -> dict:
    """A new secret for the user (kept until confirmed); returns what the authenticator app needs."""
    with platform.uow() as uow:
        user = uow.session.get(User, user_id)
        if user.totp_enabled:
            raise Invalid({"otp": "two-factor sign-in is already on for this account"})
        user.totp_secret = user.totp_secret or pyotp.random_base32()
        uow.commit()
        uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
        return {"secret": user.totp_secret, "uri": uri}


def confirm_enrolment(platform, *, user_id: int, code: str) -> User:
    """Switch two-factor sign-in on once the officer proves the app shows the right code."""
    with platform.uow() as uow:
        user = uow.session.get(User, user_id)
        if not user.totp_secret:
            raise Invalid({"otp": "start the enrolment first"})
        user.totp_enabled = True
        if not check_code(user, code):
            raise Invalid({"otp": "that code is not the one your authenticator app shows now"})
        audit.append(uow.session, actor=user.username, action="account.2fa_on", object_type="user",
                     object_id=user.username)
        uow.commit()
        return user
