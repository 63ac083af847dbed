"""Sign-in, sign-out, password change; the forced first-login password change."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from engine.errors import Invalid
from engine.services import accounts, two_factor
from web.context import platform, safe_next
from web.extensions import login_manager

bp = Blueprint("auth", __name__)
OPEN_ENDPOINTS = {"auth.login", "auth.logout", "auth.password", "auth.two_factor", "static"}


class Officer(UserMixin):
    """The signed-in user as flask-login sees it; a read-only copy of the account."""

    def __init__(self, user):
        self.id = user.id
        self.username, self.full_name, self.role = user.username, user.full_name, user.role
        self.agency_code, self.agency_name = user.agency.code, user.agency.name
        self.unit_code = user.unit.code if user.unit else None
        self.unit_name = user.unit.name if user.unit else None
        self.is_admin, self.is_process_owner = user.is_admin, user.is_process_owner
        self.must_change_password = user.must_change_password
        self.session_epoch = user.session_epoch
        self.needs_two_factor = two_factor.needs_enrolment(user)

    def get_id(self) -> str:
        """The user id and session epoch: a session cookie dies when the epoch moves on (sign-out)."""
        return f"{self.id}.{self.session_epoch}"

    @property
    def scope_label(self) -> str:
        return self.unit_name or self.agency_name


@login_manager.user_loader
def _load(session_id):
    user_id, _, epoch = str(session_id).partition(".")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = accounts.load_user(platform(), int(user_id))
    return Officer(user) if user and user.session_epoch == int(epoch) else None


@bp.before_app_request
def _force_password_change():
    """Real accounts must replace the password they were given before doing anything else."""
    if request.path.startswith("/api/") or request.endpoint in OPEN_ENDPOINTS:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.password"))
    if current_user.is_authenticated and current_user.needs_two_factor:
        return redirect(url_for("auth.two_factor"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign the officer in."""
    if request.method == "GET":
        return render_template("auth/login.html")
    user = accounts.authenticate(platform(), username=request.form.get("username", "").strip(),
                                 password=request.form.get("password", ""), otp=request.form.get("otp") or None)
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(Officer(user))
    flash(f"Signed in as {user.full_name}.", "success")
    return redirect(safe_next(request.args.get("next"), url_for("tasks.home")))


@bp.post("/logout")
def logout():
    """Sign out here and everywhere: the session cookie is dead even if someone copied it."""
    if current_user.is_authenticated:
        accounts.end_sessions(platform(), user_id=current_user.id)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    try:
        accounts.change_password(platform(), user_id=current_user.id, current=request.form.get("current", ""),
                                 new=request.form.get("new", ""), confirm=request.form.get("confirm", ""))
    except Invalid as exc:
        return render_template("auth/password.html", errors=exc.errors), 422
    flash("Your password has been changed.", "success")
    return redirect(url_for("tasks.home"))


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_setup():
    """Set up two-factor sign-in with an authenticator app (required for IPCU and ILO accounts)."""
    if request.method == "GET":
        return render_template("auth/two_factor.html", errors={},
                               enrolment=two_factor.start_enrolment(platform(), user_id=current_user.id))
    try:
        two_factor.confirm_enrolment(platform(), user_id=current_user.id, code=request.form.get("otp", ""))
    except Invalid as exc:
        return render_template("auth/two_factor.html", errors=exc.errors,
                               enrolment=two_factor.start_enrolment(platform(), user_id=current_user.id)), 422
    flash("Two-factor sign-in is on. From now on, sign in with your password and the app's code.", "success")
    return redirect(url_for("tasks.home"))
