"""The staff entrance: sign in, sign out and the staff home."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..reports.models import held_count
from . import throttle
from .access import public, require_role, safe_next
from .auth import (
    NOTICE_KEY,
    authenticate,
    current_staff,
    purge_idle_sessions,
    sign_in,
    sign_out,
    signed_in_staff,
)
from .models import ROLES

bp = Blueprint("staff", __name__, url_prefix="/staff")

ROLE_NAMES = {
    "caseworker": _l("Caseworker"),
    "analyst": _l("Analyst"),
    "data_owner": _l("Data owner"),
    "admin": _l("Administrator"),
}


@dataclass(frozen=True)
class Section:
    """A part of the staff area, listed on the staff home for the roles that can use it."""

    endpoint: str
    title: object  # a lazy string
    description: object
    roles: frozenset[str]  # empty: every signed-in staff member


# Later parts (the report queue, the dashboard, administration) add themselves here.
SECTIONS: list[Section] = [
    Section("staff.home", _l("Staff home"), _l("This page: what your account can use."), frozenset()),
]


# Where a staff member with only these roles' work lands after signing in (later parts add
# theirs: the dashboard for analysts). Anyone else, or with several kinds of work, gets the home.
LANDINGS: dict[str, str] = {}


def sections_for(roles: frozenset[str]) -> list[Section]:
    return [s for s in SECTIONS if not s.roles or s.roles & roles]


def landing_url(roles: frozenset[str]) -> str:
    """The page a staff member is sent to after signing in, when no `next=` was given."""
    # An administrator's pages are occasional; a caseworker's or an analyst's are their day's work.
    everyday = roles - {"admin"}
    if len(everyday) == 1 and next(iter(everyday)) in LANDINGS:
        return url_for(LANDINGS[next(iter(everyday))])
    return url_for("staff.home")


@bp.get("")
@require_role()
def home():
    user = signed_in_staff()
    # Caseworkers decide what happens to reports held as a possible flood; administrators are told.
    alerted = bool(user.roles & {"caseworker", "admin"})
    return render_template(
        "staff/home.html",
        user=user,
        role_names=[str(ROLE_NAMES[role]) for role in ROLES if role in user.roles],
        sections=sections_for(user.roles),
        held=held_count() if alerted else 0,
        can_review="caseworker" in user.roles,
    )


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
@public
def sign_in_page():
    next_target = safe_next(request.args.get("next"))
    if request.method == "GET" and current_staff() is not None:
        return redirect(next_target or url_for(".home"))
    email = request.form.get("email", "").strip() if request.method == "POST" else ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if not email:
            errors["email"] = _("Enter your email address")
        if not password:
            errors["password"] = _("Enter your password")
        if not errors:
            attempt = throttle.begin(email)
            wait = throttle.wait_before(attempt)
            if wait:
                return _too_many_attempts(email, next_target, wait)
            user = authenticate(email, password)
            if user is not None:
                purge_idle_sessions()
                sign_in(user)
                response = redirect(next_target or landing_url(user.roles))
                throttle.succeeded(attempt, response)
                return response
            throttle.failed(attempt)
            errors["email"] = _("Enter a correct email address and password.")
    notice = session.pop(NOTICE_KEY, None) if request.method == "GET" else None
    return _sign_in_form(email, errors, next_target, notice)


def _sign_in_form(
    email: str, errors: dict[str, str], next_target: str | None, notice: str | None = None
) -> str:
    return render_template(
        "staff/sign_in.html",
        email=email,
        errors=errors,
        notice=notice,
        idle_minutes=current_app.config["STAFF_IDLE_MINUTES"],
        next_target=next_target,
    )


def _too_many_attempts(email: str, next_target: str | None, seconds: int) -> Response:
    """The form again, with how long to wait, as a 429: the attempt was not looked at."""
    message = _(
        "There have been too many attempts to sign in. Wait %(wait)s, then try again.",
        wait=format_timedelta(_wait_shown(seconds), granularity="second", threshold=1),
    )
    response = Response(_sign_in_form(email, {"email": message}, next_target), status=429)
    response.headers["Retry-After"] = str(seconds)
    return response


def _wait_shown(seconds: int) -> dt.timedelta:
    # Whole minutes above a minute, rounded up: never tell someone to come back too early.
    if seconds <= 60:
        return dt.timedelta(seconds=seconds)
    return dt.timedelta(minutes=math.ceil(seconds / 60))


@bp.post("/sign-out", endpoint="sign_out")
@public  # signing out must always work, even when the session has already ended
def sign_out_page():
    sign_out()
    return redirect(url_for(".sign_in"))
