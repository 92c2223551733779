"""Who may open which staff page.

Every route under /staff declares its policy with one of two decorators:

- `@public`: anyone may open it (only the sign-in page is);
- `@require_role("caseworker", ...)`: signed-in staff with at least one of these roles;
  `@require_role()` with no roles: any signed-in staff member.

The policy is kept on the view function (`staff_policy`), so `staff_route_policies(app)` can list
every route's policy and a test can check that none is missing. A route under /staff without a
declared policy is refused with 403 for everyone (see `refuse_undeclared`): forgetting the
decorator fails closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, Final
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, url_for

from .auth import current_staff
from .models import ROLES

log = logging.getLogger(__name__)

STAFF_PREFIX: Final = "/staff"
PUBLIC: Final = "public"
POLICY_ATTRIBUTE: Final = "staff_policy"
MAX_NEXT_LENGTH = 2000

Policy = frozenset[str] | str


def is_staff_path(path: str) -> bool:
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declare a staff route open to everyone, signed in or not."""
    setattr(view, POLICY_ATTRIBUTE, PUBLIC)
    return view


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only signed-in staff holding at least one of `roles` (any staff member when none are given).

    Signed out: a redirect to the sign-in page, which comes back here afterwards.
    Signed in without the role: 403.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; the roles are {', '.join(ROLES)}")
    policy = frozenset(roles)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None:
                return redirect(sign_in_url(request.full_path if request.method in ("GET", "HEAD") else None))
            if policy and not user.has_any_role(policy):
                log.warning(
                    "staff account %s refused %s: needs one of %s", user.id, request.endpoint, sorted(policy)
                )
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, POLICY_ATTRIBUTE, policy)
        return guarded

    return decorator


def policy_of(view: Callable[..., Any] | None) -> Policy | None:
    return getattr(view, POLICY_ATTRIBUTE, None)


def staff_route_policies(app: Flask) -> dict[str, Policy | None]:
    """Every endpoint with a route under /staff, and its declared policy (None: undeclared)."""
    policies: dict[str, Policy | None] = {}
    for rule in app.url_map.iter_rules():
        if is_staff_path(rule.rule):
            policies[rule.endpoint] = policy_of(app.view_functions.get(rule.endpoint))
    return policies


def refuse_undeclared() -> None:
    """Before every request: a staff route that declares no policy is refused to everyone."""
    if request.endpoint is None or not is_staff_path(request.path):
        return
    if policy_of(current_app.view_functions.get(request.endpoint)) is None:
        log.error(
            "route %s is under %s but declares no access policy: refused", request.endpoint, STAFF_PREFIX
        )
        abort(403)


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path inside the staff area of this site; otherwise None.

    Anything with a scheme, a host, a protocol-relative `//`, a backslash
    (which browsers read as `/`) or a control character is refused, so the
    sign-in page can never send anyone to another site.
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not is_staff_path(parts.path):
        return None
    return target.removesuffix("?")


def sign_in_url(next_target: str | None = None) -> str:
    target = safe_next(next_target)
    home = url_for("staff.home")
    return url_for("staff.sign_in", next=target if target and target != home else None)
